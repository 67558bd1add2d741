// Generated from the Rust types by the test src-tauri/src/commands/ipc_types.rs (ts-rs).
// Do not edit: change the Rust type, then run `UPDATE_IPC_TYPES=1 cargo test --lib ipc_types`.

export type CommandError = { code: string, field: Field | null, message: string, fields?: Array<FieldError>, };

/**
 * A problem with one field, told to the clerk in Spanish.
 */
export type FieldError = { 
/**
 * Stable machine-readable reason, e.g. `requerido`, `formato`, `no_coinciden`.
 */
code: string, field: Field, message: string, };

/**
 * The fields of the clerk's screens. Serialized names are the ids the front end uses.
 */
export type Field = "affiliation_number" | "credential_serial" | "phone" | "email" | "email_confirmation" | "integral_notice" | "simplified_notice" | "terms_and_conditions" | "family_grouping_consent" | "folio" | "code" | "roster_file" | "reason" | "identity_checked" | "query" | "supervisor_username" | "supervisor_password" | "supervisor_password_confirmation" | "supervisor_full_name" | "test_recipient" | "office" | "workstation" | "sender_name" | "sender_address" | "link_base_url" | "sign_in_url" | "institute_profile" | "validation_ttl_hours" | "pending_expiry_hours" | "resend_cooldown_secs" | "max_code_attempts" | "max_serial_failures" | "serial_lock_minutes" | "outbox_max_attempts" | "delivery_promise_minutes" | "smtp_host" | "smtp_port" | "smtp_security" | "smtp_username" | "smtp_password" | "smtp_timeout_secs" | "smtp_pool_size" | "smtp_root_certificate" | "central_url" | "central_password" | "central_root_certificate" | "update_url" | "backup_folder" | "backups_kept" | "retention_years" | "backup" | "session_lock_minutes" | "clock_skew_warning_minutes" | "username" | "password" | "staff_username" | "staff_full_name" | "staff_role" | "staff_password" | "staff_password_confirmation" | "report_scope" | "audit_from" | "audit_to";

export type AppInfo = { title: string, version: string, office: string, workstation: string, roster: RosterSummary, email_delivery: string, emails_waiting: number, data_dir: string, };

export type RosterSummary = { total: number, current: number, 
/**
 * True while the roster is the embedded demo one.
 */
is_demo: boolean, imported_at: string | null, };

/**
 * What the status bar shows on every screen.
 */
export type SyncStatus = { configured: boolean, online: boolean, last_success_at: string | null, last_attempt_at: string | null, 
/**
 * The last failed round, in Spanish; `None` after a round that worked.
 */
last_error: string | null, 
/**
 * What the server said about it (technical, often English), for support.
 */
last_error_detail: string | null, 
/**
 * The last round could not reach the central database: the records wait here, which
 * is normal at a satellite office, not a problem to fix.
 */
waiting_for_network: boolean, 
/**
 * Registrations with something not yet in the central database.
 */
records_waiting: number, 
/**
 * Rows of any kind waiting (a registration is several: consents, token, audit…).
 */
changes_waiting: number, oldest_record_waiting_at: string | null, emails_waiting: number, oldest_email_waiting_at: string | null, 
/**
 * Why the waiting emails wait, when the server said (a refused password, say).
 */
emails_waiting_because: string | null, 
/**
 * Emails a clerk must look at in «Buscar»: given up (`abandonado`) or interrupted
 * mid-delivery (`incierto`); a resend is one click there.
 */
emails_needing_attention: number, problems: Array<RecordProblem>, 
/**
 * How far the central clock is ahead of this station's, in seconds, as last measured
 * (negative: the station is ahead). `None` before the first round that reached it.
 */
clock_offset_seconds: number | null, 
/**
 * The station's clock is off by more than the configured minutes: the clerk is told
 * (the central clock still decides expiry, so nothing breaks meanwhile).
 */
clock_skewed: boolean, 
/**
 * The saved settings are unusable and the station is on hold (see
 * [`crate::config::SettingsProblem`]).
 */
settings_problem: SettingsProblem | null, 
/**
 * Settings that still hold the values the app ships with on a station joined to the
 * institute: emails wait until a supervisor sets them (see readiness.rs).
 */
sending_held_by: Array<Field>, 
/**
 * The database key is kept in a file of the data folder (no credential store), and
 * whether a supervisor accepted that.
 */
key_on_disk: KeyOnDisk | null, 
/**
 * The daily backup failed (a USB drive taken away, a share out of reach): since when,
 * and why. Cleared by the next copy that works.
 */
backup_failure: BackupFailure | null, };

