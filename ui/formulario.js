// Showing field errors: next to the field, announced, and focus on the first one.

export function clearErrors(form) {
  form.querySelectorAll('.error').forEach((p) => { p.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

export function showFieldError(field, message) {
  const p = document.getElementById(`error-${field}`);
  if (p) p.textContent = message;
  const input = document.getElementById(field);
  if (input) input.setAttribute('aria-invalid', 'true');
  return Boolean(p);
}

export function clearFieldError(field) {
  const p = document.getElementById(`error-${field}`);
  if (p) p.textContent = '';
  document.getElementById(field)?.removeAttribute('aria-invalid');
}

/** Shows every error of a command failure; returns the message for the summary box. */
export function showError(error, summaryBox, heading) {
  const errors = error.fields?.length ? error.fields : (error.field ? [error] : []);
  let shownAtField = false;
  for (const e of errors) shownAtField = showFieldError(e.field, e.message) || shownAtField;
  const first = errors.map((e) => document.getElementById(e.field)).find(Boolean);
  summaryBox.replaceChildren();
  if (error.fields?.length) {
    const p = document.createElement('p');
    p.textContent = heading;
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
  return shownAtField;
}
