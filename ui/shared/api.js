// @ts-check
// The Rust commands, one function each. Every failure arrives as {code, field, message, fields?}.
const { invoke: tauriInvoke, Channel } = window.__TAURI__.core;

// The payloads of the commands, generated from the Rust types (ui/types/ipc.d.ts): a field
// renamed in Rust fails `tsc` here or in the screen that reads it, not at the desk.
/** @typedef {import('../types/ipc').AppInfo} AppInfo */
/** @typedef {import('../types/ipc').Field} Field */
/** @typedef {import('../types/ipc').PhoneCountry} PhoneCountry */
/** @typedef {import('../types/ipc').FieldCheck} FieldCheck */
/** @typedef {import('../types/ipc').DocumentToAnswer} DocumentToAnswer */
/** @typedef {import('../types/ipc').RegistrationForm} RegistrationForm */
/** @typedef {import('../types/ipc').RegistrationReceipt} RegistrationReceipt */
/** @typedef {import('../types/ipc').IdentifiedAffiliate} IdentifiedAffiliate */
/** @typedef {import('../types/ipc').ValidationOutcome} ValidationOutcome */
/** @typedef {import('../types/ipc').ImportProgress} ImportProgress */
/** @typedef {import('../types/ipc').ImportReport} ImportReport */
/** @typedef {import('../types/ipc').Settings} Settings */
/** @typedef {import('../types/ipc').SettingsView} SettingsView */
/** @typedef {import('../types/ipc').SupervisorApproval} SupervisorApproval */
/** @typedef {import('../types/ipc').SearchResults} SearchResults */
/** @typedef {import('../types/ipc').RegistrationDetail} RegistrationDetail */
/** @typedef {import('../types/ipc').EmailSent} EmailSent */
/** @typedef {import('../types/ipc').RevealedSerial} RevealedSerial */
/** @typedef {import('../types/ipc').Clerk} Clerk */
/** @typedef {import('../types/ipc').SessionView} SessionView */
/** @typedef {import('../types/ipc').StaffMember} StaffMember */
/** @typedef {import('../types/ipc').NewStaffMember} NewStaffMember */
/** @typedef {import('../types/ipc').Receipt} Receipt */
/** @typedef {import('../types/ipc').SyncStatus} SyncStatus */
/** @typedef {import('../types/ipc').UpdateView} UpdateView */
/** @typedef {import('../types/ipc').CommandError} CommandError */
/** @typedef {import('../types/ipc').BackupInfo} BackupInfo */
/** @typedef {import('../types/ipc').RestoreOutcome} RestoreOutcome */
/** @typedef {import('../types/ipc').StartupProblem} StartupProblem */
/** @typedef {import('../types/ipc').Report} Report */
/** @typedef {import('../types/ipc').ReportScope} ReportScope */
/** @typedef {import('../types/ipc').ExportFormat} ExportFormat */
/** @typedef {import('../types/ipc').WorkQueues} WorkQueues */
/** @typedef {import('../types/ipc').BulkResend} BulkResend */
/** @typedef {import('../types/ipc').AuditFilter} AuditFilter */
/** @typedef {import('../types/ipc').AuditPage} AuditPage */

/** Failures that mean "nobody may use the screens now": the sign-in gate takes over. */
const SESSION_CODES = new Set(['sin_sesion', 'sesion_bloqueada', 'cambio_contrasena_requerido']);
/** For the gate's own calls: their refusals are the gate's to show, not a reason to reopen it. */
const AT_GATE = true;

/**
 * Calls a command by its IPC name (the Rust function's name; a test in the shell checks
 * that every name here is registered).
 * @template T
 * @param {string} cmd
 * @param {Record<string, unknown>} [args]
 * @param {boolean} [atGate]
 * @returns {Promise<T>}
 */
async function invoke(cmd, args = {}, atGate = false) {
  try {
    return await tauriInvoke(cmd, args);
  } catch (e) {
    if (!atGate && e && SESSION_CODES.has(e.code)) window.dispatchEvent(new CustomEvent('sesion-requerida', { detail: e.code }));
    throw e;
  }
}

