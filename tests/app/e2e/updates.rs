//! New versions in the real window: a supervisor points the station at the intranet's
//! manifest, and the app's own public key (tauri.conf.json, whose private half nobody
//! holds) refuses a package signed with any other key: the status bar says so in red.
//! The window tells the station whether the registration form holds work.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use fantoccini::Client;
use registro_test_support::update_server::{ReleaseKey, UpdateServer};
use std::time::{Duration, Instant};

/// What the station last heard from the window about the registration form.
async fn form_reported_in_progress(c: &Client) -> bool {
    let view = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('update_status').then(done, (e) => done({ error: e }));",
            vec![],
        )
        .await
        .unwrap();
    view["registration_in_progress"]
        .as_bool()
        .unwrap_or_else(|| panic!("update_status answered {view}"))
}

async fn wait_form_reported(c: &Client, in_progress: bool) {
    let deadline = Instant::now() + WAIT;
    while form_reported_in_progress(c).await != in_progress {
        assert!(
            Instant::now() < deadline,
            "the window never reported the form as in progress = {in_progress}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_version_not_signed_by_the_institute_is_refused_and_the_clerk_is_told() {
    let stranger = ReleaseKey::generate();
    let server = UpdateServer::start();
    let package = b"MZ instalador que no firma el Instituto".as_slice();
    let manifest = server.publish(
        "99.0.0",
        package,
        &stranger.sign(package, "registro-setup.exe", "99.0.0"),
    );

    let h = start();
    let c = connect(&h).await;
    first_supervisor(&c).await;
    // The registration form shows, empty: the window says so.
    wait_form_reported(&c, false).await;
    type_into(&c, "affiliation_number", "900100101").await;
    wait_form_reported(&c, true).await;
    type_into(&c, "affiliation_number", "").await;
    wait_form_reported(&c, false).await;

    tab(&c, "ajustes").await;
    wait_visible(&c, "#form-ajustes").await;
    wait_text(
        &c,
        "#estado-actualizaciones",
        "Sin dirección, esta estación no busca versiones nuevas.",
    )
    .await;
    assert!(server.asked().is_empty(), "the defaults ask nobody");

    // Plain http to another machine is refused before anything is asked.
    type_into(
        &c,
        "update_url",
        "http://intranet.issstecali.example/latest.json",
    )
    .await;
    save_settings_refused(
        &c,
        "La dirección de actualizaciones debe empezar con https://",
    )
    .await;

    type_into(&c, "update_url", &manifest).await;
    save_settings_as_supervisor(&c).await;
    let refused = wait_text(&c, "#estado-actualizacion", "Se rechazó la versión 99.0.0").await;
    assert!(
        refused.contains("no tiene una firma válida del Instituto"),
        "{refused}"
    );
    wait_text(
        &c,
        "#estado-actualizaciones",
        "Se rechazó la versión 99.0.0",
    )
    .await;
    assert_eq!(
        server.asked(),
        ["/latest.json", "/paquetes/registro_99.0.0_x64-setup.exe"]
    );
    c.execute(
        "document.getElementById('update_url').closest('fieldset').scrollIntoView({ block: 'center' });",
        vec![],
    )
    .await
    .unwrap();
    check_layout(&c, &h, "50-actualizacion-rechazada").await;
    audit_accessibility(&c, &h, "ajustes-actualizaciones").await;
    c.close().await.unwrap();
}
