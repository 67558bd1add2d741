// @ts-check
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { clearErrors, clearFieldError, showError, showFieldError } from '../shared/formulario.js';
import { pedirAutorizacion } from '../shared/autorizacion.js';
import { $, el } from '../shared/dom.js';

/** @typedef {import('../types/ipc').Field} Field */
/** @typedef {import('../types/ipc').PhoneCountry} PhoneCountry */
/** @typedef {import('../types/ipc').DocumentToAnswer} LegalDocument A document with the field of its answer. */
/** @typedef {import('../types/ipc').Receipt} Receipt */
/** @typedef {import('../types/ipc').RegistrationForm} RegistrationForm */
/** @typedef {import('../types/ipc').RegistrationReceipt} RegistrationReceipt */

const t = textos.registro;
/** @type {Field[]} */
const LIVE_FIELDS = ['affiliation_number', 'credential_serial', 'phone', 'email', 'email_confirmation'];
/** @type {LegalDocument[]} */
let documents = [];
let suggestionDeclined = false;
/** @type {(folio: string) => void} */
let onValidate = () => {};
/** The number and serial last looked up, so tabbing back and forth asks (and counts) once. */
let identifiedPair = '';
/** @type {string | null} */
let registrationId = null;
/** What the station last heard about the form (null: nothing yet). */
let reportedInProgress = null;

/** @param {{ goToValidation: (folio: string) => void }} screens */
export async function initRegistro({ goToValidation }) {
  onValidate = goToValidation;
  const form = $('form-registro', 'form');
  /** @type {Field[]} */
  const credential = ['affiliation_number', 'credential_serial'];
  for (const field of credential) {
    $(field).addEventListener('input', () => { $('afiliado-identificado').hidden = true; });
  }
  for (const field of LIVE_FIELDS) {
    // With both credential fields typed, the roster lookup checks them (one answer, not
    // two racing to show or clear the same error).
    $(field).addEventListener('blur', () => (credential.includes(field) && credential.every((f) => $(f, 'input').value.trim())
      ? identify() : liveCheck(field)));
    $(field).addEventListener('input', () => {
      clearFieldError(field);
      if (field === 'email') { suggestionDeclined = false; $('sugerencia-email').hidden = true; }
    });
  }
  // The number is read in the chosen country: a new choice reads it again.
  $('phone_country').addEventListener('change', () => { clearFieldError('phone'); liveCheck('phone'); });
  $('rechazar-sugerencia').addEventListener('click', () => {
    suggestionDeclined = true;
    $('sugerencia-email').hidden = true;
    clearFieldError('email');
    $('email_confirmation').focus();
  });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  form.addEventListener('input', reportFormState);
  form.addEventListener('change', reportFormState);
  $('nuevo-registro').addEventListener('click', resetForm);
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey && ev.key.toLowerCase() === 'n' && !$('registro-exito').hidden && !$('pantalla-registro').hidden) {
      ev.preventDefault();
      resetForm();
    }
  });
  $('imprimir').addEventListener('click', () => window.print());
  $('guardar-pdf').addEventListener('click', savePdf);
  $('ir-validar').addEventListener('click', () => onValidate($('exito-folio').textContent));
  $('cerrar-documento').addEventListener('click', () => $('dialogo-documento', 'dialog').close());
  $('sin-serie').addEventListener('click', revealSerial);
  documents = await api.legalDocuments();
  renderDocuments();
  reportFormState();
}

/** Typed or answered and not registered yet (a shown receipt is a saved registration). */
function formInProgress() {
  const form = $('form-registro', 'form');
  if (form.hidden) return false;
  return LIVE_FIELDS.some((f) => $(f, 'input').value.trim() !== '') || form.querySelector('input:checked') !== null;
}

/** Tells the station when the form starts or stops holding work: a new version of the
 * program installs only while it holds none. */
function reportFormState() {
  const inProgress = formInProgress();
  if (inProgress === reportedInProgress) return;
  reportedInProgress = inProgress;
  api.registrationFormState(inProgress).catch(() => { reportedInProgress = null; });
}

/** Number and serial typed: the roster's name, for the clerk to confirm the person. */
async function identify() {
  const number = $('affiliation_number', 'input').value.trim();
  const serial = $('credential_serial', 'input').value.trim();
  const box = $('afiliado-identificado');
  if (!number || !serial || `${number}|${serial}` === identifiedPair) return;
  identifiedPair = `${number}|${serial}`;
  try {
    const found = await api.identifyAffiliate(number, serial);
    clearFieldError('affiliation_number');
    clearFieldError('credential_serial');
    box.className = 'identificado';
    box.textContent = t.identificado(found);
    box.hidden = false;
  } catch (e) {
    const error = asError(e, textos.general.errorInesperado);
    box.hidden = true;
    const shown = (error.fields?.length ? error.fields : [error])
      .filter((f) => f.field && showFieldError(f.field, f.message)).length;
    if (!shown) {
      box.className = 'identificado aviso';
      box.textContent = error.message;
      box.hidden = false;
    }
  }
}

