// @ts-check
// The sign-in gate: first supervisor, sign-in, a locked session, a password to replace.
// While it shows, the application behind it is hidden and inert. The session also locks
// after the configured minutes without keyboard or mouse.
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, showError } from '../shared/formulario.js';
import { $ } from '../shared/dom.js';

/** @typedef {import('../types/ipc').Clerk} Clerk */
/** @typedef {keyof typeof GATES} GateForm */

const t = textos.sesion;
/** Each form of the gate: its summary box, and the ids of its inputs by field. */
const GATES = /** @satisfies {Record<string, { summary: string, ids: import('../shared/formulario.js').FieldIds }>} */ ({
  'form-primer-supervisor': { summary: 'primer-resumen', ids: {} },
  'form-entrar': { summary: 'entrar-resumen', ids: { username: 'signin_username', password: 'signin_password' } },
  'form-desbloquear': { summary: 'desbloquear-resumen', ids: { password: 'unlock_password' } },
  'form-cambiar-contrasena': {
    summary: 'cambiar-resumen',
    ids: { password: 'current_password', staff_password: 'new_password', staff_password_confirmation: 'new_password_confirmation' },
  },
});
/** Activity reaches the Rust side at most this often, so its own idle clock agrees. */
const PING_EVERY_MS = 20_000;

/** @type {Clerk | null} */
let clerk = null;
/** Whose work the screens show: a different clerk gets a freshly loaded window. @type {string | null} */
let shownUser = null;
let lockMinutes = 10;
let lastActivity = Date.now();
let lastPing = 0;
/** @type {(how: { first: boolean }) => void} */
let onEnter = () => {};

export const currentClerk = () => clerk;

/** @param {GateForm} formId */
function showGate(formId) {
  for (const dialog of document.querySelectorAll('dialog')) if (dialog.open) dialog.close();
  $('aplicacion').hidden = true;
  $('aplicacion').inert = true;
  $('acceso').hidden = false;
  for (const id of Object.keys(GATES)) $(id).hidden = id !== formId;
  const form = $(formId, 'form');
  form.reset();
  clearErrors(form);
  $(GATES[formId].summary).hidden = true;
  form.querySelector('input').focus();
}

function showApp() {
  $('acceso').hidden = true;
  $('aplicacion').hidden = false;
  $('aplicacion').inert = false;
  $('usuario-actual').textContent = t.usuario(clerk);
  const supervisor = clerk.role === 'supervisor';
  /** @type {HTMLElement} */ (document.querySelector('.pestana[data-pantalla="personal"]')).hidden = !supervisor;
  /** @type {HTMLElement} */ (document.querySelector('.pestana[data-pantalla="reportes"]')).hidden = !supervisor;
  /** @type {HTMLElement} */ (document.querySelector('.pestana[data-pantalla="bitacora"]')).hidden = !supervisor;
  // The core refuses a clerk's import anyway; the screen does not offer it.
  $('form-padron').hidden = !supervisor;
  $('padron-solo-supervisor').hidden = supervisor;
  lastActivity = Date.now();
}

/** Shows the gate the session calls for, or the application. True when the app shows. */
export async function refreshSession() {
  const s = await api.sessionStatus();
  lockMinutes = s.lock_after_minutes;
  clerk = s.clerk;
  if (s.first_run) showGate('form-primer-supervisor');
  else if (!clerk) showGate('form-entrar');
  else if (s.locked) {
    $('desbloquear-quien').textContent = t.bloqueada(clerk);
    showGate('form-desbloquear');
  } else if (clerk.must_change_password) showGate('form-cambiar-contrasena');
  else {
    if (shownUser && shownUser !== clerk.username) { location.reload(); return false; }
    const first = shownUser === null;
    shownUser = clerk.username;
    showApp();
    onEnter({ first });
    return true;
  }
  return false;
}

async function lock() {
  await api.lockSession().catch(() => {});
  await refreshSession();
}

async function signOut() {
  await api.signOut().catch(() => {});
  // A reload leaves nothing of the previous clerk's work in the window.
  location.reload();
}

/** @param {GateForm} formId @param {() => Promise<unknown>} action */
function gate(formId, action) {
  const form = $(formId, 'form');
  const { summary, ids } = GATES[formId];
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    $(summary).hidden = true;
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
    button.disabled = true;
    try {
      await action();
      await refreshSession();
    } catch (e) {
      const error = asError(e, textos.general.errorInesperado);
      if (error.code === 'oficina_con_cuentas') {
        // The office's accounts were just copied here: the sign-in gate takes over.
        await refreshSession();
        showError(error, $(GATES['form-entrar'].summary), t.revise, GATES['form-entrar'].ids);
        return;
      }
      showError(error, $(summary), t.revise, ids);
    } finally {
      button.disabled = false;
    }
  });
}

function activity() {
  if (!clerk || !$('acceso').hidden) return;
  lastActivity = Date.now();
  if (lastActivity - lastPing > PING_EVERY_MS) {
    lastPing = lastActivity;
    api.sessionActivity().catch(() => {});
  }
}

/** @param {{ entered: (how: { first: boolean }) => void }} app */
export async function initSesion({ entered }) {
  onEnter = entered;
  gate('form-primer-supervisor', () => api.createFirstSupervisor(
    $('supervisor_username', 'input').value, $('supervisor_full_name', 'input').value,
    $('supervisor_password', 'input').value, $('supervisor_password_confirmation', 'input').value));
  gate('form-entrar', () => api.signIn($('signin_username', 'input').value, $('signin_password', 'input').value));
  gate('form-desbloquear', () => api.unlockSession($('unlock_password', 'input').value));
  gate('form-cambiar-contrasena', () => api.changeOwnPassword(
    $('current_password', 'input').value, $('new_password', 'input').value, $('new_password_confirmation', 'input').value));
  $('cambiar-usuario').addEventListener('click', signOut);
  $('cerrar-sesion').addEventListener('click', signOut);
  $('bloquear').addEventListener('click', lock);
  for (const type of ['keydown', 'pointerdown', 'input', 'wheel']) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey && ev.key.toLowerCase() === 'l' && clerk && $('acceso').hidden) { ev.preventDefault(); lock(); }
  });
  setInterval(() => {
    if (clerk && $('acceso').hidden && Date.now() - lastActivity >= lockMinutes * 60_000) lock();
  }, 5_000);
  // A command refused for lack of a session (locked elsewhere, or idle on the Rust side).
  window.addEventListener('sesion-requerida', () => { refreshSession().catch(() => {}); });
  await refreshSession();
}
