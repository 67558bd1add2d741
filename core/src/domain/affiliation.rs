use super::{Field, FieldError, normalize_identifier};
use serde::Serialize;

/// Lengths accepted for an affiliation number once spaces and hyphens are gone.
/// The institute's numbers are digits with, for beneficiaries, a short suffix; we accept
/// letters too so a future numbering does not lock clerks out, and bound the length so a
/// pasted paragraph is caught.
const AFFILIATION_LEN: std::ops::RangeInclusive<usize> = 4..=15;
const SERIAL_LEN: std::ops::RangeInclusive<usize> = 4..=20;

/// The affiliate's number on the credential, normalised (no spaces or hyphens, upper case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AffiliationNumber(String);

impl AffiliationNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let field = Field::AffiliationNumber;
        let value = normalize_identifier(raw);
        if value.is_empty() {
            return Err(FieldError::new(
                field,
                "requerido",
                "Escriba el número de afiliación que aparece en la credencial.",
            ));
        }
        if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                field,
                "formato",
                "El número de afiliación solo lleva letras y números.",
            ));
        }
        if !value.chars().any(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                "formato",
                "El número de afiliación debe llevar números.",
            ));
        }
        if !AFFILIATION_LEN.contains(&value.len()) {
            return Err(FieldError::new(
                field,
                "longitud",
                format!(
                    "El número de afiliación debe tener entre {} y {} caracteres; tiene {}.",
                    AFFILIATION_LEN.start(),
                    AFFILIATION_LEN.end(),
                    value.len()
                ),
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AffiliationNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The serial number printed on the back of the affiliation credential, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CredentialSerial(String);

impl CredentialSerial {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let field = Field::CredentialSerial;
        let value = normalize_identifier(raw);
        if value.is_empty() {
            return Err(FieldError::new(
                field,
                "requerido",
                "Escriba el número de serie impreso en el reverso de la credencial.",
            ));
        }
        if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                field,
                "formato",
                "El número de serie solo lleva letras y números.",
            ));
        }
        if !SERIAL_LEN.contains(&value.len()) {
            return Err(FieldError::new(
                field,
                "longitud",
                format!(
                    "El número de serie debe tener entre {} y {} caracteres; tiene {}.",
                    SERIAL_LEN.start(),
                    SERIAL_LEN.end(),
                    value.len()
                ),
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spaces_hyphens_and_case_do_not_matter() {
        let a = AffiliationNumber::parse(" 1002-0030 1a ").unwrap();
        assert_eq!(a.as_str(), "100200301A");
        let s = CredentialSerial::parse("ab 12-cd").unwrap();
        assert_eq!(s.as_str(), "AB12CD");
    }

    #[test]
    fn empty_and_foreign_characters_are_named_errors() {
        let e = AffiliationNumber::parse("   ").unwrap_err();
        assert_eq!((e.field, e.code), (Field::AffiliationNumber, "requerido"));
        let e = AffiliationNumber::parse("12#45").unwrap_err();
        assert_eq!(e.code, "formato");
        assert!(e.message.contains("número de afiliación"));
        let e = CredentialSerial::parse("ñ1234").unwrap_err();
        assert_eq!((e.field, e.code), (Field::CredentialSerial, "formato"));
        let e = CredentialSerial::parse("12").unwrap_err();
        assert_eq!(e.code, "longitud");
    }

    proptest! {
        /// Whatever separators a clerk types between the characters, the number is the same.
        #[test]
        fn separators_never_change_the_number(
            core in "[0-9]{4,12}",
            seps in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-"), Just("  ")], 16),
        ) {
            let typed: String = core.chars().zip(seps.iter().cycle()).flat_map(|(c, s)| std::iter::once(c).chain(s.chars())).collect();
            let parsed = AffiliationNumber::parse(&typed).unwrap();
            prop_assert_eq!(parsed.as_str(), core.as_str());
        }

        /// The parser never panics and, when it accepts, returns only upper-case ASCII alphanumerics.
        #[test]
        fn accepted_values_are_canonical(raw in "\\PC{0,40}") {
            if let Ok(a) = AffiliationNumber::parse(&raw) {
                prop_assert!(a.as_str().chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
                prop_assert_eq!(AffiliationNumber::parse(a.as_str()).unwrap(), a);
            }
            if let Ok(s) = CredentialSerial::parse(&raw) {
                prop_assert!(s.as_str().chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
            }
        }
    }
}
