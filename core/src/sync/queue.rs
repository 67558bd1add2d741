//! The sync queue: every local write the institute must know about appends a row here in
//! the same transaction, and the push takes them in order.

use super::entity::Entity;
use super::payload::{EventPayload, Synced};
use crate::domain::{EventKind, QueueState, SyncState};
use crate::error::{Error, Result};
use crate::store::{Store, db_time};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::SqliteConnection;

/// A queued row, as the push claims it (from a JSON array: `[seq, entity,
/// registration_id, payload]`).
#[derive(serde::Deserialize)]
pub(crate) struct QueueRow {
    pub(crate) seq: i64,
    pub(crate) entity: Entity,
    pub(crate) registration_id: Option<String>,
    pub(crate) payload: Value,
}

/// Queues `row` for the push, inside the caller's transaction. The registration it
/// belongs to is no longer in sync until it goes up.
pub(crate) async fn share<R: Synced>(
    conn: &mut SqliteConnection,
    row: &R,
    now: DateTime<Utc>,
) -> Result<()> {
    let payload = serde_json::to_value(row)
        .map_err(|e| Error::Internal(format!("sync payload {}: {e}", R::ENTITY)))?;
    // One call to the driver's thread for the three statements (each call is a trip to
    // its thread and back, the largest cost of a registration: README, «Mediciones»).
    // The payload goes apart from the row's state (migrations/sqlite/…_sync_queue_payloads.sql),
    // and only for a row really added (`changes()` of the queue's INSERT): a row already
    // queued keeps the payload it has. A row of no registration matches no `id = NULL`.
    sqlx::query(
        "INSERT INTO sync_queue (id, entity, registration_id, created_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING;
         INSERT INTO sync_payloads (seq, payload) SELECT last_insert_rowid(), ?5 WHERE changes() = 1;
         UPDATE registrations SET sync_state = ?6, sync_error = NULL
          WHERE id = ?3 AND sync_state IN (?7, ?8);",
    )
    .bind(row.queue_id())
    .bind(R::ENTITY)
    .bind(row.registration_id())
    .bind(db_time(row.queued_at(now)))
    .bind(payload.to_string())
    .bind(SyncState::Pending)
    .bind(SyncState::Synced)
    .bind(SyncState::Error)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An event for a registration (its own UUID), applied centrally by the database.
pub(crate) async fn event(
    conn: &mut SqliteConnection,
    registration_id: &str,
    kind: EventKind,
    payload: Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let event = EventPayload {
        id: uuid::Uuid::new_v4().to_string(),
        registration_id: registration_id.to_owned(),
        kind,
        payload,
        occurred_at: now,
    };
    share(conn, &event, now).await
}

/// A record whose upload is in flight is frozen: desk actions on it wait.
pub(crate) async fn ensure_not_uploading(store: &Store, registration_id: &str) -> Result<()> {
    let uploading: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_queue WHERE registration_id = ? AND state = ?",
    )
    .bind(registration_id)
    .bind(QueueState::Sending)
    .fetch_one(store.reader())
    .await?;
    if uploading > 0 {
        return Err(Error::RecordUploading);
    }
    Ok(())
}

/// Whether the registration's rows are held back by a conflict with the central database.
pub(crate) async fn held_back(conn: &mut SqliteConnection, registration_id: &str) -> Result<bool> {
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_queue WHERE registration_id = ? AND state = ?",
    )
    .bind(registration_id)
    .bind(QueueState::Held)
    .fetch_one(conn)
    .await?;
    Ok(held > 0)
}

/// A registration held in conflict and cancelled here was never accepted centrally:
/// nothing to cancel there, and the local evidence stays. Its audit trail still goes (no
/// registration is needed centrally for that).
pub(crate) async fn settle_conflict_by_cancelling(
    conn: &mut SqliteConnection,
    registration_id: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE sync_queue
            SET state = CASE WHEN entity = ?2 THEN ?3 ELSE ?4 END,
                last_error = 'conflicto resuelto: cancelado en ventanilla'
          WHERE registration_id = ?1 AND state IN (?5, ?3, ?6)",
    )
    .bind(registration_id)
    .bind(Entity::Audit)
    .bind(QueueState::Pending)
    .bind(QueueState::Synced)
    .bind(QueueState::Held)
    .bind(QueueState::Error)
    .execute(conn)
    .await?;
    Ok(())
}

/// A conflicting registration goes up again (say, the other office cancelled theirs).
pub(crate) async fn release_held(conn: &mut SqliteConnection, registration_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE registrations SET sync_state = ?, sync_error = NULL WHERE id = ? AND sync_state = ?",
    )
    .bind(SyncState::Pending)
    .bind(registration_id)
    .bind(SyncState::Conflict)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE sync_queue SET state = ? WHERE registration_id = ? AND state = ?")
        .bind(QueueState::Pending)
        .bind(registration_id)
        .bind(QueueState::Held)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