export const api = {
  /** Why the app could not start; null when it did. @returns {Promise<StartupProblem | null>} */
  startupProblem: () => invoke('startup_problem'),
  /** The rescue screen's restore; null: the app started on it. @param {string} fileName @returns {Promise<StartupProblem | null>} */
  restoreAtStartup: (fileName) => invoke('restore_at_startup', { fileName }),
  /** @returns {Promise<BackupInfo[]>} */
  listBackups: () => invoke('list_backups'),
  /** @param {SupervisorApproval} approval @returns {Promise<BackupInfo>} */
  backUpNow: (approval) => invoke('back_up_now', { approval }),
  /** @param {string} fileName @param {SupervisorApproval} approval @returns {Promise<RestoreOutcome>} */
  restoreBackup: (fileName, approval) => invoke('restore_backup', { fileName, approval }),
  /** @returns {Promise<AppInfo>} */
  appInfo: () => invoke('app_info'),
  /** @param {Field} field @param {string} value @param {string | null} [other] @param {PhoneCountry} [phoneCountry] @returns {Promise<FieldCheck>} */
  checkField: (field, value, other, phoneCountry) => invoke('check_field', {
    field, value, other: other ?? null, phoneCountry: phoneCountry ?? null,
  }),
  /** @returns {Promise<DocumentToAnswer[]>} */
  legalDocuments: () => invoke('legal_documents'),
  /** @param {RegistrationForm} form @returns {Promise<RegistrationReceipt>} */
  register: (form) => invoke('register', { form }),
  /** @param {string} folio @param {string} code @returns {Promise<ValidationOutcome>} */
  validateCode: (folio, code) => invoke('validate_code', { folio, code }),
  /** @param {string} path @param {(progress: ImportProgress) => void} onProgress @returns {Promise<ImportReport>} */
  importRoster: (path, onProgress) => {
    /** @type {TauriChannel<ImportProgress>} */
    const channel = new Channel();
    channel.onmessage = onProgress;
    return invoke('import_roster', { path, onProgress: channel });
  },
  /** @returns {Promise<SettingsView>} */
  getSettings: () => invoke('get_settings'),
  /**
   * `smtpPassword`, `centralPassword`: null keeps the saved one, '' removes it.
   * @param {Settings} settings @param {string | null} smtpPassword @param {string | null} centralPassword
   * @param {SupervisorApproval} approval @returns {Promise<SettingsView>}
   */
  saveSettings: (settings, smtpPassword, centralPassword, approval) =>
    invoke('save_settings', { settings, smtpPassword, centralPassword, approval }),
  /** @param {SupervisorApproval} approval @returns {Promise<SettingsView>} */
  acceptKeyOnDisk: (approval) => invoke('accept_key_on_disk', { approval }),
  /** @param {string} to @returns {Promise<void>} */
  sendTestEmail: (to) => invoke('send_test_email', { to }),
  /** @param {string} query @returns {Promise<SearchResults>} */
  search: (query) => invoke('search', { query }),
  // A registration of another station, through the central database (across_stations.rs).
  /** @param {string} registrationId @returns {Promise<EmailSent>} */
  requestValidationEmailElsewhere: (registrationId) => invoke('request_validation_email_elsewhere', { registrationId }),
  /** @param {string} registrationId @param {string} reason @returns {Promise<EmailSent>} */
  requestTemporaryPasswordElsewhere: (registrationId, reason) =>
    invoke('request_temporary_password_elsewhere', { registrationId, reason }),
  /**
   * @param {string} registrationId @param {string} email @param {string} confirmation
   * @param {boolean} suggestionDeclined @returns {Promise<EmailSent>}
   */
  correctEmailElsewhere: (registrationId, email, confirmation, suggestionDeclined) =>
    invoke('correct_email_elsewhere', { registrationId, email, confirmation, suggestionDeclined }),
  /** @param {string} registrationId @param {SupervisorApproval} approval @param {string} reason @returns {Promise<void>} */
  cancelElsewhere: (registrationId, approval, reason) => invoke('cancel_elsewhere', { registrationId, approval, reason }),
  /** @param {string} registrationId @returns {Promise<RegistrationDetail>} */
  registrationDetail: (registrationId) => invoke('registration_detail', { registrationId }),
  /** @param {string} registrationId @returns {Promise<EmailSent>} */
  resendValidation: (registrationId) => invoke('resend_validation', { registrationId }),
  /** @param {string} registrationId @returns {Promise<import('../types/ipc').ConsentStanding[]>} */
  consentStandings: (registrationId) => invoke('consent_standings', { registrationId }),
  /** @param {import('../types/ipc').LaterAnswer} answer @returns {Promise<import('../types/ipc').ConsentStanding>} */
  answerConsent: (answer) => invoke('answer_consent', { answer }),
  /**
   * @param {string} registrationId @param {string} email @param {string} confirmation
   * @param {boolean} suggestionDeclined @returns {Promise<EmailSent>}
   */
  correctEmail: (registrationId, email, confirmation, suggestionDeclined) =>
    invoke('correct_email', { registrationId, email, confirmation, suggestionDeclined }),
  /** @param {string} registrationId @param {string} reason @returns {Promise<EmailSent>} */
  newTemporaryPassword: (registrationId, reason) => invoke('issue_new_temporary_password', { registrationId, reason }),
  /**
   * @param {string} registrationId @param {string} phone @param {PhoneCountry} phoneCountry
   * @param {SupervisorApproval} approval @param {string} reason @returns {Promise<import('../types/ipc').PhoneRectified>}
   */
  rectifyPhone: (registrationId, phone, phoneCountry, approval, reason) =>
    invoke('rectify_phone', { registrationId, phone, phoneCountry, approval, reason }),
  /**
   * @param {string} registrationId @param {import('../types/ipc').ErasureRight} right
   * @param {SupervisorApproval} approval @param {string} reason @returns {Promise<import('../types/ipc').ErasureDone>}
   */
  erasePersonalData: (registrationId, right, approval, reason) =>
    invoke('erase_personal_data', { registrationId, right, approval, reason }),
  /** @param {string} registrationId @param {SupervisorApproval} approval @param {string} reason @returns {Promise<void>} */
  cancelRegistration: (registrationId, approval, reason) => invoke('cancel_registration', { registrationId, approval, reason }),
  /**
   * @param {string} affiliationNumber @param {SupervisorApproval} approval @param {string} reason
   * @param {boolean} identityChecked @returns {Promise<RevealedSerial>}
   */
  revealSerial: (affiliationNumber, approval, reason, identityChecked) =>
    invoke('reveal_serial', { affiliationNumber, approval, reason, identityChecked }),
  /**
   * @param {string} username @param {string} fullName @param {string} password
   * @param {string} confirmation @returns {Promise<Clerk>}
   */
  createFirstSupervisor: (username, fullName, password, confirmation) =>
    invoke('create_first_supervisor', { username, fullName, password, confirmation }),
  /** @returns {Promise<SyncStatus>} */
  syncStatus: () => invoke('sync_status'),
  /** @returns {Promise<void>} */
  syncNow: () => invoke('sync_now'),
  /** @param {string} registrationId @returns {Promise<void>} */
  retryConflict: (registrationId) => invoke('retry_conflict', { registrationId }),
  /** @returns {Promise<UpdateView>} */
  updateStatus: () => invoke('update_status'),
  /**
   * Whether the registration form holds typed work: a new version waits until it does not.
   * @param {boolean} inProgress @returns {Promise<void>}
   */
  registrationFormState: (inProgress) => invoke('registration_form_state', { inProgress }),
  /** @returns {Promise<SessionView>} */
  sessionStatus: () => invoke('session_status', {}, AT_GATE),
  /** @param {string} username @param {string} password @returns {Promise<Clerk>} */
  signIn: (username, password) => invoke('sign_in', { username, password }, AT_GATE),
  /** @param {string} password @returns {Promise<Clerk>} */
  unlockSession: (password) => invoke('unlock_session', { password }, AT_GATE),
  /** @returns {Promise<void>} */
  lockSession: () => invoke('lock_session', {}, AT_GATE),
  /** @returns {Promise<void>} */
  signOut: () => invoke('sign_out', {}, AT_GATE),
  /** @returns {Promise<void>} */
  sessionActivity: () => invoke('session_activity'),
  /** @param {string} current @param {string} password @param {string} confirmation @returns {Promise<Clerk>} */
  changeOwnPassword: (current, password, confirmation) =>
    invoke('change_own_password', { current, password, confirmation }, AT_GATE),
  /** @returns {Promise<StaffMember[]>} */
  listStaff: () => invoke('list_staff'),
  /** @param {NewStaffMember} member @returns {Promise<StaffMember>} */
  createStaff: (member) => invoke('create_staff', { member }),
  /** @param {string} username @param {boolean} active @returns {Promise<StaffMember>} */
  setStaffActive: (username, active) => invoke('set_staff_active', { username, active }),
  /** @param {string} username @param {string} password @param {string} confirmation @returns {Promise<StaffMember>} */
  resetStaffPassword: (username, password, confirmation) => invoke('reset_staff_password', { username, password, confirmation }),
  /** @param {string} affiliationNumber @param {string} credentialSerial @returns {Promise<IdentifiedAffiliate>} */
  identifyAffiliate: (affiliationNumber, credentialSerial) => invoke('identify_affiliate', { affiliationNumber, credentialSerial }),
  /** @param {string} registrationId @returns {Promise<Receipt>} */
  receipt: (registrationId) => invoke('receipt', { registrationId }),
  /** @param {string} registrationId @returns {Promise<string>} The PDF's path. */
  saveReceiptPdf: (registrationId) => invoke('save_receipt_pdf', { registrationId }),
  // Written consent for the family grouping (from «Buscar»).
  /** @param {string} registrationId @returns {Promise<string>} The PDF's path. */
  saveConsentFormPdf: (registrationId) => invoke('save_consent_form_pdf', { registrationId }),
  /** @param {string} registrationId @param {SupervisorApproval} approval @param {string} reason @returns {Promise<string>} */
  saveAccessReportPdf: (registrationId, approval, reason) =>
    invoke('save_access_report_pdf', { registrationId, approval, reason }),
  /** @param {string} registrationId @returns {Promise<void>} */
  recordConsentFormCollected: (registrationId) => invoke('record_consent_form_collected', { registrationId }),
  // Reportes (supervisors).
  /** @param {ReportScope} scope @returns {Promise<Report>} */
  report: (scope) => invoke('report', { scope }),
  /** @param {ReportScope} scope @param {ExportFormat} format @returns {Promise<string>} The file's path. */
  saveReport: (scope, format) => invoke('save_report', { scope, format }),
  // «Pendientes» and the audit log viewer.
  /** @returns {Promise<WorkQueues>} */
  workQueues: () => invoke('work_queues'),
  /** @param {string} emailId @returns {Promise<string>} The folio. */
  resendEmail: (emailId) => invoke('resend_email', { emailId }),
  /** @returns {Promise<BulkResend>} */
  resendAllEmails: () => invoke('resend_all_emails'),
  /** @param {string} affiliationNumber @param {SupervisorApproval} approval @param {string} reason @returns {Promise<void>} */
  releaseAffiliationLock: (affiliationNumber, approval, reason) =>
    invoke('release_affiliation_lock', { affiliationNumber, approval, reason }),
  /** @param {AuditFilter} filter @param {number} page @returns {Promise<AuditPage>} */
  auditLog: (filter, page) => invoke('audit_log', { filter, page }),
  /** @param {AuditFilter} filter @returns {Promise<string>} The CSV file's path. */
  exportAuditLog: (filter) => invoke('export_audit_log', { filter }),
  /** The roster file, through the system's open dialog; null when the clerk cancels. */
  chooseCsv: () => window.__TAURI__.dialog.open({ multiple: false, directory: false, filters: [{ name: 'CSV', extensions: ['csv', 'txt'] }] }),
};

/**
 * Normalises anything thrown into the {code, field, message, fields} shape.
 * @param {unknown} e @param {string} fallback @returns {CommandError}
 */
export function asError(e, fallback) {
  if (e && typeof e === 'object' && 'message' in e && 'code' in e) return { fields: [], .../** @type {CommandError} */ (e) };
  return { code: 'error_interno', field: null, message: fallback, fields: [] };
}