/**
 * A problem with one record, for the status bar.
 */
export type RecordProblem = { registration_id: string, folio: string, sync_state: SyncState, message: string | null, };

/**
 * A registration as the clerk sees its sync (`registrations.sync_state`).
 */
export type SyncState = "pendiente" | "enviando" | "sincronizado" | "error" | "conflicto";

/**
 * The result of a live check of one field: the value as it will be stored, how to show
 * it, and a suggestion when the email's domain looks mistyped.
 */
export type FieldCheck = { value: string, display: string | null, suggestion: string | null, };

export type LegalDocument = { id: number, kind: DocumentKind, version: number, title: string, body: string, sha256: string, published_at: string, };

/**
 * A document of the form with the field its answer goes in (and its errors come back
 * on), so the screen does not keep its own copy of `DocumentKind::field`.
 */
export type DocumentToAnswer = { field: Field, id: number, kind: DocumentKind, version: number, title: string, body: string, sha256: string, published_at: string, };

export type DocumentKind = "aviso_integral" | "aviso_simplificado" | "terminos_condiciones" | "consentimiento_agrupacion";

/**
 * The form as the front end sends it: raw strings, parsed here once.
 */
export type RegistrationForm = { affiliation_number: string, credential_serial: string, phone: string, 
/**
 * The country chosen next to the phone: ten digits are read in it, never guessed.
 */
phone_country: PhoneCountry, email: string, email_confirmation: string, 
/**
 * The clerk checked with the affiliate that the email is right despite a suggestion.
 */
email_suggestion_declined: boolean, consents: Array<ConsentAnswer>, };

/**
 * The country the clerk chose next to the phone field.
 */
export type PhoneCountry = "mexico" | "united_states_or_canada";

/**
 * The affiliate's answer to one document, with the version and hash of the text shown.
 */
export type ConsentAnswer = { kind: DocumentKind, document_id: number, sha256: string, 
/**
 * `None` while unanswered; never defaulted.
 */
accepted: boolean | null, };

/**
 * What the clerk sees after "Registrar".
 */
export type RegistrationReceipt = { registration_id: string, folio: string, affiliate_name: string, email: string, email_masked: string, 
/**
 * Read back in its country's grouping: `686 555 0142`, `+1 (619) 555-0142`.
 */
phone: string, family_grouping: boolean, created_at: string, validation_expires_at: string, };

/**
 * Who the number and serial belong to, for the clerk to confirm aloud.
 */
export type IdentifiedAffiliate = { full_name: string, kind: AffiliateKind, };

export type AffiliateKind = "titular" | "beneficiario";

/**
 * Everything the receipt shows, already formatted for display.
 */
export type Receipt = { folio: string, registered_at: string, 
/**
 * `25/11/2026 14:05`, in the workstation's local time.
 */
registered_at_local: string, office: string, workstation: string, 
/**
 * From the roster; empty if the affiliate is no longer in it.
 */
affiliate_name: string, affiliation_number: string, email_masked: string, phone_masked: string, documents: Array<ReceiptDocument>, 
/**
 * The registration's state (`pendiente_validacion`, `validada`, …).
 */
state: RegistrationState, next_steps: Array<string>, contact: ReceiptContact, };

/**
 * One legal document the affiliate answered, as recorded with the consent.
 */
export type ReceiptDocument = { title: string, version: number, 
/**
 * First 12 hex digits of the text's SHA-256: enough to tell versions apart on paper.
 */
short_hash: string, 
/**
 * «Aceptado», or «Otorgado» / «No otorgado» for the family-grouping consent.
 */
answer: string, };

export type ReceiptContact = { name: string, office: string, address: string, phone: string, hours: string, };

