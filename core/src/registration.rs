//! Registering an affiliate at the desk: parse the form, check the roster, and write the
//! registration, its consents, its validation token, its email and an audit event in one
//! transaction.

use crate::desk::Desk;
pub use crate::domain::registration::CONSENT_METHOD;
use crate::domain::registration::parse_folio;
use crate::domain::token::parse_code;
use crate::domain::{
    AffiliateKind, AffiliationNumber, CredentialSerial, DocumentKind, EmailAddress, Field,
    FieldError, MexicanPhone, RegistrationState,
};
use crate::error::{Error, Result};
use crate::legal::{self, LegalDocument};
use crate::security;
use crate::store::constraint::{self, Violation};
use crate::store::db_time;
use crate::store::roster::{self, RosterEntry};
use crate::store::rows::RegistrationRow;
use crate::sync::payload::{ConsentPayload, ConsentRecord, RegistrationPayload};
use crate::tokens::issue_validation_email;
use crate::work::{Actor, Subject};
use chrono::{DateTime, Duration, Local, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The form as the front end sends it: raw strings, parsed here once.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub affiliation_number: String,
    pub credential_serial: String,
    pub phone: String,
    pub email: String,
    pub email_confirmation: String,
    /// The clerk checked with the affiliate that the email is right despite a suggestion.
    pub email_suggestion_declined: bool,
    pub consents: Vec<ConsentAnswer>,
}

