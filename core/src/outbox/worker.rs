//! The outbox worker: delivers queued emails, records every attempt, retries with
//! backoff and gives up into `abandonado`.

use super::compose::{Stored, compose};
use super::transport::{DeliveryFailure, Transport};
use crate::clock::Clock;
use crate::config::{Settings, SettingsProblem};
use crate::domain::token::validation_link;
use crate::domain::{AttemptOutcome, EmailKind, EmailState};
use crate::emails::escape_html;
use crate::error::Result;
use crate::store::{Store, db_time};
use chrono::Duration;
use lettre::Message;
use rand::Rng;
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRound {
    pub sent: u32,
    pub retried: u32,
    pub abandoned: u32,
    /// Put back untouched: the server refused the station (see `DeliveryFailure::Station`).
    pub waiting_for_settings: u32,
}

/// The audit action of a validation email accepted by a mail server (the central
/// `report_facts` function reads it by this name).
pub const VALIDATION_DELIVERED: &str = "correo_validacion_entregado";

/// How soon a message the server refused for the station's sake is tried again.
const STATION_RETRY: Duration = Duration::minutes(5);

/// Delivers queued emails; `wake` it after queueing one, or let the timer find it.
pub struct OutboxWorker {
    store: Store,
    /// Shared with the desk, which replaces it when the settings change.
    transport: Arc<RwLock<Transport>>,
    settings: Arc<RwLock<Settings>>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    /// While the saved settings are unusable the messages wait: sending them through the
    /// demo defaults would put the wrong sender and links in an affiliate's inbox.
    settings_problem: Arc<RwLock<Option<SettingsProblem>>>,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: String,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    secrets: Option<String>,
    message_id: String,
    attempts: i64,
}

impl OutboxWorker {
    pub fn new(
        store: Store,
        transport: Arc<RwLock<Transport>>,
        settings: Arc<RwLock<Settings>>,
        clock: Arc<dyn Clock>,
        wake: Arc<Notify>,
        settings_problem: Arc<RwLock<Option<SettingsProblem>>>,
    ) -> Self {
        Self {
            store,
            transport,
            settings,
            clock,
            wake,
            settings_problem,
        }
    }