export type ValidationOutcome = { registration_id: string, folio: string, username: string, email_masked: string, validated_at: string, };

/**
 * The newest matches, and whether there are more than the page shows (the screen then
 * asks for more of the name, or the folio).
 */
export type SearchResults = { registrations: Array<RegistrationSummary>, more: boolean, 
/**
 * Matches made at other stations (of this office, or live ones of other offices),
 * found through the central database; none held here.
 */
elsewhere: Array<RegistrationElsewhere>, reach: SearchReach, };

/**
 * Where a search looked: the clerk must know when a registration made at another station
 * could not have been found.
 */
export type SearchReach = "this_station" | "central" | "this_station_offline";

/**
 * A registration made at another station, as the central database shows it to this
 * office: whole when the office made it, and only while live and with the email masked
 * when another office did.
 */
export type RegistrationElsewhere = { registration_id: string, folio: string, affiliation_number: string, full_name: string | null, email: string, state: RegistrationState, created_at: string, validated_at: string | null, closed_at: string | null, office: string, workstation: string, 
/**
 * Made by this station's office: its email can be corrected and it can be cancelled
 * from here.
 */
own_office: boolean, 
/**
 * The affiliate has an account (a new temporary password can be sent).
 */
has_account: boolean, 
/**
 * The email and phone were erased (a right of cancellation or opposition, or the
 * retention period ended): nothing can be sent.
 */
personal_data_erased: boolean, };

export type RegistrationSummary = { registration_id: string, folio: string, affiliation_number: string, full_name: string | null, email: string, state: RegistrationState, created_at: string, };

/**
 * `pendiente_validacion` → `validada` → `activa` (known centrally once the affiliate
 * changes the password); `pendiente_validacion` → `expirada`; any → `cancelada`.
 */
export type RegistrationState = "pendiente_validacion" | "validada" | "activa" | "expirada" | "cancelada";

/**
 * Where, by whom and how a registration was taken, and how it ended.
 */
export type RegistrationRecord = { phone_e164: string, 
/**
 * The number in its country's grouping (`55 5555 0142`, `+1 (619) 555-0142`).
 */
phone_display: string, family_grouping: boolean, office: string, workstation: string, clerk: string, validated_at: string | null, closed_at: string | null, closed_reason: string | null, 
/**
 * When the email and phone were erased (a right of cancellation or opposition, or
 * the retention period ended).
 */
personal_data_erased_at: string | null, };

export type RegistrationDetail = { consents: Array<ConsentView>, emails: Array<EmailView>, promise: DeliveryPromise, 
/**
 * When "resend" becomes possible again (cooldown), if it is not now.
 */
resend_available_at: string | null, 
/**
 * The signed written consent, once collected.
 */
consent_form_collected: ConsentFormCollected | null, registration_id: string, folio: string, affiliation_number: string, full_name: string | null, email: string, state: RegistrationState, created_at: string, phone_e164: string, 
/**
 * The number in its country's grouping (`55 5555 0142`, `+1 (619) 555-0142`).
 */
phone_display: string, family_grouping: boolean, office: string, workstation: string, clerk: string, validated_at: string | null, closed_at: string | null, closed_reason: string | null, 
/**
 * When the email and phone were erased (a right of cancellation or opposition, or
 * the retention period ended).
 */
personal_data_erased_at: string | null, };

export type ConsentView = { document_kind: DocumentKind, document_version: number, document_sha256: string, accepted: boolean, decided_at: string, method: string, clerk: string, office: string, workstation: string, };

/**
 * Where a registration stands with one text: the version in force and the affiliate's
 * latest answer.
 */
export type ConsentStanding = { kind: DocumentKind, current_version: number, current_document_id: number, 
/**
 * The version of the latest answer; none when the text was never answered.
 */
answered_version: number | null, accepted: boolean | null, decided_at: string | null, 
/**
 * The latest answer was to an older version: show the new one at this visit.
 */
needs_new_answer: boolean, };

/**
 * An answer given at a desk after the registration, as the screen sends it: the text
 * shown (its id and hash, so a text replaced meanwhile is refused) and the answer.
 */
