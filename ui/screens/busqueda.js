// @ts-check
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, clearFieldError, fecha, showError, showFieldError } from '../shared/formulario.js';
import { pedirAutorizacion } from '../shared/autorizacion.js';
import { $, el } from '../shared/dom.js';
import { initConsentimientoEscrito, mostrarConsentimientoEscrito } from './consentimiento-escrito.js';

/** @typedef {import('../types/ipc').EmailSent} EmailSent */
/** @typedef {import('../types/ipc').RegistrationDetail} RegistrationDetail */
/** @typedef {import('../types/ipc').ConsentStanding} ConsentStanding */
/** @typedef {import('../types/ipc').RegistrationElsewhere} RegistrationElsewhere */

const t = textos.busqueda;
/** The registration on screen. @type {RegistrationDetail | null} */
let current = null;
/** @type {ReturnType<typeof setInterval> | undefined} */
let cooldownTimer;
/** The last search, run again to show a registration of another station after an action. */
let lastQuery = '';
/** The registration of another station on screen. @type {RegistrationElsewhere | null} */
let elsewhere = null;

export function initBusqueda() {
  $('form-busqueda').addEventListener('submit', (ev) => { ev.preventDefault(); buscar(); });
  $('query').addEventListener('input', () => clearFieldError('query'));
  $('accion-reenviar').addEventListener('click', () => act(() => api.resendValidation(current.registration_id), t.reenviado));
  $('accion-corregir').addEventListener('click', () => {
    $('form-corregir').hidden = false;
    $('correccion-email').focus();
  });
  $('cancelar-correccion').addEventListener('click', () => { $('form-corregir').hidden = true; });
  $('accion-telefono').addEventListener('click', () => {
    $('form-telefono').hidden = false;
    $('rectificacion-telefono').focus();
  });
  $('cancelar-telefono').addEventListener('click', () => { $('form-telefono').hidden = true; });
  $('form-telefono').addEventListener('submit', (ev) => { ev.preventDefault(); rectificarTelefono(); });
  $('respuesta-cerrar').addEventListener('click', () => $('dialogo-respuesta', 'dialog').close());
  $('respuesta-si').addEventListener('click', () => responder(true));
  $('respuesta-no').addEventListener('click', () => responder(false));
  $('form-corregir').addEventListener('submit', (ev) => { ev.preventDefault(); corregir(); });
  $('accion-contrasena').addEventListener('click', async () => {
    const r = await pedirAutorizacion({
      titulo: t.contrasenaTitulo,
      explicacion: t.contrasenaExplicacion,
      accion: (d) => api.newTemporaryPassword(current.registration_id, d.reason),
      exito: t.contrasenaEnviada,
    });
    if (r) await mostrar(current.registration_id, t.contrasenaEnviada(r));
  });
  $('accion-datos').addEventListener('click', async () => {
    const registrationId = current.registration_id;
    const path = await pedirAutorizacion({
      titulo: t.datosTitulo,
      explicacion: t.datosExplicacion,
      supervisor: true,
      accion: (d) => api.saveAccessReportPdf(registrationId, d.approval, d.reason),
      exito: t.datosGuardados,
    });
    if (path) await mostrar(registrationId, t.datosGuardados(path));
  });
  $('accion-suprimir').addEventListener('click', () => {
    $('form-suprimir').hidden = false;
    $('suprimir-cancelacion').focus();
  });
  $('cancelar-suprimir').addEventListener('click', () => { $('form-suprimir').hidden = true; });
  $('form-suprimir').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const registrationId = current.registration_id;
    const right = /** @type {import('../types/ipc').ErasureRight} */ (
      $('suprimir-oposicion', 'input').checked ? 'opposition' : 'cancellation');
    const r = await pedirAutorizacion({
      titulo: t.suprimirTitulo(right),
      explicacion: t.suprimirExplicacion,
      supervisor: true,
      accion: (d) => api.erasePersonalData(registrationId, right, d.approval, d.reason),
      exito: t.suprimidos,
    });
    if (r) await mostrar(registrationId, t.suprimidos(r));
  });
  $('accion-cancelar').addEventListener('click', async () => {
    const r = await pedirAutorizacion({
      titulo: t.cancelarTitulo,
      explicacion: t.cancelarExplicacion,
      supervisor: true,
      accion: async (d) => { await api.cancelRegistration(current.registration_id, d.approval, d.reason); return true; },
      exito: () => t.cancelado,
    });
    if (r) await mostrar(current.registration_id, t.cancelado);
  });
  initConsentimientoEscrito(() => current, mostrar);
  initCentral();
}

