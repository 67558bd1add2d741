// @ts-check
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, fecha, intValue, showError, showFieldError } from '../shared/formulario.js';
import { pedirAutorizacion } from '../shared/autorizacion.js';
import { $ } from '../shared/dom.js';

/** @typedef {import('../types/ipc').Field} Field */
/** @typedef {import('../types/ipc').Settings} Settings */
/** @typedef {import('../types/ipc').SettingsView} SettingsView */
/** @typedef {import('../types/ipc').SmtpSecurity} SmtpSecurity */
/** @typedef {import('../types/ipc').SupervisorApproval} SupervisorApproval */
/** The settings of this type, by name. @template V @typedef {{ [K in keyof Settings]: Settings[K] extends V ? K : never }[keyof Settings]} SettingOf */

const t = textos.ajustes;
// Each input's id is the setting's name, which is also the field its errors name.
const TEXT = /** @satisfies {readonly (SettingOf<string> & Field)[]} */ (/** @type {const} */ ([
  'office', 'workstation', 'sender_name', 'sender_address', 'link_base_url', 'sign_in_url', 'central_url', 'update_url',
  'backup_folder']));
const NUMBERS = /** @satisfies {readonly (SettingOf<number> & Field)[]} */ (/** @type {const} */ ([
  'validation_ttl_hours', 'pending_expiry_hours', 'resend_cooldown_secs', 'max_code_attempts', 'max_serial_failures',
  'serial_lock_minutes', 'outbox_max_attempts', 'delivery_promise_minutes', 'session_lock_minutes',
  'clock_skew_warning_minutes', 'backups_kept', 'retention_years']));
/**
 * A setting added in Rust but missing here would be saved as its default (`#[serde(default)]`)
 * every time a supervisor saves: tsc fails on this line instead. The SMTP group and the
 * central root certificate (a textarea, whose errors name `central_root_certificate`) are
 * read one by one in `collect`.
 * @type {[Exclude<keyof Settings, typeof TEXT[number] | typeof NUMBERS[number] | 'smtp' | 'central_root_certificate_pem'>] extends [never] ? true : never}
 */
const EVERY_SETTING_HAS_AN_INPUT = true;
/** @type {Field[]} */
const SMTP_NUMBERS = ['smtp_port', 'smtp_timeout_secs', 'smtp_pool_size'];
/** @type {SettingsView | null} */
let view = null;
/** @type {() => Promise<void>} */
let onSaved = async () => {};

/** @param {{ saved: () => Promise<void> }} after */
export function initAjustes({ saved }) {
  onSaved = saved;
  $('usar-smtp').addEventListener('change', () => { $('campos-smtp').hidden = !$('usar-smtp', 'input').checked; });
  $('form-ajustes').addEventListener('submit', (ev) => { ev.preventDefault(); guardar(); });
  $('form-prueba').addEventListener('submit', (ev) => { ev.preventDefault(); probar(); });
  $('aceptar-clave').addEventListener('click', aceptarClave);
  $('copiar-ahora').addEventListener('click', copiarAhora);
  $('restaurar-copia').addEventListener('click', restaurarCopia);
}

/** The copies in the backup folder, newest first, in the restore list. */
async function cargarCopias() {
  const copies = await api.listBackups();
  const list = $('backup', 'select');
  list.replaceChildren(...copies.map((c) => {
    const option = document.createElement('option');
    option.value = c.file_name;
    option.textContent = t.copia(c, fecha);
    return option;
  }));
  $('copias-estado').textContent = t.copiasEstado(copies.length);
  $('restaurar-copia', 'button').disabled = copies.length === 0;
}

/** A supervisor asks for a copy now. */
async function copiarAhora() {
  $('copias-mensaje').hidden = true;
  $('copias-exito').hidden = true;
  try {
    const copy = await pedirAutorizacion({
      titulo: t.copiarTitulo,
      explicacion: t.copiarExplicacion,
      supervisor: true,
      motivo: false,
      accion: (d) => api.backUpNow(d.approval),
      exito: (c) => t.copiaHecha(c),
    });
    if (!copy) return;
    await cargarCopias();
    $('copias-exito').textContent = t.copiaHecha(copy);
    $('copias-exito').hidden = false;
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('copias-mensaje'), textos.registro.revise);
  }
}

