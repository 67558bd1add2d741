// The Rust commands. Every failure arrives as {code, field, message, fields?}.
const { invoke: tauriInvoke, Channel } = window.__TAURI__.core;

/** Failures that mean "nobody may use the screens now": the sign-in gate takes over. */
const SESSION_CODES = new Set(['sin_sesion', 'sesion_bloqueada', 'cambio_contrasena_requerido']);

async function invoke(cmd, args) {
  try {
    return await tauriInvoke(cmd, args);
  } catch (e) {
    if (e && SESSION_CODES.has(e.code)) window.dispatchEvent(new CustomEvent('sesion-requerida', { detail: e.code }));
    throw e;
  }
}

export const api = {
  appInfo: () => invoke('app_info'),
  checkField: (field, value, other) => invoke('check_field', { field, value, other: other ?? null }),
  legalDocuments: () => invoke('legal_documents'),
  register: (form) => invoke('register', { form }),
  validateCode: (folio, code) => invoke('validate_code', { folio, code }),
  importRoster: (path, onProgress) => {
    const channel = new Channel();
    channel.onmessage = onProgress;
    return invoke('import_roster', { path, onProgress: channel });
  },
  getSettings: () => invoke('get_settings'),
  saveSettings: (settings, smtpPassword, centralPassword, approval) =>
    invoke('save_settings', { settings, smtpPassword, centralPassword, approval }),
  sendTestEmail: (to) => invoke('send_test_email', { to }),
  search: (query) => invoke('search', { query }),
  registrationDetail: (registrationId) => invoke('registration_detail', { registrationId }),
  resendValidation: (registrationId) => invoke('resend_validation', { registrationId }),
  correctEmail: (registrationId, email, confirmation, suggestionDeclined) =>
    invoke('correct_email', { registrationId, email, confirmation, suggestionDeclined }),
  newTemporaryPassword: (registrationId, reason) => invoke('issue_new_temporary_password', { registrationId, reason }),
  cancelRegistration: (registrationId, approval, reason) => invoke('cancel_registration', { registrationId, approval, reason }),
  revealSerial: (affiliationNumber, approval, reason, identityChecked) =>
    invoke('reveal_serial', { affiliationNumber, approval, reason, identityChecked }),
  createFirstSupervisor: (username, fullName, password, confirmation) =>
    invoke('create_first_supervisor', { username, fullName, password, confirmation }),
  syncStatus: () => invoke('sync_status'),
  syncNow: () => invoke('sync_now'),
  retryConflict: (registrationId) => invoke('retry_conflict', { registrationId }),
  sessionStatus: () => tauriInvoke('session_status'),
  signIn: (username, password) => tauriInvoke('sign_in', { username, password }),
  unlockSession: (password) => tauriInvoke('unlock_session', { password }),
  lockSession: () => tauriInvoke('lock_session'),
  signOut: () => tauriInvoke('sign_out'),
  sessionActivity: () => invoke('session_activity'),
  changeOwnPassword: (current, password, confirmation) => tauriInvoke('change_own_password', { current, password, confirmation }),
  listStaff: () => invoke('list_staff'),
  createStaff: (member) => invoke('create_staff', { member }),
  setStaffActive: (username, active) => invoke('set_staff_active', { username, active }),
  resetStaffPassword: (username, password, confirmation) => invoke('reset_staff_password', { username, password, confirmation }),
  identifyAffiliate: (affiliationNumber, credentialSerial) => invoke('identify_affiliate', { affiliationNumber, credentialSerial }),
  receipt: (registrationId) => invoke('receipt', { registrationId }),
  saveReceiptPdf: (registrationId) => invoke('save_receipt_pdf', { registrationId }),
  chooseCsv: () => window.__TAURI__.dialog.open({ multiple: false, directory: false, filters: [{ name: 'CSV', extensions: ['csv', 'txt'] }] }),
};

/** Normalises anything thrown into the {code, field, message, fields} shape. */
export function asError(e, fallback) {
  if (e && typeof e === 'object' && 'message' in e && 'code' in e) return { fields: [], ...e };
  return { code: 'error_interno', field: null, message: fallback, fields: [] };
}
