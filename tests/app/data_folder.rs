//! Where the app keeps its data, as a Windows session has it: the default folder, and a
//! user name with spaces and accents in the path. Run on Linux and, as a Windows program,
//! under Wine (scripts/windows-tests-under-wine.sh).

use crate::ipc::*;
use registro_core::config::Settings;
use registro_test_support::test_folder;
use serde_json::json;
use std::path::PathBuf;
use tauri::Manager;
use tauri::test::{mock_builder, mock_context, noop_assets};

/// The identifier in tauri.conf.json: it names the data folder.
fn identifier() -> String {
    let conf: serde_json::Value =
        serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    conf["identifier"].as_str().unwrap().to_owned()
}

#[test]
fn the_data_folder_is_the_apps_folder_in_the_users_roaming_profile() {
    let mut context = mock_context(noop_assets());
    context.config_mut().identifier = identifier();
    let app = mock_builder().build(context).unwrap();
    let folder = registro_app::data_dir(app.handle()).unwrap();

    let expected = match std::env::var_os(registro_app::DATA_DIR_ENV) {
        // Whoever runs the tests moved it (a second install side by side does the same).
        Some(dir) => PathBuf::from(dir),
        // %APPDATA% is the Roaming folder: it follows the clerk to another PC of the
        // domain when the institute uses roaming profiles.
        None if cfg!(windows) => PathBuf::from(std::env::var_os("APPDATA").expect("%APPDATA%"))
            .join("mx.gob.issstecali.registroenlinea"),
        None => match std::env::var_os("XDG_DATA_HOME").map(PathBuf::from) {
            Some(dir) if dir.is_absolute() => dir,
            _ => PathBuf::from(std::env::var_os("HOME").expect("$HOME")).join(".local/share"),
        }
        .join("mx.gob.issstecali.registroenlinea"),
    };
    assert_eq!(folder, expected);
}

#[test]
fn the_app_works_from_a_folder_under_a_user_name_with_spaces_and_accents() {
    let home = test_folder();
    let root = ["Users", "María José Núñez", "AppData", "Roaming"]
        .iter()
        .fold(home.path().to_owned(), |p, part| p.join(part))
        .join("mx.gob.issstecali.registroenlinea");
    let app = open_app(&root, &unique_credential_service(), Settings::default());
    app.invoke(
        "create_first_supervisor",
        json!({"username": "supervisora", "fullName": "María José Núñez Ejemplo",
               "password": SUPERVISOR_PASSWORD, "confirmation": SUPERVISOR_PASSWORD}),
    )
    .unwrap();
    app.accept_key_on_disk();

    let receipt = app
        .invoke(
            "register",
            app.form("900100101", "DEMO4821907", "maria.jose@example.com"),
        )
        .unwrap();
    let text = app.wait_for_email("maria.jose@example.com", "código de validación");
    assert!(text.contains(receipt["folio"].as_str().unwrap()));
    assert!(app.paths.outbox_files().starts_with(&root));

    let saved = app
        .invoke(
            "save_receipt_pdf",
            json!({"registrationId": receipt["registration_id"]}),
        )
        .unwrap();
    let pdf = PathBuf::from(saved.as_str().unwrap());
    assert!(pdf.starts_with(&root), "{}", pdf.display());
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    // Closed and opened again, the registration is still there.
    let app = app.restart(Settings::default());
    app.invoke(
        "sign_in",
        json!({"username": "supervisora", "password": SUPERVISOR_PASSWORD}),
    )
    .unwrap();
    let found = app.invoke("search", json!({"query": "900100101"})).unwrap();
    assert_eq!(
        found["registrations"][0]["registration_id"],
        receipt["registration_id"]
    );
}

/// A saved SMTP server the app cannot use (here a root certificate that is not one) holds
/// the station, as an unreadable settings file does: nothing is quietly written to files
/// while the clerk believes the emails left.
#[test]
fn a_saved_smtp_server_the_app_cannot_use_holds_the_station() {
    let home = test_folder();
    let settings = Settings {
        smtp: Some(registro_core::config::SmtpSettings {
            host: "127.0.0.1".into(),
            port: 2525,
            root_certificate_pem:
                "-----BEGIN CERTIFICATE-----\nno es un certificado\n-----END CERTIFICATE-----\n"
                    .into(),
            ..Default::default()
        }),
        ..Settings::default()
    };
    let app = open_app(home.path(), &unique_credential_service(), settings);
    app.invoke(
        "create_first_supervisor",
        json!({"username": "supervisora", "fullName": "María José Núñez Ejemplo",
               "password": SUPERVISOR_PASSWORD, "confirmation": SUPERVISOR_PASSWORD}),
    )
    .unwrap();
    let status = app.invoke("sync_status", json!({})).unwrap();
    assert_eq!(status["settings_problem"]["setting"], "smtp", "{status}");
    let refused = app
        .invoke(
            "register",
            app.form("900100101", "DEMO4821907", "maria.jose@example.com"),
        )
        .unwrap_err();
    assert_eq!(refused["code"], "ajustes_invalidos", "{refused}");
}

/// A station without a credential store keeps its database key in the data folder: the
/// app says so, registers nobody until a supervisor accepts it in «Ajustes» (audited),
/// and the acceptance holds after a restart.
#[test]
fn without_a_credential_store_nobody_is_registered_until_a_supervisor_accepts_the_key_on_disk() {
    let app = spawn_without_credential_store();
    app.invoke(
        "create_first_supervisor",
        json!({"username": "supervisora", "fullName": "Rosa Elena Prueba Demo",
               "password": SUPERVISOR_PASSWORD, "confirmation": SUPERVISOR_PASSWORD}),
    )
    .unwrap();
    assert!(app.paths.key_file().is_file());
    let view = app.invoke("get_settings", json!({})).unwrap();
    assert_eq!(view["key_on_disk"], "held");
    assert_eq!(view["secret_store"]["persistent"], false);
    let status = app.invoke("sync_status", json!({})).unwrap();
    assert_eq!(status["key_on_disk"], "held");

    let form = app.form("900100101", "DEMO4821907", "ximena@example.com");
    let refused = app.invoke("register", form.clone()).unwrap_err();
    assert_eq!(refused["code"], "clave_en_disco");
    assert!(
        refused["message"].as_str().unwrap().contains("«Ajustes»"),
        "{refused}"
    );

    let wrong = app
        .invoke(
            "accept_key_on_disk",
            json!({"approval": {"username": "supervisora", "password": "no-es-esta"}}),
        )
        .unwrap_err();
    assert_eq!(wrong["code"], "supervisor_rechazado");
    let view = app
        .invoke(
            "accept_key_on_disk",
            json!({"approval": {"username": "supervisora", "password": SUPERVISOR_PASSWORD}}),
        )
        .unwrap();
    assert_eq!(view["key_on_disk"], "accepted");
    app.invoke("register", form).unwrap();
    let state = app.handle();
    let state = state.state::<registro_app::state::AppState>();
    let audited: i64 = tauri::async_runtime::block_on(
        sqlx::query_scalar(
            "SELECT count(*) FROM audit_events
              WHERE action = 'clave_en_disco_aceptada' AND clerk = 'supervisora'",
        )
        .fetch_one(state.desk.store().reader()),
    )
    .unwrap();
    assert_eq!(audited, 1);

    let app = app.restart(Settings::default());
    let status = app.invoke("sync_status", json!({})).unwrap();
    assert_eq!(status["key_on_disk"], "accepted");
}
