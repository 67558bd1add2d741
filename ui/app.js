// @ts-check
// The window: the tabs, and starting every screen before the sign-in gate opens.
import { textos } from './shared/textos.js';
import { $ } from './shared/dom.js';
import { initRegistro } from './screens/registro.js';
import { initValidacion, prepareValidation } from './screens/validacion.js';
import { initPadron } from './screens/padron.js';
import { initBusqueda, mostrar } from './screens/busqueda.js';
import { cargarAjustes, initAjustes } from './screens/ajustes.js';
import { initSesion, refreshSession } from './screens/sesion.js';
import { cargarPersonal, initPersonal } from './screens/personal.js';
import { initBarraEstado, refreshInfo } from './screens/barra-estado.js';
import { initRescate, mostrarRescate } from './screens/rescate.js';
import { api } from './shared/api.js';
// Reportes (supervisors).
import { cargarReportes, initReportes } from './screens/reportes.js';
// «Pendientes» and the audit log viewer.
import { cargarPendientes, initPendientes } from './screens/pendientes.js';
import { cargarBitacora, initBitacora } from './screens/bitacora.js';

/** The tab buttons; each names its screen in data-pantalla. */
const tabs = /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('.pestana'));

/** @param {string} screen */
function show(screen) {
  for (const tab of tabs) {
    const active = tab.dataset.pantalla === screen;
    if (active) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
  }
  for (const section of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.pantalla'))) {
    section.hidden = section.id !== `pantalla-${screen}`;
  }
}

async function main() {
  // A database that did not open: the rescue screen alone, and no other command.
  const problem = await api.startupProblem();
  if (problem) {
    initRescate();
    mostrarRescate(problem);
    document.body.dataset.listo = 'si';
    return;
  }
  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      show(tab.dataset.pantalla);
      if (tab.dataset.pantalla === 'validacion') prepareValidation('');
      if (tab.dataset.pantalla === 'ajustes') cargarAjustes().catch(() => {});
      if (tab.dataset.pantalla === 'busqueda') $('query').focus();
      if (tab.dataset.pantalla === 'personal') cargarPersonal().catch(() => {});
      if (tab.dataset.pantalla === 'reportes') cargarReportes().catch(() => {});
      if (tab.dataset.pantalla === 'pendientes') cargarPendientes().catch(() => {});
      if (tab.dataset.pantalla === 'bitacora') cargarBitacora().catch(() => {});
    });
  }
  initValidacion();
  initPadron({ onImported: refreshInfo });
  initBusqueda();
  // New settings may change the minutes before the session locks.
  initAjustes({ saved: async () => { await refreshInfo(); await refreshSession(); } });
  initPersonal();
  initReportes();
  /** @param {string} registrationId */
  const verRegistro = async (registrationId) => { show('busqueda'); await mostrar(registrationId); };
  initPendientes({ verRegistro });
  initBitacora();
  initBarraEstado({
    verRegistro,
    verPendientes: () => { show('pendientes'); cargarPendientes().catch(() => {}); },
  });
  await initRegistro({
    goToValidation: (folio) => { show('validacion'); prepareValidation(folio); },
  });
  await initSesion({
    entered: () => {
      refreshInfo().catch(() => {});
      if (!$('pantalla-registro').hidden && $('registro-exito').hidden) $('affiliation_number').focus();
    },
  });
  document.body.dataset.listo = 'si';
}

main().catch((e) => {
  const box = $('registro-resumen');
  box.textContent = e?.message ?? textos.general.errorInesperado;
  box.hidden = false;
});
