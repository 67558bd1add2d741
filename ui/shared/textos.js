// @ts-check
// Spanish text the scripts put on screen, one block per screen. Static labels live in
// index.html; messages about data come from the Rust side already in Spanish. The maps of
// states and kinds are typed by the Rust enums: a value without a label fails `tsc`.
/** @typedef {import('../types/ipc').AffiliateKind} AffiliateKind */
/** @typedef {import('../types/ipc').AppInfo} AppInfo */
/** @typedef {import('../types/ipc').Clerk} Clerk */
/** @typedef {import('../types/ipc').ConsentView} ConsentView */
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
/** @typedef {import('../types/ipc').RegistrationState} RegistrationState */
/** @typedef {import('../types/ipc').RevealedSerial} RevealedSerial */
/** @typedef {import('../types/ipc').Role} Role */
/** @typedef {import('../types/ipc').RosterSummary} RosterSummary */
/** @typedef {import('../types/ipc').StaffMember} StaffMember */
/** @typedef {import('../types/ipc').SettingsProblem} SettingsProblem */
/** @typedef {import('../types/ipc').SyncStatus} SyncStatus */
/** @typedef {import('../types/ipc').UpdateView} UpdateView */
/** @typedef {(iso: string | null) => string} Fecha A local date and time, or a dash. */
/** @typedef {[label: string, value: string][]} Pairs Label and value, for a <dl>. */

/** +526865550142 → 686 555 0142 (Mexican numbers); anything else as stored. */
const telefono = (/** @type {string} */ e164) => /^\+52\d{10}$/.test(e164)
  ? `${e164.slice(3, 6)} ${e164.slice(6, 9)} ${e164.slice(9)}`
  : e164;

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** @type {Record<Role, string>} */
const ROLES = { capturista: 'Capturista', supervisor: 'Supervisor' };

/** @type {Record<AffiliateKind, string>} */
const AFFILIATE_KINDS = { titular: 'Titular', beneficiario: 'Beneficiario' };

/** @type {Record<RegistrationState, string>} */
const REGISTRATION_STATES = {
  pendiente_validacion: 'Pendiente de validación',
  validada: 'Validada',
  activa: 'Activa',
  expirada: 'Expirada (nunca se validó)',
  cancelada: 'Cancelada',
};

/** @type {Record<EmailState, string>} */
const EMAIL_STATES = {
  en_cola: 'En cola',
  enviando: 'Enviándose',
  enviado: 'Entregado al servidor',
  abandonado: 'Abandonado',
  incierto: 'Incierto (se interrumpió el envío; reenvíe si no llegó)',
  cancelado: 'Reemplazado',
};

/** @type {Record<EmailKind, string>} */
const EMAIL_KINDS = { validacion: 'Validación', contrasena_temporal: 'Contraseña temporal' };