/** A supervisor restores the chosen copy; the app then opens again on it. */
async function restaurarCopia() {
  $('copias-mensaje').hidden = true;
  $('copias-exito').hidden = true;
  const fileName = $('backup', 'select').value;
  if (!fileName) return;
  try {
    const outcome = await pedirAutorizacion({
      titulo: t.restaurarTitulo,
      explicacion: t.restaurarExplicacion(fileName),
      supervisor: true,
      motivo: false,
      accion: (d) => api.restoreBackup(fileName, d.approval),
      exito: (o) => t.restaurada(o),
    });
    if (!outcome) return;
    $('copias-exito').textContent = t.restaurada(outcome);
    $('copias-exito').hidden = false;
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('copias-mensaje'), textos.registro.revise);
  }
}

export async function cargarAjustes() {
  view = await api.getSettings();
  const problem = view.settings_problem;
  $('ajustes-problema').hidden = !problem;
  $('ajustes-problema').textContent = problem ? t.problema(problem) : '';
  const key = view.key_on_disk;
  $('ajustes-clave').hidden = !key;
  $('ajustes-clave').className = key === 'held' ? 'mensaje' : 'ayuda';
  $('ajustes-clave-texto').textContent = key ? t.clave(key) : '';
  $('aceptar-clave').hidden = key !== 'held';
  $('aceptar-clave').textContent = t.aceptarClave;
  const s = view.settings;
  for (const k of TEXT) $(k, 'input').value = s[k] ?? '';
  for (const k of NUMBERS) $(k, 'input').value = String(s[k]);
  const smtp = s.smtp;
  $('usar-smtp', 'input').checked = Boolean(smtp);
  $('campos-smtp').hidden = !smtp;
  /** @type {import('../types/ipc').SmtpSettings} */
  const d = smtp ?? { host: '', port: 587, security: 'starttls', username: '', timeout_secs: 20, pool_size: 2, root_certificate_pem: '' };
  $('smtp_host', 'input').value = d.host;
  $('smtp_port', 'input').value = String(d.port);
  $('smtp_security', 'select').value = d.security;
  $('smtp_username', 'input').value = d.username;
  $('smtp_timeout_secs', 'input').value = String(d.timeout_secs);
  $('smtp_pool_size', 'input').value = String(d.pool_size);
  $('smtp_root_certificate', 'textarea').value = d.root_certificate_pem;
  $('smtp_password', 'input').value = '';
  $('central_password', 'input').value = '';
  $('central_root_certificate', 'textarea').value = s.central_root_certificate_pem;
  $('ayuda-central_password').textContent = `${view.central_password_saved ? t.contrasenaGuardada : ''} ${view.secret_store.description}`;
  $('ayuda-smtp_password').textContent = `${view.smtp_password_saved ? t.contrasenaGuardada : t.contrasenaNueva} ${view.secret_store.description}`;
  $('entrega-actual').textContent = view.email_delivery;
  // Why the emails wait (a refused password or sender), beside the settings that fix it.
  const sync = await api.syncStatus();
  const because = sync.emails_waiting > 0 ? sync.emails_waiting_because : null;
  $('ajustes-correo-motivo').hidden = !because;
  $('ajustes-correo-motivo').textContent = because ? t.correosEsperan(sync.emails_waiting, because) : '';
  if (problem?.field) showFieldError(problem.field, problem.message);
  mostrarListaInicial(view.readiness);
  mostrarActualizaciones(await api.updateStatus());
  await cargarCopias();
}

/** What is left before the station serves affiliates; hidden once all is done. @param {import('../types/ipc').ReadinessCheck[]} checks */
function mostrarListaInicial(checks) {
  const list = $('lista-inicial-pasos');
  list.replaceChildren(...checks.map((c) => {
    const item = document.createElement('li');
    item.className = c.done ? 'hecho' : c.required ? 'pendiente' : 'opcional';
    item.dataset.paso = c.item;
    const state = document.createElement('strong');
    state.textContent = c.done ? `✓ ${t.pasoHecho}` : c.required ? `⚠ ${t.pasoPendiente}` : t.pasoOpcional;
    item.append(state, ` ${t.pasos[c.item]}`);
    return item;
  }));
  $('lista-inicial').hidden = checks.every((c) => c.done || !c.required);
}


