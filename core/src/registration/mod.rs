//! Registering an affiliate at the desk: parse the form, check the roster, and write the
//! registration, its consents, its validation token, its email and an audit event in one
//! unit of work.

mod form;
mod identity;

use crate::domain::registration::CONSENT_METHOD;
pub use form::{
    ConsentAnswer, FieldCheck, ParsedConsent, RegistrationForm, RegistrationRequest, check_field,
    parse_form,
};
pub use identity::IdentifiedAffiliate;

use crate::desk::Desk;
use crate::domain::RegistrationState;
use crate::error::{Error, Result};
use crate::legal;
use crate::security;
use crate::store::constraint::{self, Violation};
use crate::store::rows::RegistrationRow;
use crate::sync::payload::{ConsentPayload, ConsentRecord, RegistrationPayload};
use crate::tokens::{EarlierEmails, issue_validation_email};
use crate::work::{Actor, Subject};
use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use serde_json::json;

/// What the clerk sees after "Registrar".
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistrationReceipt {
    pub registration_id: String,
    pub folio: String,
    pub affiliate_name: String,
    pub email: String,
    pub email_masked: String,
    /// Read back in its country's grouping: `686 555 0142`, `+1 (619) 555-0142`.
    pub phone: String,
    pub family_grouping: bool,
    pub created_at: DateTime<Utc>,
    pub validation_expires_at: DateTime<Utc>,
}

impl Desk {
    /// Registers an affiliate. Nothing is written unless every check passes, except the
    /// count of wrong serials, which must survive the refusal to lock out guessing.
    pub async fn register(&self, form: &RegistrationForm) -> Result<RegistrationReceipt> {
        let clerk = self.current_clerk()?;
        self.ensure_settings_usable()?;
        self.ensure_key_custody()?;
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
            phone_e164: request.phone.e164().to_owned(),
            state: RegistrationState::PendingValidation,
            validated_at: None,
            full_name: Some(affiliate.full_name.clone()),
        };
        let (registration_id, folio) = (&registration.id, &registration.folio);

        // One instant for the folio, the rows and the receipt. A receipt on the screen is a
        // registration saved: its commit waits for the disk.
        let mut work = self
            .durable_work_at(Actor::Staff(clerk.username.clone()), now)
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
        let expires_at =
            issue_validation_email(&mut work, &registration, EarlierEmails::None).await?;
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
            phone: request.phone.display(),
            family_grouping: request.family_grouping(),
            created_at: now,
            validation_expires_at: expires_at,
        })
    }

    /// The texts the affiliate answered must be the versions in force now.
    async fn check_documents_current(&self, request: &RegistrationRequest) -> Result<()> {
        let in_force = legal::versions_in_force(&self.store).await?;
        for consent in &request.consents {
            let shown_is_current = in_force
                .iter()
                .any(|d| d.is(consent.kind, consent.document_id, &consent.sha256));
            if !shown_is_current {
                return Err(Error::DocumentChanged(consent.kind));
            }
        }
        Ok(())
    }
}
