//! The portal's verification API end to end: a key made with `registro-central
//! --crear-clave-portal` (shown once, stored as a hash), refused without it or once
//! revoked; answers that never tell an unknown username from a wrong password; the same
//! locks as the sign-in page; a limit per key.

use crate::binary;
use crate::world::*;
use serde_json::{Value, json};

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

async fn verify(w: &World, key: Option<&str>, body: &str) -> Answer {
    let mut request = client()
        .post(w.url("/api/portal/v1/verificar"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let text = response.text().await.unwrap();
    Answer {
        status,
        retry_after,
        body: serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}")),
    }
}

async fn check(w: &World, key: &str, user: &str, password: &str) -> Value {
    let answer = verify(
        w,
        Some(key),
        &json!({ "usuario": user, "contrasena": password }).to_string(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// `registro-central --crear-clave-portal NAME` as the database owner; the key it printed.
fn create_key(w: &World, name: &str) -> String {
    let owner = w.pg.url("central");
    let ran = binary::run(
        &["--crear-clave-portal", name],
        &[("REGISTRO_CENTRAL_DB", &owner)],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("Se muestra solo esta vez"),
        "{}",
        ran.stderr
    );
    let key = ran.stdout.trim().to_owned();
    assert_eq!(ran.stdout.lines().count(), 1, "the key alone on stdout");
    key
}

#[tokio::test]
async fn the_portal_verifies_with_its_own_key_and_learns_nothing_about_unknown_usernames() {
    let w = world().await;
    let key = create_key(&w, "portal");
    assert!(key.starts_with("rslp_") && key.len() == 69, "{key}");
    let stored = central_text(&w, "SELECT key_sha256 FROM portal_keys").await;
    assert_eq!(stored, registro_core::security::sha256_hex(&key));
    assert_eq!(
        central_i64(
            &w,
            &format!(
                "SELECT count(*) FROM portal_keys WHERE key_sha256 LIKE '%{}%'",
                &key[5..]
            )
        )
        .await,
        0,
        "the key itself is stored nowhere"
    );
    // Only the owner makes keys; one live key per name.
    let as_service = binary::run(
        &["--crear-clave-portal", "otra"],
        &[(
            "REGISTRO_CENTRAL_DB",
            &w.pg.url_as("servicio_central", "central"),
        )],
    );
    as_service.assert_failed_saying(
        1,
        "las claves del portal las crea y revoca el dueño de la base",
    );
    let again = binary::run(
        &["--crear-clave-portal", "portal"],
        &[("REGISTRO_CENTRAL_DB", &w.pg.url("central"))],
    );
    again.assert_failed_saying(1, "ya hay una clave vigente llamada «portal»");

    let (_t, _, temporary) = validated_affiliate(&w, "ximena@example.com").await;
    let body = json!({ "usuario": "900100101", "contrasena": temporary }).to_string();

    // Without the key, with a made-up one: refused, whatever the body.
    for bad in [
        None,
        Some(format!("rslp_{}", "0".repeat(64))),
        Some("otra-cosa".into()),
    ] {
        let answer = verify(&w, bad.as_deref(), &body).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body, json!({ "error": "credencial_invalida" }));
    }

    // The temporary password is right, but must be changed first, on the sign-in page.
    assert_eq!(
        check(&w, &key, "900 100 101", &temporary).await,
        json!({ "resultado": "cambio_obligatorio", "usuario": "900100101", "url_cambio": w.url("/entrar") })
    );
    // A wrong password, an unknown username, one that cannot exist: one answer.
    for (user, password) in [
        ("900100101", "no-es-esta"),
        ("900999999", "no-es-esta"),
        ("no existe!", "no-es-esta"),
        ("900100101", ""),
    ] {
        assert_eq!(
            check(&w, &key, user, password).await,
            json!({ "resultado": "rechazada" }),
            "{user}"
        );
    }
    let malformed = verify(&w, Some(&key), "{\"usuario\": 900100101}").await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["error"], "solicitud_invalida");

    // After the first sign-in, the own password is the valid one.
    let new = "el mar de San Felipe";
    let (status, _) = post_form(
        &w.url("/entrar"),
        &[
            ("usuario", "900100101"),
            ("contrasena", &temporary),
            ("nueva", new),
            ("confirmacion", new),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        check(&w, &key, "900100101", new).await,
        json!({ "resultado": "valida", "usuario": "900100101" })
    );
    assert_eq!(
        check(&w, &key, "900100101", &temporary).await["resultado"],
        "rechazada"
    );

    // Revoked: refused at once.
    let revoked = binary::run(
        &["--revocar-clave-portal", "portal"],
        &[("REGISTRO_CENTRAL_DB", &w.pg.url("central"))],
    );
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    assert!(revoked.stdout.contains("quedó revocada"));
    assert_eq!(verify(&w, Some(&key), &body).await.status, 401);
    binary::run(
        &["--revocar-clave-portal", "portal"],
        &[("REGISTRO_CENTRAL_DB", &w.pg.url("central"))],
    )
    .assert_failed_saying(1, "no hay una clave vigente llamada «portal»");
}

#[tokio::test]
async fn the_portal_locks_usernames_like_the_page_and_each_key_has_its_calls_per_minute() {
    let w = world_with(|c| {
        c.limits.failures_before_lock = 2;
        c.limits.portal_requests_per_minute = 6;
    })
    .await;
    let key = create_key(&w, "portal");
    let (_t, _, temporary) = validated_affiliate(&w, "ximena@example.com").await;
    fresh_window(&w, 60).await;

    // Two failures through the portal lock the username for the page too, known or not.
    for user in ["900100101", "900999999"] {
        assert_eq!(
            check(&w, &key, user, "no-es-esta").await["resultado"],
            "rechazada"
        );
        let locked = check(&w, &key, user, "no-es-esta").await;
        assert_eq!(locked["resultado"], "bloqueada", "{user}");
        assert!((1..=15 * 60).contains(&locked["reintentar_en_segundos"].as_i64().unwrap()));
    }
    assert_eq!(
        check(&w, &key, "900100101", &temporary).await["resultado"],
        "bloqueada"
    );
    let (status, page) = post_form(
        &w.url("/entrar"),
        &[
            ("usuario", "900100101"),
            ("contrasena", &temporary),
            ("nueva", "el mar de San Felipe"),
            ("confirmacion", "el mar de San Felipe"),
        ],
    )
    .await;
    assert_eq!(status, 423, "{page}");

    // Five calls so far in this minute; the sixth is the last one allowed.
    assert_eq!(
        check(&w, &key, "900100102", "no-es-esta").await["resultado"],
        "rechazada"
    );
    let over = verify(
        &w,
        Some(&key),
        &json!({ "usuario": "900100102", "contrasena": "x" }).to_string(),
    )
    .await;
    assert_eq!(over.status, 429, "{}", over.body);
    assert_eq!(over.body["error"], "demasiadas_solicitudes");
    assert!((1..=60).contains(&over.retry_after.unwrap()));
    // Another key of the institute has its own count.
    let other = create_key(&w, "portal-respaldo");
    assert_eq!(
        check(&w, &other, "900100103", "x").await["resultado"],
        "rechazada"
    );
}