    /// Runs until the process ends: a pass on start, then after each wake-up or timer tick.
    pub async fn run(self) {
        if let Err(e) = self.recover_interrupted().await {
            tracing::error!(error = ?e, "outbox: could not recover interrupted deliveries");
        }
        loop {
            let held = self
                .settings_problem
                .read()
                .expect("settings problem lock")
                .is_some();
            let round = if held {
                Ok(DeliveryRound::default())
            } else {
                self.deliver_due().await
            };
            match round {
                Ok(round) if round != DeliveryRound::default() => {
                    tracing::info!(
                        sent = round.sent,
                        retried = round.retried,
                        abandoned = round.abandoned,
                        "outbox round"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "outbox round failed"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_secs(15)) => {}
            }
        }
    }

    /// A crash between claiming and recording leaves rows in `enviando`. The message may
    /// already be in the affiliate's inbox, so it is not sent again by itself (that could
    /// deliver it twice): it becomes `incierto`, shown at the desk, where a resend is one
    /// click (and issues a fresh link and code).
    pub async fn recover_interrupted(&self) -> Result<u64> {
        Ok(
            sqlx::query("UPDATE outbox_messages SET state = ? WHERE state = ?")
                .bind(EmailState::Uncertain)
                .bind(EmailState::Sending)
                .execute(self.store.writer())
                .await?
                .rows_affected(),
        )
    }

    /// Delivers every message that is due now.
    pub async fn deliver_due(&self) -> Result<DeliveryRound> {
        let mut round = DeliveryRound::default();
        let transport = self.transport.read().expect("transport lock").clone();
        let held_by = self
            .settings
            .read()
            .expect("settings lock")
            .sending_held_by(
                transport.is_smtp(),
                crate::legal::profile_in_force()?.demostracion,
            );
        if !held_by.is_empty() {
            // An affiliate must never get the demo link or sender; the messages wait, with
            // no attempt spent, and the status bar says which setting to fix.
            tracing::warn!(
                ?held_by,
                "outbox held: demo settings on a station joined to the institute"
            );
            return Ok(round);
        }
        while let Some(claimed) = self.claim_next().await? {
            let outcome = match self.build(&claimed) {
                Ok(message) => transport.send(message).await,
                Err(e) => Err(DeliveryFailure::Permanent(e)),
            };
            let station_refused = matches!(outcome, Err(DeliveryFailure::Station(_)));
            self.record(&claimed, outcome, &mut round).await?;
            if station_refused {
                // The next message would meet the same refusal: stop until a round after
                // the settings change (or the server's password rotation) ends.
                break;
            }
        }
        if round.sent + round.abandoned > 0 {
            self.store.forget_erased().await;
        }
        Ok(round)
    }

    async fn claim_next(&self) -> Result<Option<Claimed>> {
        let now = db_time(self.clock.now());
        Ok(sqlx::query_as(
            "UPDATE outbox_messages SET state = ?1, attempts = attempts + 1
              WHERE id = (SELECT id FROM outbox_messages
                           WHERE state = ?2 AND next_attempt_at <= ?3
                           ORDER BY next_attempt_at, created_at LIMIT 1)
          RETURNING id, recipient, subject, body_text, body_html, secrets, message_id, attempts",
        )
        .bind(EmailState::Sending)
        .bind(EmailState::Queued)
        .bind(now)
        .fetch_optional(self.store.writer())
        .await?)
    }

    fn build(&self, m: &Claimed) -> std::result::Result<Message, String> {
        let settings = self.settings.read().expect("settings lock").clone();
        // A message written while the link still had the address the app ships with (a
        // station that worked alone, then joined the institute) leaves with the
        // institute's: sending waited for it (`Settings::sending_held_by`).
        let shipped = validation_link(&Settings::default().link_base_url, "");
        let current = validation_link(&settings.link_base_url, "");
        let (body_text, body_html) = if shipped == current {
            (m.body_text.clone(), m.body_html.clone())
        } else {
            (
                m.body_text.replace(&shipped, &current),
                m.body_html
                    .replace(&escape_html(&shipped), &escape_html(&current)),
            )
        };
        compose(
            &settings.sender_name,
            &settings.sender_address,
            &Stored {
                recipient: &m.recipient,
                subject: &m.subject,
                body_text: &body_text,
                body_html: &body_html,
                secrets: m.secrets.as_deref(),
                message_id: &m.message_id,
            },
        )
    }

    /// A validation email a server accepted becomes an audit event, which reaches the
    /// central database: the institute's reports measure the 10-minute promise by it.
    async fn note_validation_delivered(
        &self,
        tx: &mut sqlx::SqliteConnection,
        message: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let registration: Option<(String, String)> = sqlx::query_as(
            "SELECT r.id, r.affiliation_number
               FROM outbox_messages o JOIN registrations r ON r.id = o.registration_id
              WHERE o.id = ? AND o.kind = ?",
        )
        .bind(message)
        .bind(EmailKind::Validation)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, affiliation)) = registration else {
            return Ok(());
        };
        let settings = self.settings.read().expect("settings lock").clone();
        crate::audit::record(
            tx,
            &settings,
            now,
            "sistema",
            crate::audit::Subject::Registration {
                id: &id,
                affiliation: &affiliation,
            },
            VALIDATION_DELIVERED,
            serde_json::json!({ "correo": message }),
        )
        .await
    }

    async fn record(
        &self,
        m: &Claimed,
        outcome: std::result::Result<(), DeliveryFailure>,
        round: &mut DeliveryRound,
    ) -> Result<()> {
        let now = self.clock.now();
        let max_attempts = i64::from(
            self.settings
                .read()
                .expect("settings lock")
                .outbox_max_attempts,
        );
        let mut tx = self.store.begin_write().await?;
        let (attempt, detail) = match &outcome {
            Ok(()) => (AttemptOutcome::Sent, None),
            Err(DeliveryFailure::Temporary(e)) => {
                (AttemptOutcome::TemporaryError, Some(e.as_str()))
            }
            Err(DeliveryFailure::Permanent(e)) => {
                (AttemptOutcome::PermanentError, Some(e.as_str()))
            }
            Err(DeliveryFailure::Station(e)) => (AttemptOutcome::TemporaryError, Some(e.as_str())),
        };
        sqlx::query(
            "INSERT INTO outbox_attempts (message_id, attempted_at, outcome, detail) VALUES (?, ?, ?, ?)",
        )
        .bind(&m.id)
        .bind(db_time(now))
        .bind(attempt)
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        match outcome {
            Ok(()) => {
                // The plaintext password leaves the database once it is out of our hands.
                sqlx::query(
                    "UPDATE outbox_messages
                        SET state = ?1, sent_at = ?2, last_error = NULL, secrets = NULL,
                            scrubbed_at = CASE WHEN secrets IS NOT NULL THEN ?2 END
                      WHERE id = ?3",
                )
                .bind(EmailState::Sent)
                .bind(db_time(now))
                .bind(&m.id)
                .execute(&mut *tx)
                .await?;
                self.note_validation_delivered(&mut tx, &m.id, now).await?;
                round.sent += 1;
                tracing::info!(outbox_id = %m.id, "email delivered");
            }
            Err(DeliveryFailure::Station(error)) => {
                // Waits with its secrets and its attempts intact; tried again in a while,
                // or at once when the settings are saved (which wakes the worker).
                sqlx::query(
                    "UPDATE outbox_messages
                        SET state = ?, last_error = ?, next_attempt_at = ?, attempts = attempts - 1
                      WHERE id = ?",
                )
                .bind(EmailState::Queued)
                .bind(&error)
                .bind(db_time(now + STATION_RETRY))
                .bind(&m.id)
                .execute(&mut *tx)
                .await?;
                round.waiting_for_settings += 1;
                tracing::warn!(outbox_id = %m.id, "the SMTP server refused this station; emails wait");
            }
            Err(failure) => {
                // Only a refusal of this message itself (its recipient) gives it up. A
                // server down or busy is waited for, however long: the email keeps its
                // secrets and goes when the server is back; past `max_attempts` failures
                // it is shown in «Pendientes» (outbox::needing_attention).
                let (permanent, error) = match failure {
                    DeliveryFailure::Permanent(e) => (true, e),
                    DeliveryFailure::Temporary(e) | DeliveryFailure::Station(e) => (false, e),
                };
                if permanent {
                    sqlx::query(
                        "UPDATE outbox_messages SET state = ?, last_error = ?, secrets = NULL,
                                scrubbed_at = CASE WHEN secrets IS NOT NULL THEN ? END
                          WHERE id = ?",
                    )
                    .bind(EmailState::Abandoned)
                    .bind(&error)
                    .bind(db_time(now))
                    .bind(&m.id)
                    .execute(&mut *tx)
                    .await?;
                    round.abandoned += 1;
                    tracing::warn!(outbox_id = %m.id, attempts = m.attempts, "email abandoned");
                } else {
                    let next = now + backoff(m.attempts);
                    sqlx::query(
                        "UPDATE outbox_messages SET state = ?, last_error = ?, next_attempt_at = ?
                          WHERE id = ?",
                    )
                    .bind(EmailState::Queued)
                    .bind(&error)
                    .bind(db_time(next))
                    .bind(&m.id)
                    .execute(&mut *tx)
                    .await?;
                    round.retried += 1;
                    if m.attempts >= max_attempts {
                        tracing::warn!(outbox_id = %m.id, attempts = m.attempts, "email still not delivered; shown for attention, will retry");
                    } else {
                        tracing::warn!(outbox_id = %m.id, attempts = m.attempts, "email delivery failed; will retry");
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// 30 s, 1 min, 2 min, … capped at one hour, each with ±20 % jitter so many workstations
/// coming back online do not retry in step.
pub fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    let base = (30i64 * 2i64.pow(exponent)).min(3600);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    Duration::milliseconds((base as f64 * 1000.0 * jitter) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let secs = |n| backoff(n).num_seconds();
        assert!((24..=36).contains(&secs(1)));
        assert!((48..=72).contains(&secs(2)));
        assert!((2880..=4320).contains(&secs(30)));
    }
}
