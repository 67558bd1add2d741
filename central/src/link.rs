//! The validation link. Mail scanners (Microsoft Safe Links and the like) open every link
//! of a message before the person does, so opening it changes nothing:
//! `GET /validar?token=…` (and `HEAD`) only look, and show either the «Validar mi cuenta»
//! button or why the link no longer works; the button's `POST /validar` validates, with
//! the same rules as at the desk ([`registro_core::domain::token::judge`]): the registration
//! becomes `validada`, a temporary password is generated and hashed (argon2id) and its
//! email queued in this service's outbox. Row locks make a link validate once, whichever
//! instance the clicks land on. Unknown tokens count against the client's address.

use crate::client_address::ClientAddress;
use crate::error::Error;
use crate::pages::link::Outcome;
use crate::rate_limit::{self, Limit};
use crate::{AppState, outbox, pages, passwords};
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use registro_core::domain::token::{TokenFacts, TokenRefusal, judge, parse_link_token};
use registro_core::domain::{RegistrationState, TokenState};
use registro_core::emails::TemporaryPasswordEmail;
use registro_core::security;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TokenParams {
    #[serde(default)]
    token: String,
}

/// `GET /validar?token=…` (and `HEAD`): shows, never acts.
pub async fn show(
    State(state): State<AppState>,
    client: ClientAddress,
    query: Result<Query<TokenParams>, QueryRejection>,
) -> Response {
    let token = query.map(|q| q.0.token).unwrap_or_default();
    answer(&state, client, &token, false).await
}

/// `POST /validar` (the button): validates.
pub async fn confirm(
    State(state): State<AppState>,
    client: ClientAddress,
    form: Result<Form<TokenParams>, FormRejection>,
) -> Response {
    let token = form.map(|f| f.0.token).unwrap_or_default();
    answer(&state, client, &token, true).await
}

async fn answer(state: &AppState, client: ClientAddress, token: &str, act: bool) -> Response {
    let limit = Limit::unknown_links(state.config.limits.unknown_links_per_address);
    let address = client.bucket();
    match rate_limit::check(&state.pool, limit, &address).await {
        Ok(None) => {}
        Ok(Some(exceeded)) => return crate::too_many(exceeded),
        Err(e) => return crate::unavailable(&e.into()),
    }
    let outcome = if act {
        validate_link(state, token).await
    } else {
        inspect(state, token).await
    };
    match outcome {
        Ok(outcome) => {
            if outcome == Outcome::Unknown
                && let Err(e) = rate_limit::hit(&state.pool, limit, &address).await
            {
                tracing::warn!(error = %e, "counting an unknown link failed");
            }
            (
                outcome.status(),
                Html(pages::link::render(&outcome, &state.config.sign_in_url)),
            )
                .into_response()
        }
        Err(e) => crate::unavailable(&e),
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

/// The token's row and its registration's; with `lock`, locked until the transaction ends.
async fn find(
    conn: &mut sqlx::PgConnection,
    token: &str,
    lock: bool,
) -> Result<Option<Found>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT t.id AS token_id, t.registration_id, t.state AS token_state, t.expires_at, t.used_at,
                r.state AS registration_state, r.folio, r.affiliation_number, r.email, r.validated_at,
                a.full_name,
                EXISTS (SELECT 1 FROM validation_tokens n
                         WHERE n.registration_id = t.registration_id AND n.arrival_seq > t.arrival_seq) AS superseded
           FROM validation_tokens t
           JOIN registrations r ON r.id = t.registration_id
           LEFT JOIN roster_affiliates a ON a.affiliation_number = r.affiliation_number
          WHERE t.link_sha256 = $1 {}",
        if lock { "FOR UPDATE OF t, r" } else { "" }
    ))
    .bind(security::sha256_hex(token))
    .fetch_optional(&mut *conn)
    .await
}

/// The desk's rules on the central clock: `None` when the link validates, otherwise the
/// page that says why not.
fn refusal(found: &Found, now: DateTime<Utc>) -> Option<Outcome> {
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
    verdict.err().map(|refusal| match refusal {
        TokenRefusal::AlreadyValidated(_) => Outcome::AlreadyUsed,
        TokenRefusal::Expired(_) => Outcome::Expired,
        TokenRefusal::Superseded => Outcome::Superseded,
        TokenRefusal::Exhausted => Outcome::Exhausted,
        TokenRefusal::Closed { .. } => Outcome::Closed,
        TokenRefusal::Unknown => Outcome::Unknown,
    })
}

/// What the link would do now, without doing it (no lock, no write).
pub async fn inspect(state: &AppState, token: &str) -> Result<Outcome, Error> {
    let Some(token) = parse_link_token(token) else {
        return Ok(Outcome::Unknown);
    };
    let mut conn = state.pool.acquire().await?;
    let Some(found) = find(&mut conn, &token, false).await? else {
        return Ok(Outcome::Unknown);
    };
    Ok(refusal(&found, Utc::now()).unwrap_or(Outcome::Ready {
        folio: found.folio,
        token,
    }))
}

/// Validates the registration the link's token belongs to, once.
pub async fn validate_link(state: &AppState, token: &str) -> Result<Outcome, Error> {
    let Some(token) = parse_link_token(token) else {
        return Ok(Outcome::Unknown);
    };
    let now = Utc::now();
    // The password's hash (tens of milliseconds of argon2id) is made before the
    // transaction: made inside, it held a pooled connection and the row locks for that long,
    // and under load every other page waited for a connection. A first look without locks
    // keeps a link that cannot validate from costing a hash.
    {
        let mut conn = state.pool.acquire().await?;
        let Some(found) = find(&mut conn, &token, false).await? else {
            return Ok(Outcome::Unknown);
        };
        if let Some(page) = refusal(&found, now) {
            return Ok(page);
        }
    }
    // Made as at the desk: same generator, same hash, same email, which here also says
    // where to sign in for the first time.
    let password = security::new_temporary_password();
    let hash = passwords::hash(state, password.clone()).await?;

    let mut tx = state.pool.begin().await?;
    // The row locks make two clicks (or two instances) validate one registration once;
    // whatever happened since the first look is judged again here.
    let Some(found) = find(&mut tx, &token, true).await? else {
        return Ok(Outcome::Unknown);
    };
    if let Some(page) = refusal(&found, now) {
        return Ok(page);
    }
    let rendered = TemporaryPasswordEmail {
        name: found.full_name.as_deref().unwrap_or("afiliada o afiliado"),
        folio: &found.folio,
        username: &found.affiliation_number,
        replaces_earlier: false,
    }
    .render_with_sign_in(Some(&state.config.sign_in_url))?;
    sqlx::query("UPDATE validation_tokens SET state = $3, used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(found.token_id)
        .bind(TokenState::Used)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE registrations SET state = $3, validated_at = $1, validated_by = 'enlace' WHERE id = $2",
    )
    .bind(now)
    .bind(found.registration_id)
    .bind(RegistrationState::Validated)
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
    .bind(&hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    outbox::queue_temporary_password(
        &mut tx,
        found.registration_id,
        &found.email,
        &rendered,
        password,
        &state.config.sender_address,
        now,
    )
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
