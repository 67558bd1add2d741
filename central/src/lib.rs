//! The central service, where the affiliate's emails lead:
//! - the validation link ([`link`]): `GET /validar?token=…` shows a «Validar mi cuenta»
//!   button (mail scanners open links first, so opening changes nothing), `POST /validar`
//!   validates, generates the temporary password and queues its email in this service's
//!   own outbox, which a worker delivers ([`outbox`]);
//! - the first sign-in ([`sign_in`]): `GET`/`POST /entrar`, where the affiliate replaces the
//!   temporary password with their own and the account becomes `activa`;
//! - the portal's verification API ([`portal`]): `POST /api/portal/v1/verificar`;
//! - `GET /salud` for the balancer, and `GET /estilo.css`.
//!
//! Every response carries the security headers ([`headers`]). All state is in PostgreSQL
//! (rate limits and locks included), so several instances can run behind a balancer: row
//! locks make a link validate once, `SKIP LOCKED` shares the outbox.

pub mod accounts;
pub mod admin;
pub mod cli;
pub mod client_address;
pub mod config;
mod desk_requests;
pub mod error;
pub mod failure;
pub mod headers;
pub mod link;
mod outbox;
pub mod outbox_admin;
pub mod pages;
pub mod passwords;
pub mod portal;
pub mod rate_limit;
pub mod roster_import;
pub mod sign_in;
mod validated_twice;

pub use config::Config;
pub use error::Error;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    /// Password hashes computed at once (each argon2id takes 19 MiB and a core).
    pub hashing: Arc<Semaphore>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/validar", get(link::show).post(link::confirm))
        .route("/entrar", get(sign_in::show).post(sign_in::submit))
        .route("/api/portal/v1/verificar", post(portal::verify))
        .route("/estilo.css", get(stylesheet))
        .route("/salud", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(axum::middleware::map_response(headers::secure))
        .with_state(state)
}

/// A pool to the central database; nothing is connected until first used.
pub fn pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    let options = config
        .database_options()
        .map_err(|e| sqlx::Error::Configuration(e.message.into()))?;
    Ok(sqlx::postgres::PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_lazy_with(options))
}

/// Starts the outbox worker and the pruning of rate-limit windows, and serves until the
/// process ends.
pub async fn serve(config: Config, listener: tokio::net::TcpListener) -> Result<(), Error> {
    let pool = pool(&config)?;
    let transport = config.transport()?;
    let hashing = std::thread::available_parallelism().map_or(2, |n| n.get());
    let state = AppState {
        pool: pool.clone(),
        config: Arc::new(config),
        hashing: Arc::new(Semaphore::new(hashing)),
    };
    tokio::spawn(outbox::run(pool.clone(), transport, state.config.clone()));
    tokio::spawn(validated_twice::reissue_forever(
        pool.clone(),
        state.config.clone(),
    ));
    tokio::spawn(desk_requests::carry_out_forever(
        pool.clone(),
        state.config.clone(),
    ));
    tokio::spawn(rate_limit::prune_forever(pool));
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}

/// A page saying the service cannot answer now; the cause goes to the log only.
pub(crate) fn unavailable(error: &Error) -> Response {
    tracing::error!(error = %error, "request failed");
    (StatusCode::SERVICE_UNAVAILABLE, Html(pages::unavailable())).into_response()
}

/// The page for a client over one of its limits, with `Retry-After`.
pub(crate) fn too_many(exceeded: rate_limit::Exceeded) -> Response {
    let minutes = exceeded.retry_after_secs.div_ceil(60);
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Html(pages::too_many(minutes)),
    )
        .into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(exceeded.retry_after_secs),
    );
    response
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        pages::STYLESHEET,
    )
        .into_response()
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(pages::not_found())).into_response()
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
