//! The passwords of the SMTP server and of the central database in the Windows Credential
//! Manager: saved from the settings screen, read back by the next start, replaced and
//! removed. Windows only (under Wine in CI: scripts/windows-tests-under-wine.sh); on
//! Linux the store is the Secret Service, which CI machines do not run.

use crate::ipc::*;
use registro_app::secrets::{Secret, SecretStore};
use registro_core::config::{Settings, SmtpSecurity};
use registro_test_support::smtp_server::{self, SmtpServer};
use serde_json::{Value, json};

const CENTRAL_PASSWORD: &str = "clave-de-la-oficina-1";

fn approval() -> Value {
    json!({"username": "supervisora", "password": SUPERVISOR_PASSWORD})
}

/// What the supervisor types on the settings screen: the SMTP server (with its user) and
/// the central database, plus whichever passwords are given.
fn save(app: &TestApp, settings: &Value, smtp: Option<&str>, central: Option<&str>) -> Value {
    app.invoke(
        "save_settings",
        json!({"settings": settings, "smtpPassword": smtp, "centralPassword": central,
               "approval": approval()}),
    )
    .unwrap()
}

/// The next start of the app on the same Windows account: the settings come back from
/// ajustes.json, the passwords from the Credential Manager; the supervisor signs in.
fn restart(app: TestApp, settings: &Value) -> TestApp {
    let app = app.restart(serde_json::from_value::<Settings>(settings.clone()).unwrap());
    app.invoke(
        "sign_in",
        json!({"username": "supervisora", "password": SUPERVISOR_PASSWORD}),
    )
    .unwrap();
    app
}

fn saved_flags(app: &TestApp) -> (bool, bool) {
    let view = app.invoke("get_settings", json!({})).unwrap();
    (
        view["smtp_password_saved"].as_bool().unwrap(),
        view["central_password_saved"].as_bool().unwrap(),
    )
}

#[test]
fn passwords_are_kept_in_the_credential_manager_replaced_and_removed() {
    let server = SmtpServer::start(SmtpSecurity::Plain, true);
    let app = spawn_app();
    let view = app.invoke("get_settings", json!({})).unwrap();
    assert_eq!(view["secret_store"]["persistent"], true, "{view}");
    assert_eq!(
        view["secret_store"]["description"],
        "Las contraseñas se guardan en el Administrador de credenciales de Windows."
    );

    let mut settings = view["settings"].clone();
    settings["smtp"] = json!({"host": "127.0.0.1", "port": server.port, "security": "plain",
        "username": smtp_server::USER, "timeout_secs": 5, "pool_size": 1,
        "root_certificate_pem": ""});
    // Nobody listens there: the sync worker only logs that it is offline.
    settings["central_url"] = json!(format!(
        "postgres://oficina_mexicali@127.0.0.1:{}/registro",
        registro_test_support::free_port()
    ));
    let saved = save(
        &app,
        &settings,
        Some(smtp_server::PASSWORD),
        Some(CENTRAL_PASSWORD),
    );
    assert_eq!(
        (
            saved["smtp_password_saved"].clone(),
            saved["central_password_saved"].clone()
        ),
        (json!(true), json!(true))
    );

    // Saved: the next start reads both back and the SMTP server accepts the password.
    let app = restart(app, &settings);
    assert_eq!(saved_flags(&app), (true, true));
    app.invoke("send_test_email", json!({"to": "prueba@example.org"}))
        .unwrap();
    assert_eq!(server.received().len(), 1);
    let store = SecretStore::open_for(&app.credential_service);
    assert_eq!(
        store.get(Secret::Central).as_deref(),
        Some(CENTRAL_PASSWORD)
    );

    // Replaced: the next start uses the new one (wrong on purpose: the server says so).
    save(&app, &settings, Some("una-clave-que-no-es"), None);
    let app = restart(app, &settings);
    let error = app
        .invoke("send_test_email", json!({"to": "prueba@example.org"}))
        .unwrap_err();
    assert!(
        error["message"].as_str().unwrap().contains("535"),
        "{error}"
    );
    assert_eq!(server.received().len(), 1);
    let store = SecretStore::open_for(&app.credential_service);
    assert_eq!(
        store.get(Secret::Central).as_deref(),
        Some(CENTRAL_PASSWORD),
        "the central password was kept"
    );

    // Removed (empty): nothing is left for the next start, nor in the Credential Manager.
    save(&app, &settings, Some(""), Some(""));
    let app = restart(app, &settings);
    assert_eq!(saved_flags(&app), (false, false));
    let store = SecretStore::open_for(&app.credential_service);
    assert_eq!(store.get(Secret::Smtp), None);
    assert_eq!(store.get(Secret::Central), None);
    assert!(store.status().persistent);
}

/// The database key of a data folder is kept in the Credential Manager, not in the folder:
/// no key file, no hold on registrations, and the next start opens the same database.
#[test]
fn the_database_key_is_kept_in_the_credential_manager() {
    let app = spawn_app();
    assert!(!app.paths.key_file().exists());
    let view = app.invoke("get_settings", json!({})).unwrap();
    assert_eq!(view["key_on_disk"], Value::Null);
    let receipt = app
        .invoke(
            "register",
            app.form("900100101", "DEMO4821907", "ximena@example.com"),
        )
        .unwrap();
    let store = SecretStore::open_for(&app.credential_service);
    let (key, on_disk) = store.database_key(&app.paths).unwrap();
    assert!(!on_disk);
    assert!(!format!("{key:?}").contains(&key.to_hex()[..8]));

    let app = restart(app, &serde_json::to_value(Settings::default()).unwrap());
    let found = app.invoke("search", json!({"query": "900100101"})).unwrap();
    assert_eq!(
        found["registrations"][0]["registration_id"],
        receipt["registration_id"]
    );
    assert!(!app.paths.key_file().exists());
}
