//! The email outbox: messages are written in the same transaction as what caused them,
//! and a background worker hands them to the transport afterwards.
//!
//! States: `en_cola` → `enviando` → `enviado`, or back to `en_cola` with the error and the
//! next attempt time, or `abandonado` after too many attempts or a permanent refusal.

use crate::clock::Clock;
use crate::config::Settings;
use crate::config::{SmtpSecurity, SmtpSettings, is_loopback};
pub use crate::domain::EmailKind;
use crate::domain::{Field, FieldError};
use crate::emails::{RenderedEmail, escape_html};
use crate::error::{Error, Result};
use crate::store::{Store, db_time};
use chrono::{DateTime, Duration, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use serde::Serialize;
use sqlx::SqliteConnection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

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
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'en_cola', ?, ?)",
    )
    .bind(&id)
    .bind(email.registration_id)
    .bind(email.kind.as_str())
    .bind(email.recipient)
    .bind(&email.rendered.subject)
    .bind(&email.rendered.text)
    .bind(&email.rendered.html)
    .bind(encode_secrets(&email.secrets))
    .bind(message_id)
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
            SET state = 'cancelado', secrets = NULL, last_error = 'reemplazado o cancelado antes de salir',
                scrubbed_at = CASE WHEN secrets IS NOT NULL THEN ?1 END
          WHERE registration_id = ?2 AND state IN ('en_cola', 'incierto')
            AND (?3 IS NULL OR kind = ?3)",
    )
    .bind(db_time(now))
    .bind(registration_id)
    .bind(kind)
    .execute(conn)
    .await?;
    Ok(())
}

/// Where emails go.
#[derive(Clone)]
pub enum Transport {
    /// No SMTP configured: each email is written as an `.eml` file in this folder.
    Files {
        dir: PathBuf,
        inner: AsyncFileTransport<Tokio1Executor>,
    },
    /// An SMTP server, with a pool of connections.
    Smtp {
        host: String,
        port: u16,
        security: SmtpSecurity,
        inner: AsyncSmtpTransport<Tokio1Executor>,
    },
}

