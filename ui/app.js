import { api } from './api.js';
import { textos } from './textos.js';
import { initRegistro } from './registro.js';
import { initValidacion, prepareValidation } from './validacion.js';
import { initPadron, showRosterSummary } from './padron.js';
import { initBusqueda } from './busqueda.js';
import { cargarAjustes, initAjustes } from './ajustes.js';

const $ = (id) => document.getElementById(id);

function show(screen) {
  for (const tab of document.querySelectorAll('.pestana')) {
    const active = tab.dataset.pantalla === screen;
    if (active) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
  }
  for (const section of document.querySelectorAll('.pantalla')) {
    section.hidden = section.id !== `pantalla-${screen}`;
  }
}

async function refreshInfo() {
  const info = await api.appInfo();
  $('aviso-demo').hidden = !info.roster.is_demo;
  $('aviso-demo').textContent = textos.general.demo;
  $('barra-estado').textContent = textos.general.estado(info);
  showRosterSummary(info.roster);
}

async function main() {
  for (const tab of document.querySelectorAll('.pestana')) {
    tab.addEventListener('click', () => {
      show(tab.dataset.pantalla);
      if (tab.dataset.pantalla === 'validacion') prepareValidation('');
      if (tab.dataset.pantalla === 'ajustes') cargarAjustes().catch(() => {});
      if (tab.dataset.pantalla === 'busqueda') document.getElementById('query').focus();
    });
  }
  initValidacion();
  initPadron({ onImported: refreshInfo });
  initBusqueda();
  initAjustes({ saved: refreshInfo });
  await initRegistro({
    goToValidation: (folio) => { show('validacion'); prepareValidation(folio); },
  });
  await refreshInfo();
  setInterval(() => refreshInfo().catch(() => {}), 5000);
  $('affiliation_number').focus();
  document.body.dataset.listo = 'si';
}

main().catch((e) => {
  const box = $('registro-resumen');
  box.textContent = e?.message ?? textos.general.errorInesperado;
  box.hidden = false;
});
