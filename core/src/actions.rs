//! What a clerk does at the desk after a registration: resend the validation email,
//! correct the email, issue a new temporary password, reveal a serial (supervisor),
//! cancel (supervisor), and the expiry of registrations never validated. Every action is
//! audited with who did it and, where it matters, why.

use crate::affiliate_account::{new_temporary_password, queue_temporary_password};
use crate::audit::{self, AuditEvent};
use crate::desk::Desk;
use crate::domain::{
    AffiliationNumber, EmailAddress, EmailKind, EventKind, Field, FieldError, RegistrationState,
    require_reason,
};
use crate::error::{Error, Result};
use crate::outbox::cancel_unsent;
use crate::roster;
use crate::staff::SupervisorApproval;
use crate::store::db_time;
use crate::store::rows::RegistrationRow;
use crate::sync;
use crate::tokens::{self, issue_validation_email};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// Actor recorded for what the app does by itself (expiry).
const SYSTEM_ACTOR: &str = "sistema";

/// What the clerk sees after an action that sends an email.
#[derive(Debug, Clone, Serialize)]
pub struct EmailSent {
    pub registration_id: String,
    pub folio: String,
    pub email_masked: String,
    /// Until when the new link and code work (validation emails).
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
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
        let mut tx = self.store.writer().begin().await?;
        let expires_at =
            issue_validation_email(&mut tx, &settings, now, self.clock_offset(), &registration)
                .await?;
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent::about(
                &clerk.username,
                "correo_validacion_reenviado",
                &registration.id,
                &registration.affiliation_number,
                json!({ "folio": registration.folio }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.outbox_wake.notify_one();
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
        let mut errors = Vec::new();
        let new_email = match EmailAddress::check(email) {
            Ok(check) => match check.suggestion {
                Some(s) if !suggestion_declined => {
                    errors.push(FieldError::new(
                        Field::Email,
                        "posible_error",
                        format!("¿Quisiste decir {s}? Corrija el correo o confirme con el afiliado que está bien escrito."),
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
        match EmailAddress::parse_field(confirmation, Field::EmailConfirmation) {
            Ok(c) if new_email.as_ref().is_some_and(|e| *e != c) => errors.push(FieldError::new(
                Field::EmailConfirmation,
                "no_coinciden",
                "Los dos correos no coinciden: escríbalos otra vez con cuidado.",
            )),
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
        self.expire_overdue().await?;
        let mut registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        registration.require_pending()?;
        let new_email = match new_email {
            Some(e) if errors.is_empty() && e.as_str() == registration.email => {
                return Err(FieldError::new(
                    Field::Email,
                    "sin_cambio",
                    "Es el mismo correo que ya tiene el registro; para volver a enviarlo use «Reenviar correo de validación».",
                )
                .into());
            }
            Some(e) if errors.is_empty() => e,
            _ => return Err(Error::Fields(errors)),
        };
        let settings = self.settings();
        let now = self.clock.now();
        let old_masked = EmailAddress::mask_stored(&registration.email);
        registration.email = new_email.to_string();
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let mut tx = self.store.writer().begin().await?;
        sqlx::query("UPDATE registrations SET email = ?, updated_at = ? WHERE id = ?")
            .bind(&registration.email)
            .bind(db_time(now))
            .bind(&registration.id)
            .execute(&mut *tx)
            .await?;
        sync::event(
            &mut tx,
            &registration.id,
            EventKind::EmailCorrected,
            json!({ "email": registration.email }),
            now,
        )
        .await?;
        let expires_at =
            issue_validation_email(&mut tx, &settings, now, self.clock_offset(), &registration)
                .await?;
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent::about(&clerk.username, "correo_corregido", &registration.id, &registration.affiliation_number, json!({ "folio": registration.folio, "anterior": old_masked, "nuevo": new_email.masked() })),
        )
        .await?;
        tx.commit().await?;
        self.outbox_wake.notify_one();
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
        let settings = self.settings();
        let now = self.clock.now();
        let password = new_temporary_password(
            registration.full_name.as_deref(),
            &registration.folio,
            &registration.affiliation_number,
        )
        .await?;
        let hash = password.hash.clone();
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "UPDATE accounts SET password_hash = ?, must_change_password = 1, password_set_at = ?
              WHERE registration_id = ?",
        )
        .bind(&hash)
        .bind(db_time(now))
        .bind(&registration.id)
        .execute(&mut *tx)
        .await?;
        sync::event(
            &mut tx,
            &registration.id,
            EventKind::PasswordReissued,
            json!({ "password_hash": hash }),
            now,
        )
        .await?;
        cancel_unsent(
            &mut tx,
            &registration.id,
            Some(EmailKind::TemporaryPassword),
            now,
        )
        .await?;
        queue_temporary_password(
            &mut tx,
            &settings,
            now,
            &registration.id,
            &registration.email,
            password,
        )
        .await?;
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent::about(
                &clerk.username,
                "contrasena_temporal_reemitida",
                &registration.id,
                &registration.affiliation_number,
                json!({ "folio": registration.folio, "motivo": reason }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.outbox_wake.notify_one();
        Ok(EmailSent {
            registration_id: registration.id,
            folio: registration.folio,
            email_masked: EmailAddress::mask_stored(&registration.email),
            expires_at: None,
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
        let settings = self.settings();
        let now = self.clock.now();
        let mut tx = self.store.writer().begin().await?;
        // A registration held in conflict is settled by cancelling it: its rows stay here.
        sqlx::query(
            "UPDATE registrations SET state = ?4, closed_at = ?1, closed_reason = ?2, updated_at = ?1,
                    sync_state = CASE WHEN sync_state = 'conflicto' THEN 'sincronizado' ELSE sync_state END
              WHERE id = ?3",
        )
        .bind(db_time(now))
        .bind(&reason)
        .bind(&registration.id)
        .bind(RegistrationState::Cancelled)
        .execute(&mut *tx)
        .await?;
        if !sync::queue::held_back(&mut tx, &registration.id).await? {
            sync::event(
                &mut tx,
                &registration.id,
                EventKind::Cancelled,
                json!({ "motivo": reason }),
                now,
            )
            .await?;
        } else {
            sync::queue::settle_conflict_by_cancelling(&mut tx, &registration.id).await?;
        }
        tokens::supersede_active(&mut tx, &registration.id).await?;
        cancel_unsent(&mut tx, &registration.id, None, now).await?;
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent {
                actor: &supervisor,
                action: "registro_cancelado",
                registration_id: Some(&registration.id),
                affiliation_number: Some(&registration.affiliation_number),
                detail: json!({ "folio": registration.folio, "motivo": reason, "capturista": clerk.username }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
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
        let settings = self.settings();
        let now = self.clock.now();
        let mut tx = self.store.writer().begin().await?;
        audit::record(
            &mut tx,
            &settings,
            now,
            AuditEvent {
                actor: &supervisor,
                action: "serie_revelada",
                registration_id: None,
                affiliation_number: Some(affiliation.as_str()),
                detail: json!({ "motivo": reason, "identificacion_revisada": true, "capturista": clerk.username }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(RevealedSerial {
            affiliation_number: entry.affiliation_number,
            credential_serial: entry.credential_serial,
            full_name: entry.full_name,
        })
    }

    /// Registrations never validated within the configured hours become `expirada`, which
    /// releases the identity. Runs before every check that depends on it, and on a timer.
    pub async fn expire_overdue(&self) -> Result<u64> {
        let settings = self.settings();
        let now = self.clock.now();
        let cutoff = now - Duration::hours(i64::from(settings.pending_expiry_hours));
        let reason = format!("sin validar en {} horas", settings.pending_expiry_hours);
        let mut tx = self.store.writer().begin().await?;
        let expired: Vec<(String, String, String)> = sqlx::query_as(
            "UPDATE registrations SET state = 'expirada', closed_at = ?1, closed_reason = ?2, updated_at = ?1
              WHERE state = 'pendiente_validacion' AND created_at < ?3
          RETURNING id, affiliation_number, folio",
        )
        .bind(db_time(now))
        .bind(&reason)
        .bind(db_time(cutoff))
        .fetch_all(&mut *tx)
        .await?;
        for (id, affiliation, folio) in &expired {
            cancel_unsent(&mut tx, id, None, now).await?;
            sync::event(
                &mut tx,
                id,
                EventKind::Expired,
                json!({ "motivo": reason }),
                now,
            )
            .await?;
            audit::record(
                &mut tx,
                &settings,
                now,
                AuditEvent {
                    actor: SYSTEM_ACTOR,
                    action: "registro_expirado",
                    registration_id: Some(id),
                    affiliation_number: Some(affiliation),
                    detail: json!({ "folio": folio, "horas": settings.pending_expiry_hours }),
                },
            )
            .await?;
        }
        tx.commit().await?;
        if !expired.is_empty() {
            tracing::info!(count = expired.len(), "pending registrations expired");
        }
        Ok(expired.len() as u64)
    }
}
