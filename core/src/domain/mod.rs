//! Domain types: raw strings from the form become these once, at the edge.
//! Every parser returns a [`FieldError`] naming the field, with a Spanish message for the clerk.

mod affiliation;
pub mod document;
mod email;
pub mod mail;
mod phone;
pub mod registration;
pub mod roster;
pub mod staff;
pub mod sync_state;
#[cfg(test)]
mod tables;
pub(crate) mod text_enum;
mod time;
pub mod token;
mod typed;
pub mod words;

pub use affiliation::{AffiliationNumber, CredentialSerial};
pub use document::DocumentKind;
pub use email::{EmailAddress, EmailCheck, suggest_domain};
pub use mail::{AttemptOutcome, EmailKind, EmailState};
pub use phone::{Phone, PhoneCountry};
pub use registration::{EventKind, RegistrationState, ValidationMethod};
pub use roster::AffiliateKind;
pub use staff::{Clerk, Role, SupervisorApproval};
pub use sync_state::{QueueState, SyncState};
pub use text_enum::UnknownText;
pub(crate) use text_enum::text_enum;
pub use time::local_time;
pub use time::{day_text, institute_day, institute_day_start};
pub use token::TokenState;
pub use words::answer_word;

use serde::{Deserialize, Serialize};

/// The fields of the clerk's screens. Serialized names are the ids the front end uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    AffiliationNumber,
    CredentialSerial,
    Phone,
    Email,
    EmailConfirmation,
    IntegralNotice,
    SimplifiedNotice,
    TermsAndConditions,
    FamilyGroupingConsent,
    Folio,
    Code,
    RosterFile,
    /// Why a desk action was taken (audited).
    Reason,
    /// The supervisor checked the affiliate's official ID in person.
    IdentityChecked,
    Query,
    SupervisorUsername,
    SupervisorPassword,
    SupervisorPasswordConfirmation,
    SupervisorFullName,
    TestRecipient,
    Office,
    Workstation,
    SenderName,
    SenderAddress,
    LinkBaseUrl,
    SignInUrl,
    /// The institute's facts the legal texts cite (not a setting: it ships with the app).
    InstituteProfile,
    ValidationTtlHours,
    PendingExpiryHours,
    ResendCooldownSecs,
    MaxCodeAttempts,
    MaxSerialFailures,
    SerialLockMinutes,
    OutboxMaxAttempts,
    DeliveryPromiseMinutes,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    SmtpUsername,
    SmtpPassword,
    SmtpTimeoutSecs,
    SmtpPoolSize,
    SmtpRootCertificate,
    CentralUrl,
    CentralPassword,
    CentralRootCertificate,
    UpdateUrl,
    /// Where backups of the local database go (empty: inside the data folder).
    BackupFolder,
    BackupsKept,
    /// Years a closed registration keeps its contact data.
    RetentionYears,
    /// One backup file chosen for a restore.
    Backup,
    SessionLockMinutes,
    ClockSkewWarningMinutes,
    /// Sign-in and unlock.
    Username,
    Password,
    /// A staff account a supervisor creates or changes.
    StaffUsername,
    StaffFullName,
    StaffRole,
    StaffPassword,
    StaffPasswordConfirmation,
    /// Reports: whose figures (this station, the office, the institute).
    ReportScope,
    // The audit log viewer's filter: first and last day.
    AuditFrom,
    AuditTo,
}

/// A problem with one field, told to the clerk in Spanish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldError {
    /// Stable machine-readable reason, e.g. `requerido`, `formato`, `no_coinciden`.
    pub code: &'static str,
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Removes what people type between the characters of an identifier (spaces, hyphens,
/// dots, slashes) and upper-cases it, so "ab-12 34" and "AB1234" are the same number.
pub(crate) fn normalize_identifier(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '/' | '_'))
        .flat_map(char::to_uppercase)
        .collect()
}

/// The first character of `text` that a reader cannot see or that changes how the rest
/// is shown: control characters (NUL, BEL, terminal escapes, line breaks), bidirectional
/// overrides and isolates (U+202E makes «abc» read «cba»), zero-width space, word joiner
/// and byte order mark. Joiners that emoji and some scripts need (U+200C, U+200D) pass.
pub fn hidden_character(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        c.is_control()
            || matches!(
                c,
                '\u{061C}'
                    | '\u{200B}'
                    | '\u{200E}'
                    | '\u{200F}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2060}'..='\u{2069}'
                    | '\u{FEFF}'
            )
    })
}

