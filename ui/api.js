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
  chooseCsv: () => window.__TAURI__.dialog.open({ multiple: false, directory: false, filters: [{ name: 'CSV', extensions: ['csv', 'txt'] }] }),
};

/** Normalises anything thrown into the {code, field, message, fields} shape. */
export function asError(e, fallback) {
  if (e && typeof e === 'object' && 'message' in e && 'code' in e) return { fields: [], ...e };
  return { code: 'error_interno', field: null, message: fallback, fields: [] };
}
