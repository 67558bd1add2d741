//! Registrations never validated in time expire, which releases the affiliate's identity
//! (nobody can squat it).

use crate::desk::Desk;
use crate::domain::{EventKind, RegistrationState};
use crate::error::Result;
use crate::outbox::cancel_unsent;
use crate::store::db_time;
use crate::work::{Actor, Subject};
use chrono::Duration;
use serde_json::json;

impl Desk {
    /// Registrations never validated within the configured hours become `expirada`, which
    /// releases the identity. Runs before every check that depends on it, and on a timer.
    pub async fn expire_overdue(&self) -> Result<u64> {
        let mut work = self.work(Actor::System).await?;
        let (now, hours) = (work.now(), work.settings().pending_expiry_hours);
        let cutoff = now - Duration::hours(i64::from(hours));
        let reason = format!("sin validar en {hours} horas");
        // The state in WHERE stays literal (RegistrationState::PendingValidation): SQLite
        // uses the partial index `registrations_pending_by_age` only for this text.
        let expired: Vec<(String, String, String)> = sqlx::query_as(
            "UPDATE registrations SET state = ?4, closed_at = ?1, closed_reason = ?2, updated_at = ?1
              WHERE state = 'pendiente_validacion' AND created_at < ?3
          RETURNING id, affiliation_number, folio",
        )
        .bind(db_time(now))
        .bind(&reason)
        .bind(db_time(cutoff))
        .bind(RegistrationState::Expired)
        .fetch_all(work.conn())
        .await?;
        for (id, affiliation, folio) in &expired {
            cancel_unsent(work.conn(), id, None, now).await?;
            work.event(id, EventKind::Expired, json!({ "motivo": reason }))
                .await?;
            work.audit(
                "registro_expirado",
                Subject::Registration { id, affiliation },
                json!({ "folio": folio, "horas": hours }),
            )
            .await?;
        }
        work.commit().await?;
        if !expired.is_empty() {
            tracing::info!(count = expired.len(), "pending registrations expired");
        }
        Ok(expired.len() as u64)
    }
}
