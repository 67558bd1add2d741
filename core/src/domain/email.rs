use super::{Field, FieldError};
use serde::Serialize;

/// Longest address we store: RFC 5321's path limit less the angle brackets.
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// Domains the affiliates of a Mexican public institute use most, for typo suggestions.
/// A typed domain equal to one of these is never questioned.
const COMMON_DOMAINS: &[&str] = &[
    "gmail.com",
    "hotmail.com",
    "hotmail.es",
    "outlook.com",
    "outlook.es",
    "live.com",
    "live.com.mx",
    "yahoo.com",
    "yahoo.com.mx",
    "icloud.com",
    "me.com",
    "prodigy.net.mx",
    "msn.com",
    "aol.com",
    "protonmail.com",
    "proton.me",
];

/// An email address whose syntax is valid and practical to deliver to (no IP literals,
/// a dotted domain, ASCII only), normalised to lower case.
///
/// Lower-casing the local part is a decision: RFC 5321 lets it be case-sensitive, but no
/// mailbox provider our affiliates use treats it so, and two spellings of one address
/// must not look like two people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

/// A parsed address together with what the clerk should double-check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailCheck {
    pub address: EmailAddress,
    /// A likely intended address when the domain looks like a typo of a common one.
    pub suggestion: Option<String>,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_field(raw, Field::Email)
    }

    /// Parses the address as typed in `field` (the email or its confirmation), so each
    /// error names the box the clerk has to fix.
    pub fn parse_field(raw: &str, field: Field) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            let message = if field == Field::EmailConfirmation {
                "Escriba otra vez el correo electrónico para confirmarlo."
            } else {
                "Escriba el correo electrónico del afiliado."
            };
            return Err(FieldError::new(field, "requerido", message));
        }
        if value.chars().any(char::is_whitespace) {
            return Err(FieldError::new(
                field,
                "formato",
                "El correo electrónico no lleva espacios.",
            ));
        }
        if !value.is_ascii() {
            return Err(FieldError::new(
                field,
                "formato",
                "El correo electrónico no lleva acentos, ñ ni otros caracteres especiales.",
            ));
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(FieldError::new(
                field,
                "formato",
                "Al correo electrónico le falta la arroba (@): debe ser como nombre@dominio.com.",
            ));
        };
        if local.len() > MAX_LOCAL_LEN || value.len() > MAX_LEN {
            return Err(FieldError::new(
                field,
                "longitud",
                "El correo electrónico es demasiado largo.",
            ));
        }
        if !domain.contains('.') {
            return Err(FieldError::new(
                field,
                "formato",
                format!("Al dominio «{domain}» le falta la terminación, por ejemplo .com o .mx."),
            ));
        }
        let options = email_address::Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            ..Default::default()
        };
        if email_address::EmailAddress::parse_with_options(value, options).is_err() {
            return Err(FieldError::new(
                field,
                "formato",
                "El correo electrónico no es válido: revise que sea como nombre@dominio.com.",
            ));
        }
        Ok(Self(value.to_ascii_lowercase()))
    }

    /// Parses and looks for a likely typo in the domain.
    pub fn check(raw: &str) -> Result<EmailCheck, FieldError> {
        let address = Self::parse(raw)?;
        let suggestion =
            suggest_domain(address.domain()).map(|d| format!("{}@{d}", address.local_part()));
        Ok(EmailCheck {
            address,
            suggestion,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// `ju***@example.com`: enough for the affiliate to recognise, little for a bystander.
    pub fn masked(&self) -> String {
        let local = self.local_part();
        let shown: String = local
            .chars()
            .take(2.min(local.len().saturating_sub(1)).max(1))
            .collect();
        format!("{shown}***@{}", self.domain())
    }

    /// [`masked`](Self::masked) for an address read back from the database; empty if the
    /// stored text is somehow not an address, so nothing unmasked is ever shown.
    pub fn mask_stored(stored: &str) -> String {
        Self::parse(stored).map(|e| e.masked()).unwrap_or_default()
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The common domain the clerk probably meant, when `domain` is one or two keystrokes
/// away from it (a swap, a missing or extra letter, `.con` for `.com`).
pub fn suggest_domain(domain: &str) -> Option<&'static str> {
    let domain = domain.to_ascii_lowercase();
    if COMMON_DOMAINS.contains(&domain.as_str()) {
        return None;
    }
    COMMON_DOMAINS
        .iter()
        .map(|known| (strsim::damerau_levenshtein(&domain, known), *known))
        // Two edits on a short domain would match unrelated ones (me.com vs mx.com).
        .filter(|(distance, known)| *distance <= if known.len() >= 8 { 2 } else { 1 })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_addresses_are_lowercased() {
        let e = EmailAddress::parse("  Juana.Perez+citas@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "juana.perez+citas@example.com");
        assert_eq!(e.masked(), "ju***@example.com");
        assert_eq!(
            EmailAddress::mask_stored("juana.perez@example.com"),
            "ju***@example.com"
        );
        assert_eq!(EmailAddress::mask_stored("not an address"), "");
    }

    #[test]
    fn common_typos_get_a_suggestion() {
        for (typed, meant) in [
            ("ana@gmial.com", "ana@gmail.com"),
            ("ana@hotmial.com", "ana@hotmail.com"),
            ("ana@outlok.com", "ana@outlook.com"),
            ("ana@gmail.con", "ana@gmail.com"),
            ("ana@yahoo.com.mz", "ana@yahoo.com.mx"),
        ] {
            let check = EmailAddress::check(typed).unwrap();
            assert_eq!(check.suggestion.as_deref(), Some(meant), "{typed}");
        }
        assert_eq!(
            EmailAddress::check("ana@gmail.com").unwrap().suggestion,
            None
        );
        assert_eq!(
            EmailAddress::check("ana@example.org").unwrap().suggestion,
            None
        );
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        let cases = [
            ("", "requerido"),
            ("ana.example.com", "formato"),
            ("ana@example", "formato"),
            ("ana maria@example.com", "formato"),
            ("josé@example.com", "formato"),
            ("ana@@example.com", "formato"),
            ("ana@[127.0.0.1]", "formato"),
        ];
        for (typed, code) in cases {
            let e = EmailAddress::parse(typed).unwrap_err();
            assert_eq!(
                (e.field, e.code),
                (Field::Email, code),
                "{typed}: {}",
                e.message
            );
        }
        let e = EmailAddress::parse_field("", Field::EmailConfirmation).unwrap_err();
        assert_eq!(e.field, Field::EmailConfirmation);
        assert!(e.message.contains("confirmarlo"));
    }

    proptest! {
        #[test]
        fn plain_addresses_round_trip(local in "[a-z][a-z0-9._]{0,20}[a-z0-9]", domain in "[a-z]{2,12}\\.(com|mx|org|com\\.mx)") {
            prop_assume!(!local.contains(".."));
            let typed = format!("{local}@{domain}");
            let parsed = EmailAddress::parse(&typed.to_uppercase()).unwrap();
            prop_assert_eq!(parsed.as_str(), typed.as_str());
        }

        #[test]
        fn never_panics_and_accepted_is_lowercase(raw in "\\PC{0,60}") {
            if let Ok(e) = EmailAddress::parse(&raw) {
                prop_assert_eq!(e.as_str().to_ascii_lowercase(), e.as_str());
                prop_assert!(e.as_str().contains('@'));
            }
        }
    }
}
