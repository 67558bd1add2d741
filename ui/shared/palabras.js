// @ts-check
// Generated from core/src/domain/words.rs by the test src-tauri/src/commands/ipc_types.rs.
// Do not edit: change the Rust table, then run `UPDATE_IPC_TYPES=1 cargo test -p registro-servicios-en-linea --lib ipc_types`.

/** @type {Record<import('../types/ipc').RegistrationState, string>} */
export const ESTADOS_REGISTRO = {
  pendiente_validacion: 'pendiente de validación',
  validada: 'validado',
  activa: 'activo',
  expirada: 'vencido sin validar',
  cancelada: 'cancelado',
};

/** @type {Record<import('../types/ipc').EmailState, string>} */
export const ESTADOS_CORREO = {
  en_cola: 'en espera de envío',
  enviando: 'enviándose',
  enviado: 'entregado al servidor de correo',
  abandonado: 'no se pudo entregar',
  incierto: 'envío interrumpido (reenvíe si no llegó)',
  cancelado: 'reemplazado por uno más reciente',
};

/** The grouping consent's answer, then any other text's. */
export const RESPUESTAS = {
  agrupacion: { si: 'otorgado', no: 'no otorgado' },
  texto: { si: 'aceptado', no: 'no aceptado' },
};