/// The affiliate's answer to one document, with the version and hash of the text shown.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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
    pub phone: MexicanPhone,
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
    let phone = MexicanPhone::parse(&form.phone)
        .map_err(|e| errors.push(e))
        .ok();
    let email = match EmailAddress::check(&form.email) {
        Ok(check) => match check.suggestion {
            Some(suggestion) if !form.email_suggestion_declined => {
                errors.push(FieldError::new(
                    Field::Email,
                    "posible_error",
                    format!("¿Quisiste decir {suggestion}? Corrija el correo o confirme con el afiliado que está bien escrito."),
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

/// What the clerk sees after "Registrar".
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationReceipt {
    pub registration_id: String,
    pub folio: String,
    pub affiliate_name: String,
    pub email: String,
    pub email_masked: String,
    pub phone: String,
    pub family_grouping: bool,
    pub created_at: DateTime<Utc>,
    pub validation_expires_at: DateTime<Utc>,
}

/// Who the number and serial belong to, for the clerk to confirm aloud.
#[derive(Debug, Clone, Serialize)]
pub struct IdentifiedAffiliate {
    pub full_name: String,
    pub kind: AffiliateKind,
}

impl Desk {
    /// Registers an affiliate. Nothing is written unless every check passes, except the
    /// count of wrong serials, which must survive the refusal to lock out guessing.
    pub async fn register(&self, form: &RegistrationForm) -> Result<RegistrationReceipt> {
        let clerk = self.current_clerk()?;
        let request = parse_form(form).map_err(Error::Fields)?;
        self.expire_overdue().await?;
        let now = self.clock.now();
        let affiliate = self
            .check_identity(&request.affiliation, &request.serial, now, &clerk.username)
            .await?;
        self.check_no_live_registration(&request.affiliation)
            .await?;
        // With the central database reachable, an account made at another office is
        // caught now; offline, the sync catches it later as a conflict.
        if let Some(central) = self.central_if_reachable()
            && let Some(live) = central
                .live_registration_of(request.affiliation.as_str())
                .await
        {
            return Err(Error::RegisteredElsewhere {
                folio: live.folio,
                state: live.state,
                office: live.office,
            });
        }
        self.check_documents_current(&request).await?;

        let registration = RegistrationRow {
            id: uuid::Uuid::new_v4().to_string(),
            folio: security::new_folio(now.with_timezone(&Local).date_naive()),
            affiliation_number: request.affiliation.to_string(),
            email: request.email.to_string(),
            state: RegistrationState::PendingValidation,
            validated_at: None,
            full_name: Some(affiliate.full_name.clone()),
        };
        let (registration_id, folio) = (&registration.id, &registration.folio);

        // One instant for the folio, the rows and the receipt.
        let mut work = self
            .work_at(Actor::Staff(clerk.username.clone()), now)
            .await?;
        let settings = work.settings().clone();
        let row = RegistrationPayload {
            id: registration.id.clone(),
            folio: registration.folio.clone(),
            affiliation_number: registration.affiliation_number.clone(),
            phone_e164: request.phone.e164().to_owned(),
            email: registration.email.clone(),
            state: registration.state,
            family_grouping: request.family_grouping(),
            office: settings.office.clone(),
            workstation: settings.workstation.clone(),
            clerk: clerk.username.clone(),
            created_at: now,
        };

        if let Err(e) = row.insert(work.conn()).await {
            drop(work);
            // Another registration of the same person won the race: tell it like the check does.
            if constraint::violation(&e) == Some(Violation::OneLivePerAffiliate) {
                self.check_no_live_registration(&request.affiliation)
                    .await?;
            }
            return Err(constraint::into_error(e));
        }
        work.share(&row).await?;
        for consent in &request.consents {
            let consent = ConsentPayload::insert(
                work.conn(),
                ConsentRecord {
                    registration_id,
                    document_id: consent.document_id,
                    accepted: consent.accepted,
                    decided_at: now,
                    method: CONSENT_METHOD,
                    clerk: &clerk.username,
                    office: &settings.office,
                    workstation: &settings.workstation,
                },
            )
            .await?;
            work.share(&consent).await?;
        }
        let expires_at = issue_validation_email(&mut work, &registration).await?;
        sqlx::query("DELETE FROM serial_lockouts WHERE affiliation_number = ?")
            .bind(request.affiliation.as_str())
            .execute(work.conn())
            .await?;
        work.audit(
            "registro_creado",
            Subject::of(&registration),
            json!({
                "folio": folio,
                "agrupacion_nucleo_familiar": request.family_grouping(),
                "documentos": request.consents.iter().map(|c| json!({
                    "tipo": c.kind.as_str(), "documento_id": c.document_id, "aceptado": c.accepted
                })).collect::<Vec<_>>(),
            }),
        )
        .await?;
        work.commit().await?;
        tracing::info!(registration_id = %registration_id, folio = %folio, "registration created");

        Ok(RegistrationReceipt {
            registration_id: registration.id.clone(),
            folio: registration.folio.clone(),
            affiliate_name: affiliate.full_name,
            email: request.email.to_string(),
            email_masked: request.email.masked(),
            phone: request.phone.national_display(),
            family_grouping: request.family_grouping(),
            created_at: now,
            validation_expires_at: expires_at,
        })
    }

    /// Once the clerk has typed the number and the serial: the affiliate's name from the
    /// roster, so the clerk can confirm the person before going on. The same checks as
    /// "Registrar" (a wrong serial counts toward the lock), plus an early word on an
    /// existing registration so nobody types the rest of the form for nothing.
    pub async fn identify_affiliate(
        &self,
        affiliation_number: &str,
        credential_serial: &str,
    ) -> Result<IdentifiedAffiliate> {
        let clerk = self.current_clerk()?;
        let mut errors = Vec::new();
        let affiliation = AffiliationNumber::parse(affiliation_number)
            .map_err(|e| errors.push(e))
            .ok();
        let serial = CredentialSerial::parse(credential_serial)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(affiliation), Some(serial)) = (affiliation, serial) else {
            return Err(Error::Fields(errors));
        };
        let now = self.clock.now();
        let entry = self
            .check_identity(&affiliation, &serial, now, &clerk.username)
            .await?;
        self.check_no_live_registration(&affiliation).await?;
        Ok(IdentifiedAffiliate {
            full_name: entry.full_name,
            kind: entry.kind,
        })
    }

    /// Roster checks, in an order that never tells a guesser more than the lock allows:
    /// lock first, then existence, then the serial (counted), then currency.
    async fn check_identity(
        &self,
        affiliation: &AffiliationNumber,
        serial: &CredentialSerial,
        now: DateTime<Utc>,
        clerk: &str,
    ) -> Result<RosterEntry> {
        if let Some(until) = self.locked_until(affiliation, now).await? {
            return Err(Error::AffiliationLocked {
                affiliation: affiliation.to_string(),
                until,
            });
        }
        let entry = roster::find(&self.store, affiliation)
            .await?
            .ok_or_else(|| Error::NotInRoster(affiliation.to_string()))?;
        if entry.credential_serial != serial.as_str() {
            return Err(self.record_wrong_serial(affiliation, now, clerk).await?);
        }
        if !entry.is_current {
            return Err(Error::NotCurrent(affiliation.to_string()));
        }
        Ok(entry)
    }

    async fn locked_until(
        &self,
        affiliation: &AffiliationNumber,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let until: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
            "SELECT locked_until FROM serial_lockouts WHERE affiliation_number = ?",
        )
        .bind(affiliation.as_str())
        .fetch_optional(self.store.reader())
        .await?;
        Ok(until.flatten().filter(|until| *until > now))
    }

    /// Counts a wrong serial and locks the number when the count reaches the threshold.
    /// Failures older than a day, or from before an expired lock, start a new count.
    async fn record_wrong_serial(
        &self,
        affiliation: &AffiliationNumber,
        now: DateTime<Utc>,
        clerk: &str,
    ) -> Result<Error> {
        let mut work = self.work_at(Actor::Staff(clerk.to_owned()), now).await?;
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO serial_lockouts (affiliation_number, failures, last_failure_at)
             VALUES (?1, 1, ?2)
             ON CONFLICT (affiliation_number) DO UPDATE SET
                failures = CASE WHEN last_failure_at < ?3 OR locked_until IS NOT NULL
                                THEN 1 ELSE failures + 1 END,
                locked_until = NULL,
                last_failure_at = ?2
             RETURNING failures",
        )
        .bind(affiliation.as_str())
        .bind(db_time(now))
        .bind(db_time(now - Duration::hours(24)))
        .fetch_one(work.conn())
        .await?;
        let max = i64::from(work.settings().max_serial_failures.max(1));
        let about = Subject::Affiliation(affiliation.as_str());
        let error = if failures >= max {
            let until = now + Duration::minutes(i64::from(work.settings().serial_lock_minutes));
            sqlx::query("UPDATE serial_lockouts SET locked_until = ? WHERE affiliation_number = ?")
                .bind(db_time(until))
                .bind(affiliation.as_str())
                .execute(work.conn())
                .await?;
            work.audit(
                "afiliacion_bloqueada",
                about,
                json!({ "intentos": failures, "bloqueada_hasta": db_time(until) }),
            )
            .await?;
            tracing::warn!("affiliation number locked after repeated wrong serials");
            Error::AffiliationLocked {
                affiliation: affiliation.to_string(),
                until,
            }
        } else {
            Error::SerialMismatch {
                remaining: u32::try_from(max - failures).unwrap_or(0),
            }
        };
        work.audit("serie_incorrecta", about, json!({ "intento": failures }))
            .await?;
        work.commit().await?;
        Ok(error)
    }

    async fn check_no_live_registration(&self, affiliation: &AffiliationNumber) -> Result<()> {
        // The live states stay literal (RegistrationState::is_live): SQLite uses the partial
        // index `registrations_one_live_per_affiliate` only for this text.
        let live: Option<(String, RegistrationState, DateTime<Utc>)> = sqlx::query_as(
            "SELECT folio, state, created_at FROM registrations
              WHERE affiliation_number = ? AND state IN ('pendiente_validacion', 'validada', 'activa')",
        )
        .bind(affiliation.as_str())
        .fetch_optional(self.store.reader())
        .await?;
        match live {
            None => Ok(()),
            Some((folio, RegistrationState::PendingValidation, created_at)) => {
                Err(Error::AlreadyPending { folio, created_at })
            }
            Some((folio, _, _)) => Err(Error::AlreadyRegistered { folio }),
        }
    }

    /// The texts the affiliate answered must be the versions in force now.
    async fn check_documents_current(&self, request: &RegistrationRequest) -> Result<()> {
        let current = legal::current_documents(&self.store).await?;
        for consent in &request.consents {
            let shown_is_current = current.iter().any(|d| {
                d.kind == consent.kind && d.id == consent.document_id && d.sha256 == consent.sha256
            });
            if !shown_is_current {
                return Err(Error::DocumentChanged(consent.kind));
            }
        }
        Ok(())
    }
}

/// The result of a live check of one field: the value as it will be stored, how to show
/// it, and a suggestion when the email's domain looks mistyped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCheck {
    pub value: String,
    pub display: Option<String>,
    pub suggestion: Option<String>,
}

/// Checks one field as the clerk types, with the same parsers as [`parse_form`].
/// `other` is the email when checking its confirmation.
pub fn check_field(
    field: Field,
    value: &str,
    other: Option<&str>,
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
            let phone = MexicanPhone::parse(value)?;
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
        assert!(
            errors[0]
                .message
                .starts_with("¿Quisiste decir ana@gmail.com?")
        );
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
