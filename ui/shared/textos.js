// @ts-check
// Spanish text the scripts put on screen, one block per screen. Static labels live in
// index.html; messages about data come from the Rust side already in Spanish. The maps of
// states and kinds are typed by the Rust enums: a value without a label fails `tsc`.
import { fecha } from './fecha.js';
import { ESTADOS_CORREO, ESTADOS_REGISTRO, RESPUESTAS } from './palabras.js';

/** @typedef {import('../types/ipc').AffiliateKind} AffiliateKind */
/** @typedef {import('../types/ipc').AppInfo} AppInfo */
/** @typedef {import('../types/ipc').BackupInfo} BackupInfo */
/** @typedef {import('../types/ipc').RestoreOutcome} RestoreOutcome */
/** @typedef {import('../types/ipc').Clerk} Clerk */
/** @typedef {import('../types/ipc').ConsentView} ConsentView */
/** @typedef {import('../types/ipc').ConsentStanding} ConsentStanding */
/** @typedef {import('../types/ipc').DeliveryPromise} DeliveryPromise */
/** @typedef {import('../types/ipc').DocumentKind} DocumentKind */
/** @typedef {import('../types/ipc').EmailKind} EmailKind */
/** @typedef {import('../types/ipc').EmailSent} EmailSent */
/** @typedef {import('../types/ipc').EmailState} EmailState */
/** @typedef {import('../types/ipc').IdentifiedAffiliate} IdentifiedAffiliate */
/** @typedef {import('../types/ipc').KeyOnDisk} KeyOnDisk */
/** @typedef {import('../types/ipc').ImportProgress} ImportProgress */
/** @typedef {import('../types/ipc').ImportReport} ImportReport */
/** @typedef {import('../types/ipc').LegalDocument} LegalDocument */
/** @typedef {import('../types/ipc').Receipt} Receipt */
/** @typedef {import('../types/ipc').RecordProblem} RecordProblem */
/** @typedef {import('../types/ipc').RegistrationDetail} RegistrationDetail */
/** @typedef {import('../types/ipc').RegistrationElsewhere} RegistrationElsewhere */
/** @typedef {import('../types/ipc').RegistrationState} RegistrationState */
/** @typedef {import('../types/ipc').RevealedSerial} RevealedSerial */
/** @typedef {import('../types/ipc').Role} Role */
/** @typedef {import('../types/ipc').RosterSummary} RosterSummary */
/** @typedef {import('../types/ipc').StaffMember} StaffMember */
/** @typedef {import('../types/ipc').SettingsProblem} SettingsProblem */
/** @typedef {import('../types/ipc').SyncStatus} SyncStatus */
/** @typedef {import('../types/ipc').UpdateView} UpdateView */
/** @typedef {import('../types/ipc').Report} Report */
/** @typedef {import('../types/ipc').Figures} Figures */
/** @typedef {(iso: string | null) => string} Fecha A local date and time, or a dash. */
/** @typedef {[label: string, value: string][]} Pairs Label and value, for a <dl>. */

/** Kept of judged, and the percentage: «2 de 3 (66.7 %)»; a dash when none was judged. @param {Figures} f */
const promesa = (f) => f.promise_percent === null ? '—' : `${f.promise_kept} de ${f.promise_judged} (${f.promise_percent.toFixed(1)} %)`;
/** @param {Report} r */
const reportScope = (r) => ({ station: 'esta estación', office: 'toda la oficina', institute: 'todo el Instituto' })[r.scope];

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** @type {Record<Role, string>} */
const ROLES = { capturista: 'Capturista', supervisor: 'Supervisor' };

/** @type {Record<AffiliateKind, string>} */
const AFFILIATE_KINDS = { titular: 'Titular', beneficiario: 'Beneficiario' };

/** A word from the one table (ui/shared/palabras.js), at the start of a cell or line. @param {string} w */
const mayuscula = (w) => w.charAt(0).toUpperCase() + w.slice(1);
/** @template {string} K @param {Record<K, string>} table @returns {Record<K, string>} */
const conMayuscula = (table) => /** @type {Record<K, string>} */ (Object.fromEntries(Object.entries(table).map(([k, v]) => [k, mayuscula(/** @type {string} */ (v))])));
const REGISTRATION_STATES = conMayuscula(ESTADOS_REGISTRO);
const EMAIL_STATES = conMayuscula(ESTADOS_CORREO);

/** @type {Record<EmailKind, string>} */
const EMAIL_KINDS = { validacion: 'Validación', contrasena_temporal: 'Contraseña temporal' };

/** @type {Record<DocumentKind, string>} */
const DOCUMENTS = {
  aviso_integral: 'Aviso de privacidad integral',
  aviso_simplificado: 'Aviso de privacidad simplificado',
  terminos_condiciones: 'Términos y condiciones',
  consentimiento_agrupacion: 'Agrupación por núcleo familiar',
};

/** Settings that can still hold the values the app ships with, as the status bar names them. */
const VALORES_DE_FABRICA = /** @type {Partial<Record<import('../types/ipc').Field, string>>} */ ({
  link_base_url: 'la dirección del enlace de validación',
  sender_address: 'el correo del remitente',
  institute_profile: 'los datos del Instituto que citan los textos legales',
});