/** @param {Field} field */
async function liveCheck(field) {
  const value = $(field, 'input').value;
  if (!value.trim()) return; // an empty box is reported on "Registrar", not while tabbing through
  const other = field === 'email_confirmation' ? $('email', 'input').value : null;
  try {
    const check = await api.checkField(field, value, other, phoneCountry());
    clearFieldError(field);
    if (check.display && field === 'phone') $('phone', 'input').value = check.display;
    if (field === 'email') showSuggestion(check.suggestion);
  } catch (e) {
    const error = asError(e, textos.general.errorInesperado);
    showFieldError(field, error.fields?.[0]?.message ?? error.message);
  }
}

/** @param {string | null | undefined} suggestion */
function showSuggestion(suggestion) {
  const box = $('sugerencia-email');
  if (!suggestion || suggestionDeclined) { box.hidden = true; return; }
  $('sugerencia-texto').textContent = t.quisisteDecir(suggestion);
  const use = $('usar-sugerencia');
  use.textContent = t.usar(suggestion);
  use.onclick = () => {
    $('email', 'input').value = suggestion;
    box.hidden = true;
    clearFieldError('email');
    $('email_confirmation').focus();
  };
  box.hidden = false;
}

/** A credential without a printed serial: a supervisor reveals the one on record. */
async function revealSerial() {
  const s = textos.serie;
  const revealed = await pedirAutorizacion({
    titulo: s.titulo,
    explicacion: s.explicacion,
    afiliacion: $('affiliation_number', 'input').value,
    identificacion: true,
    supervisor: true,
    accion: (d) => api.revealSerial(d.affiliation, d.approval, d.reason, d.identityChecked),
    exito: s.revelada,
  });
  if (revealed) {
    $('affiliation_number', 'input').value = revealed.affiliation_number;
    $('credential_serial', 'input').value = revealed.credential_serial;
    clearFieldError('credential_serial');
    $('phone').focus();
  }
}

function renderDocuments() {
  $('documentos').replaceChildren(...documents.map((doc) => {
    const field = doc.field;
    return el('div', { className: 'documento', 'data-kind': doc.kind },
      el('button', {
        type: 'button', className: 'leer', id: `leer-${doc.kind}`, textContent: `${t.leer}: ${doc.title}`,
        onclick: () => openDocument(doc, field),
      }),
      el('p', { className: 'huella', textContent: t.version(doc) }),
      answerFor(doc, field),
      el('p', { className: 'error', id: `error-${field}`, 'aria-live': 'polite' }));
  }));
}

/** The family-grouping consent is a yes/no question, the others a box to tick; both stay
 * disabled until the document has been opened. */
function answerFor(/** @type {LegalDocument} */ doc, /** @type {Field} */ field) {
  const clear = () => clearFieldError(field);
  /** @param {HTMLInputElement} input @param {string} label */
  const option = (input, label) => el('div', { className: 'opcion' }, input, el('label', { htmlFor: input.id, textContent: label }));
  if (doc.kind !== 'consentimiento_agrupacion') {
    return option(el('input', {
      type: 'checkbox', id: field, name: field, disabled: true, 'aria-describedby': `error-${field}`, onchange: clear,
    }), t.acepto(doc.title));
  }
  return el('fieldset', { id: field, className: 'respuesta', disabled: true, 'aria-describedby': `error-${field}` },
    el('legend', { textContent: t.agrupacionPregunta }),
    option(el('input', { type: 'radio', name: field, id: `${field}-si`, value: 'si', onchange: clear }), t.agrupacionSi),
    option(el('input', { type: 'radio', name: field, id: `${field}-no`, value: 'no', onchange: clear }), t.agrupacionNo));
}

/** Shows exactly the stored text; answering is possible once it has been opened. */
function openDocument(/** @type {LegalDocument} */ doc, /** @type {Field} */ field) {
  $('documento-titulo').textContent = doc.title;
  $('documento-huella').textContent = t.version(doc);
  $('documento-texto').textContent = doc.body;
  const dialog = $('dialogo-documento', 'dialog');
  dialog.showModal();
  $('documento-texto').scrollTop = 0;
  $('documento-texto').focus();
  const answer = /** @type {HTMLInputElement | HTMLFieldSetElement} */ ($(field));
  answer.disabled = false;
  $(`leer-${doc.kind}`).classList.add('leido');
  dialog.addEventListener('close', () => {
    (answer.querySelector?.('input') ?? answer).focus();
  }, { once: true });
}

