//! The email outbox: messages are written in the same transaction as what caused them,
//! and a background worker hands them to the transport afterwards.
//!
//! States: `en_cola` → `enviando` → `enviado`, or back to `en_cola` with the error and the
//! next attempt time, or `abandonado` after too many attempts or a permanent refusal.

mod compose;
mod transport;
mod worker;

use crate::domain::EmailKind;
use crate::domain::EmailState;
pub use compose::{Stored, compose, encode_secrets_json};
pub use transport::{DeliveryFailure, Transport};
pub use worker::{DeliveryRound, OutboxWorker, backoff};

use crate::config::Settings;
use crate::emails::RenderedEmail;
use crate::error::Result;
use crate::store::{Store, db_time};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;

/// What the clerk sees after an action that sends an email.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EmailSent {
    pub registration_id: String,
    pub folio: String,
    pub email_masked: String,
    /// Until when the new link and code work (validation emails sent from this station;
    /// `None` for one the central service sends).
    pub expires_at: Option<DateTime<Utc>>,
}

pub struct NewEmail<'a> {
    pub registration_id: &'a str,
    pub kind: EmailKind,
    pub recipient: &'a str,
    pub rendered: RenderedEmail,
    /// Plaintexts the body refers to by placeholder, as (placeholder, secret); erased
    /// from the database once the message is delivered or abandoned.
    pub secrets: Vec<(&'static str, String)>,
}

/// Queues an email inside the caller's transaction. Returns the outbox id.
pub async fn enqueue(
    conn: &mut SqliteConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    email: NewEmail<'_>,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    // A Message-ID fixed at queue time lets a receiving server or a reader tell a resend
    // of the same message apart from a new one.
    let domain = settings
        .sender_address
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d);
    let message_id = format!("<{id}@{domain}>");
    sqlx::query(
        "INSERT INTO outbox_messages (id, registration_id, kind, recipient, subject, body_text,
                                      body_html, secrets, message_id, state, next_attempt_at,
                                      created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(email.registration_id)
    .bind(email.kind)
    .bind(email.recipient)
    .bind(&email.rendered.subject)
    .bind(&email.rendered.text)
    .bind(&email.rendered.html)
    .bind(encode_secrets_json(&email.secrets))
    .bind(message_id)
    .bind(EmailState::Queued)
    .bind(db_time(now))
    .bind(db_time(now))
    .execute(conn)
    .await?;
    Ok(id)
}

/// Emails of the registration (of one kind, or all) that have not left yet are cancelled:
/// a newer one replaces them, or the registration is closed.
pub(crate) async fn cancel_unsent(
    conn: &mut SqliteConnection,
    registration_id: &str,
    kind: Option<EmailKind>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox_messages
            SET state = ?4, secrets = NULL, last_error = 'reemplazado o cancelado antes de salir',
                scrubbed_at = CASE WHEN secrets IS NOT NULL THEN ?1 END
          WHERE registration_id = ?2 AND state IN (?5, ?6)
            AND (?3 IS NULL OR kind = ?3)",
    )
    .bind(db_time(now))
    .bind(registration_id)
    .bind(kind)
    .bind(EmailState::Cancelled)
    .bind(EmailState::Queued)
    .bind(EmailState::Uncertain)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub queued: i64,
    pub sent: i64,
    pub abandoned: i64,
    /// Interrupted mid-delivery: maybe delivered, never resent by itself.
    pub uncertain: i64,
    pub oldest_queued_at: Option<DateTime<Utc>>,
    /// The server's last answer to the waiting emails, in Spanish with its own words.
    pub waiting_because: Option<String>,
}

pub async fn counts(store: &Store) -> Result<OutboxCounts> {
    let (queued, sent, abandoned, uncertain, oldest): (i64, i64, i64, i64, Option<DateTime<Utc>>) =
        sqlx::query_as(
            "SELECT coalesce(sum(state IN (?1, ?2)), 0),
                    coalesce(sum(state = ?3), 0),
                    coalesce(sum(state = ?4), 0),
                    coalesce(sum(state = ?5), 0),
                    min(CASE WHEN state IN (?1, ?2) THEN created_at END)
               FROM outbox_messages",
        )
        .bind(EmailState::Queued)
        .bind(EmailState::Sending)
        .bind(EmailState::Sent)
        .bind(EmailState::Abandoned)
        .bind(EmailState::Uncertain)
        .fetch_one(store.reader())
        .await?;
    // Why the emails wait, if the server said: the next one due carries its last answer.
    let waiting_because: Option<String> = sqlx::query_scalar(
        "SELECT last_error FROM outbox_messages
          WHERE state = ? AND last_error IS NOT NULL ORDER BY next_attempt_at LIMIT 1",
    )
    .bind(EmailState::Queued)
    .fetch_optional(store.reader())
    .await?;
    Ok(OutboxCounts {
        queued,
        sent,
        abandoned,
        uncertain,
        oldest_queued_at: oldest,
        waiting_because,
    })
}

/// An email a clerk must look at: it could not be delivered (`abandonado`), its delivery
/// was interrupted (`incierto`), or it still waits after `max_attempts` failed attempts
/// (the server has been down or refusing for a while); it is the newest of its kind for
/// its registration, and
/// that registration still needs it (a validation email while pending, a temporary
/// password while the account is open). Once a newer email replaces it, it needs nobody.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct NeedsAttention {
    pub id: String,
    pub registration_id: String,
    pub folio: String,
    pub kind: EmailKind,
    pub state: EmailState,
    pub recipient: String,
    pub created_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// Every email needing attention (see [`NeedsAttention`]), oldest first, at most `limit`.
pub(crate) async fn needing_attention(
    store: &Store,
    limit: i64,
    max_attempts: u32,
) -> Result<Vec<NeedsAttention>> {
    use crate::domain::RegistrationState;
    Ok(sqlx::query_as(
        "SELECT m.id, m.registration_id, r.folio, m.kind, m.state, m.recipient, m.created_at,
                m.last_error
           FROM outbox_messages m
           JOIN registrations r ON r.id = m.registration_id
          WHERE (m.state IN (?1, ?2) OR (m.state = ?9 AND m.attempts >= ?10))
            AND NOT EXISTS (SELECT 1 FROM outbox_messages n
                             WHERE n.registration_id = m.registration_id AND n.kind = m.kind
                               AND (n.created_at, n.rowid) > (m.created_at, m.rowid))
            AND ((m.kind = ?3 AND r.state = ?4) OR (m.kind = ?5 AND r.state IN (?6, ?7)))
          ORDER BY m.created_at, m.rowid
          LIMIT ?8",
    )
    .bind(EmailState::Abandoned)
    .bind(EmailState::Uncertain)
    .bind(EmailKind::Validation)
    .bind(RegistrationState::PendingValidation)
    .bind(EmailKind::TemporaryPassword)
    .bind(RegistrationState::Validated)
    .bind(RegistrationState::Active)
    .bind(limit)
    .bind(EmailState::Queued)
    .bind(i64::from(max_attempts))
    .fetch_all(store.reader())
    .await?)
}