/** The actions on a registration of another station, through the central database. */
function initCentral() {
  const id = () => /** @type {RegistrationElsewhere} */ (elsewhere).registration_id;
  /** @param {() => Promise<EmailSent>} run @param {(sent: EmailSent) => string} message */
  const actCentral = async (run, message) => {
    try {
      const r = await run();
      await mostrarCentral(id(), message(r));
    } catch (e) {
      showError(asError(e, textos.general.errorInesperado), $('central-mensaje'), textos.registro.revise);
    }
  };
  $('central-reenviar').addEventListener('click', () =>
    actCentral(() => api.requestValidationEmailElsewhere(id()), t.centralReenviado));
  $('central-contrasena').addEventListener('click', async () => {
    const registrationId = id();
    const r = await pedirAutorizacion({
      titulo: t.contrasenaTitulo,
      explicacion: t.contrasenaExplicacion,
      accion: (d) => api.requestTemporaryPasswordElsewhere(registrationId, d.reason),
      exito: t.centralContrasena,
    });
    if (r) await mostrarCentral(registrationId, t.centralContrasena(r));
  });
  $('central-corregir').addEventListener('click', () => {
    $('form-central-corregir').hidden = false;
    $('central-email').focus();
  });
  $('central-cancelar-correccion').addEventListener('click', () => { $('form-central-corregir').hidden = true; });
  /** @type {string | null} */
  let suggested = null;
  $('form-central-corregir').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = $('form-central-corregir', 'form');
    clearErrors(form);
    const ids = { email: 'central-email', email_confirmation: 'central-confirmacion' };
    const email = $('central-email', 'input').value;
    try {
      const r = await api.correctEmailElsewhere(id(), email, $('central-confirmacion', 'input').value, suggested === email);
      suggested = null;
      form.reset();
      await mostrarCentral(id(), t.centralCorregido(r));
    } catch (e) {
      const error = asError(e, textos.general.errorInesperado);
      suggested = error.fields?.some((f) => f.code === 'posible_error') ? email : null;
      showError(error, $('central-mensaje'), textos.registro.revise, ids);
    }
  });
  $('central-cancelar').addEventListener('click', async () => {
    const registrationId = id();
    const r = await pedirAutorizacion({
      titulo: t.cancelarTitulo,
      explicacion: t.cancelarExplicacion,
      supervisor: true,
      accion: async (d) => { await api.cancelElsewhere(registrationId, d.approval, d.reason); return true; },
      exito: () => t.centralCancelado,
    });
    if (r) await mostrarCentral(registrationId, t.centralCancelado);
  });
}

