//! The validation token behind a link and a code: its states, the judgement of whether it
//! may still validate (the desk and the central service ask the same [`judge`]), and the
//! shapes of what the affiliate types or follows.

use super::registration::RegistrationState;
use super::text_enum::text_enum;
use super::{Field, FieldError};
use chrono::{DateTime, Utc};

text_enum! {
    pub enum TokenState {
        Active = "activo",
        Used = "usado",
        /// Too many wrong codes.
        Exhausted = "agotado",
        /// A newer validation email replaced it.
        Superseded = "reemplazado",
    }
}

/// What decides whether a validation token may validate its registration.
#[derive(Debug, Clone, Copy)]
pub struct TokenFacts<'a> {
    pub folio: &'a str,
    pub registration_state: RegistrationState,
    pub validated_at: Option<DateTime<Utc>>,
    /// `None` when no token was found.
    pub token_state: Option<TokenState>,
    pub expires_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Why a token may not validate, each with what the affiliate or clerk is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Validated already, at this instant.
    AlreadyValidated(DateTime<Utc>),
    Closed {
        folio: String,
        state: RegistrationState,
    },
    Unknown,
    Exhausted,
    Superseded,
    /// Expired at this instant.
    Expired(DateTime<Utc>),
}

/// Single use, expiring, replaced by a newer email, dead after too many wrong codes, and
/// useless once the registration is validated, expired or cancelled: each its own refusal.
pub fn judge(facts: &TokenFacts<'_>, now: DateTime<Utc>) -> Result<(), TokenRefusal> {
    match facts.registration_state {
        RegistrationState::PendingValidation => {}
        state if state.has_account() => {
            return Err(TokenRefusal::AlreadyValidated(
                facts.validated_at.unwrap_or(now),
            ));
        }
        state => {
            return Err(TokenRefusal::Closed {
                folio: facts.folio.to_owned(),
                state,
            });
        }
    }
    match facts.token_state {
        None => Err(TokenRefusal::Unknown),
        Some(TokenState::Used) => Err(TokenRefusal::AlreadyValidated(facts.used_at.unwrap_or(now))),
        Some(TokenState::Exhausted) => Err(TokenRefusal::Exhausted),
        Some(TokenState::Superseded) => Err(TokenRefusal::Superseded),
        Some(TokenState::Active) => match facts.expires_at {
            Some(expires_at) if expires_at <= now => Err(TokenRefusal::Expired(expires_at)),
            _ => Ok(()),
        },
    }
}

/// The 6-digit code as typed (spaces allowed between digits).
pub fn parse_code(raw: &str) -> Result<String, FieldError> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.is_empty() {
        return Err(FieldError::new(
            Field::Code,
            "requerido",
            "Escriba el código de 6 dígitos que llegó en el correo de validación.",
        ));
    }
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            Field::Code,
            "formato",
            "El código de validación tiene exactamente 6 dígitos.",
        ));
    }
    Ok(code)
}

/// The token of a link as followed: 64 hex digits, any case, stray spaces trimmed.
/// `None` for anything else (a link cut short or made up: unknown either way).
pub fn parse_link_token(raw: &str) -> Option<String> {
    let token = raw.trim().to_ascii_lowercase();
    (token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit())).then_some(token)
}

/// The link of the validation email: the configured base with the token appended.
pub fn validation_link(base_url: &str, token: &str) -> String {
    let separator = if base_url.contains('?') { '&' } else { '?' };
    format!("{base_url}{separator}token={token}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::registration::parse_folio;

    #[test]
    fn folio_and_code_are_normalised() {
        assert_eq!(
            parse_folio(" rsl-261125-7k3qx9 ").unwrap(),
            "RSL-261125-7K3QX9"
        );
        assert_eq!(parse_code(" 042 917 ").unwrap(), "042917");
        assert_eq!(parse_code("04291").unwrap_err().code, "formato");
        assert_eq!(parse_code("").unwrap_err().field, Field::Code);
        assert_eq!(parse_folio("").unwrap_err().field, Field::Folio);
    }

    #[test]
    fn link_appends_the_token() {
        assert_eq!(
            validation_link("https://s.example.org/validar", "ab"),
            "https://s.example.org/validar?token=ab"
        );
        assert_eq!(
            validation_link("https://s.example.org/v?x=1", "ab"),
            "https://s.example.org/v?x=1&token=ab"
        );
    }

    #[test]
    fn only_64_hex_digits_make_a_link_token() {
        let token = "AB".repeat(32);
        assert_eq!(
            parse_link_token(&format!(" {token} ")),
            Some("ab".repeat(32))
        );
        assert_eq!(parse_link_token(&"ab".repeat(31)), None);
        assert_eq!(parse_link_token(&"zz".repeat(32)), None);
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Whatever is typed into the code box: six ASCII digits or an error on the box.
        #[test]
        fn any_text_is_a_code_or_an_error_on_the_code(raw in any::<String>()) {
            match parse_code(&raw) {
                Ok(code) => prop_assert!(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())),
                Err(e) => prop_assert_eq!(e.field, crate::domain::Field::Code),
            }
        }
    }
}
