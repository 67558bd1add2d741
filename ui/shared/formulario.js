// @ts-check
// Showing field errors: next to the field, announced, and focus on the first one.
// `ids` maps a field name from Rust to the id of its input on this form, when they differ.
import { $, el } from './dom.js';

/** @typedef {import('../types/ipc').CommandError} CommandError */
/** @typedef {import('../types/ipc').Field} Field */
/** @typedef {Partial<Record<Field, string>>} FieldIds The input's id of a field, where it is not the field's name. */

/** @param {HTMLElement} form */
export function clearErrors(form) {
  form.querySelectorAll('.error').forEach((p) => { p.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
}

/** @param {Field} field @param {FieldIds} [ids] @returns {string} */
const inputId = (field, ids) => (ids && ids[field]) || field;

/** @param {Field} field @param {string} message @param {FieldIds} [ids] True when the form shows it by the field. */
export function showFieldError(field, message, ids) {
  const id = inputId(field, ids);
  const p = $(`error-${id}`);
  if (p) p.textContent = message;
  const input = $(id);
  if (input) input.setAttribute('aria-invalid', 'true');
  return Boolean(p);
}

/** @param {Field} field @param {FieldIds} [ids] */
export function clearFieldError(field, ids) {
  const id = inputId(field, ids);
  const p = $(`error-${id}`);
  if (p) p.textContent = '';
  $(id)?.removeAttribute('aria-invalid');
}

/**
 * Shows every error of a command failure; the summary box lists them all.
 * @param {CommandError} error @param {HTMLElement} summaryBox @param {string} [heading] @param {FieldIds} [ids]
 */
export function showError(error, summaryBox, heading, ids) {
  /** @type {{ field: Field, message: string }[]} */
  const errors = error.fields?.length ? error.fields : (error.field ? [{ field: error.field, message: error.message }] : []);
  for (const e of errors) showFieldError(e.field, e.message, ids);
  const first = errors.map((e) => $(inputId(e.field, ids))).find(Boolean);
  summaryBox.replaceChildren();
  if (error.fields?.length) {
    summaryBox.append(el('p', { textContent: heading ?? error.message }),
      el('ul', {}, ...error.fields.map((e) => el('li', { textContent: e.message }))));
  } else {
    summaryBox.textContent = error.message;
  }
  summaryBox.hidden = false;
  (first ?? summaryBox).focus?.();
}

/** Reads a whole number from an input; anything else is -1, which the screen reports. @param {string} id */
export function intValue(id) {
  const raw = $(id, 'input').value.trim();
  return /^\d+$/.test(raw) ? Number(raw) : -1;
}

export { fecha } from './fecha.js';