async function buscar() {
  const form = $('form-busqueda', 'form');
  clearErrors(form);
  $('detalle').hidden = true;
  $('detalle-central').hidden = true;
  $('busqueda-mas').hidden = true;
  try {
    lastQuery = $('query', 'input').value;
    const found = await api.search(lastQuery);
    const { registrations: results, more } = found;
    $('busqueda-mas').hidden = !more;
    mostrarOtrasEstaciones(found.elsewhere, found.reach);
    $('resultados').querySelector('tbody').replaceChildren(...results.map((r) => {
      const tr = fila([r.folio, r.full_name ?? r.affiliation_number, r.email, t.estados[r.state], fecha(r.created_at)]);
      tr.append(el('td', {}, el('button', {
        type: 'button', textContent: t.ver, 'aria-label': `${t.ver} ${r.folio}`, onclick: () => mostrar(r.registration_id),
      })));
      return tr;
    }));
    $('resultados').hidden = results.length === 0;
    $('busqueda-vacia').hidden = results.length + found.elsewhere.length !== 0;
    $('busqueda-vacia').textContent = found.reach === 'this_station_offline' ? t.vaciaEstacion : t.vacia;
    if (results.length === 1 && found.elsewhere.length === 0) await mostrar(results[0].registration_id);
    if (results.length === 0 && found.elsewhere.length === 1) mostrarCentral(found.elsewhere[0].registration_id);
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('detalle-mensaje'), textos.registro.revise);
    $('detalle-mensaje').hidden = true;
  }
}

/**
 * The matches made at other stations, and where the search looked.
 * @param {RegistrationElsewhere[]} rows @param {import('../types/ipc').SearchReach} reach
 */
function mostrarOtrasEstaciones(rows, reach) {
  const alcance = $('busqueda-alcance');
  alcance.textContent = t.alcance[reach];
  alcance.hidden = !t.alcance[reach];
  alcance.className = reach === 'this_station_offline' ? 'ayuda aviso' : 'ayuda';
  $('resultados-central').querySelector('tbody').replaceChildren(...rows.map((r) => {
    const tr = fila([r.folio, r.full_name ?? r.affiliation_number, r.email, t.estados[r.state], t.donde(r), fecha(r.created_at)]);
    tr.append(el('td', {}, el('button', {
      type: 'button', textContent: t.ver, 'aria-label': `${t.ver} ${r.folio}`, onclick: () => mostrarCentral(r.registration_id),
    })));
    return tr;
  }));
  $('resultados-central').hidden = rows.length === 0;
}

/**
 * Shows a registration of another station as the central database has it now (the last
 * search again); `aviso` is the outcome of the action just taken.
 * @param {string} registrationId @param {string} [aviso]
 */
async function mostrarCentral(registrationId, aviso) {
  let r;
  try {
    const found = await api.search(lastQuery);
    mostrarOtrasEstaciones(found.elsewhere, found.reach);
    r = found.elsewhere.find((x) => x.registration_id === registrationId);
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('central-mensaje'), textos.registro.revise);
    return;
  }
  $('detalle').hidden = true;
  if (!r) {
    $('detalle-central').hidden = true;
    return;
  }
  elsewhere = r;
  $('detalle-central').hidden = false;
  $('central-titulo').textContent = t.centralTitulo(r);
  $('central-mensaje').hidden = true;
  $('central-exito').hidden = !aviso;
  $('central-exito').textContent = aviso ?? '';
  $('form-central-corregir').hidden = true;
  $('central-datos').replaceChildren(...t.centralDatos(r, t.estados[r.state], fecha).flatMap(([k, v]) => [
    el('dt', { textContent: k }), el('dd', { textContent: v })]));
  $('central-nota').textContent = t.centralNota(r);
  const pending = r.state === 'pendiente_validacion';
  const closed = r.state === 'cancelada' || r.state === 'expirada';
  const erased = r.personal_data_erased;
  $('central-reenviar').hidden = !pending || erased;
  $('central-corregir').hidden = !pending || erased || !r.own_office;
  $('central-contrasena').hidden = !r.has_account || closed || erased;
  $('central-cancelar').hidden = closed || !r.own_office;
}

/** A table row of text cells. @param {string[]} cells */
function fila(cells) {
  return el('tr', {}, ...cells.map((text) => el('td', { textContent: text })));
}

/**
 * Shows one registration; `aviso` is the outcome of the action just taken.
 * @param {string} registrationId @param {string} [aviso]
 */
