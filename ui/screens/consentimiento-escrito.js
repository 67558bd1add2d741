// @ts-check
// The papers of a registration in the detail of «Buscar»: the receipt saved again as a
// PDF, the written consent for the family grouping (health data: express and in
// writing) saved as a PDF to print and sign, and the signed form recorded as collected.
import { api, asError } from '../shared/api.js';
import { textos } from '../shared/textos.js';
import { fecha, showError } from '../shared/formulario.js';
import { $ } from '../shared/dom.js';

/** @typedef {import('../types/ipc').RegistrationDetail} RegistrationDetail */

const t = textos.consentimientoEscrito;

/**
 * @param {() => RegistrationDetail | null} shown The registration on screen.
 * @param {(registrationId: string, aviso?: string) => Promise<void>} reload Shows it again.
 */
export function initConsentimientoEscrito(shown, reload) {
  /** @param {(id: string) => Promise<string>} save @param {(path: string) => string} message */
  const savePdf = async (save, message) => {
    const d = shown();
    if (!d) return;
    const out = $('consentimiento-escrito-resultado');
    $('detalle-mensaje').hidden = true;
    try {
      out.textContent = message(await save(d.registration_id));
    } catch (e) {
      out.textContent = '';
      showError(asError(e, textos.general.errorInesperado), $('detalle-mensaje'), textos.registro.revise);
    }
  };
  $('accion-comprobante-pdf').addEventListener('click', () => savePdf(api.saveReceiptPdf, t.comprobanteGuardado));
  $('accion-consentimiento-pdf').addEventListener('click', () => savePdf(api.saveConsentFormPdf, t.formatoGuardado));
  $('accion-consentimiento-recogido').addEventListener('click', async () => {
    const d = shown();
    if (!d) return;
    try {
      await api.recordConsentFormCollected(d.registration_id);
      await reload(d.registration_id, t.recogido);
      $('consentimiento-escrito-estado').focus();
    } catch (e) {
      showError(asError(e, textos.general.errorInesperado), $('detalle-mensaje'), textos.registro.revise);
    }
  });
}

/** @param {RegistrationDetail} d */
export function mostrarConsentimientoEscrito(d) {
  const estado = $('consentimiento-escrito-estado');
  estado.textContent = t.estado(d.consent_form_collected, fecha);
  estado.tabIndex = -1;
  $('accion-consentimiento-recogido').hidden = d.consent_form_collected !== null;
  $('consentimiento-escrito-resultado').textContent = '';
}
