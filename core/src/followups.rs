//! What a clerk does at the desk after a registration: resend the validation email,
//! correct the email, issue a new temporary password, rectify the phone (supervisor),
//! reveal a serial (supervisor), cancel (supervisor). Every action is audited with who did it and, where it matters, why.

use crate::affiliate_account::{new_temporary_password, replace_password};
use crate::desk::Desk;
use crate::domain::SupervisorApproval;
use crate::domain::{
    AffiliationNumber, EmailAddress, EmailKind, EventKind, Field, FieldError, Phone, PhoneCountry,
    require_reason,
};
use crate::error::{Error, Result};
use crate::outbox::cancel_unsent;
use crate::store::db_time;
use crate::store::roster;
use crate::store::rows::RegistrationRow;
use crate::sync;
use crate::tokens::{self, EarlierEmails, issue_validation_email};
use crate::work::{Actor, Subject};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

pub use crate::outbox::EmailSent;

/// What the clerk sees after the phone is rectified.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PhoneRectified {
    pub registration_id: String,
    pub folio: String,
    /// The new number as the detail screen shows it.
    pub phone_display: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RevealedSerial {
    pub affiliation_number: String,
    pub credential_serial: String,
    pub full_name: String,
}

impl Desk {
    /// Sends a new validation email (new link and code; the old ones stop working), at
    /// most once per cooldown.
    pub async fn resend_validation(&self, registration_id: &str) -> Result<EmailSent> {
        let clerk = self.current_clerk()?;
        self.expire_overdue().await?;
        let settings = self.settings();
        let now = self.clock.now();
        let registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        registration.require_pending()?;
        let last: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT max(created_at) FROM outbox_messages WHERE registration_id = ? AND kind = ?",
        )
        .bind(&registration.id)
        .bind(EmailKind::Validation)
        .fetch_one(self.store.reader())
        .await?;
        if let Some(last) = last {
            let ready_at = last + Duration::seconds(i64::from(settings.resend_cooldown_secs));
            if ready_at > now {
                return Err(Error::ResendTooSoon((ready_at - now).num_seconds().max(1)));
            }
        }
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let mut work = self.work_at(Actor::Staff(clerk.username), now).await?;
        let expires_at =
            issue_validation_email(&mut work, &registration, EarlierEmails::Replace).await?;
        work.audit(
            "correo_validacion_reenviado",
            Subject::of(&registration),
            json!({ "folio": registration.folio }),
        )
        .await?;
        work.commit().await?;
        Ok(EmailSent {
            registration_id: registration.id,
            folio: registration.folio,
            email_masked: EmailAddress::mask_stored(&registration.email),
            expires_at: Some(expires_at),
        })
    }

    /// Corrects the email of a pending registration (typed twice) and sends a fresh
    /// validation email there; the old link and code stop working.
    pub async fn correct_email(
        &self,
        registration_id: &str,
        email: &str,
        confirmation: &str,
        suggestion_declined: bool,
    ) -> Result<EmailSent> {
        let clerk = self.current_clerk()?;
        let typed = EmailAddress::parse_typed_twice(email, confirmation, suggestion_declined);
        self.expire_overdue().await?;
        let mut registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        registration.require_pending()?;
        let new_email = typed.map_err(Error::Fields)?;
        new_email.require_change(&registration.email)?;
        let old_masked = EmailAddress::mask_stored(&registration.email);
        registration.email = new_email.to_string();
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let mut work = self.work(Actor::Staff(clerk.username)).await?;
        sqlx::query("UPDATE registrations SET email = ?, updated_at = ? WHERE id = ?")
            .bind(&registration.email)
            .bind(db_time(work.now()))
            .bind(&registration.id)
            .execute(work.conn())
            .await?;
        work.event(
            &registration.id,
            EventKind::EmailCorrected,
            json!({ "email": registration.email }),
        )
        .await?;
        let expires_at =
            issue_validation_email(&mut work, &registration, EarlierEmails::Replace).await?;
        work.audit(
            "correo_corregido",
            Subject::of(&registration),
            json!({ "folio": registration.folio, "anterior": old_masked, "nuevo": new_email.masked() }),
        )
        .await?;
        work.commit().await?;
        Ok(EmailSent {
            registration_id: registration.id,
            folio: registration.folio,
            email_masked: new_email.masked(),
            expires_at: Some(expires_at),
        })
    }

    /// Replaces the temporary password of a validated account (lost, or known to someone
    /// else): the previous one stops working and the new one is emailed.
    pub async fn issue_new_temporary_password(
        &self,
        registration_id: &str,
        reason: &str,
    ) -> Result<EmailSent> {
        let clerk = self.current_clerk()?;
        let reason = require_reason(reason)?;
        let registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        if !registration.state.has_account() {
            return Err(Error::NotValidated {
                folio: registration.folio,
            });
        }
        let password = new_temporary_password(
            registration.full_name.as_deref(),
            &registration.folio,
            &registration.affiliation_number,
            self.settings().sign_in_address().as_deref(),
        )
        .await?;
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let mut work = self.work(Actor::Staff(clerk.username)).await?;
        replace_password(&mut work, &registration, password).await?;
        work.audit(
            "contrasena_temporal_reemitida",
            Subject::of(&registration),
            json!({ "folio": registration.folio, "motivo": reason }),
        )
        .await?;
        work.commit().await?;
        Ok(EmailSent {
            registration_id: registration.id,
            folio: registration.folio,
            email_masked: EmailAddress::mask_stored(&registration.email),
            expires_at: None,
        })
    }

    /// Rectifies the phone of a registration that is not closed (the affiliate's right
    /// of rectification): a supervisor approves, with the reason. The central database
    /// gets the new number by an event; the audit trail keeps both numbers masked.
    pub async fn rectify_phone(
        &self,
        registration_id: &str,
        phone: &str,
        country: PhoneCountry,
        approval: &SupervisorApproval,
        reason: &str,
    ) -> Result<PhoneRectified> {
        let clerk = self.current_clerk()?;
        let mut errors = Vec::new();
        let new_phone = Phone::parse(phone, country)
            .map_err(|e| errors.push(e))
            .ok();
        let reason = require_reason(reason).map_err(|e| errors.push(e)).ok();
        let (Some(new_phone), Some(reason)) = (new_phone, reason) else {
            return Err(Error::Fields(errors));
        };
        self.expire_overdue().await?;
        let registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        if registration.state.is_closed() {
            return Err(Error::RegistrationClosed {
                folio: registration.folio,
                state: registration.state,
            });
        }
        if new_phone.e164() == registration.phone_e164 {
            return Err(FieldError::new(
                Field::Phone,
                "sin_cambio",
                "Es el mismo teléfono que ya tiene el registro.",
            )
            .into());
        }
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let supervisor = self.approve(approval).await?;
        // The approving supervisor is who rectifies.
        let mut work = self.work(Actor::Staff(supervisor)).await?;
        sqlx::query("UPDATE registrations SET phone_e164 = ?, updated_at = ? WHERE id = ?")
            .bind(new_phone.e164())
            .bind(db_time(work.now()))
            .bind(&registration.id)
            .execute(work.conn())
            .await?;
        work.event(
            &registration.id,
            EventKind::PhoneCorrected,
            json!({ "telefono": new_phone.e164() }),
        )
        .await?;
        work.audit(
            "telefono_rectificado",
            Subject::of(&registration),
            json!({
                "folio": registration.folio,
                "anterior": Phone::mask_stored(&registration.phone_e164),
                "nuevo": new_phone.masked(),
                "motivo": reason,
                "capturista": clerk.username,
            }),
        )
        .await?;
        work.commit().await?;
        Ok(PhoneRectified {
            registration_id: registration.id,
            folio: registration.folio,
            phone_display: new_phone.display(),
        })
    }

    /// Cancels a registration (supervisor, with reason): its links, codes and unsent
    /// emails stop, and the person may register again.
    pub async fn cancel_registration(
        &self,
        registration_id: &str,
        approval: &SupervisorApproval,
        reason: &str,
    ) -> Result<()> {
        let clerk = self.current_clerk()?;
        let reason = require_reason(reason)?;
        let registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        if registration.state.is_closed() {
            return Err(Error::RegistrationClosed {
                folio: registration.folio,
                state: registration.state,
            });
        }
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let supervisor = self.approve(approval).await?;
        // The approving supervisor is who cancels.
        let mut work = self.work(Actor::Staff(supervisor)).await?;
        let now = work.now();
        if !work.cancel(&registration.id, &reason).await? {
            work.event(
                &registration.id,
                EventKind::Cancelled,
                json!({ "motivo": reason }),
            )
            .await?;
        }
        tokens::supersede_active(work.conn(), &registration.id).await?;
        cancel_unsent(work.conn(), &registration.id, None, now).await?;
        work.audit(
            "registro_cancelado",
            Subject::of(&registration),
            json!({ "folio": registration.folio, "motivo": reason, "capturista": clerk.username }),
        )
        .await?;
        // Nothing was queued for the affiliate: the outbox is not woken.
        work.commit().await
    }

    /// Shows the serial on record for a credential that has none printed, once a
    /// supervisor has checked the affiliate's official ID in person.
    pub async fn reveal_serial(
        &self,
        affiliation: &str,
        approval: &SupervisorApproval,
        reason: &str,
        identity_checked: bool,
    ) -> Result<RevealedSerial> {
        let clerk = self.current_clerk()?;
        let mut errors = Vec::new();
        let affiliation = AffiliationNumber::parse(affiliation)
            .map_err(|e| errors.push(e))
            .ok();
        let reason = require_reason(reason).map_err(|e| errors.push(e)).ok();
        if !identity_checked {
            errors.push(FieldError::new(
                Field::IdentityChecked,
                "requerido",
                "Confirme que revisó en persona la identificación oficial del afiliado.",
            ));
        }
        let (Some(affiliation), Some(reason)) = (affiliation, reason) else {
            return Err(Error::Fields(errors));
        };
        if !errors.is_empty() {
            return Err(Error::Fields(errors));
        }
        let entry = roster::find(&self.store, &affiliation)
            .await?
            .ok_or_else(|| Error::NotInRoster(affiliation.to_string()))?;
        let supervisor = self.approve(approval).await?;
        let mut work = self.work(Actor::Staff(supervisor)).await?;
        work.audit(
            "serie_revelada",
            Subject::Affiliation(affiliation.as_str()),
            json!({ "motivo": reason, "identificacion_revisada": true, "capturista": clerk.username }),
        )
        .await?;
        work.commit().await?;
        Ok(RevealedSerial {
            affiliation_number: entry.affiliation_number,
            credential_serial: entry.credential_serial,
            full_name: entry.full_name,
        })
    }
}
