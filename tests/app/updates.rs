//! Updates for a fleet: a release signed in the test with a key pair made in the test,
//! served with its manifest from a loopback HTTP server, and checked by the real
//! tauri-plugin-updater (its download, its signature check) through the shell's updates
//! module, configured as tauri.conf.json configures it but with the test's public key.

use crate::ipc::*;
use registro_app::updates::{self, ReadyUpdate, UpdateState, UpdateView};
use registro_core::config::Settings;
use registro_test_support::update_server::{ReleaseKey, UpdateServer, is_public_key};
use serde_json::json;
use std::cell::RefCell;

/// This build's version: major, minor, patch.
fn current() -> [u64; 3] {
    let parts: Vec<u64> = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|p| p.parse().unwrap())
        .collect();
    [parts[0], parts[1], parts[2]]
}

/// A version `steps` minor versions ahead of this build.
fn newer(steps: u64) -> String {
    let [major, minor, _] = current();
    format!("{major}.{}.0", minor + steps)
}

/// A version just behind this build.
fn older() -> String {
    match current() {
        [major, minor, patch] if patch > 0 => format!("{major}.{minor}.{}", patch - 1),
        [major, minor, _] if minor > 0 => format!("{major}.{}.99", minor - 1),
        [major, _, _] => format!(
            "{}.99.99",
            major.checked_sub(1).expect("a version above 0.0.0")
        ),
    }
}

const PACKAGE: &[u8] = b"MZ\x90\x00 instalador de prueba de Registro en Servicios en Linea";

/// The desk, signed in as its first supervisor, pointed at `manifest`, trusting `key`.
fn desk_trusting(key: &ReleaseKey, manifest: &str) -> TestApp {
    let settings = Settings {
        update_url: manifest.to_owned(),
        ..Default::default()
    };
    spawn_with_updater(settings, &key.public_key()).with_first_supervisor()
}

fn check(app: &TestApp) -> UpdateView {
    tauri::async_runtime::block_on(updates::check_now(&app.handle()))
}

/// Hands a ready update to a stand-in installer (the real one replaces this program) and
/// returns what it was given, if it was called.
fn install_if_idle(app: &TestApp) -> Option<(String, Vec<u8>)> {
    let installed = RefCell::new(None);
    let done = tauri::async_runtime::block_on(updates::install_if_idle(
        &app.handle(),
        |ready: ReadyUpdate| {
            installed.replace(Some((ready.update.version.clone(), ready.bytes)));
            Ok(())
        },
    ));
    let installed = installed.into_inner();
    assert_eq!(done, installed.is_some());
    installed
}

/// A desk trusting `trusted`, pointed at a server announcing `announced` with a package
/// that `signer` signed as version `signed_as`; and that server (keep it alive).
fn offered(
    trusted: &ReleaseKey,
    signer: &ReleaseKey,
    announced: &str,
    signed_as: &str,
) -> (TestApp, UpdateServer) {
    let server = UpdateServer::start();
    let manifest = server.publish(
        announced,
        PACKAGE,
        &signer.sign(PACKAGE, "registro-setup.exe", signed_as),
    );
    (desk_trusting(trusted, &manifest), server)
}

/// A desk that found a correctly signed newer version and holds it, verified, ready to
/// install; the server it came from (keep it alive) and the version.
fn ready_to_install() -> (TestApp, UpdateServer, String) {
    let key = ReleaseKey::generate();
    let newer = newer(1);
    let (app, server) = offered(&key, &key, &newer, &newer);
    assert_eq!(check(&app).state, UpdateState::Ready);
    (app, server, newer)
}

#[test]
fn a_newer_version_signed_with_the_institutes_key_is_downloaded_verified_and_announced() {
    let key = ReleaseKey::generate();
    let newer = newer(1);
    let (app, server) = offered(&key, &key, &newer, &newer);
    let before = app.invoke("update_status", json!({})).unwrap();
    assert_eq!(before["state"], "not_checked_yet");

    let view = check(&app);
    assert_eq!(view.state, UpdateState::Ready, "{view:?}");
    assert_eq!(view.version.as_deref(), Some(newer.as_str()));
    assert_eq!(view.current_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        server.asked(),
        [
            "/latest.json".to_owned(),
            format!("/paquetes/registro_{newer}_x64-setup.exe")
        ]
    );
    // The status bar reads the same through IPC.
    let shown = app.invoke("update_status", json!({})).unwrap();
    assert_eq!(shown["state"], "ready");
    assert_eq!(shown["version"], newer);

    // Asking again finds the same version: nothing is downloaded twice.
    assert_eq!(check(&app).state, UpdateState::Ready);
    assert_eq!(server.asked().len(), 3);
}

