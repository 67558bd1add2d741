// @ts-check
// The status bar: the station, the connection with the central database, what waits and
// since when, the last sync, the records in trouble; and the demo roster's warning.
import { api } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { $, el } from '../shared/dom.js';
import { fecha } from '../shared/fecha.js';
import { showRosterSummary } from './padron.js';
import { mostrarActualizaciones } from './ajustes.js';

const g = textos.general;
/** @type {(registrationId: string) => Promise<void>} */
let onView = async () => {};
/** Opens «Pendientes». @type {() => void} */
let onQueues = () => {};

/**
 * `verRegistro(id)`: opens a registration in trouble on the search screen;
 * `verPendientes()`: opens «Pendientes».
 * @param {{ verRegistro: (registrationId: string) => Promise<void>, verPendientes: () => void }} screens
 */
export function initBarraEstado({ verRegistro, verPendientes }) {
  onView = verRegistro;
  onQueues = verPendientes;
  $('estado-ir-pendientes').addEventListener('click', () => onQueues());
  $('sincronizar-ahora').addEventListener('click', async () => {
    await api.syncNow();
    setTimeout(() => refreshSync().catch(() => {}), 1500);
  });
  setInterval(() => { if (!$('aplicacion').hidden) refreshInfo().catch(() => {}); }, 5000);
  // A registration or a desk action changes what waits: show it at once.
  window.addEventListener('estado-cambio', () => refreshInfo().catch(() => {}));
}

export async function refreshInfo() {
  const info = await api.appInfo();
  $('aviso-demo').hidden = !info.roster.is_demo;
  $('aviso-demo').textContent = g.demo;
  $('barra-estado').textContent = g.estado(info);
  showRosterSummary(info.roster);
  await refreshSync();
  await refreshUpdate();
}

/** A new version ready to install (calm), or refused (red): the clerk reads it here. */
async function refreshUpdate() {
  const u = await api.updateStatus();
  const line = $('estado-actualizacion');
  line.textContent = g.actualizacion(u);
  line.hidden = line.textContent === '';
  line.className = u.state === 'refused' ? 'aviso-actualizacion-rechazada' : 'aviso-actualizacion';
  mostrarActualizaciones(u);
}

async function refreshSync() {
  const s = await api.syncStatus();
  const conexion = $('estado-conexion');
  conexion.textContent = g.conexion(s);
  conexion.className = !s.configured ? '' : s.online ? 'en-linea'
    : s.waiting_for_network || !s.last_error ? 'esperando-red' : 'sin-conexion';
  // The server's own words stay one hover away, for support.
  conexion.title = s.last_error_detail ?? '';
  $('estado-pendientes').textContent = g.pendientes(s, g.desde);
  $('estado-correos').textContent = g.correos(s, g.desde);
  const motivo = $('estado-correos-motivo');
  const because = s.emails_waiting > 0 ? s.emails_waiting_because : null;
  motivo.hidden = !because;
  motivo.textContent = because ? g.correosMotivo(because) : '';
  const atencion = $('estado-correos-atencion');
  atencion.hidden = s.emails_needing_attention === 0;
  atencion.textContent = s.emails_needing_attention ? g.correosAtencion(s.emails_needing_attention) : '';
  $('estado-ultima').textContent = g.ultima(s);
  $('estado-ultima').title = [s.last_error, s.last_error_detail].filter(Boolean).join(' — ');
  $('estado-ultima').hidden = !s.configured;
  $('sincronizar-ahora').hidden = !s.configured;
  const ajustes = $('estado-ajustes');
  ajustes.hidden = !s.settings_problem && s.sending_held_by.length === 0;
  ajustes.textContent = s.settings_problem ? g.ajustes(s.settings_problem)
    : s.sending_held_by.length ? g.demostracion(s.sending_held_by) : '';
  const clave = $('estado-clave');
  clave.hidden = !s.key_on_disk;
  clave.textContent = s.key_on_disk ? g.clave(s.key_on_disk) : '';
  clave.className = s.key_on_disk === 'held' ? 'aviso-ajustes' : '';
  const copia = $('estado-copia');
  copia.hidden = !s.backup_failure;
  copia.textContent = s.backup_failure ? g.copia(s.backup_failure, fecha) : '';
  const reloj = $('estado-reloj');
  reloj.hidden = !s.clock_skewed;
  reloj.textContent = s.clock_skewed ? g.reloj(s.clock_offset_seconds) : '';
  await refreshQueues();
  $('estado-problemas').hidden = s.problems.length === 0;
  $('problemas-resumen').textContent = g.problemas(s.problems.length);
  $('problemas-lista').replaceChildren(...s.problems.map((p) => {
    const li = el('li', {}, g.problema(p), ' ',
      el('button', { type: 'button', textContent: g.ver, onclick: () => onView(p.registration_id) }));
    if (p.sync_state === 'conflicto') {
      li.append(' ', el('button', {
        type: 'button',
        textContent: g.reintentar,
        onclick: async () => { await api.retryConflict(p.registration_id); await refreshSync(); },
      }));
    }
    return li;
  }));
}

/** The link to «Pendientes» with what needs attention; the screen redraws from the same poll. */
async function refreshQueues() {
  const q = await api.workQueues();
  const link = $('estado-ir-pendientes');
  link.textContent = textos.pendientes.enlace(q.counts);
  link.hidden = false;
  window.dispatchEvent(new CustomEvent('colas', { detail: q }));
}
