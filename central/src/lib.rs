//! The central validation service. The link in the validation email opens
//! `GET /validar?token=…`: the registration is validated with the same rules as at the
//! desk ([`registro_core::domain::token::judge`]), a temporary password is generated and
//! hashed (argon2id) and its email queued in this service's own outbox, which a worker
//! delivers. All state is in PostgreSQL, so several instances can run behind a load
//! balancer: row locks make a link validate once, `SKIP LOCKED` shares the outbox.

pub mod config;
mod outbox;
mod pages;

pub use config::Config;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use registro_core::Error as CoreError;
use registro_core::domain::token::{TokenFacts, TokenRefusal, judge, parse_link_token};
use registro_core::domain::{EmailKind, EmailState, RegistrationState, TokenState};
use registro_core::emails::PASSWORD_PLACEHOLDER;
use registro_core::security;
use serde::Deserialize;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/validar", get(validate_page))
        .route("/salud", get(health))
        .with_state(state)
}

/// Starts the outbox worker and serves until the process ends.
pub async fn serve(config: Config, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_lazy(&config.database_url)
        .map_err(std::io::Error::other)?;
    let transport = config
        .transport()
        .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
    let state = AppState {
        pool: pool.clone(),
        config: Arc::new(config),
    };
    tokio::spawn(outbox::run(pool, transport, state.config.clone()));
    axum::serve(listener, router(state)).await
}

#[derive(Deserialize)]
struct ValidateQuery {
    #[serde(default)]
    token: String,
}

/// What the affiliate sees after following the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Validated { folio: String, email_masked: String },
    AlreadyUsed,
    Expired,
    Superseded,
    Exhausted,
    Closed,
    Unknown,
}

async fn validate_page(State(state): State<AppState>, Query(q): Query<ValidateQuery>) -> Response {
    match validate_link(&state, &q.token).await {
        Ok(outcome) => {
            let status = match outcome {
                Outcome::Validated { .. } => StatusCode::OK,
                Outcome::Unknown => StatusCode::NOT_FOUND,
                Outcome::Closed => StatusCode::CONFLICT,
                _ => StatusCode::GONE,
            };
            (status, Html(pages::render(&outcome))).into_response()
        }
        Err(e) => {
            tracing::error!(error = ?e, "validation failed");
            (StatusCode::SERVICE_UNAVAILABLE, Html(pages::unavailable())).into_response()
        }
    }
}

async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({ "estado": "ok" }))).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "estado": "sin_base_de_datos" })),
            )
                .into_response()
        }
    }
}

#[derive(sqlx::FromRow)]
struct Found {
    token_id: uuid::Uuid,
    registration_id: uuid::Uuid,
    token_state: TokenState,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    registration_state: RegistrationState,
    folio: String,
    affiliation_number: String,
    email: String,
    validated_at: Option<DateTime<Utc>>,
    full_name: Option<String>,
    superseded: bool,
}

