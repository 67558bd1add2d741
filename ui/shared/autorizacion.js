// @ts-check
// One dialog for the actions that need a reason and, for some, a supervisor's approval.
import { asError } from './api.js';
import { textos } from './textos.js';
import { clearErrors, showError } from './formulario.js';
import { $ } from './dom.js';

/** @typedef {import('../types/ipc').SupervisorApproval} SupervisorApproval */

/**
 * What the clerk typed in the dialog, for the action.
 * @typedef {object} AuthorizationInput
 * @property {string} affiliation
 * @property {string} reason
 * @property {boolean} identityChecked
 * @property {SupervisorApproval} approval
 */

/**
 * @template T
 * @typedef {object} AuthorizationOptions
 * @property {string} titulo
 * @property {string} [explicacion]
 * @property {string | null} [afiliacion] Prefilled affiliation number; null or absent hides the field.
 * @property {boolean} [identificacion] Asks whether the official ID was checked.
 * @property {boolean} [supervisor] Asks for a supervisor's approval.
 * @property {boolean} [motivo] false hides the reason.
 * @property {import('./formulario.js').FieldIds} [campos] Where the action's own fields are, outside the dialog.
 * @property {(input: AuthorizationInput) => Promise<T>} accion
 * @property {(result: T) => string} exito
 */

/** @type {import('./formulario.js').FieldIds} */
const IDS = {
  supervisor_username: 'approval_username',
  supervisor_password: 'approval_password',
  affiliation_number: 'reveal_affiliation',
};

/**
 * Opens the dialog. Resolves with the action's result, or null if the clerk closes the
 * dialog first.
 * @template T
 * @param {AuthorizationOptions<T>} options
 * @returns {Promise<T | null>}
 */
export function pedirAutorizacion(options) {
  const dialog = $('dialogo-autorizacion', 'dialog');
  const form = $('form-autorizacion', 'form');
  form.reset();
  clearErrors(form);
  $('autorizacion-titulo').textContent = options.titulo;
  $('autorizacion-explicacion').textContent = options.explicacion ?? '';
  $('campo-afiliacion-revelar').hidden = options.afiliacion === null || options.afiliacion === undefined;
  $('reveal_affiliation', 'input').value = options.afiliacion ?? '';
  $('campo-identificacion').hidden = !options.identificacion;
  $('campos-supervisor').hidden = !options.supervisor;
  /** @type {HTMLElement} */ ($('reason').closest('.campo')).hidden = options.motivo === false;
  $('autorizacion-mensaje').hidden = true;
  $('autorizacion-resultado').hidden = true;
  $('confirmar-autorizacion').hidden = false;
  dialog.showModal();
  const first = options.afiliacion !== null && options.afiliacion !== undefined && !options.afiliacion ? 'reveal_affiliation'
    : options.motivo === false ? 'approval_username' : 'reason';
  $(first).focus();

  return new Promise((resolve) => {
    /** @type {T | null} */
    let result = null;
    /** @param {SubmitEvent} ev */
    const onSubmit = async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      $('autorizacion-mensaje').hidden = true;
      const button = $('confirmar-autorizacion', 'button');
      button.disabled = true;
      try {
        result = await options.accion({
          affiliation: $('reveal_affiliation', 'input').value,
          reason: $('reason', 'textarea').value,
          identityChecked: $('identity_checked', 'input').checked,
          approval: { username: $('approval_username', 'input').value, password: $('approval_password', 'input').value },
        });
        $('approval_password', 'input').value = '';
        $('autorizacion-resultado').textContent = options.exito(result);
        $('autorizacion-resultado').hidden = false;
        button.hidden = true;
        $('cerrar-autorizacion').focus();
      } catch (e) {
        $('approval_password', 'input').value = '';
        showError(asError(e, textos.general.errorInesperado), $('autorizacion-mensaje'), textos.registro.revise, { ...options.campos, ...IDS });
      } finally {
        button.disabled = false;
      }
    };
    const finish = () => {
      form.removeEventListener('submit', onSubmit);
      $('approval_password', 'input').value = '';
      resolve(result);
    };
    form.addEventListener('submit', onSubmit);
    $('cerrar-autorizacion').onclick = () => dialog.close();
    dialog.addEventListener('close', finish, { once: true });
  });
}