export type LaterAnswer = { registration_id: string, kind: DocumentKind, document_id: number, sha256: string, accepted: boolean, };

/**
 * The signed written consent (family grouping) handed back at the desk: when, by whom
 * and where, as the audit trail recorded it.
 */
export type ConsentFormCollected = { collected_at: string, clerk: string, office: string, workstation: string, };

export type EmailView = { id: string, kind: EmailKind, recipient: string, state: EmailState, created_at: string, sent_at: string | null, attempts: number, next_attempt_at: string | null, last_error: string | null, attempt_log: Array<AttemptView>, };

export type EmailKind = "validacion" | "contrasena_temporal";

/**
 * `en_cola` → `enviando` → `enviado`, or back to `en_cola` with the error and the next
 * attempt time, or `abandonado`; `incierto` after a crash mid-delivery; `cancelado` when
 * a newer email replaces it or the registration closes (stations only).
 */
export type EmailState = "en_cola" | "enviando" | "enviado" | "abandonado" | "incierto" | "cancelado";

export type AttemptView = { attempted_at: string, outcome: AttemptOutcome, detail: string | null, };

/**
 * How one delivery attempt ended.
 */
export type AttemptOutcome = "enviado" | "error_temporal" | "error_permanente";

/**
 * The 10-minute promise for one registration.
 */
export type DeliveryPromise = { limit_minutes: number, 
/**
 * Seconds from submit to the first validation email accepted, or until now.
 */
elapsed_secs: number, 
/**
 * `Some(true)` kept, `Some(false)` broken (shown in red), `None` still within time.
 */
kept: boolean | null, first_sent_at: string | null, };

/**
 * What the clerk sees after an action that sends an email.
 */
export type EmailSent = { registration_id: string, folio: string, email_masked: string, 
/**
 * Until when the new link and code work (validation emails sent from this station;
 * `None` for one the central service sends).
 */
expires_at: string | null, };

export type RevealedSerial = { affiliation_number: string, credential_serial: string, full_name: string, };

/**
 * What the clerk sees after the phone is rectified.
 */
export type PhoneRectified = { registration_id: string, folio: string, 
/**
 * The new number as the detail screen shows it.
 */
phone_display: string, };

/**
 * Which right the affiliate exercised.
 */
export type ErasureRight = "cancellation" | "opposition";

/**
 * What the clerk sees once the data are erased.
 */
export type ErasureDone = { registration_id: string, folio: string, 
/**
 * The registration was live and is now cancelled too.
 */
cancelled: boolean, };

/**
 * A supervisor's approval of an action, typed at the clerk's desk.
 */
export type SupervisorApproval = { username: string, password: string, };

export type ImportProgress = { lines_read: number, bytes_read: number, total_bytes: number, };

export type ImportReport = { 
/**
 * Good lines written: `added + changed + unchanged`.
 */
imported: number, 
/**
 * Affiliation numbers the roster did not have.
 */
added: number, 
/**
 * Affiliation numbers whose row the file changed.
 */
changed: number, unchanged: number, 
/**
 * Changed rows whose credential serial changed: the affiliate's only secret at the
 * desk, so the audit trail counts them apart.
 */
serial_changes: number, rejected: number, 
/**
 * The first errors, in line order (at most 1000).
 */
errors: Array<LineError>, replaced_demo: boolean, };

export type LineError = { line: number, column: string | null, message: string, };

export type SettingsView = { settings: Settings, smtp_password_saved: boolean, central_password_saved: boolean, secret_store: SecretStoreStatus, supervisor_exists: boolean, email_delivery: string, 
/**
 * Why the saved settings could not be used (the station is on hold until saved).
 */
settings_problem: SettingsProblem | null, 
/**
 * What is left before this station works for real (the first-run checklist).
 */
readiness: Array<ReadinessCheck>, 
/**
 * The database key is in a file of the data folder (no credential store), and whether
 * a supervisor accepted that; `None` when the credential store keeps it.
 */
key_on_disk: KeyOnDisk | null, };