#[test]
fn a_tampered_package_is_refused_with_a_clear_message_and_nothing_waits_to_install() {
    let key = ReleaseKey::generate();
    let server = UpdateServer::start();
    let newer = newer(1);
    let signature = key.sign(PACKAGE, "registro-setup.exe", &newer);
    let manifest = server.publish(&newer, PACKAGE, &signature);
    // Someone on the way (or on the server) changes one byte of the installer.
    let mut tampered = PACKAGE.to_vec();
    tampered[10] ^= 1;
    server.put(
        &format!("/paquetes/registro_{newer}_x64-setup.exe"),
        tampered,
    );
    let app = desk_trusting(&key, &manifest);

    let view = check(&app);
    assert_eq!(view.state, UpdateState::Refused, "{view:?}");
    assert_eq!(view.version.as_deref(), Some(newer.as_str()));
    assert_eq!(
        view.message.as_deref(),
        Some(
            format!(
                "Se rechazó la versión {newer}: el paquete descargado no tiene una firma válida \
                 del Instituto (fue alterado o firmado con otra clave). No se instaló nada; \
                 avise a soporte."
            )
            .as_str()
        )
    );
    // Even an idle station has nothing to install.
    app.invoke("lock_session", json!({})).unwrap();
    app.invoke("registration_form_state", json!({"inProgress": false}))
        .unwrap();
    assert_eq!(install_if_idle(&app), None);
}

#[test]
fn a_package_signed_with_another_key_is_refused() {
    let institute = ReleaseKey::generate();
    let impostor = ReleaseKey::generate();
    let newer = newer(1);
    let (app, _server) = offered(&institute, &impostor, &newer, &newer);

    let view = check(&app);
    assert_eq!(view.state, UpdateState::Refused, "{view:?}");
    assert!(
        view.message
            .as_deref()
            .unwrap()
            .contains("no tiene una firma válida del Instituto"),
        "{view:?}"
    );
}

/// The manifest is not signed: a tampered one could offer a genuine old installer as if it
/// were new. The version inside the signature gives it away (requireSignedVersion).
#[test]
fn an_old_signed_package_announced_as_a_new_version_is_refused() {
    let key = ReleaseKey::generate();
    let old = older();
    let announced = newer(5);
    let (app, _server) = offered(&key, &key, &announced, &old);

    let view = check(&app);
    assert_eq!(view.state, UpdateState::Refused, "{view:?}");
    assert_eq!(
        view.message.as_deref(),
        Some(
            format!(
                "Se rechazó la versión {announced}: el paquete está firmado como versión {old}, \
                 no como la que anuncia el servidor. No se instaló nada; avise a soporte."
            )
            .as_str()
        )
    );
}

#[test]
fn an_equal_or_older_version_is_not_offered_nor_downloaded() {
    let key = ReleaseKey::generate();
    let server = UpdateServer::start();
    for version in [env!("CARGO_PKG_VERSION").to_owned(), older()] {
        let manifest = server.publish(
            &version,
            PACKAGE,
            &key.sign(PACKAGE, "registro-setup.exe", &version),
        );
        let app = desk_trusting(&key, &manifest);
        let view = check(&app);
        assert_eq!(view.state, UpdateState::UpToDate, "{version}: {view:?}");
        assert_eq!(view.version, None);
    }
    assert_eq!(server.asked(), ["/latest.json", "/latest.json"]);
}

#[test]
fn without_an_update_address_nobody_is_asked_and_a_withdrawn_address_drops_the_ready_update() {
    let key = ReleaseKey::generate();
    let server = UpdateServer::start();
    let newer = newer(1);
    let manifest = server.publish(
        &newer,
        PACKAGE,
        &key.sign(PACKAGE, "registro-setup.exe", &newer),
    );
    // The embedded defaults: no address.
    let quiet = spawn_with_updater(Settings::default(), &key.public_key()).with_first_supervisor();
    assert_eq!(
        quiet.invoke("update_status", json!({})).unwrap()["state"],
        "off"
    );
    assert_eq!(check(&quiet).state, UpdateState::Off);

    let app = desk_trusting(&key, &manifest);
    assert_eq!(check(&app).state, UpdateState::Ready);
    // A supervisor empties the address: nothing is asked, and nothing waits to install.
    let mut settings = app.invoke("get_settings", json!({})).unwrap()["settings"].clone();
    settings["update_url"] = json!("");
    app.invoke(
        "save_settings",
        json!({"settings": settings,
               "approval": {"username": "supervisora", "password": SUPERVISOR_PASSWORD}}),
    )
    .unwrap();
    assert_eq!(check(&app).state, UpdateState::Off);
    app.invoke("lock_session", json!({})).unwrap();
    app.invoke("registration_form_state", json!({"inProgress": false}))
        .unwrap();
    assert_eq!(install_if_idle(&app), None);
    assert_eq!(
        server.asked().len(),
        2,
        "only the one check with an address"
    );
}