/** @returns {PhoneCountry} */
function phoneCountry() {
  return /** @type {PhoneCountry} */ ($('phone_country', 'select').value);
}

/** @returns {RegistrationForm} */
function collectForm() {
  const consents = documents.map((doc) => {
    const field = doc.field;
    let accepted = null;
    if (doc.kind === 'consentimiento_agrupacion') {
      const chosen = /** @type {HTMLInputElement | null} */ (document.querySelector(`input[name="${field}"]:checked`));
      accepted = chosen ? chosen.value === 'si' : null;
    } else {
      accepted = $(field, 'input').checked ? true : null;
    }
    return { kind: doc.kind, document_id: doc.id, sha256: doc.sha256, accepted };
  });
  return {
    affiliation_number: $('affiliation_number', 'input').value,
    credential_serial: $('credential_serial', 'input').value,
    phone: $('phone', 'input').value,
    phone_country: phoneCountry(),
    email: $('email', 'input').value,
    email_confirmation: $('email_confirmation', 'input').value,
    email_suggestion_declined: suggestionDeclined,
    consents,
  };
}

async function submit() {
  const form = $('form-registro', 'form');
  const summary = $('registro-resumen');
  const button = $('registrar', 'button');
  clearErrors(form);
  summary.hidden = true;
  button.disabled = true;
  button.textContent = t.registrando;
  try {
    const receipt = await api.register(collectForm());
    showReceipt(receipt);
  } catch (e) {
    const error = asError(e, textos.general.errorInesperado);
    // The new version is fetched first and drawn from it: the affiliate answers the text
    // that will be recorded (drawing before the fetch showed the old version again).
    if (error.code === 'documento_cambio') {
      documents = await api.legalDocuments();
      renderDocuments();
    }
    if (error.fields?.some((f) => f.code === 'posible_error')) {
      const check = await api.checkField('email', $('email', 'input').value).catch(() => null);
      showSuggestion(check?.suggestion);
    }
    showError(error, summary, t.revise);
  } finally {
    button.disabled = false;
    button.textContent = t.registrar;
  }
}

/** @param {RegistrationReceipt} r */
async function showReceipt(r) {
  window.dispatchEvent(new Event('estado-cambio'));
  registrationId = r.registration_id;
  $('form-registro').hidden = true;
  $('afiliado-identificado').hidden = true;
  $('exito-folio').textContent = r.folio;
  $('exito-correo').textContent = t.correoEnviado(r.email_masked);
  $('exito-agrupacion').textContent = t.agrupacion(r.family_grouping);
  $('pdf-resultado').textContent = '';
  $('registro-exito').hidden = false;
  reportFormState();
  $('ir-validar').focus();
  renderReceipt(await api.receipt(r.registration_id));
}

/** @param {Receipt} c */
function renderReceipt(c) {
  const k = textos.comprobante;
  $('comprobante-datos').replaceChildren(...k.datos(c).flatMap(([label, value]) => [
    el('dt', { textContent: label }), el('dd', { textContent: value })]));
  $('comprobante-documentos').querySelector('tbody').replaceChildren(...c.documents.map((d) => el('tr', {},
    ...[d.title, String(d.version), d.short_hash, d.answer].map((text) => el('td', { textContent: text })))));
  $('comprobante-pasos').replaceChildren(...c.next_steps.map((s) => el('li', { textContent: s })));
  $('comprobante-contacto').replaceChildren(...[c.contact.name, c.contact.office, c.contact.address,
    k.telefono(c.contact.phone), k.horario(c.contact.hours)].flatMap((line) => [el('span', { textContent: line }), el('br')]));
}

async function savePdf() {
  const out = $('pdf-resultado');
  try {
    out.textContent = t.pdfGuardado(await api.saveReceiptPdf(registrationId));
  } catch (e) {
    out.textContent = asError(e, textos.general.errorInesperado).message;
  }
}

export function resetForm() {
  const form = $('form-registro', 'form');
  form.reset();
  clearErrors(form);
  suggestionDeclined = false;
  $('sugerencia-email').hidden = true;
  $('registro-resumen').hidden = true;
  $('registro-exito').hidden = true;
  $('afiliado-identificado').hidden = true;
  identifiedPair = '';
  registrationId = null;
  renderDocuments();
  form.hidden = false;
  reportFormState();
  $('affiliation_number').focus();
}