/// Validates the registration the link's token belongs to, once.
pub async fn validate_link(state: &AppState, token: &str) -> Result<Outcome, CoreError> {
    let Some(token) = parse_link_token(token) else {
        return Ok(Outcome::Unknown);
    };
    let now = Utc::now();
    let mut tx = state.pool.begin().await?;
    // The row locks make two clicks (or two instances) validate one registration once.
    let found: Option<Found> = sqlx::query_as(
        "SELECT t.id AS token_id, t.registration_id, t.state AS token_state, t.expires_at, t.used_at,
                r.state AS registration_state, r.folio, r.affiliation_number, r.email, r.validated_at,
                a.full_name,
                EXISTS (SELECT 1 FROM validation_tokens n
                         WHERE n.registration_id = t.registration_id AND n.arrival_seq > t.arrival_seq) AS superseded
           FROM validation_tokens t
           JOIN registrations r ON r.id = t.registration_id
           LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
          WHERE t.link_sha256 = $1
          FOR UPDATE OF t, r",
    )
    .bind(security::sha256_hex(&token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(found) = found else {
        return Ok(Outcome::Unknown);
    };
    // A newer validation email (resend or corrected address) replaces this link; newer
    // means arrived later, whatever the station's clock said.
    let token_state = if found.superseded && found.token_state == TokenState::Active {
        TokenState::Superseded
    } else {
        found.token_state
    };
    let verdict = judge(
        &TokenFacts {
            folio: &found.folio,
            registration_state: found.registration_state,
            validated_at: found.validated_at,
            token_state: Some(token_state),
            expires_at: Some(found.expires_at),
            used_at: found.used_at,
        },
        now,
    );
    if let Err(refusal) = verdict {
        return Ok(match refusal {
            TokenRefusal::AlreadyValidated(_) => Outcome::AlreadyUsed,
            TokenRefusal::Expired(_) => Outcome::Expired,
            TokenRefusal::Superseded => Outcome::Superseded,
            TokenRefusal::Exhausted => Outcome::Exhausted,
            TokenRefusal::Closed { .. } => Outcome::Closed,
            TokenRefusal::Unknown => Outcome::Unknown,
        });
    }

    // Made exactly as at the desk: same generator, same hash, same email.
    let password = registro_core::affiliate_account::new_temporary_password(
        found.full_name.as_deref(),
        &found.folio,
        &found.affiliation_number,
    )
    .await?;
    let (hash, rendered) = (&password.hash, &password.email);
    sqlx::query("UPDATE validation_tokens SET state = $1, used_at = $2 WHERE id = $3")
        .bind(TokenState::Used)
        .bind(now)
        .bind(found.token_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE registrations SET state = $1, validated_at = $2, validated_by = 'enlace' WHERE id = $3",
    )
    .bind(RegistrationState::Validated)
    .bind(now)
    .bind(found.registration_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO accounts (registration_id, username, password_hash, must_change_password, password_set_at, office_role)
         VALUES ($1, $2, $3, TRUE, $4, 'central')
         ON CONFLICT (registration_id) DO UPDATE SET password_hash = excluded.password_hash,
                must_change_password = TRUE, password_set_at = excluded.password_set_at",
    )
    .bind(found.registration_id)
    .bind(&found.affiliation_number)
    .bind(hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let outbox_id = uuid::Uuid::new_v4();
    let domain = state
        .config
        .sender_address
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d);
    sqlx::query(
        "INSERT INTO outbox_messages (id, registration_id, kind, recipient, subject, body_text, body_html,
                                      secrets, message_id, state, next_attempt_at, created_at)
         VALUES ($1, $2, $10, $3, $4, $5, $6, $7::jsonb, $8, $11, $9, $9)",
    )
    .bind(outbox_id)
    .bind(found.registration_id)
    .bind(&found.email)
    .bind(&rendered.subject)
    .bind(&rendered.text)
    .bind(&rendered.html)
    .bind(registro_core::outbox::encode_secrets_json(&[(PASSWORD_PLACEHOLDER, password.plaintext.clone())]))
    .bind(format!("<{outbox_id}@{domain}>"))
    .bind(now)
    .bind(EmailKind::TemporaryPassword)
    .bind(EmailState::Queued)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, registration_id, affiliation_number, clerk,
                                   office, workstation, detail, office_role)
         VALUES ($1, $2, 'registro_validado', $3, $4, 'servicio_central', 'central', $5,
                 jsonb_build_object('folio', $6::text, 'metodo', 'enlace'), 'central')",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(now)
    .bind(found.registration_id)
    .bind(&found.affiliation_number)
    .bind(&state.config.instance_name)
    .bind(&found.folio)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    outbox::wake();
    tracing::info!(registration_id = %found.registration_id, "registration validated by link");
    let email_masked = registro_core::domain::EmailAddress::parse(&found.email)
        .map(|e| e.masked())
        .unwrap_or_default();
    Ok(Outcome::Validated {
        folio: found.folio,
        email_masked,
    })
}