export async function mostrar(registrationId, aviso) {
  if (aviso) window.dispatchEvent(new Event('estado-cambio'));
  const d = await api.registrationDetail(registrationId);
  current = d;
  $('detalle-central').hidden = true;
  $('detalle').hidden = false;
  $('detalle-titulo').textContent = t.titulo(d);
  $('detalle-mensaje').hidden = true;
  $('detalle-exito').hidden = !aviso;
  $('detalle-exito').textContent = aviso ?? '';
  $('form-corregir').hidden = true;
  $('form-telefono').hidden = true;
  $('form-suprimir').hidden = true;

  $('detalle-datos').replaceChildren(...t.datos(d, t.estados[d.state], fecha).flatMap(([k, v]) => [
    el('dt', { textContent: k }), el('dd', { textContent: v })]));
  const promesa = $('promesa');
  promesa.textContent = t.promesa(d.promise, t.duracion);
  promesa.className = `promesa ${d.promise.kept === false ? 'incumplida' : d.promise.kept === true ? 'cumplida' : ''}`;

  const pending = d.state === 'pendiente_validacion';
  const validated = d.state === 'validada' || d.state === 'activa';
  const closed = d.state === 'cancelada' || d.state === 'expirada';
  $('accion-reenviar').hidden = !pending;
  $('accion-corregir').hidden = !pending;
  $('accion-contrasena').hidden = !validated;
  $('accion-telefono').hidden = closed;
  $('accion-suprimir').hidden = d.personal_data_erased_at !== null;
  $('accion-cancelar').hidden = closed;
  startCooldown(d.resend_available_at);

  const correos = $('detalle-correos').querySelector('tbody');
  correos.replaceChildren(...d.emails.map((e) => fila([
    t.tipos[e.kind], e.recipient, t.estadosCorreo[e.state],
    fecha(e.created_at), fecha(e.sent_at), String(e.attempts), e.last_error ?? '—',
  ])));
  mostrarConsentimientoEscrito(d);
  const consentimientos = $('detalle-consentimientos').querySelector('tbody');
  consentimientos.replaceChildren(...d.consents.map((c) => fila([
    t.documentos[c.document_kind], String(c.document_version),
    `${c.document_sha256.slice(0, 12)}…`, t.respuesta(c), t.quien(c, fecha),
  ])));
  const standings = await api.consentStandings(registrationId);
  $('detalle-vigentes').querySelector('tbody').replaceChildren(...standings.map((s) => {
    const tr = fila([t.documentos[s.kind], t.vigente(s), t.enVigor(s, fecha)]);
    // The grouping consent may be granted or revoked at any visit; another text is
    // answered again only when a new version is in force.
    const answerable = !closed && (s.kind === 'consentimiento_agrupacion' || s.needs_new_answer);
    tr.append(el('td', {}, answerable
      ? el('button', {
        type: 'button', id: `responder-${s.kind}`, textContent: t.presentar(s),
        'aria-label': `${t.presentar(s)}: ${t.documentos[s.kind]}`, onclick: () => presentar(s),
      })
      : el('span', { textContent: '—' })));
    return tr;
  }));
}

/** The text being answered in the dialog. @type {{ standing: ConsentStanding, documentId: number, sha256: string } | null} */
let answering = null;

/** Shows the text in force exactly as stored; the answer is given on the same dialog. @param {ConsentStanding} s */
async function presentar(s) {
  const doc = (await api.legalDocuments()).find((d) => d.kind === s.kind);
  if (!doc) return;
  answering = { standing: s, documentId: doc.id, sha256: doc.sha256 };
  $('respuesta-titulo').textContent = doc.title;
  $('respuesta-huella').textContent = textos.registro.version(doc);
  $('respuesta-texto').textContent = doc.body;
  $('respuesta-pregunta').textContent = t.pregunta(s.kind);
  $('respuesta-si').textContent = t.si(s.kind);
  $('respuesta-no').textContent = t.no(s.kind);
  $('error-respuesta').textContent = '';
  $('dialogo-respuesta', 'dialog').showModal();
  $('respuesta-texto').scrollTop = 0;
  $('respuesta-texto').focus();
}

