//! The institute portal's verification API (README, «API para el portal»):
//! `POST /api/portal/v1/verificar` with `Authorization: Bearer <clave>` and
//! `{"usuario": "…", "contrasena": "…"}`. Only a holder of a portal key may call it (keys
//! are made by `registro-central --crear-clave-portal`; only their SHA-256 is stored); each
//! key has its calls per minute; the usernames lock exactly as on the sign-in page, and the
//! answer for an unknown username is the answer for a wrong password.

use crate::AppState;
use crate::accounts::{self, Verdict};
use crate::client_address::ClientAddress;
use crate::error::Error;
use crate::rate_limit::{self, Exceeded, Limit};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registro_core::domain::AffiliationNumber;
use registro_core::security;
use serde::Deserialize;
use serde_json::json;

/// Every portal key starts so, which makes a leaked one easy to recognise.
pub const KEY_PREFIX: &str = "rslp_";

/// A new portal key: the prefix and 256 random bits in hex.
pub fn new_key() -> String {
    format!("{KEY_PREFIX}{}", security::new_link_token())
}

/// What is stored of a key.
pub fn key_digest(key: &str) -> String {
    security::sha256_hex(key)
}

#[derive(Deserialize)]
struct VerifyRequest {
    usuario: String,
    contrasena: String,
}

fn json_error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

fn too_many(exceeded: Exceeded) -> Response {
    let mut response = json_error(
        StatusCode::TOO_MANY_REQUESTS,
        json!({ "error": "demasiadas_solicitudes", "reintentar_en_segundos": exceeded.retry_after_secs }),
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(exceeded.retry_after_secs),
    );
    response
}

fn unavailable(error: &Error) -> Response {
    tracing::error!(error = %error, "portal verification failed");
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "error": "no_disponible" }),
    )
}

fn unauthorized() -> Response {
    let mut response = json_error(
        StatusCode::UNAUTHORIZED,
        json!({ "error": "credencial_invalida" }),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="registro-central""#),
    );
    response
}

/// The bearer key of the request, if it has the shape of one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    let key = key.trim();
    let random = key.strip_prefix(KEY_PREFIX)?;
    (scheme.eq_ignore_ascii_case("bearer")
        && random.len() == 64
        && random.chars().all(|c| c.is_ascii_hexdigit()))
    .then_some(key)
}

/// The id of the live key the request presents.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<uuid::Uuid>, Error> {
    let Some(key) = bearer(headers) else {
        return Ok(None);
    };
    Ok(sqlx::query_scalar(
        "SELECT id FROM portal_keys WHERE key_sha256 = $1 AND revoked_at IS NULL",
    )
    .bind(key_digest(key))
    .fetch_optional(&state.pool)
    .await?)
}

/// `POST /api/portal/v1/verificar`.
pub async fn verify(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Keys that do not exist count against the caller's address, before anything else.
    let bad_keys = Limit::bad_portal_keys();
    let address = client.bucket();
    match rate_limit::check(&state.pool, bad_keys, &address).await {
        Ok(None) => {}
        Ok(Some(exceeded)) => return too_many(exceeded),
        Err(e) => return unavailable(&e.into()),
    }
    let key_id = match authenticate(&state, &headers).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            if let Err(e) = rate_limit::hit(&state.pool, bad_keys, &address).await {
                tracing::warn!(error = %e, "counting a bad portal key failed");
            }
            return unauthorized();
        }
        Err(e) => return unavailable(&e),
    };
    let calls = Limit::portal_calls(state.config.limits.portal_requests_per_minute);
    match rate_limit::hit(&state.pool, calls, &key_id.to_string()).await {
        Ok(None) => {}
        Ok(Some(exceeded)) => return too_many(exceeded),
        Err(e) => return unavailable(&e.into()),
    }
    let Ok(request) = serde_json::from_slice::<VerifyRequest>(&body) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            json!({
                "error": "solicitud_invalida",
                "mensaje": "Se esperaba un objeto JSON con «usuario» y «contrasena» (texto)."
            }),
        );
    };
    // A username that cannot be an affiliation number has no account: rejected, unguarded.
    let (Ok(username), false) = (
        AffiliationNumber::parse(&request.usuario),
        request.contrasena.is_empty() || request.contrasena.len() > 1024,
    ) else {
        return Json(json!({ "resultado": "rechazada" })).into_response();
    };
    let body = match accounts::check(&state, &username, &request.contrasena).await {
        Ok(Verdict::Accepted(account)) if account.must_change_password => json!({
            "resultado": "cambio_obligatorio",
            "usuario": account.username,
            "url_cambio": state.config.sign_in_url,
        }),
        Ok(Verdict::Accepted(account)) => json!({
            "resultado": "valida",
            "usuario": account.username,
        }),
        Ok(Verdict::Rejected) => json!({ "resultado": "rechazada" }),
        Ok(Verdict::Locked { until, now }) => json!({
            "resultado": "bloqueada",
            "reintentar_en_segundos": (until - now).num_seconds().max(1),
        }),
        Err(e) => return unavailable(&e),
    };
    Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_bearer_keys_are_looked_up() {
        let key = new_key();
        assert!(key.starts_with(KEY_PREFIX) && key.len() == KEY_PREFIX.len() + 64);
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {key}")).unwrap(),
        );
        assert_eq!(bearer(&h), Some(key.as_str()));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("bearer  {key} ")).unwrap(),
        );
        assert_eq!(bearer(&h), Some(key.as_str()));
        for bad in [
            format!("Basic {key}"),
            "Bearer rslp_corta".to_owned(),
            format!("Bearer {}", &key[KEY_PREFIX.len()..]),
        ] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(&bad).unwrap());
            assert_eq!(bearer(&h), None, "{bad}");
        }
        assert_ne!(key_digest(&key), key);
    }
}