/** @type {Record<DocumentKind, string>} */
const DOCUMENTS = {
  aviso_integral: 'Aviso de privacidad integral',
  aviso_simplificado: 'Aviso de privacidad simplificado',
  terminos_condiciones: 'Términos y condiciones',
  consentimiento_agrupacion: 'Agrupación por núcleo familiar',
};

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
    desde: (/** @type {string | null} */ iso) => iso ? ` desde ${new Date(iso).toLocaleString('es-MX', { dateStyle: 'short', timeStyle: 'short' })}` : '',
    // Without a central database nothing is "sent": say plainly that the records live
    // only on this station, which is what a supervisor needs to know about backups.
    /** @param {SyncStatus} s @param {(iso: string | null) => string} desde */
    pendientes: (s, desde) => !s.configured
      ? `Registros guardados solo en esta estación: ${s.records_waiting}`
      : `Registros por enviar: ${s.records_waiting}${s.changes_waiting ? ` (${s.changes_waiting} cambios)${desde(s.oldest_record_waiting_at)}` : ''}`,
    /** @param {SyncStatus} s @param {(iso: string | null) => string} desde */
    correos: (s, desde) => `Correos en espera: ${s.emails_waiting}${s.emails_waiting ? desde(s.oldest_email_waiting_at) : ''}`,
    ultima: (/** @type {SyncStatus} */ s) => `Última sincronización: ${s.last_success_at ? new Date(s.last_success_at).toLocaleString('es-MX', { dateStyle: 'short', timeStyle: 'short' }) : 'nunca'}`,
    // The saved settings file is unusable: the station holds emails and registrations.
    ajustes: (/** @type {SettingsProblem} */ p) => `⚠ Ajustes no válidos: ${p.message} Un supervisor debe corregirlos en «Ajustes»; `
      + 'mientras tanto no se registra a nadie y los correos esperan.',
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
      m.locked_until && new Date(m.locked_until) > new Date() ? `bloqueada hasta ${fecha(m.locked_until)}` : '',
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
    agrupacionSi: 'Sí, lo otorga',
    agrupacionNo: 'No lo otorga',
    quisisteDecir: (/** @type {string} */ s) => `¿Quisiste decir ${s}?`,
    usar: (/** @type {string} */ s) => `Usar ${s}`,
    identificado: (/** @type {IdentifiedAffiliate} */ a) => `${a.full_name} · ${AFFILIATE_KINDS[a.kind]}. Confirme con el afiliado que es la persona correcta.`,
    pdfGuardado: (/** @type {string} */ path) => `Comprobante guardado en PDF: ${path}`,
    correoEnviado: (/** @type {string} */ c) => `Se envió el correo de validación a ${c}. El enlace y el código sirven una sola vez.`,
    agrupacion: (/** @type {boolean} */ si) => si
      ? 'Agrupación por núcleo familiar: otorgada.'
      : 'Agrupación por núcleo familiar: no otorgada (el afiliado verá solo su propia agenda y recetas; puede otorgarla después en ventanilla).',
    version: (/** @type {LegalDocument} */ d) => `Versión ${d.version} · SHA-256 ${d.sha256.slice(0, 12)}…`,
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
    correo: (/** @type {string} */ c) => `Se envió la contraseña temporal a ${c}. Deberá cambiarla al entrar por primera vez.`,
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
      ['Correo', d.email],
      ['Teléfono', telefono(d.phone_e164)],
      ['Agrupación por núcleo familiar', d.family_grouping ? 'Otorgada' : 'No otorgada'],
      ['Registrado', `${fecha(d.created_at)} en ${d.office}, estación ${d.workstation}, por ${d.clerk}`],
      ['Validado', fecha(d.validated_at)],
      .../** @type {Pairs} */ (d.closed_at ? [['Cerrado', `${fecha(d.closed_at)}: ${d.closed_reason ?? ''}`]] : []),
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
    reenviado: (/** @type {EmailSent} */ r) => `Se envió un nuevo correo de validación a ${r.email_masked}. El enlace y el código anteriores ya no sirven.`,
    corregido: (/** @type {EmailSent} */ r) => `Correo corregido. Se envió el correo de validación a ${r.email_masked}; el enlace anterior ya no sirve.`,
    contrasenaTitulo: 'Nueva contraseña temporal',
    contrasenaExplicacion: 'La contraseña actual deja de funcionar y se envía una nueva al correo del afiliado.',
    contrasenaEnviada: (/** @type {EmailSent} */ r) => `Se envió una nueva contraseña temporal a ${r.email_masked}.`,
    cancelarTitulo: 'Cancelar registro',
    cancelarExplicacion: 'El enlace, el código y la cuenta dejan de servir; el afiliado podrá registrarse de nuevo. Requiere a un supervisor.',
    cancelado: 'Registro cancelado.',
    respuesta: (/** @type {ConsentView} */ c) => c.accepted ? 'Aceptó' : 'No aceptó',
    /** @param {ConsentView} c @param {Fecha} fecha */
    quien: (c, fecha) => `${fecha(c.decided_at)} · ${c.method} · ${c.clerk}`,
  },
  ajustes: {
    guardado: 'Ajustes guardados.',
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
  serie: {
    titulo: 'Credencial sin número de serie',
    explicacion: 'Un supervisor revisa en persona la identificación oficial del afiliado; entonces se muestra el número de serie registrado en el padrón. Queda en la bitácora.',
    revelada: (/** @type {RevealedSerial} */ r) => `Número de serie de ${r.full_name}: ${r.credential_serial}. Se copió en el formulario.`,
  },
  padron: {
    estado: (/** @type {RosterSummary} */ r) => r.total === 0
      ? 'El padrón está vacío.'
      : `${r.total.toLocaleString('es-MX')} afiliados (${r.current.toLocaleString('es-MX')} vigentes)${r.is_demo ? ' — padrón de DEMOSTRACIÓN' : ''}${r.imported_at ? ` · última importación ${new Date(r.imported_at).toLocaleString('es-MX')}` : ''}.`,
    elijaArchivo: 'Elija el archivo CSV del padrón.',
    importar: 'Importar',
    importando: 'Importando…',
    avance: (/** @type {ImportProgress} */ p) => `Leídas ${p.lines_read.toLocaleString('es-MX')} líneas (${p.total_bytes ? Math.round(100 * p.bytes_read / p.total_bytes) : 0} %).`,
    totales: (/** @type {ImportReport} */ r) => `Importados: ${r.imported.toLocaleString('es-MX')} (nuevos: ${r.added.toLocaleString('es-MX')}; `
      + `con cambios: ${r.changed.toLocaleString('es-MX')}, de ellos ${r.serial_changes.toLocaleString('es-MX')} con número de serie nuevo; `
      + `sin cambios: ${r.unchanged.toLocaleString('es-MX')}). Con errores: ${r.rejected.toLocaleString('es-MX')}${r.rejected > r.errors.length ? ` (se muestran los primeros ${r.errors.length})` : ''}.${r.replaced_demo ? ' Se retiró el padrón de demostración.' : ''}`,
    sinColumna: '—',
  },
};
