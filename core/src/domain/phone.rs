//! The affiliate's phone as people type it: Mexican numbers in every form still in use,
//! and US or Canadian ones when the clerk chooses that country next to the field.
//!
//! Ten digits alone are read in the chosen country only: 442 and 661 are area codes on
//! both sides of the border (Querétaro and Imperial Valley, Rosarito and Bakersfield), so
//! guessing would store some numbers in the wrong country.
//!
//! Old Mexican prefixes, dropped by the numbering plan of August 2019 but still in saved
//! contacts and business cards, are read as the ten digits they prefix: `044` and `045`
//! (a mobile, called locally or from another city), `01` (long distance) and the `1`
//! after `+52` (a mobile called from abroad). None of them changes the number.

use super::typed::fold_pasted;
use super::{Field, FieldError};
use phonenumber::{Mode, PhoneNumber, country};
use serde::{Deserialize, Serialize};

/// The country the clerk chose next to the phone field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PhoneCountry {
    #[default]
    Mexico,
    /// The +1 numbers of the United States (with its territories) and Canada.
    UnitedStatesOrCanada,
}

impl PhoneCountry {
    fn calling_code(self) -> &'static str {
        match self {
            Self::Mexico => "52",
            Self::UnitedStatesOrCanada => "1",
        }
    }

    /// As the country choice names it, for messages.
    fn name(self) -> &'static str {
        match self {
            Self::Mexico => "México",
            Self::UnitedStatesOrCanada => "Estados Unidos o Canadá",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Self::Mexico => "Por ejemplo: 686 555 0142 o 55 5555 0142.",
            Self::UnitedStatesOrCanada => "Por ejemplo: (619) 555-0142.",
        }
    }
}

/// A phone number of Mexico, the United States or Canada, kept in E.164 form
/// (`+526865550142`, `+16195550142`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

/// Regions of the +1 plan that are the United States or Canada (the Caribbean countries
/// share +1 but are not what the clerk chose).
const NORTH_AMERICA: &[country::Id] = &[
    country::Id::US,
    country::Id::CA,
    country::Id::PR,
    country::Id::VI,
    country::Id::GU,
    country::Id::AS,
    country::Id::MP,
];

/// Words people paste in front of a number ("Cel: 686…"); compared without accents.
const LABELS: &[&str] = &["telefono", "tel", "celular", "cel", "movil", "whatsapp"];

