//! The desk's actions on a registration made at another station, found by «Buscar» in the
//! central database. A new validation email and a new temporary password are requests the
//! central service carries out (`central/src/desk_requests.rs`): the email goes from the
//! institute's sender to the address on record, for a registration of any office.
//! Correcting the email and cancelling are the office's own: events the central database
//! applies to a registration of this office only, as if its own station had sent them.
//! Each is audited centrally with who asked, where and why; the station that made the
//! registration learns the outcome at its next sync.

use crate::desk::Desk;
use crate::domain::{EmailAddress, RegistrationState, SupervisorApproval, require_reason};
use crate::error::{Error, Result};
use crate::outbox::EmailSent;
use crate::sync::{Central, CentralQuery, RegistrationElsewhere};
use serde_json::json;

/// The kinds of request the central service carries out (`desk_requests.kind`).
const RESEND_VALIDATION: &str = "reenviar_validacion";
const NEW_TEMPORARY_PASSWORD: &str = "contrasena_temporal";

impl Desk {
    /// Asks the central service to send a new validation email to the address on record.
    /// Its link expires when the registration does; the earlier links stop working.
    pub async fn request_validation_email_elsewhere(
        &self,
        registration_id: &str,
    ) -> Result<EmailSent> {
        let clerk = self.current_clerk()?;
        let (central, registration) = self.elsewhere(registration_id).await?;
        require_pending(&registration)?;
        request(
            &central,
            &registration,
            RESEND_VALIDATION,
            &clerk.username,
            self,
            None,
        )
        .await?;
        Ok(sent(&registration, &registration.email))
    }

    /// Asks the central service to replace the account's temporary password and email the
    /// new one to the address on record.
    pub async fn request_temporary_password_elsewhere(
        &self,
        registration_id: &str,
        reason: &str,
    ) -> Result<EmailSent> {
        let clerk = self.current_clerk()?;
        let reason = require_reason(reason)?;
        let (central, registration) = self.elsewhere(registration_id).await?;
        if !registration.has_account || !registration.state.has_account() {
            return Err(Error::NotValidated {
                folio: registration.folio,
            });
        }
        request(
            &central,
            &registration,
            NEW_TEMPORARY_PASSWORD,
            &clerk.username,
            self,
            Some(&reason),
        )
        .await?;
        Ok(sent(&registration, &registration.email))
    }

    /// Corrects the email of a pending registration of this office made at another
    /// station, and asks for a validation email to the new address.
    pub async fn correct_email_elsewhere(
        &self,
        registration_id: &str,
        email: &str,
        confirmation: &str,
        suggestion_declined: bool,
    ) -> Result<EmailSent> {
        let clerk = self.current_clerk()?;
        let typed = EmailAddress::parse_typed_twice(email, confirmation, suggestion_declined);
        let (central, registration) = self.elsewhere(registration_id).await?;
        require_own_office(&registration)?;
        require_pending(&registration)?;
        let new_email = typed.map_err(Error::Fields)?;
        new_email.require_change(&registration.email)?;
        let settings = self.settings();
        let mut tx = central.pool().begin().await.map_err(unreachable)?;
        insert_event(
            &mut tx,
            &registration,
            "correo_corregido",
            json!({ "email": new_email.as_str() }),
        )
        .await?;
        audit_centrally(
            &mut tx,
            &registration,
            "correo_corregido",
            &clerk.username,
            &settings,
            json!({
                "folio": registration.folio,
                "anterior": EmailAddress::mask_stored(&registration.email),
                "nuevo": new_email.masked(),
                "desde_otra_estacion": true,
            }),
        )
        .await?;
        call_request(
            &mut tx,
            &registration,
            RESEND_VALIDATION,
            &clerk.username,
            &settings,
            None,
        )
        .await?;
        tx.commit().await.map_err(unreachable)?;
        Ok(sent(&registration, new_email.as_str()))
    }

    /// Cancels a live registration of this office made at another station; a supervisor
    /// approves, with the reason.
    pub async fn cancel_elsewhere(
        &self,
        registration_id: &str,
        approval: &SupervisorApproval,
        reason: &str,
    ) -> Result<()> {
        let clerk = self.current_clerk()?;
        let reason = require_reason(reason)?;
        let (central, registration) = self.elsewhere(registration_id).await?;
        require_own_office(&registration)?;
        if registration.state.is_closed() {
            return Err(Error::RegistrationClosed {
                folio: registration.folio,
                state: registration.state,
            });
        }
        let supervisor = self.approve(approval).await?;
        let settings = self.settings();
        let mut tx = central.pool().begin().await.map_err(unreachable)?;
        insert_event(
            &mut tx,
            &registration,
            "cancelado",
            json!({ "motivo": reason }),
        )
        .await?;
        audit_centrally(
            &mut tx,
            &registration,
            "registro_cancelado",
            &supervisor,
            &settings,
            json!({
                "folio": registration.folio,
                "motivo": reason,
                "capturista": clerk.username,
                "desde_otra_estacion": true,
            }),
        )
        .await?;
        tx.commit().await.map_err(unreachable)?;
        Ok(())
    }