/** The last update check, under the address (the status bar refreshes it). @param {import('../types/ipc').UpdateView} u */
export function mostrarActualizaciones(u) {
  const line = $('estado-actualizaciones');
  line.textContent = t.actualizacion(u, fecha);
  line.className = ['refused', 'failed'].includes(u.state) ? 'ayuda alerta' : 'ayuda';
}

function collect() {
  /** @type {Field[]} */
  const bad = [];
  /** @param {Field} id */
  const num = (id) => {
    const v = intValue(id);
    if (v < 0) bad.push(id);
    return v;
  };
  // Every key is set just below (EVERY_SETTING_HAS_AN_INPUT).
  const settings = /** @type {Settings} */ ({});
  for (const k of TEXT) settings[k] = $(k, 'input').value;
  for (const k of NUMBERS) settings[k] = num(k);
  settings.central_root_certificate_pem = $('central_root_certificate', 'textarea').value;
  settings.smtp = $('usar-smtp', 'input').checked ? {
    host: $('smtp_host', 'input').value,
    port: num('smtp_port'),
    security: /** @type {SmtpSecurity} */ ($('smtp_security', 'select').value),
    username: $('smtp_username', 'input').value,
    timeout_secs: num('smtp_timeout_secs'),
    pool_size: num('smtp_pool_size'),
    root_certificate_pem: $('smtp_root_certificate', 'textarea').value,
  } : null;
  return { settings, bad: bad.filter((id) => !SMTP_NUMBERS.includes(id) || $('usar-smtp', 'input').checked) };
}

async function guardar() {
  const form = $('form-ajustes', 'form');
  clearErrors(form);
  $('ajustes-mensaje').hidden = true;
  $('ajustes-exito').hidden = true;
  const { settings, bad } = collect();
  if (bad.length) {
    for (const id of bad) showFieldError(id, t.noEntero);
    $(bad[0]).focus();
    return;
  }
  const password = $('smtp_password', 'input').value;
  const centralPassword = $('central_password', 'input').value;
  const save = (/** @type {SupervisorApproval} */ approval) => api.saveSettings(settings, password === '' ? null : password,
    centralPassword === '' ? null : centralPassword, approval);
  try {
    const saved = await pedirAutorizacion({
      titulo: t.autorizarTitulo,
      explicacion: t.autorizarExplicacion,
      supervisor: true,
      motivo: false,
      accion: (d) => save(d.approval),
      exito: () => t.guardado,
    });
    if (!saved) return;
    await cargarAjustes();
    $('ajustes-exito').textContent = t.guardado;
    $('ajustes-exito').hidden = false;
    await onSaved();
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('ajustes-mensaje'), textos.registro.revise);
  }
}

/** A supervisor accepts the database key on disk; registrations resume. */
async function aceptarClave() {
  $('ajustes-mensaje').hidden = true;
  $('ajustes-exito').hidden = true;
  try {
    const accepted = await pedirAutorizacion({
      titulo: t.aceptarClaveTitulo,
      explicacion: t.aceptarClaveExplicacion,
      supervisor: true,
      motivo: false,
      accion: (d) => api.acceptKeyOnDisk(d.approval),
      exito: () => t.claveAceptada,
    });
    if (!accepted) return;
    await cargarAjustes();
    $('ajustes-exito').textContent = t.claveAceptada;
    $('ajustes-exito').hidden = false;
    await onSaved();
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('ajustes-mensaje'), textos.registro.revise);
  }
}

async function probar() {
  const form = $('form-prueba', 'form');
  clearErrors(form);
  const result = $('prueba-resultado');
  result.hidden = true;
  const button = $('enviar-prueba', 'button');
  button.disabled = true;
  try {
    const to = $('test_recipient', 'input').value;
    await api.sendTestEmail(to);
    result.className = 'exito';
    result.textContent = t.pruebaOk(to);
    result.hidden = false;
  } catch (e) {
    const error = asError(e, textos.general.errorInesperado);
    result.className = 'mensaje';
    showError(error, result, textos.registro.revise);
  } finally {
    button.disabled = false;
  }
}
