// @ts-check
// «Pendientes»: registrations waiting for validation, emails that did not leave, records
// the central database refused, locked affiliation numbers. The status bar's poll brings
// the queues (event `colas`); the screen redraws only when they changed, so a button the
// clerk is on keeps its focus.
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { fecha } from '../shared/formulario.js';
import { pedirAutorizacion } from '../shared/autorizacion.js';
import { $, el } from '../shared/dom.js';

/** @typedef {import('../types/ipc').WorkQueues} WorkQueues */

const t = textos.pendientes;
/** @type {(registrationId: string) => Promise<void>} */
let onView = async () => {};
/** What is on screen, as JSON: the next poll redraws only on a change. */
let shown = '';

/** @param {{ verRegistro: (registrationId: string) => Promise<void> }} screens */
export function initPendientes({ verRegistro }) {
  onView = verRegistro;
  window.addEventListener('colas', (ev) => {
    if (!$('pantalla-pendientes').hidden) mostrarColas(/** @type {CustomEvent<WorkQueues>} */ (ev).detail);
  });
  $('reenviar-todos').addEventListener('click', () => act(async () => t.reenviados(await api.resendAllEmails())));
}

/** Loads the queues now (the tab was opened). */
export async function cargarPendientes() {
  shown = '';
  mostrarColas(await api.workQueues());
}

/** @param {() => Promise<string>} run The outcome, as the clerk reads it. */
async function act(run) {
  $('pendientes-mensaje').hidden = true;
  $('pendientes-exito').hidden = true;
  try {
    const message = await run();
    $('pendientes-exito').textContent = message;
    $('pendientes-exito').hidden = false;
  } catch (e) {
    const box = $('pendientes-mensaje');
    box.textContent = asError(e, textos.general.errorInesperado).message;
    box.hidden = false;
    box.focus();
  }
  window.dispatchEvent(new Event('estado-cambio'));
  await cargarPendientes();
}

/** A row of text cells, then the cell of its buttons. @param {string[]} cells @param {HTMLButtonElement[]} buttons */
function row(cells, buttons) {
  return el('tr', {}, ...cells.map((text) => el('td', { textContent: text })), el('td', {}, ...buttons));
}

/** @param {string} text @param {string} label @param {() => void} onclick */
function button(text, label, onclick) {
  return el('button', { type: 'button', textContent: text, 'aria-label': label, onclick });
}

/** Fills one queue's table, or says it is empty. @param {string} id @param {HTMLTableRowElement[]} rows */
function fill(id, rows) {
  $(id).querySelector('tbody').replaceChildren(...rows);
  $(id).hidden = rows.length === 0;
  $(`${id}-vacia`).hidden = rows.length !== 0;
}

/** @param {WorkQueues} q */
function mostrarColas(q) {
  const json = JSON.stringify(q);
  if (json === shown) return;
  shown = json;
  fill('cola-validacion', q.pending.map((p) => {
    const tr = row([p.folio, p.full_name ?? p.affiliation_number, fecha(p.created_at), t.vence(p.expires_at, p.expiring_soon)],
      [button(t.ver, t.verFolio(p.folio), () => onView(p.registration_id))]);
    if (p.expiring_soon) tr.className = 'por-vencer';
    return tr;
  }));
  const more = $('cola-validacion-mas');
  more.hidden = q.counts.pending <= q.pending.length;
  more.textContent = more.hidden ? '' : t.mas(q.pending.length, q.counts.pending);

  fill('cola-correos', q.emails.map((m) => row(
    [m.folio, t.tipos[m.kind], m.recipient_masked, t.estadosCorreo[m.state], fecha(m.created_at), m.last_error ?? '—'],
    [button(t.reenviar, t.reenviarFolio(m.folio), () => act(async () => t.reenviado(await api.resendEmail(m.email_id))))],
  )));
  $('reenviar-todos').hidden = q.emails.length < 2;

  fill('cola-sincronizacion', q.sync_problems.map((p) => {
    const folio = p.folio ?? t.sinFolio;
    /** @type {HTMLButtonElement[]} */
    const buttons = [];
    const id = p.registration_id;
    if (id) buttons.push(button(t.ver, t.verFolio(folio), () => onView(id)));
    if (id && p.kind === 'conflict') {
      buttons.push(button(t.reintentar, t.reintentarFolio(folio), () => act(async () => {
        await api.retryConflict(id);
        return t.reintentado(folio);
      })));
    }
    return row([folio, t.situaciones[p.kind], p.reason, fecha(p.since)], buttons);
  }));

  fill('cola-bloqueos', q.locked.map((l) => row(
    [l.affiliation_number, String(l.failures), fecha(l.locked_until)],
    [button(t.desbloquear, t.desbloquearNumero(l.affiliation_number), () => desbloquear(l.affiliation_number))],
  )));
}

/** @param {string} number */
async function desbloquear(number) {
  const done = await pedirAutorizacion({
    titulo: t.desbloquearTitulo(number),
    explicacion: t.desbloquearExplicacion,
    supervisor: true,
    accion: async (d) => { await api.releaseAffiliationLock(number, d.approval, d.reason); return true; },
    exito: () => t.desbloqueado(number),
  });
  if (done) await act(async () => t.desbloqueado(number));
}
