//! The affiliate's rights of cancellation and opposition, and the end of the retention
//! period: the registration's contact data are erased here and, by an event, centrally.
//! Retention runs by itself ([`Desk::apply_retention`], from the app's maintenance
//! round) over registrations closed longer than the setting's years.
//!
//! What is erased: the email and the phone, the account (its password hash), the emails'
//! recipients, subjects and bodies, and the same values in every change still queued for
//! the central database or kept after it went up. What is kept, because it is the
//! institute's evidence: the folio, the affiliation number, the dates and states, every
//! consent with the version and hash of its text, and the audit trail (which only ever
//! holds masked values).

use crate::desk::Desk;
use crate::domain::{EventKind, RegistrationState, SupervisorApproval, require_reason};
use crate::error::{Error, Result};
use crate::outbox::cancel_unsent;
use crate::store::db_time;
use crate::store::rows::RegistrationRow;
use crate::sync;
use crate::tokens;
use crate::work::{Actor, Subject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::SqliteConnection;

/// Which right the affiliate exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErasureRight {
    /// Cancelación: the data are no longer needed for the service.
    Cancellation,
    /// Oposición: the affiliate objects to their processing.
    Opposition,
}

impl ErasureRight {
    fn as_str(self) -> &'static str {
        match self {
            Self::Cancellation => "cancelacion",
            Self::Opposition => "oposicion",
        }
    }
}

/// What the clerk sees once the data are erased.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasureDone {
    pub registration_id: String,
    pub folio: String,
    /// The registration was live and is now cancelled too.
    pub cancelled: bool,
}

impl Desk {
    /// Erases a registration's contact data at the affiliate's request (cancellation or
    /// opposition), approved by a supervisor with the reason. A live registration is
    /// cancelled first: its account, links and unsent emails stop.
    pub async fn erase_personal_data(
        &self,
        registration_id: &str,
        right: ErasureRight,
        approval: &SupervisorApproval,
        reason: &str,
    ) -> Result<ErasureDone> {
        let clerk = self.current_clerk()?;
        let reason = require_reason(reason)?;
        self.expire_overdue().await?;
        let registration = RegistrationRow::by_id(self.store.reader(), registration_id).await?;
        if registration.email.is_empty() && registration.phone_e164.is_empty() {
            return Err(Error::PersonalDataErased {
                folio: registration.folio,
            });
        }
        sync::queue::ensure_not_uploading(&self.store, &registration.id).await?;
        let supervisor = self.approve(approval).await?;
        let mut work = self.work(Actor::Staff(supervisor)).await?;
        let now = work.now();
        let cancelled = registration.state.is_live();
        // A registration held back by a conflict never reached the central database and
        // now never will: nothing to erase there.
        let never_central = cancelled
            && work
                .cancel(
                    &registration.id,
                    &format!("Solicitud de {}: {reason}", spanish(right)),
                )
                .await?;
        erase(work.conn(), &registration.id, now).await?;
        if !never_central {
            work.event(
                &registration.id,
                EventKind::PersonalDataErased,
                json!({ "derecho": right.as_str(), "motivo": reason }),
            )
            .await?;
        }
        work.audit(
            "datos_personales_suprimidos",
            Subject::of(&registration),
            json!({
                "folio": registration.folio,
                "derecho": right.as_str(),
                "motivo": reason,
                "cancelado": cancelled,
                "capturista": clerk.username,
            }),
        )
        .await?;
        work.commit().await?;
        // The erased values are overwritten in the file (secure_delete); this takes them
        // out of the write-ahead log too.
        self.store.forget_erased().await;
        Ok(ErasureDone {
            registration_id: registration.id,
            folio: registration.folio,
            cancelled,
        })
    }
}

/// At most this many registrations per round, so one round never holds the write lock
/// for long; the next round takes the rest.
const RETENTION_BATCH: i64 = 200;

impl Desk {
    /// Erases the contact data of registrations that closed (cancelled or expired) more
    /// than `retention_years` ago, as the integral notice promises; returns how many. One
    /// audit entry per round that erased any, from the station.
    pub async fn apply_retention(&self) -> Result<u32> {
        let settings = self.settings();
        let now = self.clock.now();
        let years = settings.retention_years.max(1);
        let Some(cutoff) = now.checked_sub_months(chrono::Months::new(years * 12)) else {
            return Ok(0);
        };
        // Rows in upload are left to the next round: the push owns them until it ends.
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT r.id FROM registrations r
              WHERE r.state IN (?1, ?2) AND r.personal_data_erased_at IS NULL
                AND r.closed_at < ?3
                AND NOT EXISTS (SELECT 1 FROM sync_queue q
                                 WHERE q.registration_id = r.id AND q.state = 'enviando')
              ORDER BY r.closed_at LIMIT ?4",
        )
        .bind(RegistrationState::Cancelled)
        .bind(RegistrationState::Expired)
        .bind(db_time(cutoff))
        .bind(RETENTION_BATCH)
        .fetch_all(self.store.reader())
        .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut work = self.work_at(Actor::System, now).await?;
        for id in &due {
            erase(work.conn(), id, now).await?;
            work.event(
                id,
                EventKind::PersonalDataErased,
                json!({ "derecho": "conservacion_concluida", "anos": years }),
            )
            .await?;
        }
        let erased = u32::try_from(due.len()).unwrap_or(u32::MAX);
        work.audit(
            "conservacion_concluida",
            Subject::Station,
            json!({ "registros": erased, "anos": years }),
        )
        .await?;
        work.commit().await?;
        self.store.forget_erased().await;
        tracing::info!(
            erased,
            years,
            "retention: contact data of closed registrations erased"
        );
        Ok(erased)
    }
}

fn spanish(right: ErasureRight) -> &'static str {
    match right {
        ErasureRight::Cancellation => "cancelación",
        ErasureRight::Opposition => "oposición",
    }
}

/// Erases one registration's contact data everywhere on this station, in the caller's
/// transaction. Its active links and codes stop and its unsent emails are cancelled.
pub(crate) async fn erase(
    conn: &mut SqliteConnection,
    registration_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tokens::supersede_active(conn, registration_id).await?;
    cancel_unsent(conn, registration_id, None, now).await?;
    sqlx::query(
        "UPDATE registrations SET email = '', phone_e164 = '', personal_data_erased_at = ?1,
                updated_at = ?1
          WHERE id = ?2",
    )
    .bind(db_time(now))
    .bind(registration_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM accounts WHERE registration_id = ?")
        .bind(registration_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE outbox_messages
            SET recipient = '', subject = '', body_text = '', body_html = '', secrets = NULL,
                last_error = NULL
          WHERE registration_id = ?",
    )
    .bind(registration_id)
    .execute(&mut *conn)
    .await?;
    // The same values in the changes for the central database, sent or not: the row as
    // queued, the email and phone corrections, and the account a desk validation carries.
    sqlx::query(
        "UPDATE sync_payloads
            SET payload = json_replace(payload, '$.email', '', '$.phone_e164', '',
                                       '$.password_hash', '',
                                       '$.payload.email', '', '$.payload.telefono', '',
                                       '$.payload.cuenta.password_hash', '')
          WHERE seq IN (SELECT seq FROM sync_queue WHERE registration_id = ?)",
    )
    .bind(registration_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
