use super::{Field, FieldError};
use phonenumber::{Mode, country};
use serde::Serialize;

/// A Mexican phone number (fixed or mobile), kept in E.164 form (`+52` and 10 digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MexicanPhone(String);

const EXAMPLE: &str = "Por ejemplo: 686 555 0142 o +52 664 555 0199.";

impl MexicanPhone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let field = Field::Phone;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                field,
                "requerido",
                "Escriba el número de teléfono del afiliado.",
            ));
        }
        if let Some(bad) = trimmed
            .chars()
            .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+' | '.')))
        {
            return Err(FieldError::new(
                field,
                "formato",
                format!("El teléfono lleva un carácter que no corresponde («{bad}»). {EXAMPLE}"),
            ));
        }
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        let international = trimmed.starts_with('+') || trimmed.starts_with("00");
        if !international && digits != 10 {
            return Err(FieldError::new(
                field,
                "longitud",
                format!("El teléfono debe tener 10 dígitos; tiene {digits}. {EXAMPLE}"),
            ));
        }
        let not_valid = || {
            FieldError::new(
                field,
                "no_valido",
                format!("Ese número no es un teléfono válido de México. {EXAMPLE}"),
            )
        };
        // Separators go before the library sees the number: it mis-reads some groupings
        // glued to the country code ("+52686-555-0142").
        let digits_only: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let compact = match (trimmed.starts_with('+'), digits_only.strip_prefix("00")) {
            (true, _) => format!("+{digits_only}"),
            (false, Some(rest)) => format!("+{rest}"),
            (false, None) => digits_only,
        };
        let number =
            phonenumber::parse(Some(country::Id::MX), &compact).map_err(|_| not_valid())?;
        if number.code().value() != 52 {
            return Err(FieldError::new(
                field,
                "extranjero",
                "El teléfono debe ser de México (lada +52).",
            ));
        }
        if !number.is_valid() {
            return Err(not_valid());
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    /// `+526865550142`
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// `686 555 0142`, how the clerk reads it back to the affiliate.
    pub fn national_display(&self) -> String {
        let national = self.0.trim_start_matches("+52");
        if national.len() == 10 {
            format!("{} {} {}", &national[..3], &national[3..6], &national[6..])
        } else {
            national.to_owned()
        }
    }

    /// For receipts and screens seen by others: only the last four digits.
    pub fn masked(&self) -> String {
        Self::mask_stored(&self.0)
    }

    /// [`masked`](Self::masked) for a number read back from the database: whatever the
    /// stored text, only its last four digits come out.
    pub fn mask_stored(stored: &str) -> String {
        let digits: Vec<char> = stored.chars().filter(char::is_ascii_digit).collect();
        let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
        format!("*** *** {tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_forms_people_type_all_become_e164() {
        for typed in [
            "6865550142",
            "686 555 0142",
            "686-555-0142",
            "(686) 555-0142",
            "+52 686 555 0142",
            "+52 (686) 555.01.42",
            "0052 686 555 0142",
            "+526865550142",
        ] {
            let phone = MexicanPhone::parse(typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(phone.e164(), "+526865550142", "{typed}");
        }
    }

    #[test]
    fn display_forms() {
        let p = MexicanPhone::parse("664 555 0199").unwrap();
        assert_eq!(p.national_display(), "664 555 0199");
        assert_eq!(p.masked(), "*** *** 0199");
        assert_eq!(MexicanPhone::mask_stored("+526865550142"), "*** *** 0142");
        assert_eq!(
            MexicanPhone::mask_stored("+52 (686) 555-01-42"),
            "*** *** 0142"
        );
        assert_eq!(MexicanPhone::mask_stored("42"), "*** *** 42");
    }

    #[test]
    fn wrong_numbers_say_what_is_wrong() {
        let e = MexicanPhone::parse("").unwrap_err();
        assert_eq!((e.field, e.code), (Field::Phone, "requerido"));
        let e = MexicanPhone::parse("686 555 014").unwrap_err();
        assert_eq!(e.code, "longitud");
        assert!(e.message.contains("10 dígitos"), "{}", e.message);
        let e = MexicanPhone::parse("686 555 0142 ext").unwrap_err();
        assert_eq!(e.code, "formato");
        let e = MexicanPhone::parse("+1 202 555 0143").unwrap_err();
        assert_eq!(e.code, "extranjero");
        let e = MexicanPhone::parse("0000000000").unwrap_err();
        assert_eq!(e.code, "no_valido");
    }

    fn mexican_numbers() -> impl Strategy<Value = String> {
        // Area codes of Baja California and big cities, then 7 or 8 digits.
        prop_oneof![
            ("(686|664|646|665|661|616)", "[0-9]{7}").prop_map(|(a, r)| format!("{a}{r}")),
            ("(55|33|81)", "[0-9]{8}").prop_map(|(a, r)| format!("{a}{r}")),
        ]
    }

    proptest! {
        /// However the ten digits are grouped or prefixed, the stored number is the same.
        #[test]
        fn formatting_never_changes_the_number(
            digits in mexican_numbers(),
            prefix in prop_oneof![Just(""), Just("+52 "), Just("+52"), Just("0052 ")],
            sep in prop_oneof![Just(""), Just(" "), Just("-"), Just(".")],
            parens in any::<bool>(),
        ) {
            let (a, b, c) = (&digits[..3], &digits[3..6], &digits[6..]);
            let area = if parens { format!("({a})") } else { a.to_owned() };
            let typed = format!("{prefix}{area}{sep}{b}{sep}{c}");
            let phone = MexicanPhone::parse(&typed).unwrap();
            prop_assert_eq!(phone.e164(), format!("+52{digits}"));
        }

        /// The mask keeps exactly the last four digits and no other.
        #[test]
        fn the_mask_shows_only_the_last_four_digits(digits in mexican_numbers()) {
            let masked = MexicanPhone::parse(&digits).unwrap().masked();
            let shown: String = masked.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(shown.as_str(), &digits[6..]);
        }

        #[test]
        fn never_panics(raw in "\\PC{0,30}") {
            let _ = MexicanPhone::parse(&raw);
        }
    }
}