impl Phone {
    pub fn parse(raw: &str, country: PhoneCountry) -> Result<Self, FieldError> {
        let field = Field::Phone;
        let folded = fold_pasted(raw);
        let typed = strip_label(folded.trim());
        let example = country.example();
        if typed.is_empty() {
            return Err(FieldError::new(
                field,
                "requerido",
                "Escriba el número de teléfono del afiliado.",
            ));
        }
        if let Some(bad) = typed
            .chars()
            .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+' | '.' | '/')))
        {
            return Err(FieldError::new(
                field,
                "formato",
                format!(
                    "El teléfono lleva un carácter que no corresponde («{bad}»): escriba solo los dígitos. {example}"
                ),
            ));
        }
        // A plus is only the start of an international number, maybe in parentheses: "(+52)".
        let plus = typed.trim_start_matches(['(', ' ']).starts_with('+');
        if typed.matches('+').count() > usize::from(plus) {
            return Err(FieldError::new(
                field,
                "formato",
                format!("El «+» va solo al principio del teléfono. {example}"),
            ));
        }
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        let (code, national) = split_country(&digits, plus, country)?;
        let national = match code {
            "52" => strip_mexican_prefix(national),
            _ => national,
        };
        if national.len() != 10 {
            return Err(FieldError::new(
                field,
                "longitud",
                format!(
                    "El teléfono debe tener 10 dígitos; tiene {}. {example}",
                    national.len()
                ),
            ));
        }
        let number = phonenumber::parse(None, format!("+{code}{national}"))
            .ok()
            .filter(|n| n.is_valid() && in_country(n, country))
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "no_valido",
                    format!(
                        "Ese número no es un teléfono válido de {}: revise la lada y los dígitos. {example}",
                        country.name()
                    ),
                )
            })?;
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    /// `+526865550142`
    pub fn e164(&self) -> &str {
        &self.0
    }

    pub fn country(&self) -> PhoneCountry {
        if self.0.starts_with("+1") {
            PhoneCountry::UnitedStatesOrCanada
        } else {
            PhoneCountry::Mexico
        }
    }

    /// In its country's own grouping, as the clerk reads it back with the country chosen
    /// beside it: `686 555 0142`, `55 5555 0142`, `(619) 555-0142`.
    pub fn national_display(&self) -> String {
        national(&self.0).unwrap_or_else(|| self.0.clone())
    }

    /// Where no country is shown beside it (the receipt, the detail screen): Mexican
    /// numbers as at home, the others with their `+1`.
    pub fn display(&self) -> String {
        Self::display_stored(&self.0)
    }

    /// [`display`](Self::display) for a number read back from the database; any other
    /// stored text comes out as it is.
    pub fn display_stored(stored: &str) -> String {
        match (stored.starts_with("+1"), national(stored)) {
            (false, Some(national)) => national,
            (true, Some(national)) => format!("+1 {national}"),
            (_, None) => stored.to_owned(),
        }
    }

    /// For receipts and screens seen by others: only the last four digits, in the
    /// country's grouping.
    pub fn masked(&self) -> String {
        Self::mask_stored(&self.0)
    }

    /// [`masked`](Self::masked) for a number read back from the database: whatever the
    /// stored text, only its last four digits come out.
    pub fn mask_stored(stored: &str) -> String {
        let digits: Vec<char> = stored.chars().filter(char::is_ascii_digit).collect();
        let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
        if stored.starts_with("+1") {
            format!("+1 (***) ***-{tail}")
        } else {
            format!("*** *** {tail}")
        }
    }
}

/// libphonenumber's national format of a stored E.164 number, which since 2019 groups
/// Mexico's numbers as people do: `55 5555 0142` in the three cities with two-digit area
/// codes, `686 555 0142` elsewhere; `(619) 555-0142` for +1.
fn national(e164: &str) -> Option<String> {
    let number = phonenumber::parse(None, e164).ok()?;
    Some(number.format().mode(Mode::National).to_string())
}

fn in_country(number: &PhoneNumber, country: PhoneCountry) -> bool {
    match country {
        PhoneCountry::Mexico => number.country().id() == Some(country::Id::MX),
        PhoneCountry::UnitedStatesOrCanada => number
            .country()
            .id()
            .is_some_and(|id| NORTH_AMERICA.contains(&id)),
    }
}

