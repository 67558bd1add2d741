// @ts-check
// Supervisors manage the station's accounts: open, give a new password, deactivate.
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, fecha, showError } from '../shared/formulario.js';
import { $, el } from '../shared/dom.js';
import { currentClerk } from './sesion.js';

/** @typedef {import('../types/ipc').StaffMember} StaffMember */

const t = textos.personal;
/** Whose password the dialog replaces. @type {StaffMember | null} */
let resetting = null;

export function initPersonal() {
  $('form-personal').addEventListener('submit', (ev) => { ev.preventDefault(); crear(); });
  $('form-restablecer').addEventListener('submit', (ev) => { ev.preventDefault(); restablecer(); });
  $('cerrar-restablecer').addEventListener('click', () => $('dialogo-contrasena', 'dialog').close());
}

/** @param {string} message */
function ok(message) {
  $('personal-mensaje').hidden = true;
  $('personal-exito').textContent = message;
  $('personal-exito').hidden = false;
}

export async function cargarPersonal() {
  const list = await api.listStaff();
  const me = currentClerk()?.username;
  $('tabla-personal').querySelector('tbody').replaceChildren(...list.map((m) => {
    const actions = el('td', {}, el('button', {
      type: 'button', textContent: t.asignar, 'aria-label': `${t.asignar}: ${m.full_name}`, onclick: () => abrirRestablecer(m),
    }));
    if (m.username !== me) {
      const toggle = m.active ? t.desactivar : t.reactivar;
      actions.append(el('button', {
        type: 'button', textContent: toggle, 'aria-label': `${toggle}: ${m.full_name}`, onclick: () => cambiarActiva(m, !m.active),
      }));
    }
    const cells = [m.full_name, m.username, t.roles[m.role], t.estado(m, fecha)].map((text) => el('td', { textContent: text }));
    return el('tr', {}, ...cells, actions);
  }));
}

async function crear() {
  const form = $('form-personal', 'form');
  clearErrors(form);
  $('personal-exito').hidden = true;
  try {
    const m = await api.createStaff({
      username: $('staff_username', 'input').value,
      full_name: $('staff_full_name', 'input').value,
      role: $('staff_role', 'select').value,
      password: $('staff_password', 'input').value,
      confirmation: $('staff_password_confirmation', 'input').value,
    });
    form.reset();
    ok(t.creada(m));
    await cargarPersonal();
    $('staff_full_name').focus();
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('personal-mensaje'), textos.sesion.revise);
  }
}

/** @param {StaffMember} m @param {boolean} active */
async function cambiarActiva(m, active) {
  try {
    await api.setStaffActive(m.username, active);
    ok(active ? t.reactivada(m) : t.desactivada(m));
    await cargarPersonal();
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('personal-mensaje'));
  }
}

/** @param {StaffMember} m */
function abrirRestablecer(m) {
  resetting = m;
  const form = $('form-restablecer', 'form');
  form.reset();
  clearErrors(form);
  $('restablecer-resumen').hidden = true;
  $('contrasena-titulo').textContent = t.asignarA(m);
  $('dialogo-contrasena', 'dialog').showModal();
  $('reset_password').focus();
}

async function restablecer() {
  const form = $('form-restablecer', 'form');
  clearErrors(form);
  try {
    await api.resetStaffPassword(resetting.username, $('reset_password', 'input').value, $('reset_password_confirmation', 'input').value);
    $('dialogo-contrasena', 'dialog').close();
    ok(t.asignada(resetting));
    await cargarPersonal();
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), $('restablecer-resumen'), textos.sesion.revise,
      { staff_password: 'reset_password', staff_password_confirmation: 'reset_password_confirmation' });
  }
}
