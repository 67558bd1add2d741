// @ts-check
// The audit log viewer (supervisors; the core refuses anyone else): a filter, a page at a
// time, and the export of what the filter finds as a CSV file for Excel.
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, fecha, showError } from '../shared/formulario.js';
import { $, el } from '../shared/dom.js';

/** @typedef {import('../types/ipc').AuditFilter} AuditFilter */
/** @typedef {import('../types/ipc').AuditPage} AuditPage */

const t = textos.bitacora;
/** The page on screen. */
let page = 1;
/** The folio's error goes by its own input, not the validation screen's. */
const IDS = { folio: 'audit_folio' };

export function initBitacora() {
  $('form-bitacora').addEventListener('submit', (ev) => { ev.preventDefault(); page = 1; cargarBitacora(); });
  $('bitacora-anterior').addEventListener('click', () => { page -= 1; cargarBitacora(); });
  $('bitacora-siguiente').addEventListener('click', () => { page += 1; cargarBitacora(); });
  $('bitacora-exportar').addEventListener('click', exportar);
}

/** @returns {AuditFilter} */
function filtro() {
  return {
    from: $('audit_from', 'input').value,
    to: $('audit_to', 'input').value,
    clerk: $('audit_clerk', 'select').value,
    action: $('audit_action', 'select').value,
    folio: $('audit_folio', 'input').value,
  };
}

/** A select's options: «any» first, then the values, keeping the one chosen. @param {string} id @param {string} any @param {string[]} values @param {(v: string) => string} label */
function opciones(id, any, values, label) {
  const select = $(id, 'select');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '', textContent: any }),
    ...values.map((v) => el('option', { value: v, textContent: label(v) })));
  select.value = values.includes(chosen) ? chosen : '';
}

export async function cargarBitacora() {
  const form = $('form-bitacora', 'form');
  clearErrors(form);
  $('bitacora-mensaje').hidden = true;
  try {
    const p = await api.auditLog(filtro(), page);
    page = p.page;
    opciones('audit_clerk', t.todos, p.clerks, (v) => v);
    opciones('audit_action', t.todas, p.actions, t.accion);
    $('bitacora-resumen').textContent = t.resumen(p);
    $('tabla-bitacora').querySelector('tbody').replaceChildren(...p.entries.map((e) => el('tr', {},
      ...[fecha(e.occurred_at), t.accion(e.action), e.clerk, e.workstation, e.folio ?? '—', e.affiliation_number ?? '—']
        .map((text) => el('td', { textContent: text })),
      el('td', { className: 'detalle-evento', textContent: e.detail }))));
    $('bitacora-pagina').textContent = t.pagina(p);
    $('bitacora-anterior', 'button').disabled = p.page <= 1;
    $('bitacora-siguiente', 'button').disabled = p.page >= p.pages;
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('bitacora-mensaje'), textos.registro.revise, IDS);
  }
}

async function exportar() {
  clearErrors($('form-bitacora', 'form'));
  $('bitacora-mensaje').hidden = true;
  $('bitacora-exito').hidden = true;
  try {
    const path = await api.exportAuditLog(filtro());
    $('bitacora-exito').textContent = t.exportada(path);
    $('bitacora-exito').hidden = false;
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('bitacora-mensaje'), textos.registro.revise, IDS);
  }
}
