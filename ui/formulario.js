// Showing field errors: next to the field, announced, and focus on the first one.
// `ids` maps a field name from Rust to the id of its input on this form, when they differ.

export function clearErrors(form) {
  form.querySelectorAll('.error').forEach((p) => { p.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

const inputId = (field, ids) => (ids && ids[field]) || field;

export function showFieldError(field, message, ids) {
  const id = inputId(field, ids);
  const p = document.getElementById(`error-${id}`);
  if (p) p.textContent = message;
  const input = document.getElementById(id);
  if (input) input.setAttribute('aria-invalid', 'true');
  return Boolean(p);
}

export function clearFieldError(field, ids) {
  const id = inputId(field, ids);
  const p = document.getElementById(`error-${id}`);
  if (p) p.textContent = '';
  document.getElementById(id)?.removeAttribute('aria-invalid');
}

/** Shows every error of a command failure; the summary box lists them all. */
export function showError(error, summaryBox, heading, ids) {
  const errors = error.fields?.length ? error.fields : (error.field ? [error] : []);
  for (const e of errors) showFieldError(e.field, e.message, ids);
  const first = errors.map((e) => document.getElementById(inputId(e.field, ids))).find(Boolean);
  summaryBox.replaceChildren();
  if (error.fields?.length) {
    const p = document.createElement('p');
    p.textContent = heading ?? error.message;
    const ul = document.createElement('ul');
    for (const e of error.fields) {
      const li = document.createElement('li');
      li.textContent = e.message;
      ul.append(li);
    }
    summaryBox.append(p, ul);
  } else {
    summaryBox.textContent = error.message;
  }
  summaryBox.hidden = false;
  (first ?? summaryBox).focus?.();
}

/** Reads a whole number from an input; NaN stays NaN so Rust reports the field. */
export function intValue(id) {
  const raw = document.getElementById(id).value.trim();
  return /^\d+$/.test(raw) ? Number(raw) : -1;
}

/** Local date and time, es-MX. */
export function fecha(iso) {
  return iso ? new Date(iso).toLocaleString('es-MX', { dateStyle: 'short', timeStyle: 'short' }) : '—';
}