/**
 * Why the settings saved on disk cannot be used. The station then keeps the file as it
 * is, sends nothing and registers nobody until a supervisor saves valid settings: it never
 * quietly runs on the demo defaults (a wrong office on every record, emails from the demo
 * sender) nor overwrites what a technician wrote.
 */
export type SettingsProblem = { 
/**
 * The setting at fault as the file names it (`smtp.port`), or the file itself.
 */
setting: string, 
/**
 * The field of the settings screen, when the fault is one of its fields.
 */
field: Field | null, 
/**
 * What is wrong, in Spanish.
 */
message: string, };

export type ReadinessCheck = { item: ReadinessItem, done: boolean, 
/**
 * Where it is set on the screen, when it is a field there.
 */
field: Field | null, 
/**
 * Needed before the station serves affiliates (the central database is not).
 */
required: boolean, };

/**
 * One line of the checklist; the screen words it (ui/shared/textos.js).
 */
export type ReadinessItem = "office" | "link_base" | "sender" | "institute_profile" | "smtp" | "central" | "roster";

/**
 * A station without a credential store keeps its database key in a file beside the
 * database, which protects little: nobody is registered there until a supervisor
 * accepts it (once, audited, kept in the database).
 */
export type KeyOnDisk = "held" | "accepted";

export type Settings = { 
/**
 * Office (clinic or satellite office) where the workstation sits.
 */
office: string, 
/**
 * This workstation's name, recorded with every consent and audit event.
 */
workstation: string, 
/**
 * Minutes without keyboard or mouse before the clerk's session locks (the screen
 * may face the queue; an unattended desk must not show the last affiliate's data).
 */
session_lock_minutes: number, 
/**
 * Base of the validation link in the email; the token is appended.
 */
link_base_url: string, 
/**
 * Where the affiliate signs in for the first time (the central service's page, or
 * the portal's), told in the temporary-password email. Empty: the central service's
 * `/entrar` beside the validation link's `/validar` ([`Settings::sign_in_address`]).
 */
sign_in_url: string, sender_name: string, sender_address: string, 
/**
 * Lifetime of the validation link and code.
 */
validation_ttl_hours: number, 
/**
 * Wrong codes before a validation code dies.
 */
max_code_attempts: number, 
/**
 * Wrong serials for one affiliation number before it is locked.
 */
max_serial_failures: number, serial_lock_minutes: number, 
/**
 * Delivery attempts before an email is `abandonado`.
 */
outbox_max_attempts: number, 
/**
 * Seconds between two validation emails for one registration.
 */
resend_cooldown_secs: number, 
/**
 * A registration never validated is `expirada` after this many hours, and the
 * identity is free to register again (nobody can squat it).
 */
pending_expiry_hours: number, 
/**
 * The institute's promise: validation email out within this many minutes of submit.
 */
delivery_promise_minutes: number, 
/**
 * The status bar warns when this station's clock is off from the central database's
 * by more than this many minutes (the central clock decides expiry either way).
 */
clock_skew_warning_minutes: number, 
/**
 * The SMTP server; `None` writes emails as files in the data folder.
 */
smtp: SmtpSettings | null, 
/**
 * The central PostgreSQL, as `postgres://office_role@host:5432/database` (the
 * password lives in the credential store). Empty: this workstation works alone.
 * Encrypted and verified (`verify-full`) unless the server is this same machine.
 */
central_url: string, 
/**
 * An extra root certificate (PEM) to trust for the central database, besides the
 * operating system's, for a server whose certificate comes from an internal CA.
 */
central_root_certificate_pem: string, 
/**
 * The institute's update manifest (`latest.json` on the intranet). Empty: this
 * station never looks for new versions.
 */
update_url: string, 
/**
 * Where the copies of the local database go: a folder of this station, a USB drive or
 * a network share (an absolute path). Empty: `copias-de-seguridad` in the data folder.
 */
backup_folder: string, 
/**
 * How many copies are kept there; the oldest beyond this are deleted.
 */
backups_kept: number, 
/**
 * Years a cancelled or expired registration keeps its contact data after it closed;
 * then they are erased (the integral notice's «Conservación»). Five by default: the
 * shortest term the clinical-record standard (NOM-004-SSA3-2012) asks of the
 * institute's records; the institute's archive schedule may set more.
 */
retention_years: number, };

