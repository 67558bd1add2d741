//! A registration's states, the events that move it, and its folio.

use super::text_enum::text_enum;
use super::{Field, FieldError};

/// How consent was collected, recorded on every consent row.
pub const CONSENT_METHOD: &str = "asistido en ventanilla";

text_enum! {
    /// `pendiente_validacion` → `validada` → `activa` (known centrally once the affiliate
    /// changes the password); `pendiente_validacion` → `expirada`; any → `cancelada`.
    pub enum RegistrationState {
        PendingValidation = "pendiente_validacion",
        Validated = "validada",
        Active = "activa",
        Expired = "expirada",
        Cancelled = "cancelada",
    }
}

impl RegistrationState {
    /// Holds the affiliate's identity: nobody else may register the same person.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            RegistrationState::PendingValidation
                | RegistrationState::Validated
                | RegistrationState::Active
        )
    }

    /// The affiliate has an account (validated, perhaps already used).
    pub fn has_account(self) -> bool {
        matches!(
            self,
            RegistrationState::Validated | RegistrationState::Active
        )
    }

    /// Ended for good: cancelled or expired.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            RegistrationState::Cancelled | RegistrationState::Expired
        )
    }
}

text_enum! {
    /// What a station tells the central database happened to a registration; a trigger
    /// there applies it (`registration_events.kind`).
    pub enum EventKind {
        EmailCorrected = "correo_corregido",
        ValidatedAtDesk = "validado_en_ventanilla",
        Cancelled = "cancelado",
        Expired = "expirado",
        TokenExhausted = "token_agotado",
        PasswordReissued = "contrasena_reemitida",
        /// The grouping consent answered again at a later visit (granted or revoked).
        GroupingAnswered = "agrupacion_respondida",
        /// The phone rectified at the desk, with a supervisor's approval.
        PhoneCorrected = "telefono_corregido",
        /// The contact data erased: a right of cancellation or opposition, or the end of
        /// the retention period.
        PersonalDataErased = "datos_suprimidos",
    }
}

text_enum! {
    /// How a registration was validated (recorded in its event and audit detail).
    pub enum ValidationMethod {
        CodeAtDesk = "codigo_en_ventanilla",
        Link = "enlace",
    }
}

/// A folio as typed: trimmed, upper-cased, inner spaces removed.
pub fn parse_folio(raw: &str) -> Result<String, FieldError> {
    let folio: String = raw.split_whitespace().collect::<String>().to_uppercase();
    if folio.is_empty() {
        return Err(FieldError::new(
            Field::Folio,
            "requerido",
            "Escriba el folio del registro.",
        ));
    }
    if folio.len() > 40 || !folio.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(FieldError::new(
            Field::Folio,
            "formato",
            "El folio es como RSL-261125-7K3Q-X9AB: letras, números y guiones.",
        ));
    }
    Ok(folio)
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Whatever is typed or pasted into the folio box: a folio or an error on the box.
        #[test]
        fn any_text_is_a_folio_or_an_error_on_the_folio(raw in any::<String>()) {
            match parse_folio(&raw) {
                Ok(folio) => prop_assert!(folio.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')),
                Err(e) => prop_assert_eq!(e.field, crate::domain::Field::Folio),
            }
        }
    }
}
