import { api } from './api.js';
import { textos } from './textos.js';
import { initRegistro } from './registro.js';
import { initValidacion, prepareValidation } from './validacion.js';
import { initPadron, showRosterSummary } from './padron.js';
import { initBusqueda, mostrar } from './busqueda.js';
import { cargarAjustes, initAjustes } from './ajustes.js';
import { initSesion, refreshSession } from './sesion.js';
import { cargarPersonal, initPersonal } from './personal.js';

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
  await refreshSync();
}

/** The status bar: connection, what waits and since when, last sync, records in trouble. */
async function refreshSync() {
  const g = textos.general;
  const s = await api.syncStatus();
  const conexion = $('estado-conexion');
  conexion.textContent = g.conexion(s);
  conexion.className = !s.configured ? '' : s.online ? 'en-linea' : 'sin-conexion';
  $('estado-pendientes').textContent = g.pendientes(s, g.desde);
  $('estado-correos').textContent = g.correos(s, g.desde);
  $('estado-ultima').textContent = g.ultima(s);
  $('estado-ultima').title = s.last_error ?? '';
  $('estado-ultima').hidden = !s.configured;
  $('sincronizar-ahora').hidden = !s.configured;
  const reloj = $('estado-reloj');
  reloj.hidden = !s.clock_skewed;
  reloj.textContent = s.clock_skewed ? g.reloj(s.clock_offset_seconds) : '';
  const details = $('estado-problemas');
  details.hidden = s.problems.length === 0;
  $('problemas-resumen').textContent = g.problemas(s.problems.length);
  const list = $('problemas-lista');
  list.replaceChildren(...s.problems.map((p) => {
    const li = document.createElement('li');
    li.append(document.createTextNode(g.problema(p)));
    const ver = Object.assign(document.createElement('button'), { type: 'button', textContent: g.ver });
    ver.addEventListener('click', async () => { show('busqueda'); await mostrar(p.registration_id); });
    li.append(' ', ver);
    if (p.sync_state === 'conflicto') {
      const retry = Object.assign(document.createElement('button'), { type: 'button', textContent: g.reintentar });
      retry.addEventListener('click', async () => { await api.retryConflict(p.registration_id); await refreshSync(); });
      li.append(' ', retry);
    }
    return li;
  }));
}

async function main() {
  for (const tab of document.querySelectorAll('.pestana')) {
    tab.addEventListener('click', () => {
      show(tab.dataset.pantalla);
      if (tab.dataset.pantalla === 'validacion') prepareValidation('');
      if (tab.dataset.pantalla === 'ajustes') cargarAjustes().catch(() => {});
      if (tab.dataset.pantalla === 'busqueda') document.getElementById('query').focus();
      if (tab.dataset.pantalla === 'personal') cargarPersonal().catch(() => {});
    });
  }
  initValidacion();
  initPadron({ onImported: refreshInfo });
  initBusqueda();
  // New settings may change the minutes before the session locks.
  initAjustes({ saved: async () => { await refreshInfo(); await refreshSession(); } });
  initPersonal();
  $('sincronizar-ahora').addEventListener('click', async () => {
    await api.syncNow();
    setTimeout(() => refreshSync().catch(() => {}), 1500);
  });
  await initRegistro({
    goToValidation: (folio) => { show('validacion'); prepareValidation(folio); },
  });
  setInterval(() => { if (!$('aplicacion').hidden) refreshInfo().catch(() => {}); }, 5000);
  // A registration or a desk action changes what waits: show it at once.
  window.addEventListener('estado-cambio', () => refreshInfo().catch(() => {}));
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
