//! The central service's outbox: the temporary-password emails. Several instances share
//! it safely: each claims rows with `FOR UPDATE SKIP LOCKED`. Like the desk's, a message
//! whose delivery was interrupted is not resent by itself (`incierto`).

use crate::Config;
use chrono::{DateTime, Utc};
use registro_core::domain::{AttemptOutcome, EmailKind, EmailState};
use registro_core::outbox::{DeliveryFailure, Stored, Transport, backoff, compose};
use sqlx::PgPool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;

fn waker() -> &'static Notify {
    static WAKE: OnceLock<Notify> = OnceLock::new();
    WAKE.get_or_init(Notify::new)
}

/// A message was queued: deliver now rather than at the next tick.
pub fn wake() {
    waker().notify_one();
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: uuid::Uuid,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    secrets: Option<serde_json::Value>,
    message_id: String,
    attempts: i32,
}

pub async fn run(pool: PgPool, transport: Transport, config: Arc<Config>) {
    loop {
        if let Err(e) = recover(&pool).await {
            tracing::warn!(error = %e, "outbox: recovery failed");
        }
        match deliver_due(&pool, &transport, &config).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(handled = n, "central outbox round"),
            Err(e) => tracing::warn!(error = %e, "central outbox round failed"),
        }
        tokio::select! {
            _ = waker().notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(10)) => {}
        }
    }
}

/// Claims that outlived their lease belong to a stopped instance: mark them uncertain.
async fn recover(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox_messages SET state = $1 WHERE state = $2 AND claimed_until < now()")
        .bind(EmailState::Uncertain)
        .bind(EmailState::Sending)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn deliver_due(
    pool: &PgPool,
    transport: &Transport,
    config: &Config,
) -> Result<usize, sqlx::Error> {
    let mut handled = 0;
    loop {
        let claimed: Vec<Claimed> = sqlx::query_as(
            "UPDATE outbox_messages SET state = $1, attempts = attempts + 1,
                    claimed_until = now() + interval '5 minutes'
              WHERE id IN (SELECT id FROM outbox_messages
                            WHERE state = $2 AND next_attempt_at <= now()
                            ORDER BY next_attempt_at LIMIT 10 FOR UPDATE SKIP LOCKED)
          RETURNING id, recipient, subject, body_text, body_html, secrets, message_id, attempts",
        )
        .bind(EmailState::Sending)
        .bind(EmailState::Queued)
        .fetch_all(pool)
        .await?;
        if claimed.is_empty() {
            return Ok(handled);
        }
        // After the server refuses the service itself, the rest of the batch goes back
        // untried: each would meet the same refusal.
        let mut refused: Option<String> = None;
        for m in claimed {
            if let Some(e) = &refused {
                let outcome = Err(DeliveryFailure::Station(e.clone()));
                record(pool, &m, outcome, config.outbox_max_attempts, Utc::now()).await?;
                continue;
            }
            let secrets = m.secrets.as_ref().map(|s| s.to_string());
            let outcome = match compose(
                &config.sender_name,
                &config.sender_address,
                &Stored {
                    recipient: &m.recipient,
                    subject: &m.subject,
                    body_text: &m.body_text,
                    body_html: &m.body_html,
                    secrets: secrets.as_deref(),
                    message_id: &m.message_id,
                },
            ) {
                Ok(message) => transport.send(message).await,
                Err(e) => Err(DeliveryFailure::Permanent(e)),
            };
            if let Err(DeliveryFailure::Station(e)) = &outcome {
                refused = Some(e.clone());
            }
            record(pool, &m, outcome, config.outbox_max_attempts, Utc::now()).await?;
            handled += 1;
        }
    }
}

async fn record(
    pool: &PgPool,
    m: &Claimed,
    outcome: Result<(), DeliveryFailure>,
    max_attempts: i32,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let (attempt, detail) = match &outcome {
        Ok(()) => (AttemptOutcome::Sent, None),
        Err(DeliveryFailure::Temporary(e)) => (AttemptOutcome::TemporaryError, Some(e.clone())),
        Err(DeliveryFailure::Permanent(e)) => (AttemptOutcome::PermanentError, Some(e.clone())),
        Err(DeliveryFailure::Station(e)) => (AttemptOutcome::TemporaryError, Some(e.clone())),
    };
    sqlx::query("INSERT INTO outbox_attempts (message_id, attempted_at, outcome, detail) VALUES ($1, $2, $3, $4)")
        .bind(m.id)
        .bind(now)
        .bind(attempt)
        .bind(&detail)
        .execute(&mut *tx)
        .await?;
    match outcome {
        Ok(()) => {
            sqlx::query(
                "UPDATE outbox_messages SET state = $1, sent_at = $2, secrets = NULL, last_error = NULL
                  WHERE id = $3",
            )
            .bind(EmailState::Sent)
            .bind(now)
            .bind(m.id)
            .execute(&mut *tx)
            .await?;
            tracing::info!(outbox_id = %m.id, "central email delivered");
        }
        Err(DeliveryFailure::Permanent(e)) => {
            abandon(&mut tx, m.id, &e).await?;
        }
        Err(DeliveryFailure::Station(e)) => {
            // The server refused the service itself (its password, say): every message
            // waits, attempts intact, and is tried again in a few minutes.
            sqlx::query(
                "UPDATE outbox_messages SET state = $1, last_error = $2, next_attempt_at = $3,
                        attempts = attempts - 1
                  WHERE id = $4",
            )
            .bind(EmailState::Queued)
            .bind(&e)
            .bind(now + chrono::Duration::minutes(5))
            .bind(m.id)
            .execute(&mut *tx)
            .await?;
            tracing::warn!(outbox_id = %m.id, "the SMTP server refused the central service; emails wait");
        }
        Err(DeliveryFailure::Temporary(e)) if m.attempts >= max_attempts => {
            abandon(&mut tx, m.id, &e).await?;
        }
        Err(DeliveryFailure::Temporary(e)) => {
            sqlx::query("UPDATE outbox_messages SET state = $1, last_error = $2, next_attempt_at = $3 WHERE id = $4")
                .bind(EmailState::Queued)
                .bind(&e)
                .bind(now + backoff(i64::from(m.attempts)))
                .bind(m.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await
}

async fn abandon(
    tx: &mut sqlx::PgConnection,
    id: uuid::Uuid,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox_messages SET state = $1, secrets = NULL, last_error = $2 WHERE id = $3",
    )
    .bind(EmailState::Abandoned)
    .bind(error)
    .bind(id)
    .execute(tx)
    .await?;
    tracing::warn!(outbox_id = %id, "central email abandoned");
    Ok(())
}

/// Queues the email carrying a temporary password; the password itself travels in the
/// message's secrets, erased once sent.
pub(crate) async fn queue_temporary_password(
    tx: &mut sqlx::PgConnection,
    registration_id: uuid::Uuid,
    recipient: &str,
    rendered: &registro_core::emails::RenderedEmail,
    password: String,
    sender_address: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    queue(
        tx,
        Queued {
            registration_id,
            kind: EmailKind::TemporaryPassword,
            recipient,
            rendered,
            secrets: &[(registro_core::emails::PASSWORD_PLACEHOLDER, password)],
        },
        sender_address,
        now,
    )
    .await
}

/// An email for the central outbox; what replaces each placeholder travels in `secrets`.
pub(crate) struct Queued<'a> {
    pub registration_id: uuid::Uuid,
    pub kind: EmailKind,
    pub recipient: &'a str,
    pub rendered: &'a registro_core::emails::RenderedEmail,
    pub secrets: &'a [(&'static str, String)],
}

