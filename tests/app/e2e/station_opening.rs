//! Opening a station: the first supervisor, a clerk's account, signing in with a wrong
//! password, the forced password change, locking by hand and by inactivity.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use fantoccini::key::Key;
use std::time::{Duration, Instant};

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_supervisor_opens_the_station_and_a_clerk_signs_in_and_locks_the_desk() {
    let h = start();
    let c = connect(&h).await;
    assert_eq!(
        c.title().await.unwrap(),
        "Registro en Servicios en Línea — ISSSTECALI"
    );
    c.set_window_size(1366, 768).await.unwrap();

    // First run: nothing of the application shows until the first supervisor exists.
    wait_visible(&c, "#form-primer-supervisor").await;
    assert!(!is_displayed(&c, "#aplicacion").await);
    assert_eq!(focused(&c).await, "supervisor_full_name");
    audit_accessibility(&c, &h, "primer-arranque").await;
    type_into(&c, "supervisor_full_name", "Rosa Elena Prueba Demo").await;
    type_into(&c, "supervisor_username", SUPERVISOR.0).await;
    type_into(&c, "supervisor_password", SUPERVISOR.1).await;
    type_into(&c, "supervisor_password_confirmation", "otra-clave-larga").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(
        &c,
        "#error-supervisor_password_confirmation",
        "Las dos contraseñas no coinciden.",
    )
    .await;
    assert_eq!(focused(&c).await, "supervisor_password_confirmation");
    check_layout(&c, &h, "00-primer-arranque-error").await;
    type_into(&c, "supervisor_password_confirmation", SUPERVISOR.1).await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#aplicacion").await;
    assert_eq!(
        text(&c, "#usuario-actual").await,
        "Rosa Elena Prueba Demo (Supervisor)"
    );

    // The supervisor opens an account for a clerk.
    tab(&c, "personal").await;
    wait_text(&c, "#tabla-personal", "supervisora").await;
    type_into(&c, "staff_full_name", "Ana Lucía Ejemplo Ficticio").await;
    type_into(&c, "staff_username", "ana.ejemplo").await;
    type_into(&c, "staff_password", "clave-inicial-ana").await;
    type_into(&c, "staff_password_confirmation", "clave-inicial-ana").await;
    click(&c, "crear-cuenta").await;
    wait_text(&c, "#personal-exito", "Cuenta creada para Ana Lucía").await;
    wait_text(&c, "#tabla-personal", "debe elegir su contraseña").await;
    check_layout(&c, &h, "08-personal").await;
    audit_accessibility(&c, &h, "personal").await;

    // The clerk signs in: a wrong password is counted, then the supervisor's password
    // must be replaced before anything else.
    click(&c, "cerrar-sesion").await;
    wait_visible(&c, "#form-entrar").await;
    type_into(&c, "signin_username", "ana.ejemplo").await;
    type_into(&c, "signin_password", "no-es-la-clave").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(
        &c,
        "#error-signin_password",
        "Usuario o contraseña incorrectos. Quedan 4 intentos.",
    )
    .await;
    assert_eq!(focused(&c).await, "signin_password");
    check_layout(&c, &h, "09-entrar-error").await;
    audit_accessibility(&c, &h, "entrar").await;
    type_into(&c, "signin_password", "clave-inicial-ana").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#form-cambiar-contrasena").await;
    audit_accessibility(&c, &h, "elegir-contrasena").await;
    type_into(&c, "current_password", "clave-inicial-ana").await;
    type_into(&c, "new_password", "la-clave-de-ana-2026").await;
    type_into(&c, "new_password_confirmation", "la-clave-de-ana-2026").await;
    screenshot(&c, &h, "10-elegir-contrasena").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#aplicacion").await;
    assert_eq!(
        text(&c, "#usuario-actual").await,
        "Ana Lucía Ejemplo Ficticio (Capturista)"
    );
    assert!(!is_displayed(&c, ".pestana[data-pantalla='personal']").await);
    assert_eq!(focused(&c).await, "affiliation_number");
    // The roster is shown to her, not offered for import (the core refuses it too).
    tab(&c, "padron").await;
    wait_visible(&c, "#padron-solo-supervisor").await;
    assert!(!is_displayed(&c, "#form-padron").await);
    tab(&c, "registro").await;

    // She steps away: the desk locks and shows nothing; only her password opens it.
    type_into(&c, "affiliation_number", "900100101").await;
    click(&c, "bloquear").await;
    wait_visible(&c, "#form-desbloquear").await;
    assert!(!is_displayed(&c, "#aplicacion").await);
    assert!(
        text(&c, "#desbloquear-quien")
            .await
            .contains("Ana Lucía Ejemplo Ficticio (ana.ejemplo)")
    );
    check_layout(&c, &h, "11-sesion-bloqueada").await;
    audit_accessibility(&c, &h, "sesion-bloqueada").await;
    type_into(&c, "unlock_password", "otra").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_text(&c, "#error-unlock_password", "Quedan").await;
    type_into(&c, "unlock_password", "la-clave-de-ana-2026").await;
    press(&c, &Key::Enter.to_string()).await;
    wait_visible(&c, "#aplicacion").await;
    // Her work is where she left it.
    assert_eq!(value(&c, "affiliation_number").await, "900100101");

    // Left alone for the configured minutes (a supervisor set 1), the desk locks itself.
    tab(&c, "ajustes").await;
    type_into(&c, "session_lock_minutes", "1").await;
    save_settings_as_supervisor(&c).await;
    let idle = Instant::now();
    let deadline = idle + Duration::from_secs(90);
    while !is_displayed(&c, "#form-desbloquear").await {
        assert!(Instant::now() < deadline, "the idle desk never locked");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        idle.elapsed() >= Duration::from_secs(55),
        "locked too early"
    );
    assert!(!is_displayed(&c, "#aplicacion").await);
    c.close().await.unwrap();
}