#[test]
fn a_plain_http_address_off_this_machine_is_refused_by_the_settings_screen() {
    let app = spawn_app();
    let mut settings = app.invoke("get_settings", json!({})).unwrap()["settings"].clone();
    settings["update_url"] = json!("http://intranet.issstecali.example/latest.json");
    let error = app
        .invoke(
            "save_settings",
            json!({"settings": settings,
                   "approval": {"username": "supervisora", "password": SUPERVISOR_PASSWORD}}),
        )
        .unwrap_err();
    assert_eq!(error["fields"][0]["field"], "update_url");
    assert_eq!(
        error["fields"][0]["message"],
        "La dirección de actualizaciones debe empezar con https:// (http:// solo en este mismo equipo)."
    );
}

#[test]
fn an_unreachable_server_is_reported_in_spanish() {
    let key = ReleaseKey::generate();
    let nobody = format!(
        "http://127.0.0.1:{}/latest.json",
        registro_test_support::free_port()
    );
    let app = desk_trusting(&key, &nobody);
    let view = check(&app);
    assert_eq!(view.state, UpdateState::Failed, "{view:?}");
    assert_eq!(
        view.message.as_deref(),
        Some("No se pudo conectar con el servidor de actualizaciones.")
    );
}

#[test]
fn a_ready_update_installs_only_when_the_station_is_idle_and_no_registration_is_in_progress() {
    let (app, _server, newer) = ready_to_install();
    let status = app.invoke("update_status", json!({})).unwrap();
    assert_eq!(
        status["registration_in_progress"], true,
        "until the window reports, the form counts as in use"
    );

    // The supervisor is at the desk (signed in, not locked), form empty: not now.
    app.invoke("registration_form_state", json!({"inProgress": false}))
        .unwrap();
    assert_eq!(install_if_idle(&app), None);

    // She locks the desk with a registration half typed: her work waits for her.
    app.invoke("registration_form_state", json!({"inProgress": true}))
        .unwrap();
    app.invoke("lock_session", json!({})).unwrap();
    assert_eq!(install_if_idle(&app), None);

    // A registration being saved holds the update off too.
    app.invoke("registration_form_state", json!({"inProgress": false}))
        .unwrap();
    let state = app.handle();
    let state = tauri::Manager::state::<registro_app::state::AppState>(&state);
    {
        let _saving = tauri::async_runtime::block_on(state.updates.saving_registration());
        assert_eq!(install_if_idle(&app), None);
    }

    // Locked, nothing typed, nothing being saved: the verified package is installed, once.
    assert_eq!(
        install_if_idle(&app),
        Some((newer.clone(), PACKAGE.to_vec()))
    );
    assert_eq!(install_if_idle(&app), None);
}

#[test]
fn nobody_signed_in_with_an_empty_form_is_idle() {
    let (app, _server, newer) = ready_to_install();
    app.invoke("sign_out", json!({})).unwrap();
    app.invoke("registration_form_state", json!({"inProgress": false}))
        .unwrap();
    assert_eq!(install_if_idle(&app), Some((newer, PACKAGE.to_vec())));
}

/// Production trusts the key in tauri.conf.json, asks no address of its own, and requires
/// the version inside the signature; the window may not drive the updater.
#[test]
fn tauri_conf_holds_the_public_key_and_the_safe_updater_settings() {
    let config = production_config();
    let updater = &config["plugins"]["updater"];
    assert!(
        is_public_key(updater["pubkey"].as_str().unwrap()),
        "plugins.updater.pubkey must be the base64 of a minisign public key file"
    );
    assert_eq!(updater["endpoints"], json!([]), "the address is a setting");
    assert_eq!(updater["requireSignedVersion"], true);
    assert_eq!(updater["allowDowngrades"], false);
    assert!(updater.get("dangerousInsecureTransportProtocol").is_none());
    assert!(updater.get("dangerousAcceptInvalidCerts").is_none());
    let capabilities = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src-tauri/capabilities/default.json"),
    )
    .unwrap();
    assert!(!capabilities.contains("updater"), "{capabilities}");
}