pub(crate) async fn queue(
    tx: &mut sqlx::PgConnection,
    email: Queued<'_>,
    sender_address: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    let outbox_id = uuid::Uuid::new_v4();
    let domain = sender_address
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d);
    sqlx::query(
        "INSERT INTO outbox_messages (id, registration_id, kind, recipient, subject, body_text, body_html,
                                      secrets, message_id, state, next_attempt_at, created_at)
         VALUES ($1, $2, $10, $3, $4, $5, $6, $7::jsonb, $8, $11, $9, $9)",
    )
    .bind(outbox_id)
    .bind(email.registration_id)
    .bind(email.recipient)
    .bind(&email.rendered.subject)
    .bind(&email.rendered.text)
    .bind(&email.rendered.html)
    .bind(registro_core::outbox::encode_secrets_json(email.secrets))
    .bind(format!("<{outbox_id}@{domain}>"))
    .bind(now)
    .bind(email.kind)
    .bind(EmailState::Queued)
    .execute(tx)
    .await?;
    Ok(())
}

/// Who gets a replacement temporary password.
pub(crate) struct PasswordHolder<'a> {
    pub registration_id: uuid::Uuid,
    pub folio: &'a str,
    pub affiliation_number: &'a str,
    pub email: &'a str,
    pub full_name: Option<&'a str>,
}

/// A new temporary password, from now the account's only one, in an email that says it
/// replaces the earlier ones: a registration validated twice, or an email resent by the
/// administrator after its password was erased.
pub(crate) async fn replace_temporary_password(
    tx: &mut sqlx::PgConnection,
    holder: &PasswordHolder<'_>,
    config: &Config,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), registro_core::Error> {
    let password = registro_core::security::new_temporary_password();
    let to_hash = password.clone();
    let hash =
        tokio::task::spawn_blocking(move || registro_core::security::hash_password(&to_hash))
            .await
            .map_err(|e| registro_core::Error::Internal(format!("hashing: {e}")))??;
    let rendered = registro_core::emails::TemporaryPasswordEmail {
        name: holder.full_name.unwrap_or("afiliada o afiliado"),
        folio: holder.folio,
        username: holder.affiliation_number,
        replaces_earlier: true,
    }
    .render_with_sign_in(Some(&config.sign_in_url))?;
    sqlx::query(
        "UPDATE accounts SET password_hash = $2, must_change_password = TRUE, password_set_at = $3
          WHERE registration_id = $1",
    )
    .bind(holder.registration_id)
    .bind(&hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    queue_temporary_password(
        tx,
        holder.registration_id,
        holder.email,
        &rendered,
        password,
        &config.sender_address,
        now,
    )
    .await?;
    Ok(())
}
