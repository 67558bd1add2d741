// @ts-check
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, clearFieldError, showError } from '../shared/formulario.js';
import { $ } from '../shared/dom.js';

const t = textos.validacion;

export function initValidacion() {
  for (const field of /** @type {const} */ (['folio', 'code'])) $(field).addEventListener('input', () => clearFieldError(field));
  $('form-validacion').addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
}

/** Opens the screen ready for the code of `folio`. @param {string} folio */
export function prepareValidation(folio) {
  $('form-validacion', 'form').reset();
  clearErrors($('form-validacion'));
  $('validacion-resumen').hidden = true;
  $('validacion-exito').hidden = true;
  if (folio) $('folio', 'input').value = folio;
  (folio ? $('code') : $('folio')).focus();
}

async function submit() {
  const summary = $('validacion-resumen');
  const button = $('validar', 'button');
  clearErrors($('form-validacion'));
  summary.hidden = true;
  $('validacion-exito').hidden = true;
  button.disabled = true;
  button.textContent = t.validando;
  try {
    const outcome = await api.validateCode($('folio', 'input').value, $('code', 'input').value);
    $('validacion-usuario').textContent = t.usuario(outcome.username);
    $('validacion-correo').textContent = t.correo(outcome.email_masked);
    $('validacion-exito').hidden = false;
    window.dispatchEvent(new Event('estado-cambio'));
  } catch (e) {
    showError(asError(e, textos.general.errorInesperado), summary, textos.registro.revise);
  } finally {
    button.disabled = false;
    button.textContent = t.validar;
  }
}