/** @param {boolean} accepted */
async function responder(accepted) {
  if (!answering || !current) return;
  try {
    const standing = await api.answerConsent({
      registration_id: current.registration_id,
      kind: answering.standing.kind,
      document_id: answering.documentId,
      sha256: answering.sha256,
      accepted,
    });
    $('dialogo-respuesta', 'dialog').close();
    answering = null;
    await mostrar(current.registration_id, t.respondido(standing));
  } catch (e) {
    $('error-respuesta').textContent = asError(e, textos.general.errorInesperado).message;
  }
}

/** @param {string | null} availableAt When «Reenviar» works again; null: now. */
function startCooldown(availableAt) {
  clearInterval(cooldownTimer);
  const button = $('accion-reenviar', 'button');
  const tick = () => {
    const left = availableAt ? Math.ceil((new Date(availableAt).getTime() - Date.now()) / 1000) : 0;
    button.disabled = left > 0;
    button.textContent = left > 0 ? t.reenviarEn(left) : t.reenviar;
    if (left <= 0) clearInterval(cooldownTimer);
  };
  tick();
  if (availableAt) cooldownTimer = setInterval(tick, 1000);
}

/** @param {() => Promise<EmailSent>} run @param {(sent: EmailSent) => string} message */
async function act(run, message) {
  try {
    const r = await run();
    await mostrar(current.registration_id, message(r));
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('detalle-mensaje'), textos.registro.revise);
  }
}

// A second "Guardar" on the same address after a "¿Quiso decir…?" confirms it.
/** @type {string | null} */
let suggestedFor = null;

async function corregir() {
  const form = $('form-corregir', 'form');
  clearErrors(form);
  const ids = { email: 'correccion-email', email_confirmation: 'correccion-confirmacion' };
  const email = $('correccion-email', 'input').value;
  try {
    const r = await api.correctEmail(current.registration_id, email, $('correccion-confirmacion', 'input').value, suggestedFor === email);
    suggestedFor = null;
    form.reset();
    await mostrar(current.registration_id, t.corregido(r));
  } catch (e) {
    const error = asError(e, textos.general.errorInesperado);
    suggestedFor = error.fields?.some((f) => f.code === 'posible_error') ? email : null;
    showError(error, $('detalle-mensaje'), textos.registro.revise, ids);
  }
}

/** The number is checked here first, so its mistakes show on its own field; a supervisor then approves. */
async function rectificarTelefono() {
  if (!current) return;
  const registrationId = current.registration_id;
  const ids = { phone: 'rectificacion-telefono' };
  clearErrors($('form-telefono', 'form'));
  const phone = $('rectificacion-telefono', 'input').value;
  const country = /** @type {import('../types/ipc').PhoneCountry} */ ($('rectificacion-pais', 'select').value);
  let nuevo;
  try {
    const check = await api.checkField('phone', phone, null, country);
    if (check.value === current.phone_e164) {
      showFieldError('phone', t.telefonoSinCambio, ids);
      return;
    }
    nuevo = check.display ?? phone;
  } catch (e) {
    const error = asError(e, textos.general.errorInesperado);
    showFieldError('phone', error.fields?.[0]?.message ?? error.message, ids);
    $('rectificacion-telefono').focus();
    return;
  }
  const r = await pedirAutorizacion({
    titulo: t.telefonoTitulo,
    explicacion: t.telefonoExplicacion(nuevo),
    supervisor: true,
    campos: ids,
    accion: (d) => api.rectifyPhone(registrationId, phone, country, d.approval, d.reason),
    exito: t.telefonoRectificado,
  });
  if (r) await mostrar(registrationId, t.telefonoRectificado(r));
}