export type SmtpSettings = { host: string, port: number, security: SmtpSecurity, 
/**
 * Empty for a server without AUTH. The password lives in the OS credential store.
 */
username: string, 
/**
 * Connection and command timeout.
 */
timeout_secs: number, 
/**
 * Connections kept open to the server.
 */
pool_size: number, 
/**
 * An extra root certificate (PEM) to trust, for servers with an internal CA.
 */
root_certificate_pem: string, };

/**
 * How the connection to the SMTP server is protected.
 */
export type SmtpSecurity = "starttls" | "tls" | "plain";

export type SecretStoreStatus = { 
/**
 * The OS store answered; the password survives a restart.
 */
persistent: boolean, description: string, };

/**
 * What the front end needs to decide which screen comes first.
 */
export type SessionView = { 
/**
 * No supervisor yet: the first-run screen creates one.
 */
first_run: boolean, clerk: Clerk | null, locked: boolean, lock_after_minutes: number, };

/**
 * The person at the keyboard.
 */
export type Clerk = { username: string, full_name: string, role: Role, 
/**
 * Set by a supervisor's reset or a new account: the clerk picks their own first.
 */
must_change_password: boolean, };

export type Role = "capturista" | "supervisor";

/**
 * An account as the supervisor's staff screen lists it.
 */
export type StaffMember = { username: string, full_name: string, role: Role, active: boolean, must_change_password: boolean, locked_until: string | null, created_at: string, };

/**
 * What a supervisor types to open an account.
 */
export type NewStaffMember = { username: string, full_name: string, role: string, password: string, confirmation: string, };

/**
 * What the status bar and the settings screen show.
 */
export type UpdateView = { state: UpdateState, current_version: string, 
/**
 * The version offered (ready or refused).
 */
version: string | null, 
/**
 * Why it was refused or why the check failed, in Spanish.
 */
message: string | null, checked_at: string | null, 
/**
 * What the window last said about the registration form.
 */
registration_in_progress: boolean, };

export type UpdateState = "off" | "not_checked_yet" | "up_to_date" | "ready" | "refused" | "failed";

/**
 * One copy in the backup folder.
 */
export type BackupInfo = { 
/**
 * The file's name in the folder, which is how a restore names it.
 */
file_name: string, 
/**
 * When it was taken (from its name).
 */
taken_at: string, size_bytes: number, };

/**
 * A daily copy that could not be taken: when it first failed, and the last reason.
 */
export type BackupFailure = { since: string, last_attempt_at: string, message: string, };

/**
 * What a restore did: the copy now in force, and where the database it replaced was
 * kept (`None` when there was no database file left to replace).
 */
export type RestoreOutcome = { restored: string, kept_aside: string | null, };

/**
 * Why the app could not start, told on the rescue screen: what is wrong, what to do, and
 * the copies that could be restored. The database file is left exactly as it was.
 */
export type StartupProblem = { kind: StartupProblemKind, 
/**
 * What is wrong and what to do, in Spanish.
 */
message: string, 
/**
 * The copies in the backup folder, newest first (none when they could not be read
 * or the key that opens them is missing).
 */
backups: Array<BackupInfo>, 
/**
 * Where the copies were looked for.
 */
backup_folder: string, };

export type StartupProblemKind = "foreign_file" | "wrong_key" | "legal_text_changed" | "key_unavailable" | "other";

export type Report = { scope: ReportScope, 
/**
 * Whether the station has a central database configured (the screen offers the
 * office's and institute's reports only then).
 */
central_configured: boolean, first_day: string, last_day: string, generated_at: string, promise_minutes: number, 
/**
 * Only the desks and days with something to count, by day then office, station, clerk.
 */
rows: Array<ReportRow>, 
/**
 * Every day of the period, oldest first, empty days included.
 */
days: Array<DayFigures>, totals: Figures, 
/**
 * The chart of `days`, an SVG document with its own title and description.
 */
chart_svg: string, };

/**
 * Whose figures a report shows.
 */
export type ReportScope = "station" | "office" | "institute";

