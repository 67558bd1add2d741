//! Domain types: raw strings from the form become these once, at the edge.
//! Every parser returns a [`FieldError`] naming the field, with a Spanish message for the clerk.

mod affiliation;
mod email;
mod phone;

pub use affiliation::{AffiliationNumber, CredentialSerial};
pub use email::{EmailAddress, EmailCheck, suggest_domain};
pub use phone::MexicanPhone;

use serde::{Deserialize, Serialize};

/// The fields of the clerk's screens. Serialized names are the ids the front end uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    UpdateUrl,
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
}

/// A problem with one field, told to the clerk in Spanish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}
