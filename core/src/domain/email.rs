use super::typed::fold_pasted;
use super::{Field, FieldError};
use serde::Serialize;

/// Longest address we store: RFC 5321's path limit less the angle brackets.
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// The domains most affiliates of a Mexican public institute use: the only ones a typo
/// is corrected towards.
const SUGGESTED_DOMAINS: &[&str] = &[
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com.mx",
    "yahoo.com",
    "live.com.mx",
    "live.com",
    "icloud.com",
    "hotmail.es",
    "outlook.es",
    "prodigy.net.mx",
];

/// Real providers that are never questioned, though one or two letters from a common
/// one (`mail.com` is not a slip of `gmail.com`).
const OTHER_REAL_DOMAINS: &[&str] = &[
    "mail.com",
    "email.com",
    "ymail.com",
    "rocketmail.com",
    "googlemail.com",
    "me.com",
    "mac.com",
    "msn.com",
    "aol.com",
    "gmx.com",
    "gmx.net",
    "zoho.com",
    "yandex.com",
    "protonmail.com",
    "proton.me",
    "pm.me",
    "hotmail.com.ar",
    "yahoo.es",
    "live.com.ar",
    "outlook.com.ar",
];

/// Endings of institutions' own domains (government, universities): their names are the
/// institution's, never a slip of a provider's.
const INSTITUTIONAL_ENDINGS: &[&str] = &[".gob.mx", ".edu.mx", ".edu", ".gov", ".mil"];

/// Slips that are not a letter or two away: a provider's domain given the ending of
/// another (`prodigy.com.mx` for Telmex's `prodigy.net.mx`). A common domain with `.mx`
/// added (`gmail.com.mx`) is caught by rule in [`suggest_domain`].
const SLIPS: &[(&str, &str)] = &[
    ("prodigy.com.mx", "prodigy.net.mx"),
    ("prodigy.com", "prodigy.net.mx"),
    ("prodigy.net", "prodigy.net.mx"),
    ("prodigy.mx", "prodigy.net.mx"),
    ("prodigy.net.com", "prodigy.net.mx"),
    ("gmail.mx", "gmail.com"),
    ("hotmail.mx", "hotmail.com"),
    ("outlook.mx", "outlook.com"),
    ("yahoo.mx", "yahoo.com.mx"),
];

/// An email address the mailer can send to, normalised to lower case: the syntax of
/// RFC 5321 narrowed to what is practical to deliver to (a dot-atom local part, no quotes,
/// no IP literal, a dotted domain ending in letters, ASCII only), and accepted by the
/// mailer's own parser: the address is kept as the mailer's value, so the form and the
/// mailer cannot disagree about it.
///
/// Lower-casing the local part is a decision: RFC 5321 lets it be case-sensitive, but no
/// mailbox provider our affiliates use treats it so, and two spellings of one address
/// must not look like two people.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(lettre::Address);

impl Serialize for EmailAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A parsed address together with what the clerk should double-check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailCheck {
    pub address: EmailAddress,
    /// A likely intended address when the domain looks like a typo of a common one.
    pub suggestion: Option<String>,
}