impl Transport {
    pub fn files(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Internal(format!("outbox folder {}: {e}", dir.display())))?;
        Ok(Transport::Files {
            dir: dir.to_owned(),
            inner: AsyncFileTransport::new(dir),
        })
    }

    /// An SMTP transport. STARTTLS is required (never downgraded: no credentials travel
    /// in the clear), implicit TLS wraps the connection, and plain text is refused unless
    /// the server is on this machine.
    pub fn smtp(settings: &SmtpSettings, password: Option<&str>) -> Result<Self> {
        let host = settings.host.trim().to_owned();
        let tls_parameters = || -> Result<TlsParameters> {
            let mut builder = TlsParameters::builder(host.clone());
            if !settings.root_certificate_pem.trim().is_empty() {
                let cert = Certificate::from_pem(settings.root_certificate_pem.as_bytes())
                    .map_err(|_| {
                        FieldError::new(
                            Field::SmtpRootCertificate,
                            "no_valido",
                            "El certificado raíz no se pudo leer como PEM.",
                        )
                    })?;
                builder = builder.add_root_certificate(cert);
            }
            builder
                .build_rustls()
                .map_err(|e| Error::Internal(format!("TLS parameters: {e}")))
        };
        let tls = match settings.security {
            SmtpSecurity::Starttls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpSecurity::Plain if is_loopback(&host) => Tls::None,
            SmtpSecurity::Plain => {
                return Err(FieldError::new(
                    Field::SmtpSecurity,
                    "no_valido",
                    "Sin cifrado solo se permite un servidor en este mismo equipo (localhost); use STARTTLS o TLS.",
                )
                .into());
            }
        };
        let timeout = std::time::Duration::from_secs(u64::from(settings.timeout_secs.max(1)));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(timeout))
            .pool_config(
                PoolConfig::new()
                    .max_size(settings.pool_size.max(1))
                    .idle_timeout(std::time::Duration::from_secs(60)),
            );
        if !settings.username.trim().is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.username.trim().to_owned(),
                password.unwrap_or_default().to_owned(),
            ));
        }
        Ok(Transport::Smtp {
            host,
            port: settings.port,
            security: settings.security,
            inner: builder.build(),
        })
    }

    /// A short Spanish description for the status screens.
    pub fn describe(&self) -> String {
        match self {
            Transport::Files { dir, .. } => {
                format!(
                    "Sin servidor de correo: los correos se guardan como archivos en {}",
                    dir.display()
                )
            }
            Transport::Smtp {
                host,
                port,
                security,
                ..
            } => {
                let mode = match security {
                    SmtpSecurity::Starttls => "STARTTLS",
                    SmtpSecurity::Tls => "TLS",
                    SmtpSecurity::Plain => "sin cifrar (local)",
                };
                format!("Correo por {host}:{port} ({mode})")
            }
        }
    }

    /// Hands one message over (writes the file, or the SMTP server accepts it).
    pub async fn send(&self, message: Message) -> std::result::Result<(), DeliveryFailure> {
        match self {
            Transport::Files { inner, .. } => inner.send(message).await.map(|_| ()).map_err(|e| {
                DeliveryFailure::Temporary(format!("no se pudo escribir el archivo: {e}"))
            }),
            Transport::Smtp {
                host, port, inner, ..
            } => inner.send(message).await.map(|_| ()).map_err(|e| {
                let text = describe_smtp_error(&e, host, *port);
                // 5xx: the server will refuse again; retrying only delays the clerk's fix.
                if e.is_permanent() {
                    DeliveryFailure::Permanent(text)
                } else {
                    DeliveryFailure::Temporary(text)
                }
            }),
        }
    }

    /// Sends one message now, outside the outbox: the settings screen's test email.
    pub async fn send_test(&self, from: &Settings, to: &str) -> std::result::Result<(), String> {
        let from_box: Mailbox = format!("{} <{}>", from.sender_name, from.sender_address)
            .parse()
            .map_err(|e| format!("El remitente no es válido: {e}"))?;
        let to_box: Mailbox = to
            .parse()
            .map_err(|e| format!("El destinatario no es válido: {e}"))?;
        let text = format!(
            "Este es un correo de prueba de Registro en Servicios en Línea, enviado desde la estación {} de {}.\n\nSi lo recibió, la configuración del servidor de correo funciona.",
            from.workstation, from.office
        );
        let message = Message::builder()
            .from(from_box)
            .to(to_box)
            .subject("Prueba de correo — Registro en Servicios en Línea")
            .body(text)
            .map_err(|e| format!("No se pudo armar el mensaje: {e}"))?;
        self.send(message).await.map_err(|f| match f {
            DeliveryFailure::Temporary(e) | DeliveryFailure::Permanent(e) => e,
        })
    }
}

/// The server's complaint in Spanish, with its own words kept verbatim at the end.
fn describe_smtp_error(e: &lettre::transport::smtp::Error, host: &str, port: u16) -> String {
    let detail = e.to_string();
    let code = e.status().map(|c| c.to_string());
    if e.is_client() && detail.contains("STARTTLS") {
        format!(
            "El servidor {host}:{port} no ofrece STARTTLS: la conexión no puede cifrarse, así que no se envió ni la contraseña ni el mensaje ({detail})."
        )
    } else if e.is_timeout() {
        format!("El servidor {host}:{port} no respondió a tiempo ({detail}).")
    } else if e.is_tls() {
        format!(
            "No se pudo establecer la conexión cifrada con {host}:{port}; no se envió ninguna contraseña ({detail})."
        )
    } else if let Some(code) = code {
        let what = match code.as_str() {
            "535" | "534" | "530" => "El servidor rechazó el usuario o la contraseña de correo",
            c if c.starts_with('5') => "El servidor rechazó el mensaje",
            _ => "El servidor no aceptó el mensaje por ahora",
        };
        format!("{what} (respuesta {code}): {detail}")
    } else {
        format!("No se pudo conectar con el servidor de correo {host}:{port} ({detail}).")
    }
}