export const textos = {
  general: {
    demo: 'DEMO — Padrón de demostración con personas ficticias. Importe el padrón real en «Padrón» antes de atender afiliados.',
    errorInesperado: 'Ocurrió un error inesperado. Intente de nuevo y, si se repite, avise a soporte.',
    estado: (/** @type {AppInfo} */ i) => `${i.office} · Estación ${i.workstation} · ${i.email_delivery}`,
    // Waiting for the network is normal at a satellite office: said calmly, never as an
    // error; a refusal from the central database is said in red, in Spanish.
    conexion: (/** @type {SyncStatus} */ s) => !s.configured
      ? 'Base central: no configurada (la estación trabaja sola)'
      : s.online ? '● En línea con la base central'
        : s.waiting_for_network || !s.last_error
          ? '○ Sin conexión con la base central: los registros esperan aquí y se envían solos al volver la red'
          : `⚠ ${s.last_error}`,
    desde: (/** @type {string | null} */ iso) => iso ? ` desde el ${fecha(iso)}` : '',
    // Without a central database nothing is "sent": say plainly that the records live
    // only on this station, which is what a supervisor needs to know about backups.
    /** @param {SyncStatus} s @param {(iso: string | null) => string} desde */
    pendientes: (s, desde) => !s.configured
      ? `Registros guardados solo en esta estación: ${s.records_waiting}`
      : `Registros por enviar: ${s.records_waiting}${s.changes_waiting ? ` (${s.changes_waiting} cambios)${desde(s.oldest_record_waiting_at)}` : ''}`,
    /** @param {SyncStatus} s @param {(iso: string | null) => string} desde */
    correos: (s, desde) => `Correos en espera: ${s.emails_waiting}${s.emails_waiting ? desde(s.oldest_email_waiting_at) : ''}`,
    // The server's answer to the waiting emails (a refused password…), already in Spanish.
    correosMotivo: (/** @type {string} */ because) => `⚠ Los correos esperan. Respuesta del último intento: ${because}`,
    correosAtencion: (/** @type {number} */ n) => `${n === 1 ? '1 correo necesita' : `${n} correos necesitan`} atención (no se entregó o se interrumpió): reenvíelo desde «Pendientes».`,
    ultima: (/** @type {SyncStatus} */ s) => `Última sincronización: ${s.last_success_at ? `el ${fecha(s.last_success_at)}` : 'nunca'}`,
    // The saved settings file is unusable: the station holds emails and registrations.
    ajustes: (/** @type {SettingsProblem} */ p) => `⚠ Ajustes no válidos: ${p.message} Un supervisor debe corregirlos en «Ajustes»; `
      + 'mientras tanto no se registra a nadie y los correos esperan.',
    // Demo values on a station joined to the institute: registering goes on, emails wait.
    demostracion: (/** @type {import('../types/ipc').Field[]} */ fields) => {
      const names = fields.map((f) => VALORES_DE_FABRICA[f] ?? f).join(' y ');
      const settings = fields.filter((f) => f !== 'institute_profile').length;
      return `⚠ Los correos esperan: ${names} aún ${fields.length === 1 ? 'tiene el valor' : 'tienen los valores'} de demostración. `
        + (settings ? 'Un supervisor cambia los ajustes en «Ajustes»' : '')
        + (settings && settings < fields.length ? '; ' : '')
        + (settings < fields.length ? 'los datos del Instituto llegan con una versión de la aplicación que publica el Instituto' : '')
        + '. Después, los correos salen solos.';
    },
    // The daily backup failed (a USB drive taken away): tried again every 15 minutes.
    /** @param {import('../types/ipc').BackupFailure} f @param {(iso: string) => string} fecha */
    copia: (f, fecha) => `⚠ La copia de seguridad diaria no se pudo hacer desde el ${fecha(f.since)}: ${f.message} `
      + 'Se intenta de nuevo cada 15 minutos; un supervisor revisa la carpeta de copias en «Ajustes».',
    // No credential store: the database key sits in the data folder.
    clave: (/** @type {KeyOnDisk} */ k) => k === 'held'
      ? '⚠ Sin almacén de contraseñas: la clave de la base de datos está en un archivo del equipo. '
        + 'No se registra a nadie hasta que un supervisor lo acepte en «Ajustes».'
      : 'La clave de la base de datos está en un archivo del equipo (aceptado por un supervisor).',
    // The offset is central − station: positive when this station's clock runs behind.
    reloj: (/** @type {number} */ offsetSeconds) => {
      const ahead = offsetSeconds < 0;
      const s = Math.abs(offsetSeconds);
      const amount = s >= 86400 ? plural(Math.round(s / 86400), 'día', 'días')
        : s >= 3600 ? plural(Math.round(s / 3600), 'hora', 'horas')
          : plural(Math.round(s / 60), 'minuto', 'minutos');
      return `⚠ La hora de esta estación va ${amount} ${ahead ? 'adelantada' : 'atrasada'} respecto de la base central. `
        + 'Los vencimientos se calculan con la hora de la base central; pida a soporte que corrija la hora del equipo.';
    },
    // A new version: ready (downloaded, its signature checked) or refused (the message
    // comes from Rust, already in Spanish).
    actualizacion: (/** @type {UpdateView} */ u) => u.state === 'ready'
      ? `Hay una versión nueva del programa (${u.version}) lista para instalarse. Se instalará sola cuando la estación `
        + 'quede libre (sesión bloqueada o cerrada y sin un registro a medias); no necesita hacer nada.'
      : u.state === 'refused' ? `⚠ ${u.message}` : '',
    problemas: (/** @type {number} */ n) => n === 1 ? '1 registro necesita atención' : `${n} registros necesitan atención`,
    problema: (/** @type {RecordProblem} */ p) => `Folio ${p.folio} — ${p.sync_state === 'conflicto' ? 'Conflicto' : 'Error'}: ${p.message ?? ''}`,
    ver: 'Ver',
    reintentar: 'Reintentar',
  },
  sesion: {
    revise: 'Revise los campos marcados:',
    usuario: (/** @type {Clerk} */ c) => `${c.full_name} (${ROLES[c.role]})`,
    bloqueada: (/** @type {Clerk} */ c) => `La sesión de ${c.full_name} (${c.username}) está bloqueada. Escriba su contraseña para continuar donde se quedó.`,
  },
  personal: {
    roles: ROLES,
    /** @param {StaffMember} m @param {Fecha} fecha */
    estado: (m, fecha) => [
      m.active ? 'Activa' : 'Desactivada',
      m.locked_until && new Date(m.locked_until) > new Date() ? `bloqueada hasta el ${fecha(m.locked_until)}` : '',
      m.must_change_password ? 'debe elegir su contraseña' : '',
    ].filter(Boolean).join(' · '),
    asignar: 'Asignar contraseña nueva',
    asignarA: (/** @type {StaffMember} */ m) => `Contraseña nueva para ${m.full_name}`,
    asignada: (/** @type {StaffMember} */ m) => `Se asignó una contraseña nueva a ${m.full_name}; la cuenta quedó desbloqueada y deberá elegir la suya al entrar.`,
    desactivar: 'Desactivar',
    reactivar: 'Reactivar',
    creada: (/** @type {StaffMember} */ m) => `Cuenta creada para ${m.full_name} (usuario ${m.username}). Entréguele la contraseña en persona.`,
    desactivada: (/** @type {StaffMember} */ m) => `La cuenta de ${m.full_name} quedó desactivada: ya no puede entrar.`,
    reactivada: (/** @type {StaffMember} */ m) => `La cuenta de ${m.full_name} está activa de nuevo.`,
  },
  registro: {
    revise: 'Revise los campos marcados:',
    registrando: 'Registrando…',
    registrar: 'Registrar',
    leer: 'Leer',
    acepto: (/** @type {string} */ titulo) => `El afiliado leyó y acepta: ${titulo}`,
    agrupacionPregunta: '¿El afiliado otorga el consentimiento para agrupar su agenda médica y recetas por núcleo familiar?',
    agrupacionSi: mayuscula(RESPUESTAS.agrupacion.si),
    agrupacionNo: mayuscula(RESPUESTAS.agrupacion.no),
    quisisteDecir: (/** @type {string} */ s) => `¿Quiso decir ${s}?`,
    usar: (/** @type {string} */ s) => `Usar ${s}`,
    identificado: (/** @type {IdentifiedAffiliate} */ a) => `${a.full_name} · ${AFFILIATE_KINDS[a.kind]}. Confirme con el afiliado que es la persona correcta.`,
    pdfGuardado: (/** @type {string} */ path) => `Comprobante guardado en PDF: ${path}`,
    // Queued, not sent: the outbox hands it to the mail server when it can (the status bar
    // counts the ones waiting); «entregado» is said only once the server took it.
    correoEnviado: (/** @type {string} */ c) => `El correo de validación para ${c} quedó en la bandeja de salida y sale en cuanto el servidor de correo lo reciba. El enlace y el código sirven una sola vez.`,
    agrupacion: (/** @type {boolean} */ si) => si
      ? `Agrupación por núcleo familiar: ${RESPUESTAS.agrupacion.si}.`
      : `Agrupación por núcleo familiar: ${RESPUESTAS.agrupacion.no} (el afiliado verá solo su propia agenda y recetas; puede otorgarla después en ventanilla).`,
    version: (/** @type {LegalDocument} */ d) => `Versión ${d.version} · comprobación del texto ${d.sha256.slice(0, 12)}…`,
  },
  comprobante: {
    /** @param {Receipt} c @returns {Pairs} */
    datos: (c) => [
      ['Fecha', c.registered_at_local],
      ['Oficina', `${c.office} (estación ${c.workstation})`],
      ['Afiliado', c.affiliate_name || '—'],
      ['Número de afiliación', c.affiliation_number],
      ['Correo', c.email_masked],
      ['Teléfono', c.phone_masked],
    ],
    telefono: (/** @type {string} */ p) => `Teléfono: ${p}`,
    horario: (/** @type {string} */ h) => `Horario: ${h}`,
  },
  validacion: {
    validando: 'Validando…',
    validar: 'Validar',
    usuario: (/** @type {string} */ u) => `Usuario: ${u}`,
    correo: (/** @type {string} */ c) => `La contraseña temporal para ${c} quedó en la bandeja de salida y sale en cuanto el servidor de correo la reciba. El afiliado deberá cambiarla al entrar por primera vez.`,
  },
  busqueda: {
    estados: REGISTRATION_STATES,
    estadosCorreo: EMAIL_STATES,
    tipos: EMAIL_KINDS,
    documentos: DOCUMENTS,
    ver: 'Ver',
    titulo: (/** @type {RegistrationDetail} */ d) => `Folio ${d.folio} — ${d.full_name ?? d.affiliation_number}`,
    /** @param {RegistrationDetail} d @param {string} estado @param {Fecha} fecha @returns {Pairs} */
    datos: (d, estado, fecha) => [
      ['Estado', estado],
      ['Afiliación', d.affiliation_number],
      ['Correo', d.email || '— (suprimido)'],
      ['Teléfono', d.phone_display || '— (suprimido)'],
      ['Agrupación por núcleo familiar', mayuscula(d.family_grouping ? RESPUESTAS.agrupacion.si : RESPUESTAS.agrupacion.no)],
      ['Registrado', `${fecha(d.created_at)} en ${d.office}, estación ${d.workstation}, por ${d.clerk}`],
      ['Fecha de validación', fecha(d.validated_at)],
      .../** @type {Pairs} */ (d.closed_at ? [['Cerrado', `${fecha(d.closed_at)}: ${d.closed_reason ?? ''}`]] : []),
      .../** @type {Pairs} */ (d.personal_data_erased_at ? [['Datos de contacto', `Suprimidos el ${fecha(d.personal_data_erased_at)}`]] : []),
    ],
    duracion: (/** @type {number} */ s) => `${Math.floor(s / 60)} min ${s % 60} s`,
    /** @param {DeliveryPromise} p @param {(seconds: number) => string} dur */
    promesa: (p, dur) => p.kept === true
      ? `✔ Promesa de ${p.limit_minutes} minutos cumplida: el correo de validación salió en ${dur(p.elapsed_secs)}.`
      : p.kept === false
        ? `✖ Promesa de ${p.limit_minutes} minutos NO cumplida: ${p.first_sent_at ? `el correo salió en ${dur(p.elapsed_secs)}` : `el correo lleva ${dur(p.elapsed_secs)} sin salir`}.`
        : p.first_sent_at === null && p.elapsed_secs >= 0
          ? `⏳ El correo de validación aún no sale (${dur(p.elapsed_secs)} de ${p.limit_minutes} min).`
          : '',
    reenviarEn: (/** @type {number} */ s) => `Reenviar correo de validación (disponible en ${s} s)`,
    reenviar: 'Reenviar correo de validación',
    reenviado: (/** @type {EmailSent} */ r) => `Un nuevo correo de validación para ${r.email_masked} quedó en la bandeja de salida. El enlace y el código anteriores ya no sirven.`,
    corregido: (/** @type {EmailSent} */ r) => `Correo corregido. El correo de validación para ${r.email_masked} quedó en la bandeja de salida; el enlace anterior ya no sirve.`,
    contrasenaTitulo: 'Nueva contraseña temporal',
    contrasenaExplicacion: 'La contraseña actual deja de funcionar y se envía una nueva al correo del afiliado.',
    contrasenaEnviada: (/** @type {EmailSent} */ r) => `Una nueva contraseña temporal para ${r.email_masked} quedó en la bandeja de salida.`,
    telefonoTitulo: 'Rectificar teléfono',
    telefonoExplicacion: (/** @type {string} */ nuevo) => `El teléfono del registro cambia a ${nuevo}. Escriba el motivo (por ejemplo, la solicitud del afiliado) y pida la autorización de un supervisor.`,
    telefonoSinCambio: 'Es el mismo teléfono que ya tiene el registro.',
    telefonoRectificado: (/** @type {import('../types/ipc').PhoneRectified} */ r) => `Teléfono rectificado: ahora es ${r.phone_display}.`,
    datosTitulo: 'Entregar sus datos personales',
    datosExplicacion: 'Derecho de acceso: se guarda un PDF con todo lo que esta estación tiene del registro (sin contraseñas ni códigos), para entregarlo al afiliado. Requiere a un supervisor y queda en la bitácora.',
    datosGuardados: (/** @type {string} */ path) => `Datos personales guardados en PDF: ${path}. Imprímalo o entrégueselo al afiliado; no lo deje en el equipo.`,
    suprimirTitulo: (/** @type {import('../types/ipc').ErasureRight} */ r) => r === 'opposition' ? 'Suprimir datos por oposición' : 'Suprimir datos por cancelación',
    suprimirExplicacion: 'El correo, el teléfono y la cuenta se borran de forma definitiva y no se pueden recuperar. Escriba el motivo (la solicitud del afiliado) y pida la autorización de un supervisor.',
    suprimidos: (/** @type {import('../types/ipc').ErasureDone} */ r) => r.cancelled
      ? `Datos de contacto suprimidos y registro ${r.folio} cancelado.`
      : `Datos de contacto del registro ${r.folio} suprimidos.`,
    cancelarTitulo: 'Cancelar registro',
    cancelarExplicacion: 'El enlace, el código y la cuenta dejan de servir; el afiliado podrá registrarse de nuevo. Requiere a un supervisor.',
    cancelado: 'Registro cancelado.',
    // Where the search looked (SearchReach), and a registration of another station.
    alcance: {
      central: 'Se buscó en esta estación y en la base central: las demás estaciones de la oficina y, por número de afiliación o folio, los registros vigentes de otras oficinas.',
      this_station_offline: 'Sin conexión con la base central: se buscó solo en esta estación. Un registro hecho en otra estación no aparece hasta que vuelva la red.',
      this_station: '',
    },
    vacia: 'No se encontró ningún registro.',
    vaciaEstacion: 'No se encontró ningún registro en esta estación.',
    donde: (/** @type {RegistrationElsewhere} */ r) => `${r.office}, estación ${r.workstation}`,
    centralTitulo: (/** @type {RegistrationElsewhere} */ r) => `Folio ${r.folio} — ${r.full_name ?? r.affiliation_number} (${r.office})`,
    /** @param {RegistrationElsewhere} r @param {string} estado @param {Fecha} fecha @returns {Pairs} */
    centralDatos: (r, estado, fecha) => [
      ['Estado', estado],
      ['Afiliación', r.affiliation_number],
      ['Correo', r.personal_data_erased ? '— (suprimido)' : r.email],
      ['Registrado', `${fecha(r.created_at)} en ${r.office}, estación ${r.workstation}`],
      ['Fecha de validación', fecha(r.validated_at)],
      .../** @type {Pairs} */ (r.closed_at ? [['Cerrado', fecha(r.closed_at)]] : []),
    ],
    centralNota: (/** @type {RegistrationElsewhere} */ r) => r.own_office
      ? 'Registro de otra estación de esta oficina: lo que haga aquí pasa por la base central y queda en su bitácora; la estación donde se hizo lo verá al sincronizar.'
      : `Registro de ${r.office}: desde aquí solo se le puede reenviar el correo de validación o enviar una contraseña temporal nueva, al correo que ya tiene registrado. Para corregir el correo o cancelar el registro, el afiliado debe acudir a esa oficina.`,
    centralReenviado: (/** @type {EmailSent} */ r) => `Se pidió al servicio central un nuevo correo de validación para ${r.email_masked}; sale en unos segundos. El enlace nuevo vence cuando vence el registro y los enlaces anteriores dejan de servir.`,
    centralContrasena: (/** @type {EmailSent} */ r) => `Se pidió al servicio central una nueva contraseña temporal para ${r.email_masked}; sale en unos segundos y reemplaza la anterior.`,
    centralCorregido: (/** @type {EmailSent} */ r) => `Correo corregido en la base central. Se pidió un correo de validación para ${r.email_masked}; el enlace anterior ya no sirve.`,
    centralCancelado: 'Registro cancelado en la base central; la estación donde se hizo lo verá al sincronizar.',
    respuesta: (/** @type {ConsentView} */ c) => {
      const words = c.document_kind === 'consentimiento_agrupacion' ? RESPUESTAS.agrupacion : RESPUESTAS.texto;
      return mayuscula(c.accepted ? words.si : words.no);
    },
    /** @param {ConsentView} c @param {Fecha} fecha */
    quien: (c, fecha) => `${fecha(c.decided_at)} · ${c.method} · ${c.clerk}`,
    // The texts in force and the answer in force to each (consents.rs): a later visit
    // answers a new version, or grants or revokes the grouping consent.
    vigente: (/** @type {ConsentStanding} */ s) => `Versión ${s.current_version}`,
    /** @param {ConsentStanding} s @param {Fecha} fecha */
    enVigor: (s, fecha) => {
      if (s.accepted === null) return 'Sin respuesta';
      const words = s.kind === 'consentimiento_agrupacion' ? RESPUESTAS.agrupacion : RESPUESTAS.texto;
      return `${mayuscula(s.accepted ? words.si : words.no)} en la versión ${s.answered_version}, el ${fecha(s.decided_at)}`
        + (s.needs_new_answer ? '. Hay una versión nueva: preséntela en esta visita.' : '');
    },
    presentar: (/** @type {ConsentStanding} */ s) => s.needs_new_answer
      ? `Presentar la versión ${s.current_version}`
      : 'Registrar otra respuesta',
    pregunta: (/** @type {DocumentKind} */ kind) => kind === 'consentimiento_agrupacion'
      ? '¿La persona afiliada otorga este consentimiento? Su respuesta reemplaza a la anterior desde ahora.'
      : '¿La persona afiliada acepta este texto?',
    si: (/** @type {DocumentKind} */ kind) => mayuscula(kind === 'consentimiento_agrupacion' ? 'otorga' : 'acepta'),
    no: (/** @type {DocumentKind} */ kind) => mayuscula(kind === 'consentimiento_agrupacion' ? 'no otorga' : 'no acepta'),
    /** @param {ConsentStanding} s */
    respondido: (s) => {
      const words = s.kind === 'consentimiento_agrupacion' ? RESPUESTAS.agrupacion : RESPUESTAS.texto;
      return `Respuesta registrada: ${DOCUMENTS[s.kind]}, ${s.accepted ? words.si : words.no}.`;
    },
  },
  // Written consent for the family grouping, in the detail of «Buscar».
  consentimientoEscrito: {
    /** @param {import('../types/ipc').ConsentFormCollected | null} c @param {Fecha} fecha */
    estado: (c, fecha) => c
      ? `Formato firmado recogido el ${fecha(c.collected_at)} por ${c.clerk} (${c.office}, estación ${c.workstation}).`
      : 'El formato firmado todavía no se ha recogido: guárdelo en PDF, imprímalo, pida al afiliado que lo firme, fírmelo usted y regístrelo como recogido.',
    comprobanteGuardado: (/** @type {string} */ path) => `Comprobante guardado en PDF: ${path}`,
    formatoGuardado: (/** @type {string} */ path) => `Formato de consentimiento guardado en PDF: ${path}. Imprímalo para que el afiliado lo firme.`,
    recogido: 'Se registró que el formato de consentimiento firmado fue recogido.',
  },
  ajustes: {
    correosEsperan: (/** @type {number} */ n, /** @type {string} */ because) =>
      `⚠ ${n === 1 ? 'Un correo espera' : `${n} correos esperan`} por la configuración del correo o por el servidor. Respuesta del último intento: ${because}`,
    guardado: 'Ajustes guardados.',
    /** The first-run checklist, one line per item (readiness.rs). */
    pasos: /** @type {Record<import('../types/ipc').ReadinessItem, string>} */ ({
      office: 'El nombre de la oficina (no el de demostración).',
      link_base: 'La dirección del enlace de validación del Instituto.',
      sender: 'El correo del remitente del Instituto.',
      institute_profile: 'Los datos del Instituto que citan los textos legales (Unidad de Transparencia, aviso integral); '
        + 'hoy son los de demostración y llegan con la versión de la aplicación que publica el Instituto.',
      smtp: 'El servidor de correo (sin él, los correos se guardan como archivos en este equipo).',
      central: 'La base central (opcional: una estación puede trabajar sola).',
      roster: 'El padrón del Instituto (hoy está el de demostración; con base central llega de ella).',
    }),
    pasoHecho: 'Listo',
    pasoPendiente: 'Pendiente',
    pasoOpcional: 'Opcional',
    problema: (/** @type {SettingsProblem} */ p) => `El archivo de ajustes no se pudo usar: ${p.message} `
      + 'Abajo están los valores de fábrica: escriba los de esta oficina y guarde. El archivo anterior se conserva '
      + 'aparte, junto al nuevo, para que soporte lo revise.',
    noEntero: 'Escriba un número entero.',
    pruebaOk: (/** @type {string} */ to) => `Correo de prueba enviado a ${to}: el servidor lo aceptó.`,
    contrasenaGuardada: 'Hay una contraseña guardada; déjela en blanco para conservarla.',
    contrasenaNueva: 'Escriba la contraseña del usuario de correo.',
    clave: (/** @type {KeyOnDisk} */ k) => k === 'held'
      ? 'Este equipo no tiene un almacén de contraseñas del sistema (en Windows, el Administrador de credenciales; '
        + 'en Linux, el Secret Service de la sesión): la clave que cifra la base de datos local quedó en el archivo '
        + '«clave-base-local.key» de la carpeta de datos, donde protege poco si alguien copia la carpeta. Lo mejor es '
        + 'instalar o activar el almacén y volver a abrir la aplicación (la clave pasa a él sola). Mientras tanto no se '
        + 'registra a nadie, salvo que un supervisor acepte guardar los datos así en esta estación.'
      : 'La clave que cifra la base de datos local está en un archivo de la carpeta de datos: un supervisor lo aceptó '
        + 'para esta estación. Si se instala el almacén de contraseñas del sistema, la clave pasa a él al volver a abrir la aplicación.',
    aceptarClave: 'Aceptar la clave en el disco',
    aceptarClaveTitulo: 'Aceptar la clave en el disco',
    aceptarClaveExplicacion: 'Un supervisor acepta que esta estación guarde los datos personales con su clave en un archivo del equipo. Queda en la bitácora.',
    claveAceptada: 'Aceptado: esta estación ya puede registrar.',
    copia: (/** @type {BackupInfo} */ c, /** @type {Fecha} */ fecha) => `${fecha(c.taken_at)} — ${c.file_name} (${Math.max(1, Math.round(c.size_bytes / 1024)).toLocaleString('es-MX')} KB)`,
    copiasEstado: (/** @type {number} */ n) => n === 0
      ? 'Todavía no hay copias en la carpeta de copias. La estación hace una al día, y otra antes de cada actualización de la base de datos.'
      : `Hay ${plural(n, 'copia', 'copias')} en la carpeta de copias (la más reciente primero). La estación hace una al día, y otra antes de cada actualización de la base de datos.`,
    copiarTitulo: 'Hacer una copia de seguridad ahora',
    copiarExplicacion: 'Un supervisor autoriza la copia. Queda en la bitácora.',
    copiaHecha: (/** @type {BackupInfo} */ c) => `Copia hecha: ${c.file_name}.`,
    restaurarTitulo: 'Restaurar una copia de seguridad',
    restaurarExplicacion: (/** @type {string} */ name) => `Se reemplazará la base de datos de esta estación por la copia «${name}»: `
      + 'los registros hechos después de esa copia dejarán de estar en esta estación (los que ya se enviaron a la base central siguen allá). '
      + 'La base de datos actual no se borra: se conserva con otro nombre en la carpeta de datos. Un supervisor lo autoriza; queda en la bitácora.',
    restaurada: (/** @type {RestoreOutcome} */ o) => `Se restauró la copia ${o.restored}. La aplicación se cerrará y se abrirá de nuevo en unos segundos.`,
    autorizarTitulo: 'Autorizar el cambio de ajustes',
    autorizarExplicacion: 'Los ajustes solo los cambia un supervisor.',
    actualizacion: (/** @type {UpdateView} */ u, /** @type {Fecha} */ fecha) => {
      const when = u.checked_at ? ` Última revisión: ${fecha(u.checked_at)}.` : '';
      switch (u.state) {
        case 'off': return `Versión instalada: ${u.current_version}. Sin dirección, esta estación no busca versiones nuevas.`;
        case 'not_checked_yet': return `Versión instalada: ${u.current_version}. La primera revisión se hace unos minutos después de abrir el programa (o al guardar la dirección) y luego cada 4 horas.`;
        case 'up_to_date': return `Versión instalada: ${u.current_version}; no hay una más nueva.${when}`;
        case 'ready': return `Versión ${u.version} descargada y con la firma del Instituto; se instalará cuando la estación quede libre.${when}`;
        default: return `${u.message ?? ''}${when}`;
      }
    },
  },
  rescate: {
    carpeta: (/** @type {string} */ folder) => `Copias encontradas en ${folder}, la más reciente primero. Solo se acepta una copia que se abra con la clave de este equipo y esté completa.`,
    copia: (/** @type {BackupInfo} */ c, /** @type {Fecha} */ fecha) => `${fecha(c.taken_at)} — ${c.file_name}`,
    confirmar: (/** @type {string} */ name) => `¿Restaurar la copia «${name}»? Los registros hechos después de esa copia no estarán en esta estación. `
      + 'El archivo actual no se borra: se conserva con otro nombre en la carpeta de datos para que soporte lo revise.',
    restaurando: 'Restaurando la copia…',
    lista: 'Se restauró la copia. Abriendo la aplicación…',
  },
  serie: {
    titulo: 'Credencial sin número de serie',
    explicacion: 'Un supervisor revisa en persona la identificación oficial del afiliado; entonces se muestra el número de serie registrado en el padrón. Queda en la bitácora.',
    revelada: (/** @type {RevealedSerial} */ r) => `Número de serie de ${r.full_name}: ${r.credential_serial}. Se copió en el formulario.`,
  },
  padron: {
    estado: (/** @type {RosterSummary} */ r) => r.total === 0
      ? 'El padrón está vacío.'
      : `${r.total.toLocaleString('es-MX')} afiliados (${r.current.toLocaleString('es-MX')} vigentes)${r.is_demo ? ' — padrón de DEMOSTRACIÓN' : ''}${r.imported_at ? ` · última importación el ${fecha(r.imported_at)}` : ''}.`,
    elijaArchivo: 'Elija el archivo CSV del padrón.',
    importar: 'Importar',
    importando: 'Importando…',
    avance: (/** @type {ImportProgress} */ p) => `Leídas ${p.lines_read.toLocaleString('es-MX')} líneas (${p.total_bytes ? Math.round(100 * p.bytes_read / p.total_bytes) : 0} %).`,
    totales: (/** @type {ImportReport} */ r) => `Importados: ${r.imported.toLocaleString('es-MX')} (nuevos: ${r.added.toLocaleString('es-MX')}; `
      + `con cambios: ${r.changed.toLocaleString('es-MX')}, de ellos ${r.serial_changes.toLocaleString('es-MX')} con número de serie nuevo; `
      + `sin cambios: ${r.unchanged.toLocaleString('es-MX')}). Con errores: ${r.rejected.toLocaleString('es-MX')}${r.rejected > r.errors.length ? ` (se muestran los primeros ${r.errors.length})` : ''}.${r.replaced_demo ? ' Se retiró el padrón de demostración.' : ''}`,
    sinColumna: '—',
  },
  // Reportes (supervisors).
  reportes: {
    soloEstacion: 'Sin base central configurada: el reporte es solo de esta estación. Con la base central, también puede ver el de toda la oficina.',
    conCentral: 'Con base central: elija si quiere ver esta estación o toda la oficina (el Instituto completo solo con una cuenta autorizada).',
    alcance: {
      station: 'esta estación',
      office: 'toda la oficina',
      institute: 'todo el Instituto',
    },
    periodo: (/** @type {Report} */ r) => `Del ${r.first_day} al ${r.last_day}: ${reportScope(r)}`,
    generado: (/** @type {Report} */ r) => `Cifras al ${fecha(r.generated_at)}. Cada día es un día de Baja California. Un registro se cuenta el día en que se hizo; una validación, un vencimiento o una cancelación, el día en que ocurrió, con la capturista y la estación que hicieron el registro.`,
    totales: (/** @type {Report} */ r) => /** @type {Pairs} */ ([
      ['Registros', String(r.totals.registrations)],
      ['Validaciones', String(r.totals.validations)],
      ['Vencidos sin validar', String(r.totals.expiries)],
      ['Cancelaciones', String(r.totals.cancellations)],
      [`Correo en ${r.promise_minutes} minutos o menos`, promesa(r.totals)],
    ]),
    promesa,
    cargando: 'Preparando el reporte…',
    guardado: (/** @type {string} */ path) => `Reporte guardado en: ${path}`,
    sinDatos: 'No hubo registros ni cambios en estos 30 días.',
  },
  // «Pendientes»: the four queues, and the status bar's link to them.
  pendientes: {
    estadosCorreo: EMAIL_STATES,
    tipos: EMAIL_KINDS,
    /** @type {Record<import('../types/ipc').SyncProblemKind, string>} */
    situaciones: { conflict: 'Conflicto: el afiliado ya tiene cuenta registrada en otra oficina', held: 'Retenido: la base central lo rechazó' },
    enlace: (/** @type {import('../types/ipc').QueueCounts} */ c) => {
      const n = c.expiring_soon + c.emails + c.sync_problems + c.locked;
      return n === 0 ? `Pendientes: ${plural(c.pending, 'registro por validar', 'registros por validar')}`
        : `⚠ Pendientes: ${n === 1 ? '1 asunto necesita' : `${n} asuntos necesitan`} atención`;
    },
    vence: (/** @type {string | null} */ iso, /** @type {boolean} */ soon) => `${fecha(iso)}${soon ? ' — vence pronto' : ''}`,
    mas: (/** @type {number} */ shown, /** @type {number} */ total) => `Se muestran los ${shown} más antiguos de ${total}.`,
    sinFolio: 'Cambio de una cuenta del personal',
    ver: 'Ver',
    verFolio: (/** @type {string} */ folio) => `Ver el registro ${folio}`,
    reenviar: 'Reenviar',
    reenviarFolio: (/** @type {string} */ folio) => `Reenviar el correo del folio ${folio}`,
    reintentar: 'Reintentar',
    reintentarFolio: (/** @type {string} */ folio) => `Reintentar el envío del folio ${folio}`,
    desbloquear: 'Desbloquear',
    desbloquearNumero: (/** @type {string} */ n) => `Desbloquear el número ${n}`,
    reenviado: (/** @type {string} */ folio) => `Se generó un correo nuevo para el folio ${folio}; saldrá en cuanto haya conexión con el servidor de correo.`,
    reenviados: (/** @type {import('../types/ipc').BulkResend} */ r) => (r.resent.length === 0 ? 'No se reenvió ningún correo.'
      : `Se generaron ${plural(r.resent.length, 'correo nuevo', 'correos nuevos')} (${r.resent.join(', ')}).`)
      + (r.skipped.length ? ` No se reenviaron ${r.skipped.length}: ${r.skipped.map((k) => `${k.folio}: ${k.message}`).join(' ')}` : ''),
    reintentado: (/** @type {string} */ folio) => `El folio ${folio} se intentará subir otra vez en la siguiente sincronización.`,
    desbloquearTitulo: (/** @type {string} */ n) => `Desbloquear el número de afiliación ${n}`,
    desbloquearExplicacion: 'Hágalo solo después de revisar en persona la credencial del afiliado. Queda en la bitácora, con el motivo y el supervisor que lo autoriza.',
    desbloqueado: (/** @type {string} */ n) => `El número de afiliación ${n} quedó desbloqueado: ya se puede registrar.`,
  },
  // The audit log viewer (supervisors).
  bitacora: {
    todos: 'Todos',
    todas: 'Todas',
    accion: (/** @type {string} */ action) => mayuscula(action.replaceAll('_', ' ')),
    resumen: (/** @type {import('../types/ipc').AuditPage} */ p) => p.total === 0 ? 'Ningún evento coincide con el filtro.'
      : `${plural(p.total, 'evento', 'eventos')}, del más reciente al más antiguo.`,
    pagina: (/** @type {import('../types/ipc').AuditPage} */ p) => `Página ${p.page} de ${p.pages}`,
    exportada: (/** @type {string} */ path) => `Se guardó la bitácora en ${path}. Se abre con Excel tal como está.`,
  },
};