/// Refuses text for `field` (called `label` on screen) with a hidden character in it.
pub fn refuse_hidden(text: &str, field: Field, label: &str) -> Result<(), FieldError> {
    match hidden_character(text) {
        Some(c) => Err(FieldError::new(
            field,
            "caracteres_ocultos",
            format!(
                "{label} tiene un carácter invisible o de control (U+{:04X}), quizá de un texto pegado: bórrelo y escríbalo de nuevo.",
                u32::from(c)
            ),
        )),
        None => Ok(()),
    }
}

/// Why a delicate desk action was taken, as typed: required, kept for the audit trail.
pub(crate) fn require_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    refuse_hidden(&reason, Field::Reason, "El motivo")?;
    if reason.chars().count() < 5 {
        return Err(FieldError::new(
            Field::Reason,
            "requerido",
            "Escriba el motivo (al menos 5 caracteres): queda en la bitácora de auditoría.",
        ));
    }
    let length = reason.chars().count();
    if length > MAX_REASON_CHARS {
        return Err(FieldError::new(
            Field::Reason,
            "longitud",
            format!(
                "El motivo admite hasta {MAX_REASON_CHARS} caracteres (tiene {length}); resúmalo: el detalle queda con quien lo atendió."
            ),
        ));
    }
    Ok(reason)
}

/// What a reason in the audit trail may hold; more was pasted by mistake.
const MAX_REASON_CHARS: usize = 500;

/// Lower case without accents and with single spaces: how names are compared when the
/// clerk searches ("nunez" finds "Núñez").
pub fn search_key(text: &str) -> String {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_key_ignores_case_accents_and_spacing() {
        assert_eq!(search_key("  Pérez   NÚÑEZ, María "), "perez nunez, maria");
    }

    #[test]
    fn every_stored_enum_matches_its_check_lists() {
        use text_enum::check_lists::{POSTGRES, SQLITE, lists, texts};
        let (sqlite, postgres) = (lists(SQLITE), lists(POSTGRES));
        let checks: [(&str, &str, Vec<String>); 14] = [
            (
                "sqlite",
                "roster_affiliates.kind",
                texts(AffiliateKind::ALL, AffiliateKind::as_str),
            ),
            (
                "sqlite",
                "legal_documents.kind",
                texts(DocumentKind::ALL, DocumentKind::as_str),
            ),
            (
                "sqlite",
                "registrations.state",
                texts(RegistrationState::ALL, RegistrationState::as_str),
            ),
            (
                "sqlite",
                "registrations.sync_state",
                texts(SyncState::ALL, SyncState::as_str),
            ),
            (
                "sqlite",
                "validation_tokens.state",
                texts(TokenState::ALL, TokenState::as_str),
            ),
            (
                "sqlite",
                "outbox_messages.kind",
                texts(EmailKind::ALL, EmailKind::as_str),
            ),
            (
                "sqlite",
                "outbox_messages.state",
                texts(EmailState::ALL, EmailState::as_str),
            ),
            (
                "sqlite",
                "outbox_attempts.outcome",
                texts(AttemptOutcome::ALL, AttemptOutcome::as_str),
            ),
            ("sqlite", "staff.role", texts(Role::ALL, Role::as_str)),
            (
                "sqlite",
                "sync_queue_new.state",
                texts(QueueState::ALL, QueueState::as_str),
            ),
            (
                "postgres",
                "roster_affiliates.kind",
                texts(AffiliateKind::ALL, AffiliateKind::as_str),
            ),
            (
                "postgres",
                "registrations.state",
                texts(RegistrationState::ALL, RegistrationState::as_str),
            ),
            (
                "postgres",
                "validation_tokens.state",
                texts(TokenState::ALL, TokenState::as_str),
            ),
            (
                "postgres",
                "registration_events.kind",
                texts(EventKind::ALL, EventKind::as_str),
            ),
        ];
        for (database, column, expected) in checks {
            let found = if database == "sqlite" {
                &sqlite
            } else {
                &postgres
            };
            assert_eq!(found.get(column), Some(&expected), "{database} {column}");
        }
        assert_eq!(
            postgres.get("staff_versions.role"),
            Some(&texts(Role::ALL, Role::as_str))
        );
        // Only stations cancel an email before it leaves; the central outbox never does.
        let central_states: Vec<String> = texts(EmailState::ALL, EmailState::as_str)
            .into_iter()
            .filter(|s| s != EmailState::Cancelled.as_str())
            .collect();
        assert_eq!(postgres.get("outbox_messages.state"), Some(&central_states));
    }
}