/// Why a hand-over failed: a temporary failure is retried, a permanent one is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryFailure {
    Temporary(String),
    Permanent(String),
}

/// An outbox row as stored (bodies with placeholders, secrets apart).
pub struct Stored<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    /// JSON object placeholder → secret, as written by [`enqueue`].
    pub secrets: Option<&'a str>,
    pub message_id: &'a str,
}

/// The message to hand over: secrets put back in, text and HTML alternatives, the
/// stable Message-ID. Shared by the desk's outbox and the central service's.
pub fn compose(
    sender_name: &str,
    sender_address: &str,
    m: &Stored<'_>,
) -> std::result::Result<Message, String> {
    let from: Mailbox = format!("{sender_name} <{sender_address}>")
        .parse()
        .map_err(|e| format!("remitente no válido: {e}"))?;
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("destinatario no válido: {e}"))?;
    let (mut text, mut html) = (m.body_text.to_owned(), m.body_html.to_owned());
    for (placeholder, secret) in decode_secrets(m.secrets)? {
        text = text.replace(&placeholder, &secret);
        html = html.replace(&placeholder, &escape_html(&secret));
    }
    Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject)
        .message_id(Some(m.message_id.to_owned()))
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| format!("no se pudo armar el mensaje: {e}"))
}

/// The JSON kept in an outbox row's `secrets` column.
pub fn encode_secrets_json(secrets: &[(&'static str, String)]) -> Option<String> {
    encode_secrets(secrets)
}

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRound {
    pub sent: u32,
    pub retried: u32,
    pub abandoned: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub queued: i64,
    pub sent: i64,
    pub abandoned: i64,
    pub oldest_queued_at: Option<DateTime<Utc>>,
}

pub async fn counts(store: &Store) -> Result<OutboxCounts> {
    let (queued, sent, abandoned, oldest): (i64, i64, i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT coalesce(sum(state IN ('en_cola', 'enviando')), 0),
                coalesce(sum(state = 'enviado'), 0),
                coalesce(sum(state = 'abandonado'), 0),
                min(CASE WHEN state IN ('en_cola', 'enviando') THEN created_at END)
           FROM outbox_messages",
    )
    .fetch_one(store.reader())
    .await?;
    Ok(OutboxCounts {
        queued,
        sent,
        abandoned,
        oldest_queued_at: oldest,
    })
}

/// Delivers queued emails; `wake` it after queueing one, or let the timer find it.
pub struct OutboxWorker {
    store: Store,
    /// Shared with the desk, which replaces it when the settings change.
    transport: Arc<RwLock<Transport>>,
    settings: Arc<RwLock<Settings>>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
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
    ) -> Self {
        Self {
            store,
            transport,
            settings,
            clock,
            wake,
        }
    }

    /// Runs until the process ends: a pass on start, then after each wake-up or timer tick.
    pub async fn run(self) {
        if let Err(e) = self.recover_interrupted().await {
            tracing::error!(error = ?e, "outbox: could not recover interrupted deliveries");
        }
        loop {
            match self.deliver_due().await {
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
            sqlx::query("UPDATE outbox_messages SET state = 'incierto' WHERE state = 'enviando'")
                .execute(self.store.writer())
                .await?
                .rows_affected(),
        )
    }

    /// Delivers every message that is due now.
    pub async fn deliver_due(&self) -> Result<DeliveryRound> {
        let mut round = DeliveryRound::default();
        let transport = self.transport.read().expect("transport lock").clone();
        while let Some(claimed) = self.claim_next().await? {
            let outcome = match self.build(&claimed) {
                Ok(message) => transport.send(message).await,
                Err(e) => Err(DeliveryFailure::Permanent(e)),
            };
            self.record(&claimed, outcome, &mut round).await?;
        }
        Ok(round)
    }

    async fn claim_next(&self) -> Result<Option<Claimed>> {
        let now = db_time(self.clock.now());
        Ok(sqlx::query_as(
            "UPDATE outbox_messages SET state = 'enviando', attempts = attempts + 1
              WHERE id = (SELECT id FROM outbox_messages
                           WHERE state = 'en_cola' AND next_attempt_at <= ?
                           ORDER BY next_attempt_at, created_at LIMIT 1)
          RETURNING id, recipient, subject, body_text, body_html, secrets, message_id, attempts",
        )
        .bind(now)
        .fetch_optional(self.store.writer())
        .await?)
    }

    fn build(&self, m: &Claimed) -> std::result::Result<Message, String> {
        let settings = self.settings.read().expect("settings lock").clone();
        compose(
            &settings.sender_name,
            &settings.sender_address,
            &Stored {
                recipient: &m.recipient,
                subject: &m.subject,
                body_text: &m.body_text,
                body_html: &m.body_html,
                secrets: m.secrets.as_deref(),
                message_id: &m.message_id,
            },
        )
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
        let mut tx = self.store.writer().begin().await?;
        let (outcome_label, detail) = match &outcome {
            Ok(()) => ("enviado", None),
            Err(DeliveryFailure::Temporary(e)) => ("error_temporal", Some(e.as_str())),
            Err(DeliveryFailure::Permanent(e)) => ("error_permanente", Some(e.as_str())),
        };
        sqlx::query(
            "INSERT INTO outbox_attempts (message_id, attempted_at, outcome, detail) VALUES (?, ?, ?, ?)",
        )
        .bind(&m.id)
        .bind(db_time(now))
        .bind(outcome_label)
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        match outcome {
            Ok(()) => {
                // The plaintext password leaves the database once it is out of our hands.
                sqlx::query(
                    "UPDATE outbox_messages
                        SET state = 'enviado', sent_at = ?, last_error = NULL, secrets = NULL,
                            scrubbed_at = CASE WHEN secrets IS NOT NULL THEN ? END
                      WHERE id = ?",
                )
                .bind(db_time(now))
                .bind(db_time(now))
                .bind(&m.id)
                .execute(&mut *tx)
                .await?;
                round.sent += 1;
                tracing::info!(outbox_id = %m.id, "email delivered");
            }
            Err(failure) => {
                let (permanent, error) = match failure {
                    DeliveryFailure::Temporary(e) => (false, e),
                    DeliveryFailure::Permanent(e) => (true, e),
                };
                if permanent || m.attempts >= max_attempts {
                    sqlx::query(
                        "UPDATE outbox_messages SET state = 'abandonado', last_error = ?, secrets = NULL,
                                scrubbed_at = CASE WHEN secrets IS NOT NULL THEN ? END
                          WHERE id = ?",
                    )
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
                        "UPDATE outbox_messages SET state = 'en_cola', last_error = ?, next_attempt_at = ?
                          WHERE id = ?",
                    )
                    .bind(&error)
                    .bind(db_time(next))
                    .bind(&m.id)
                    .execute(&mut *tx)
                    .await?;
                    round.retried += 1;
                    tracing::warn!(outbox_id = %m.id, attempts = m.attempts, "email delivery failed; will retry");
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

fn encode_secrets(secrets: &[(&'static str, String)]) -> Option<String> {
    if secrets.is_empty() {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> = secrets
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    Some(serde_json::Value::Object(map).to_string())
}

fn decode_secrets(stored: Option<&str>) -> std::result::Result<Vec<(String, String)>, String> {
    let Some(stored) = stored else {
        return Ok(Vec::new());
    };
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(stored).map_err(|e| format!("datos del mensaje dañados: {e}"))?;
    Ok(map.into_iter().collect())
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
