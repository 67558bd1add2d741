// @ts-check
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, showError } from '../shared/formulario.js';
import { $, el } from '../shared/dom.js';

/** @typedef {import('../types/ipc').ImportReport} ImportReport */
/** @typedef {import('../types/ipc').RosterSummary} RosterSummary */

const t = textos.padron;
/** @type {() => Promise<void>} */
let afterImport = async () => {};

/** @param {{ onImported: () => Promise<void> }} after */
export function initPadron({ onImported }) {
  afterImport = onImported;
  $('elegir-archivo').addEventListener('click', async () => {
    const path = await api.chooseCsv().catch(() => /** @type {string | null} */ (null));
    if (path) $('roster_file', 'input').value = path;
  });
  $('form-padron').addEventListener('submit', (ev) => { ev.preventDefault(); importFile(); });
}

/** @param {RosterSummary} roster */
export function showRosterSummary(roster) {
  $('padron-estado').textContent = t.estado(roster);
}

async function importFile() {
  const path = $('roster_file', 'input').value.trim();
  const summary = $('padron-resumen');
  clearErrors($('form-padron'));
  summary.hidden = true;
  if (!path) {
    showError({ code: 'requerido', field: 'roster_file', message: t.elijaArchivo, fields: [] }, summary);
    return;
  }
  const button = $('importar', 'button');
  const progress = $('padron-progreso', 'progress');
  button.disabled = true;
  button.textContent = t.importando;
  progress.hidden = false;
  progress.value = 0;
  $('padron-resultado').hidden = true;
  try {
    const report = await api.importRoster(path, (p) => {
      progress.value = p.total_bytes ? (100 * p.bytes_read) / p.total_bytes : 0;
      $('padron-avance').textContent = t.avance(p);
    });
    progress.value = 100;
    showReport(report);
    await afterImport();
  } catch (e) {
    progress.hidden = true;
    showError(asError(e, textos.general.errorInesperado), summary);
  } finally {
    button.disabled = false;
    button.textContent = t.importar;
  }
}

/** @param {ImportReport} report */
function showReport(report) {
  $('padron-totales').textContent = t.totales(report);
  const table = $('padron-errores');
  table.querySelector('tbody').replaceChildren(...report.errors.map((e) => el('tr', {},
    ...[String(e.line), e.column ?? t.sinColumna, e.message].map((text) => el('td', { textContent: text })))));
  table.hidden = report.errors.length === 0;
  $('padron-resultado').hidden = false;
}
