// @ts-check
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, intValue, showError, showFieldError } from '../shared/formulario.js';
import { pedirAutorizacion } from '../shared/autorizacion.js';
import { $ } from '../shared/dom.js';

const t = textos.ajustes;
const TEXT = ['office', 'workstation', 'sender_name', 'sender_address', 'link_base_url', 'central_url'];
const NUMBERS = ['validation_ttl_hours', 'pending_expiry_hours', 'resend_cooldown_secs', 'max_code_attempts',
  'max_serial_failures', 'serial_lock_minutes', 'outbox_max_attempts', 'delivery_promise_minutes', 'session_lock_minutes',
  'clock_skew_warning_minutes'];
const SMTP_NUMBERS = ['smtp_port', 'smtp_timeout_secs', 'smtp_pool_size'];
let view = null;
let onSaved = () => {};

export function initAjustes({ saved }) {
  onSaved = saved;
  $('usar-smtp').addEventListener('change', () => { $('campos-smtp').hidden = !$('usar-smtp', 'input').checked; });
  $('form-ajustes').addEventListener('submit', (ev) => { ev.preventDefault(); guardar(); });
  $('form-prueba').addEventListener('submit', (ev) => { ev.preventDefault(); probar(); });
}

export async function cargarAjustes() {
  view = await api.getSettings();
  const s = view.settings;
  for (const k of TEXT) $(k, 'input').value = s[k] ?? '';
  for (const k of NUMBERS) $(k, 'input').value = String(s[k]);
  const smtp = s.smtp;
  $('usar-smtp', 'input').checked = Boolean(smtp);
  $('campos-smtp').hidden = !smtp;
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
  $('central_root_certificate', 'textarea').value = s.central_root_certificate_pem ?? '';
  $('ayuda-central_password').textContent = `${view.central_password_saved ? t.contrasenaGuardada : ''} ${view.secret_store.description}`;
  $('ayuda-smtp_password').textContent = `${view.smtp_password_saved ? t.contrasenaGuardada : t.contrasenaNueva} ${view.secret_store.description}`;
  $('entrega-actual').textContent = view.email_delivery;
}

function collect() {
  const bad = [];
  const num = (id) => {
    const v = intValue(id);
    if (v < 0) bad.push(id);
    return v;
  };
  const settings = {};
  for (const k of TEXT) settings[k] = $(k, 'input').value;
  for (const k of NUMBERS) settings[k] = num(k);
  settings.central_root_certificate_pem = $('central_root_certificate', 'textarea').value;
  settings.smtp = $('usar-smtp', 'input').checked ? {
    host: $('smtp_host', 'input').value,
    port: num('smtp_port'),
    security: $('smtp_security', 'select').value,
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
  const save = (approval) => api.saveSettings(settings, password === '' ? null : password,
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
