//! The registration form: raw strings from the screen, parsed once into a request whose
//! every field is a domain value, with every field error at once; and the live check of
//! one field as the clerk types, with the same parsers.

use crate::domain::registration::parse_folio;
use crate::domain::token::parse_code;
use crate::domain::{
    AffiliationNumber, CredentialSerial, DocumentKind, EmailAddress, Field, FieldError, Phone,
    PhoneCountry,
};
use crate::legal::LegalDocument;
use serde::{Deserialize, Serialize};

/// The form as the front end sends it: raw strings, parsed here once.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct RegistrationForm {
    pub affiliation_number: String,
    pub credential_serial: String,
    pub phone: String,
    /// The country chosen next to the phone: ten digits are read in it, never guessed.
    pub phone_country: PhoneCountry,
    pub email: String,
    pub email_confirmation: String,
    /// The clerk checked with the affiliate that the email is right despite a suggestion.
    pub email_suggestion_declined: bool,
    pub consents: Vec<ConsentAnswer>,
}

/// The affiliate's answer to one document, with the version and hash of the text shown.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentAnswer {
    pub kind: DocumentKind,
    pub document_id: i64,
    pub sha256: String,
    /// `None` while unanswered; never defaulted.
    pub accepted: Option<bool>,
}

impl ConsentAnswer {
    /// Answers for `documents` as an affiliate who accepts the notices and the terms and
    /// gives `grouping` to the family-grouping consent (scripts, benchmarks and tests).
    pub fn accepting(documents: &[LegalDocument], grouping: Option<bool>) -> Vec<ConsentAnswer> {
        documents
            .iter()
            .map(|d| ConsentAnswer {
                kind: d.kind,
                document_id: d.id,
                sha256: d.sha256.clone(),
                accepted: if d.kind.required_to_register() {
                    Some(true)
                } else {
                    grouping
                },
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct ParsedConsent {
    pub kind: DocumentKind,
    pub document_id: i64,
    pub sha256: String,
    pub accepted: bool,
}

/// A registration request whose every field is a domain value.
#[derive(Debug, Clone)]
pub struct RegistrationRequest {
    pub affiliation: AffiliationNumber,
    pub serial: CredentialSerial,
    pub phone: Phone,
    pub email: EmailAddress,
    pub consents: Vec<ParsedConsent>,
}

impl RegistrationRequest {
    pub fn family_grouping(&self) -> bool {
        self.consents
            .iter()
            .any(|c| c.kind == DocumentKind::ConsentimientoAgrupacion && c.accepted)
    }
}

/// Parses the whole form, returning every field error at once.
pub fn parse_form(
    form: &RegistrationForm,
) -> std::result::Result<RegistrationRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let affiliation = AffiliationNumber::parse(&form.affiliation_number)
        .map_err(|e| errors.push(e))
        .ok();
    let serial = CredentialSerial::parse(&form.credential_serial)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = Phone::parse(&form.phone, form.phone_country)
        .map_err(|e| errors.push(e))
        .ok();
    let email = match EmailAddress::check(&form.email) {
        Ok(check) => match check.suggestion {
            Some(suggestion) if !form.email_suggestion_declined => {
                errors.push(FieldError::new(
                    Field::Email,
                    "posible_error",
                    format!("¿Quiso decir {suggestion}? Corrija el correo o confirme con el afiliado que está bien escrito."),
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
    match EmailAddress::parse_field(&form.email_confirmation, Field::EmailConfirmation) {
        Ok(confirmation) => {
            let typed = EmailAddress::parse(&form.email).ok();
            if typed.is_some_and(|t| t != confirmation) {
                errors.push(FieldError::new(
                    Field::EmailConfirmation,
                    "no_coinciden",
                    "Los dos correos no coinciden: escríbalos otra vez con cuidado.",
                ));
            }
        }
        Err(e) => errors.push(e),
    }
    let consents = parse_consents(&form.consents, &mut errors);
    match (affiliation, serial, phone, email) {
        (Some(affiliation), Some(serial), Some(phone), Some(email)) if errors.is_empty() => {
            Ok(RegistrationRequest {
                affiliation,
                serial,
                phone,
                email,
                consents,
            })
        }
        _ => Err(errors),
    }
}

fn parse_consents(answers: &[ConsentAnswer], errors: &mut Vec<FieldError>) -> Vec<ParsedConsent> {
    let mut parsed = Vec::new();
    for &kind in DocumentKind::ALL {
        let answer = answers.iter().find(|a| a.kind == kind);
        let field = kind.field();
        match (answer, answer.and_then(|a| a.accepted)) {
            (Some(a), Some(accepted)) if accepted || !kind.required_to_register() => {
                parsed.push(ParsedConsent {
                    kind,
                    document_id: a.document_id,
                    sha256: a.sha256.clone(),
                    accepted,
                });
            }
            _ if kind.required_to_register() => errors.push(FieldError::new(
                field,
                "no_aceptado",
                format!(
                    "Falta que el afiliado lea y acepte {}: sin su aceptación no se puede registrar.",
                    kind.with_article()
                ),
            )),
            _ => errors.push(FieldError::new(
                field,
                "sin_respuesta",
                "Registre si el afiliado otorga o no el consentimiento de agrupación por núcleo familiar.",
            )),
        }
    }
    parsed
}

/// The result of a live check of one field: the value as it will be stored, how to show
/// it, and a suggestion when the email's domain looks mistyped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldCheck {
    pub value: String,
    pub display: Option<String>,
    pub suggestion: Option<String>,
}

/// Checks one field as the clerk types, with the same parsers as [`parse_form`].
/// `other` is the email when checking its confirmation; `phone_country` the country
/// chosen next to the phone.
pub fn check_field(
    field: Field,
    value: &str,
    other: Option<&str>,
    phone_country: PhoneCountry,
) -> std::result::Result<FieldCheck, FieldError> {
    let plain = |value: String| FieldCheck {
        value,
        display: None,
        suggestion: None,
    };
    match field {
        Field::AffiliationNumber => Ok(plain(AffiliationNumber::parse(value)?.to_string())),
        Field::CredentialSerial => Ok(plain(CredentialSerial::parse(value)?.as_str().to_owned())),
        Field::Phone => {
            let phone = Phone::parse(value, phone_country)?;
            Ok(FieldCheck {
                value: phone.e164().to_owned(),
                display: Some(phone.national_display()),
                suggestion: None,
            })
        }
        Field::Email => {
            let check = EmailAddress::check(value)?;
            Ok(FieldCheck {
                value: check.address.to_string(),
                display: None,
                suggestion: check.suggestion,
            })
        }
        Field::EmailConfirmation => {
            let confirmation = EmailAddress::parse_field(value, Field::EmailConfirmation)?;
            match other.map(EmailAddress::parse) {
                Some(Ok(email)) if email != confirmation => Err(FieldError::new(
                    Field::EmailConfirmation,
                    "no_coinciden",
                    "Los dos correos no coinciden: escríbalos otra vez con cuidado.",
                )),
                _ => Ok(plain(confirmation.to_string())),
            }
        }
        Field::Folio => Ok(plain(parse_folio(value)?)),
        Field::Code => Ok(plain(parse_code(value)?)),
        other => Err(FieldError::new(
            other,
            "no_aplica",
            "Este campo no se revisa por separado.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(accept: [Option<bool>; 4]) -> Vec<ConsentAnswer> {
        DocumentKind::ALL
            .iter()
            .zip(accept)
            .enumerate()
            .map(|(i, (kind, accepted))| ConsentAnswer {
                kind: *kind,
                document_id: i as i64 + 1,
                sha256: "0".repeat(64),
                accepted,
            })
            .collect()
    }

    #[test]
    fn every_field_error_comes_back_at_once() {
        let form = RegistrationForm {
            affiliation_number: "".into(),
            credential_serial: "#".into(),
            phone: "12".into(),
            phone_country: PhoneCountry::Mexico,
            email: "ana@example".into(),
            email_confirmation: "".into(),
            email_suggestion_declined: false,
            consents: answers([None, Some(false), None, None]),
        };
        let errors = parse_form(&form).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                Field::AffiliationNumber,
                Field::CredentialSerial,
                Field::Phone,
                Field::Email,
                Field::EmailConfirmation,
                Field::IntegralNotice,
                Field::SimplifiedNotice,
                Field::TermsAndConditions,
                Field::FamilyGroupingConsent,
            ]
        );
        assert!(
            errors[5].message.contains("aviso de privacidad integral"),
            "{}",
            errors[5].message
        );
    }

    #[test]
    fn a_no_to_grouping_is_an_answer_and_does_not_block() {
        let form = RegistrationForm {
            affiliation_number: "900100101".into(),
            credential_serial: "DEMO4821907".into(),
            phone: "686 555 0142".into(),
            phone_country: PhoneCountry::Mexico,
            email: "ana@example.com".into(),
            email_confirmation: "ANA@example.com".into(),
            email_suggestion_declined: false,
            consents: answers([Some(true), Some(true), Some(true), Some(false)]),
        };
        let request = parse_form(&form).unwrap();
        assert!(!request.family_grouping());
        assert_eq!(request.consents.len(), 4);
    }

    #[test]
    fn emails_must_match_and_typos_need_confirmation() {
        let mut form = RegistrationForm {
            affiliation_number: "900100101".into(),
            credential_serial: "DEMO4821907".into(),
            phone: "6865550142".into(),
            phone_country: PhoneCountry::Mexico,
            email: "ana@gmial.com".into(),
            email_confirmation: "ana@gmial.com".into(),
            email_suggestion_declined: false,
            consents: answers([Some(true); 4]),
        };
        let errors = parse_form(&form).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field, errors[0].code),
            (Field::Email, "posible_error")
        );
        assert!(errors[0].message.starts_with("¿Quiso decir ana@gmail.com?"));
        form.email_suggestion_declined = true;
        assert!(parse_form(&form).is_ok());
        form.email_confirmation = "ana@gmail.com".into();
        let errors = parse_form(&form).unwrap_err();
        assert_eq!(
            (errors[0].field, errors[0].code),
            (Field::EmailConfirmation, "no_coinciden")
        );
    }
}