/// Drops a pasted label ("Tel.:", "Cel", "Teléfono:") in front of the number.
fn strip_label(typed: &str) -> &str {
    let letters = typed
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(typed.len());
    let word: String = typed[..letters]
        .chars()
        .map(|c| match c {
            'é' | 'É' => 'e',
            'ó' | 'Ó' => 'o',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if letters == 0 || !LABELS.contains(&word.as_str()) {
        return typed;
    }
    typed[letters..].trim_start_matches(['.', ':', ' '])
}

/// The calling code and the national digits: from the typed `+` or `00` (or a bare `52`
/// or `1` on a number too long to be national), else the chosen country's. A code that
/// contradicts the choice is refused rather than silently obeyed.
fn split_country(
    digits: &str,
    plus: bool,
    chosen: PhoneCountry,
) -> Result<(&'static str, &str), FieldError> {
    // 00 dials out of Mexico; ten digits or fewer cannot hold a country code after it.
    let international = if plus {
        Some(digits)
    } else if digits.len() > 10 {
        digits.strip_prefix("00")
    } else {
        None
    };
    let explicit = match international {
        Some(rest) => Some(rest),
        // Without a + or 00, a calling code is recognised only where the national
        // reading cannot be meant: 12 or 13 digits starting 52, 11 starting 1 (with
        // Mexico chosen, only if the rest is a +1 number: else it is the old mobile 1).
        None => {
            let long_mexican =
                (digits.len() == 12 || digits.len() == 13) && digits.starts_with("52");
            let long_north_american = digits.len() == 11
                && digits.starts_with('1')
                && (chosen == PhoneCountry::UnitedStatesOrCanada || north_american(&digits[1..]));
            (long_mexican || long_north_american).then_some(digits)
        }
    };
    let Some(rest) = explicit else {
        return Ok((chosen.calling_code(), digits));
    };
    let (typed_country, national) = if let Some(national) = rest.strip_prefix("52") {
        (PhoneCountry::Mexico, national)
    } else if let Some(national) = rest.strip_prefix('1') {
        (PhoneCountry::UnitedStatesOrCanada, national)
    } else {
        return Err(FieldError::new(
            Field::Phone,
            "extranjero",
            "Solo se registran teléfonos de México (+52) y de Estados Unidos o Canadá (+1).",
        ));
    };
    if typed_country != chosen {
        return Err(FieldError::new(
            Field::Phone,
            "pais_distinto",
            format!(
                "El teléfono lleva la clave de país +{} ({}), pero el país elegido para el teléfono es {}: cambie el país o corrija el número.",
                typed_country.calling_code(),
                typed_country.name(),
                chosen.name()
            ),
        ));
    }
    Ok((typed_country.calling_code(), national))
}

fn north_american(national: &str) -> bool {
    phonenumber::parse(None, format!("+1{national}"))
        .is_ok_and(|n| n.is_valid() && in_country(&n, PhoneCountry::UnitedStatesOrCanada))
}

/// The ten digits behind an old Mexican prefix: `1` after the country code, or `044`,
/// `045` or `01` before the area code.
fn strip_mexican_prefix(national: &str) -> &str {
    match national.len() {
        11 => national.strip_prefix('1'),
        12 => national.strip_prefix("01"),
        13 => national
            .strip_prefix("044")
            .or_else(|| national.strip_prefix("045")),
        _ => None,
    }
    .unwrap_or(national)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PhoneCountry::{Mexico, UnitedStatesOrCanada};
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
            "+52 1 686 555 0142",
            "(+52) 686 555 0142",
            "52 686 555 0142",
            "044 686 555 0142",
        ] {
            let phone = Phone::parse(typed, Mexico).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(phone.e164(), "+526865550142", "{typed}");
        }
    }

    #[test]
    fn display_forms() {
        let p = Phone::parse("664 555 0199", Mexico).unwrap();
        assert_eq!(p.national_display(), "664 555 0199");
        assert_eq!(p.display(), "664 555 0199");
        assert_eq!(p.masked(), "*** *** 0199");
        let p = Phone::parse("55 5555 0142", Mexico).unwrap();
        assert_eq!(p.national_display(), "55 5555 0142");
        let p = Phone::parse("619 555 0142", UnitedStatesOrCanada).unwrap();
        assert_eq!(p.e164(), "+16195550142");
        assert_eq!(p.country(), UnitedStatesOrCanada);
        assert_eq!(p.national_display(), "(619) 555-0142");
        assert_eq!(p.display(), "+1 (619) 555-0142");
        assert_eq!(p.masked(), "+1 (***) ***-0142");
        assert_eq!(Phone::mask_stored("+526865550142"), "*** *** 0142");
        assert_eq!(Phone::mask_stored("+52 (686) 555-01-42"), "*** *** 0142");
        assert_eq!(Phone::mask_stored("42"), "*** *** 42");
        assert_eq!(Phone::display_stored("no es un número"), "no es un número");
    }

    #[test]
    fn wrong_numbers_say_what_is_wrong() {
        let e = Phone::parse("", Mexico).unwrap_err();
        assert_eq!((e.field, e.code), (Field::Phone, "requerido"));
        let e = Phone::parse("686 555 014", Mexico).unwrap_err();
        assert_eq!(e.code, "longitud");
        assert!(e.message.contains("10 dígitos"), "{}", e.message);
        let e = Phone::parse("686 555 0142 ext", Mexico).unwrap_err();
        assert_eq!(e.code, "formato");
        let e = Phone::parse("+1 202 555 0143", Mexico).unwrap_err();
        assert_eq!(e.code, "pais_distinto");
        assert!(
            e.message.contains("Estados Unidos o Canadá"),
            "{}",
            e.message
        );
        let e = Phone::parse("+44 20 7946 0142", Mexico).unwrap_err();
        assert_eq!(e.code, "extranjero");
        let e = Phone::parse("0000000000", Mexico).unwrap_err();
        assert_eq!(e.code, "no_valido");
    }

    fn mexican_numbers() -> impl Strategy<Value = String> {
        // Area codes of Baja California and big cities, then 7 or 8 digits.
        prop_oneof![
            ("(686|664|646|665|661|616)", "[0-9]{7}").prop_map(|(a, r)| format!("{a}{r}")),
            ("(55|33|81)", "[0-9]{8}").prop_map(|(a, r)| format!("{a}{r}")),
        ]
    }

    fn us_numbers() -> impl Strategy<Value = String> {
        (
            "(619|858|760|442|661|213|416|604)",
            "[2-9][0-9]{2}",
            "[0-9]{4}",
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}"))
    }

    proptest! {
        /// However the ten digits are grouped or prefixed, the stored number is the same.
        #[test]
        fn formatting_never_changes_the_number(
            digits in mexican_numbers(),
            prefix in prop_oneof![
                Just(""), Just("+52 "), Just("+52"), Just("0052 "), Just("+52 1 "),
                Just("(+52) "), Just("52 "), Just("044 "), Just("045 "), Just("01 "),
            ],
            sep in prop_oneof![Just(""), Just(" "), Just("-"), Just("."), Just("\u{a0}"), Just("\u{2013}")],
            parens in any::<bool>(),
        ) {
            let (a, b, c) = (&digits[..3], &digits[3..6], &digits[6..]);
            let area = if parens { format!("({a})") } else { a.to_owned() };
            let typed = format!("{prefix}{area}{sep}{b}{sep}{c}");
            let phone = Phone::parse(&typed, Mexico).unwrap();
            prop_assert_eq!(phone.e164(), format!("+52{digits}"));
        }

        #[test]
        fn us_numbers_are_read_in_the_chosen_country(
            digits in us_numbers(),
            prefix in prop_oneof![Just(""), Just("+1 "), Just("1 "), Just("001 "), Just("+1-")],
        ) {
            let typed = format!("{prefix}({}) {}-{}", &digits[..3], &digits[3..6], &digits[6..]);
            if let Ok(phone) = Phone::parse(&typed, UnitedStatesOrCanada) {
                prop_assert_eq!(phone.e164(), format!("+1{digits}"));
                // What is shown reads back to the same number.
                let again = Phone::parse(&phone.national_display(), UnitedStatesOrCanada).unwrap();
                prop_assert_eq!(again, phone);
            }
        }

        /// The mask keeps exactly the last four digits and no other.
        #[test]
        fn the_mask_shows_only_the_last_four_digits(digits in mexican_numbers()) {
            let masked = Phone::parse(&digits, Mexico).unwrap().masked();
            let shown: String = masked.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(shown.as_str(), &digits[6..]);
        }

        /// Nothing panics, and whatever is accepted is canonical: E.164, and its display
        /// reads back to the same number in the same country.
        #[test]
        fn never_panics_and_accepted_is_canonical(
            raw in "\\PC{0,30}",
            us in any::<bool>(),
        ) {
            let country = if us { UnitedStatesOrCanada } else { Mexico };
            if let Ok(phone) = Phone::parse(&raw, country) {
                prop_assert!(phone.e164().starts_with('+'));
                prop_assert!(phone.e164()[1..].chars().all(|c| c.is_ascii_digit()));
                prop_assert_eq!(phone.country(), country);
                let again = Phone::parse(&phone.national_display(), country).unwrap();
                prop_assert_eq!(again, phone);
            }
        }

        #[test]
        fn digit_soup_never_panics(raw in "[0-9+() .-]{0,20}", us in any::<bool>()) {
            let country = if us { UnitedStatesOrCanada } else { Mexico };
            if let Ok(phone) = Phone::parse(&raw, country) {
                prop_assert_eq!(Phone::parse(phone.e164(), country).unwrap(), phone);
            }
        }
    }
}
