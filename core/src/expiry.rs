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

/// Whether any registration pending validation was created before `?1`.
const ANY_OVERDUE: &str = "SELECT EXISTS (SELECT 1 FROM registrations
                                         WHERE state = 'pendiente_validacion' AND created_at < ?1)";

impl Desk {
    /// Registrations never validated within the configured hours become `expirada`, which
    /// releases the identity. Runs before every check that depends on it, and on a timer.
    pub async fn expire_overdue(&self) -> Result<u64> {
        let (now, hours) = (self.clock.now(), self.settings().pending_expiry_hours);
        let cutoff = now - Duration::hours(i64::from(hours));
        // The state in WHERE stays literal (RegistrationState::PendingValidation): SQLite
        // uses the partial index `registrations_pending_by_age` only for this text.
        // Almost always nothing is overdue: a look on a reader first spares every
        // registration a write transaction of its own (two trips to the writer's thread).
        let any_overdue: bool = sqlx::query_scalar(ANY_OVERDUE)
            .bind(db_time(cutoff))
            .fetch_one(self.store.reader())
            .await?;
        if !any_overdue {
            return Ok(0);
        }
        let mut work = self.work_at(Actor::System, now).await?;
        let reason = format!("sin validar en {hours} horas");
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The look before every registration reads the small partial index of pending
    /// registrations, never the whole table.
    #[tokio::test]
    async fn the_look_for_overdue_registrations_reads_only_the_pending_ones() {
        let plan = crate::store::query_plan(ANY_OVERDUE).await;
        assert!(
            plan.iter()
                .any(|step| step.contains("INDEX registrations_pending_by_age")),
            "{plan:#?}"
        );
    }
}
