// The Rust commands. Every failure arrives as {code, field, message, fields?}.
const { invoke, Channel } = window.__TAURI__.core;

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
  chooseCsv: () => window.__TAURI__.dialog.open({ multiple: false, directory: false, filters: [{ name: 'CSV', extensions: ['csv', 'txt'] }] }),
};

/** Normalises anything thrown into the {code, field, message, fields} shape. */
export function asError(e, fallback) {
  if (e && typeof e === 'object' && 'message' in e && 'code' in e) return { fields: [], ...e };
  return { code: 'error_interno', field: null, message: fallback, fields: [] };
}