    /// The central database and the registration as it shows it to this office; the
    /// action is refused when the central database does not answer.
    async fn elsewhere(&self, registration_id: &str) -> Result<(Central, RegistrationElsewhere)> {
        let id = uuid::Uuid::parse_str(registration_id).map_err(|_| Error::RegistrationNotFound)?;
        let central = self
            .central_if_reachable()
            .ok_or(Error::CentralActionUnavailable)?;
        let found = central
            .search_across_stations(
                &CentralQuery {
                    id: Some(id),
                    ..CentralQuery::default()
                },
                1,
            )
            .await
            .map_err(unreachable_core)?;
        let registration = found
            .into_iter()
            .next()
            .ok_or(Error::RegistrationNotFound)?;
        if registration.personal_data_erased {
            return Err(Error::PersonalDataErased {
                folio: registration.folio,
            });
        }
        Ok((central, registration))
    }
}

fn require_pending(registration: &RegistrationElsewhere) -> Result<()> {
    if registration.state == RegistrationState::PendingValidation {
        Ok(())
    } else {
        Err(Error::NotPending {
            folio: registration.folio.clone(),
            state: registration.state,
        })
    }
}

fn require_own_office(registration: &RegistrationElsewhere) -> Result<()> {
    if registration.own_office {
        Ok(())
    } else {
        Err(Error::OtherOfficeRegistration {
            office: registration.office.clone(),
        })
    }
}

fn sent(registration: &RegistrationElsewhere, to: &str) -> EmailSent {
    EmailSent {
        registration_id: registration.registration_id.clone(),
        folio: registration.folio.clone(),
        // Another office's address arrives masked already.
        email_masked: EmailAddress::parse(to)
            .map(|e| e.masked())
            .unwrap_or_else(|_| to.to_owned()),
        expires_at: None,
    }
}

async fn request(
    central: &Central,
    registration: &RegistrationElsewhere,
    kind: &str,
    clerk: &str,
    desk: &Desk,
    reason: Option<&str>,
) -> Result<()> {
    let settings = desk.settings();
    let mut conn = central.pool().acquire().await.map_err(unreachable)?;
    call_request(&mut conn, registration, kind, clerk, &settings, reason).await
}

async fn call_request(
    conn: &mut sqlx::PgConnection,
    registration: &RegistrationElsewhere,
    kind: &str,
    clerk: &str,
    settings: &crate::config::Settings,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query("SELECT request_from_desk($1::uuid, $2, $3, $4, $5, $6, $7)")
        .bind(&registration.registration_id)
        .bind(kind)
        .bind(uuid::Uuid::new_v4())
        .bind(clerk)
        .bind(&settings.office)
        .bind(&settings.workstation)
        .bind(reason)
        .execute(conn)
        .await
        .map_err(|e| refused(e, registration))?;
    Ok(())
}

async fn insert_event(
    conn: &mut sqlx::PgConnection,
    registration: &RegistrationElsewhere,
    kind: &str,
    payload: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO registration_events (id, registration_id, kind, payload, occurred_at)
         VALUES ($1, $2::uuid, $3, $4, now())",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(&registration.registration_id)
    .bind(kind)
    .bind(payload)
    .execute(conn)
    .await
    .map_err(|e| refused(e, registration))?;
    Ok(())
}

async fn audit_centrally(
    conn: &mut sqlx::PgConnection,
    registration: &RegistrationElsewhere,
    action: &str,
    actor: &str,
    settings: &crate::config::Settings,
    detail: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number, clerk,
                                   office, workstation, detail)
         VALUES ($1, now(), $2, $3::uuid, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(action)
    .bind(&registration.registration_id)
    .bind(&registration.affiliation_number)
    .bind(actor)
    .bind(&settings.office)
    .bind(&settings.workstation)
    .bind(detail)
    .execute(conn)
    .await
    .map_err(|e| refused(e, registration))?;
    Ok(())
}

/// A refusal of `request_from_desk` in the clerk's words; a lost connection is the
/// central database not answering; anything else is logged and told as internal.
fn refused(e: sqlx::Error, registration: &RegistrationElsewhere) -> Error {
    if let sqlx::Error::Database(db) = &e
        && db.code().as_deref() == Some("P0001")
    {
        return match db.message() {
            "no_pendiente" => Error::NotPending {
                folio: registration.folio.clone(),
                state: registration.state,
            },
            "sin_cuenta" => Error::NotValidated {
                folio: registration.folio.clone(),
            },
            "muy_pronto" => Error::ResendTooSoon(60),
            _ => Error::RegistrationNotFound,
        };
    }
    unreachable(e)
}

fn unreachable(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            Error::CentralActionUnavailable
        }
        other => {
            tracing::error!(error = ?other, "central action failed");
            Error::Internal(format!("central: {other}"))
        }
    }
}

fn unreachable_core(e: Error) -> Error {
    match e {
        Error::Storage(e) => unreachable(e),
        other => other,
    }
}
