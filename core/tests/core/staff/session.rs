//! The clerk's session: it locks when idle and only its clerk's password opens it.

use chrono::Duration;
use registro_test_support::*;

#[tokio::test]
async fn an_idle_session_locks_and_only_its_clerks_password_opens_it() {
    let t = spawn_desk().await;
    t.clock.advance(Duration::minutes(9));
    registered(&t).await; // activity keeps the session open
    t.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    let err = t.desk.search("ximena").await.unwrap_err();
    assert_eq!(err.code(), "sesion_bloqueada");
    assert_eq!(
        err.to_string(),
        "La sesión se bloqueó por inactividad. Escriba su contraseña para continuar."
    );
    let view = t.desk.session_view().await.unwrap();
    assert!(view.locked);
    assert_eq!(view.clerk.unwrap().username, CLERK.0);

    let err = t.desk.unlock("no-es-la-clave").await.unwrap_err();
    assert_eq!(err.code(), "credenciales_incorrectas");
    assert!(err.to_string().contains("Quedan 4 intentos"));
    assert!(t.desk.search("ximena").await.is_err());
    t.desk.unlock(CLERK.1).await.unwrap();
    assert_eq!(
        t.desk.search("ximena").await.unwrap().registrations.len(),
        1
    );

    // Another clerk may take the desk instead; the audit trail names who did what.
    t.desk.lock_session().await.unwrap();
    t.as_supervisor().await;
    t.desk.search("ximena").await.unwrap();
    let trail: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, clerk FROM audit_events WHERE action LIKE 'sesion_%' OR action = 'registro_creado' ORDER BY occurred_at, rowid",
    )
    .fetch_all(t.desk.store().reader())
    .await
    .unwrap();
    let trail: Vec<(&str, &str)> = trail
        .iter()
        .map(|(a, c)| (a.as_str(), c.as_str()))
        .collect();
    assert!(trail.contains(&("registro_creado", CLERK.0)), "{trail:?}");
    assert!(
        trail.contains(&("sesion_desbloqueada", CLERK.0)),
        "{trail:?}"
    );
    assert!(trail.contains(&("sesion_bloqueada", CLERK.0)), "{trail:?}");
    assert!(
        trail.contains(&("sesion_iniciada", "supervisora")),
        "{trail:?}"
    );

    t.desk.sign_out().await.unwrap();
    assert_eq!(
        t.desk.search("ximena").await.unwrap_err().code(),
        "sin_sesion"
    );
}
