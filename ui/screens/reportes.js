// @ts-check
// Reportes (supervisors): the last 30 days by day and desk, the chart the core draws, the
// same figures in tables, and saving them as CSV or XLSX.
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, showError } from '../shared/formulario.js';
import { $, el } from '../shared/dom.js';

/** @typedef {import('../types/ipc').Report} Report */
/** @typedef {import('../types/ipc').ReportScope} ReportScope */
/** @typedef {import('../types/ipc').ExportFormat} ExportFormat */
/** @typedef {import('../types/ipc').Figures} Figures */

const t = textos.reportes;

export function initReportes() {
  $('reportes-ver').addEventListener('click', () => { cargarReportes().catch(() => {}); });
  $('reportes-csv').addEventListener('click', () => guardar('csv'));
  $('reportes-xlsx').addEventListener('click', () => guardar('xlsx'));
}

/** @returns {ReportScope} */
function scope() {
  return /** @type {ReportScope} */ ($('report_scope', 'select').value);
}

function limpiar() {
  clearErrors($('pantalla-reportes'));
  $('reportes-mensaje').hidden = true;
  $('reportes-exito').hidden = true;
}

/** @param {unknown} e */
function fallo(e) {
  showError(asError(e, textos.general.errorInesperado), $('reportes-mensaje'));
}

/** Loads and shows the report of the chosen scope. */
export async function cargarReportes() {
  limpiar();
  const button = $('reportes-ver', 'button');
  button.disabled = true;
  $('reportes-alcance').textContent = t.cargando;
  try {
    mostrarReporte(await api.report(scope()));
  } catch (e) {
    fallo(e);
  } finally {
    button.disabled = false;
  }
}

/** @param {Figures} f @returns {string[]} */
const cifras = (f) => [String(f.registrations), String(f.validations), String(f.expiries), String(f.cancellations), t.promesa(f)];

/** @param {Report} r */
function mostrarReporte(r) {
  const select = $('report_scope', 'select');
  for (const option of select.options) {
    if (option.value !== 'station') option.disabled = !r.central_configured;
  }
  $('reportes-alcance').textContent = r.central_configured ? t.conCentral : t.soloEstacion;
  $('reportes-periodo').textContent = t.periodo(r);
  $('reportes-totales').replaceChildren(...t.totales(r).map(([label, value]) =>
    el('div', {}, el('dt', { textContent: label }), el('dd', { textContent: value }))));
  // The chart is the core's SVG, parsed as SVG (never as HTML) and adopted as a node.
  const svg = new DOMParser().parseFromString(r.chart_svg, 'image/svg+xml').documentElement;
  $('reportes-svg').replaceChildren(document.importNode(svg, true));
  $('reportes-pie').textContent = t.generado(r);
  $('tabla-reportes-dias').querySelector('tbody').replaceChildren(...r.days.map((d) =>
    el('tr', {}, el('th', { scope: 'row', textContent: d.day }), ...cifras(d).map((text) => el('td', { textContent: text })))));
  const detalle = r.rows.length
    ? r.rows.map((row) => el('tr', {},
      el('th', { scope: 'row', textContent: row.day }),
      ...[row.office, row.workstation, row.clerk, ...cifras(row)].map((text) => el('td', { textContent: text }))))
    : [el('tr', {}, el('td', { colSpan: 9, textContent: t.sinDatos }))];
  $('tabla-reportes-detalle').querySelector('tbody').replaceChildren(...detalle);
  $('reportes-contenido').hidden = false;
}

/** @param {ExportFormat} format */
async function guardar(format) {
  limpiar();
  const button = $(format === 'csv' ? 'reportes-csv' : 'reportes-xlsx', 'button');
  button.disabled = true;
  try {
    const path = await api.saveReport(scope(), format);
    $('reportes-exito').textContent = t.guardado(path);
    $('reportes-exito').hidden = false;
  } catch (e) {
    fallo(e);
  } finally {
    button.disabled = false;
  }
}