/// The characters of a dot-atom besides letters and digits (RFC 5322 `atext`).
const ATEXT_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_field(raw, Field::Email)
    }

    /// Parses the address as typed in `field` (the email or its confirmation), so each
    /// error names the box the clerk has to fix.
    pub fn parse_field(raw: &str, field: Field) -> Result<Self, FieldError> {
        let folded = fold_pasted(raw);
        let mut value = folded.trim();
        // Copied from a link.
        if let Some(prefix) = value.get(..7)
            && prefix.eq_ignore_ascii_case("mailto:")
        {
            value = value[7..].trim();
        }
        let invalid = |message: &str| Err(FieldError::new(field, "formato", message));
        if value.is_empty() {
            let message = if field == Field::EmailConfirmation {
                "Escriba otra vez el correo electrónico para confirmarlo."
            } else {
                "Escriba el correo electrónico del afiliado."
            };
            return Err(FieldError::new(field, "requerido", message));
        }
        if value.chars().any(char::is_whitespace) {
            return invalid("El correo electrónico no lleva espacios.");
        }
        if !value.is_ascii() {
            return invalid(
                "El correo electrónico no lleva acentos, ñ ni otros caracteres especiales.",
            );
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return invalid(
                "Al correo electrónico le falta la arroba (@): debe ser como nombre@dominio.com.",
            );
        };
        if local.len() > MAX_LOCAL_LEN || value.len() > MAX_LEN {
            return Err(FieldError::new(
                field,
                "longitud",
                "El correo electrónico es demasiado largo.",
            ));
        }
        if local.is_empty() {
            return invalid(
                "Falta el nombre antes de la arroba (@): debe ser como nombre@dominio.com.",
            );
        }
        if local.contains('@') {
            return invalid("El correo electrónico lleva una sola arroba (@).");
        }
        if local.starts_with('"')
            || local.contains(['(', ')', '<', '>', ',', ';', ':', '\\', '[', ']', '"'])
        {
            return invalid(
                "Antes de la arroba (@) van solo letras, números y . _ - +; sin comillas ni paréntesis.",
            );
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return invalid(
                "El nombre antes de la arroba (@) no empieza ni termina con punto ni lleva dos puntos seguidos.",
            );
        }
        if !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || ATEXT_SYMBOLS.contains(c))
        {
            return invalid(
                "Antes de la arroba (@) van solo letras, números y . _ - +; sin comillas ni paréntesis.",
            );
        }
        if domain.is_empty() {
            return invalid("Falta el dominio después de la arroba (@), por ejemplo gmail.com.");
        }
        if domain.starts_with('[') || domain.parse::<std::net::IpAddr>().is_ok() {
            return invalid(
                "El correo electrónico debe llevar un dominio con nombre (por ejemplo gmail.com), no una dirección IP.",
            );
        }
        if !domain.contains('.') {
            return invalid(&format!(
                "Al dominio «{domain}» le falta la terminación, por ejemplo .com o .mx."
            ));
        }
        let labels_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        let ending = domain.rsplit('.').next().unwrap_or_default();
        if !labels_ok {
            return invalid(&format!(
                "El dominio «{domain}» no es válido: lleva solo letras, números, guiones y puntos, sin dos puntos seguidos."
            ));
        }
        if ending.len() < 2 || !ending.chars().all(|c| c.is_ascii_alphabetic()) {
            return invalid(&format!(
                "El dominio «{domain}» no termina como un dominio real (por ejemplo .com o .mx)."
            ));
        }
        // The mailer's own parser has the last word, and its reading must be ours.
        let lower = value.to_ascii_lowercase();
        let address: lettre::Address = lower.parse().map_err(|_| {
            FieldError::new(
                field,
                "formato",
                "El correo electrónico no es válido: revise que sea como nombre@dominio.com.",
            )
        })?;
        let mailbox: Result<lettre::message::Mailbox, _> = lower.parse();
        if !mailbox.is_ok_and(|m| m.email == address) {
            return invalid(
                "El correo electrónico no es válido: revise que sea como nombre@dominio.com.",
            );
        }
        Ok(Self(address))
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

    /// A corrected address as the desk takes it: typed twice, the two the same, and a
    /// likely typo confirmed with the affiliate (`suggestion_declined`) before it is kept.
    pub fn parse_typed_twice(
        email: &str,
        confirmation: &str,
        suggestion_declined: bool,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let address = match Self::check(email) {
            Ok(check) => match check.suggestion {
                Some(s) if !suggestion_declined => {
                    errors.push(FieldError::new(
                        Field::Email,
                        "posible_error",
                        format!("¿Quiso decir {s}? Corrija el correo o confirme con el afiliado que está bien escrito."),
                    ));
                    None
                }
                _ => Some(check.address),
            },
            Err(e) => {
                errors.push(e);
                None
            }
        };
        match Self::parse_field(confirmation, Field::EmailConfirmation) {
            Ok(c) if address.as_ref().is_some_and(|e| *e != c) => errors.push(FieldError::new(
                Field::EmailConfirmation,
                "no_coinciden",
                "Los dos correos no coinciden: escríbalos otra vez con cuidado.",
            )),
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
        match address {
            Some(address) if errors.is_empty() => Ok(address),
            _ => Err(errors),
        }
    }

    /// Refuses the address a registration already has: resending is another action.
    pub fn require_change(&self, stored: &str) -> Result<(), FieldError> {
        if self.as_str() == stored {
            Err(FieldError::new(
                Field::Email,
                "sin_cambio",
                "Es el mismo correo que ya tiene el registro; para volver a enviarlo use «Reenviar correo de validación».",
            ))
        } else {
            Ok(())
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }

    pub fn local_part(&self) -> &str {
        self.0.user()
    }

    pub fn domain(&self) -> &str {
        self.0.domain()
    }

    /// The mailer's value of this address: what a message is sent to.
    pub fn mailbox(&self) -> lettre::message::Mailbox {
        lettre::message::Mailbox::new(None, self.0.clone())
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
        f.write_str(self.as_str())
    }
}

/// The common domain the clerk probably meant: a known slip (`prodigy.com.mx`), a common
/// domain with `.mx` added (`gmail.com.mx`), or one or two keystrokes away from a common
/// domain (a swap, a missing or extra letter, `.con` for `.com`). Real providers and
/// institutions' domains are never questioned.
pub fn suggest_domain(domain: &str) -> Option<&'static str> {
    let domain = domain.to_ascii_lowercase();
    let domain = domain.as_str();
    if SUGGESTED_DOMAINS.contains(&domain)
        || OTHER_REAL_DOMAINS.contains(&domain)
        || INSTITUTIONAL_ENDINGS.iter().any(|e| domain.ends_with(e))
    {
        return None;
    }
    if let Some((_, meant)) = SLIPS.iter().find(|(slip, _)| *slip == domain) {
        return Some(meant);
    }
    let without_mx = domain.strip_suffix(".mx");
    if let Some(stem) = without_mx
        && let Some(known) = SUGGESTED_DOMAINS.iter().find(|d| **d == stem)
    {
        return Some(known);
    }
    nearest_common(domain).or_else(|| without_mx.and_then(nearest_common))
}

fn nearest_common(domain: &str) -> Option<&'static str> {
    SUGGESTED_DOMAINS
        .iter()
        .map(|known| (strsim::damerau_levenshtein(domain, known), *known))
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