/**
 * One day at one desk: office, station and clerk.
 */
export type ReportRow = { 
/**
 * `27/11/2026`.
 */
day: string, office: string, workstation: string, clerk: string, registrations: number, validations: number, expiries: number, cancellations: number, 
/**
 * Registrations of the group whose promise was kept…
 */
promise_kept: number, 
/**
 * …out of those judged.
 */
promise_judged: number, 
/**
 * `promise_kept` of `promise_judged`, in percent with one decimal; `None` when none
 * was judged.
 */
promise_percent: number | null, };

/**
 * One day of the period, every desk together (the chart's and its table's figures).
 */
export type DayFigures = { 
/**
 * `27/11/2026`.
 */
day: string, registrations: number, validations: number, expiries: number, cancellations: number, 
/**
 * Registrations of the group whose promise was kept…
 */
promise_kept: number, 
/**
 * …out of those judged.
 */
promise_judged: number, 
/**
 * `promise_kept` of `promise_judged`, in percent with one decimal; `None` when none
 * was judged.
 */
promise_percent: number | null, };

/**
 * What happened in one group (a day, or a day at one desk, or the whole period).
 */
export type Figures = { registrations: number, validations: number, expiries: number, cancellations: number, 
/**
 * Registrations of the group whose promise was kept…
 */
promise_kept: number, 
/**
 * …out of those judged.
 */
promise_judged: number, 
/**
 * `promise_kept` of `promise_judged`, in percent with one decimal; `None` when none
 * was judged.
 */
promise_percent: number | null, };

/**
 * What the supervisor asked for.
 */
export type ExportFormat = "csv" | "xlsx";

export type WorkQueues = { pending: Array<PendingValidation>, emails: Array<EmailNeedingAttention>, sync_problems: Array<SyncProblem>, locked: Array<LockedAffiliation>, counts: QueueCounts, };

/**
 * How many wait in each queue (the status bar's link says the total).
 */
export type QueueCounts = { pending: number, expiring_soon: number, emails: number, sync_problems: number, locked: number, };

export type PendingValidation = { registration_id: string, folio: string, affiliation_number: string, full_name: string | null, created_at: string, 
/**
 * When it expires unless validated.
 */
expires_at: string | null, expiring_soon: boolean, };

export type EmailNeedingAttention = { email_id: string, registration_id: string, folio: string, kind: EmailKind, state: EmailState, recipient_masked: string, created_at: string, last_error: string | null, };

export type SyncProblem = { kind: SyncProblemKind, 
/**
 * The registration, when the row belongs to one (a staff account's does not).
 */
registration_id: string | null, folio: string | null, 
/**
 * The central database's reason, in the station's words.
 */
reason: string, 
/**
 * Rows of the record waiting.
 */
rows: number, since: string, };

/**
 * Why a record did not reach the central database.
 */
export type SyncProblemKind = "conflict" | "held";

export type LockedAffiliation = { affiliation_number: string, failures: number, locked_until: string, };

/**
 * What a resend of every email needing attention did.
 */
export type BulkResend = { 
/**
 * Folios whose email went out again.
 */
resent: Array<string>, skipped: Array<ResendSkipped>, };

export type ResendSkipped = { folio: string, 
/**
 * Why, as the single resend would have said it.
 */
message: string, };

/**
 * The filter as the screen sends it: empty texts mean «any».
 */
export type AuditFilter = { 
/**
 * First day, `AAAA-MM-DD` (the date input's value), in the station's time.
 */
from: string, 
/**
 * Last day, included.
 */
to: string, clerk: string, action: string, folio: string, };

export type AuditPage = { entries: Array<AuditEntry>, 
/**
 * Entries the filter finds, on every page.
 */
total: number, 
/**
 * From 1.
 */
page: number, pages: number, 
/**
 * Who and what appear in the whole log, for the filter's lists.
 */
clerks: Array<string>, actions: Array<string>, };

export type AuditEntry = { id: string, occurred_at: string, action: string, clerk: string, office: string, workstation: string, folio: string | null, affiliation_number: string | null, 
/**
 * The event's details as recorded (identifiers, reasons; never personal data).
 */
detail: string, };
