//! Around the supervisor: a settings file a technician broke is kept as it is and holds the
//! station (nothing registered, nothing sent) until a supervisor saves valid settings; and
//! the window cannot reach the settings store behind the settings screen.

use super::checks::*;
use super::clerk::*;
use super::harness::*;
use std::time::Duration;

/// Written by hand on the station: the SMTP port typed in words.
const BROKEN: &str = r#"{"ajustes": {"office": "Clínica Hospital Mexicali", "workstation": "Ventanilla 2",
  "smtp": {"host": "smtp.example.org", "port": "veinticinco", "security": "starttls",
           "username": "registro", "timeout_secs": 20, "pool_size": 2, "root_certificate_pem": ""}}}"#;

/// What the window gets when it calls `command` itself, or "permitido".
async fn call_from_the_window(c: &fantoccini::Client, command: &str, args: &str) -> String {
    let answer = c
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 window.__TAURI__.core.invoke('{command}', {args})
                   .then(() => done('permitido'), (e) => done(String(e)));"
            ),
            vec![],
        )
        .await
        .unwrap();
    answer.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
#[ignore = "needs a display server, tauri-driver and WebKitWebDriver; ./dev.sh test runs it"]
async fn a_broken_settings_file_holds_the_station_until_a_supervisor_saves_valid_settings() {
    let h = start();
    let file = h.data.path().join("ajustes.json");
    std::fs::write(&file, BROKEN).unwrap();
    let c = connect(&h).await;
    first_supervisor(&c).await;

    // The status bar names the setting; the file is left exactly as the technician left it.
    wait_text(
        &c,
        "#estado-ajustes",
        "«smtp.port» tiene un valor de otro tipo",
    )
    .await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), BROKEN);
    screenshot(&c, &h, "70-ajustes-no-validos").await;

    // The window cannot go around the settings screen (and its supervisor approval).
    for (command, args) in [
        ("plugin:store|load", "{ path: 'ajustes.json' }"),
        ("plugin:store|set", "{ rid: 0, key: 'ajustes', value: {} }"),
        ("plugin:updater|check", "{}"),
    ] {
        let answer = call_from_the_window(&c, command, args).await;
        assert!(
            answer.contains("not allowed"),
            "{command} from the window: {answer}"
        );
    }

    // Nobody is registered on settings nobody chose.
    tab(&c, "registro").await;
    type_into(&c, "affiliation_number", "900100101").await;
    type_into(&c, "credential_serial", "DEMO4821907").await;
    type_into(&c, "phone", "664 555 0199").await;
    type_into(&c, "email", "alma.prueba@example.com").await;
    type_into(&c, "email_confirmation", "alma.prueba@example.com").await;
    answer_every_document(&c).await;
    click(&c, "registrar").await;
    wait_text(
        &c,
        "#registro-resumen",
        "Un supervisor debe corregirlo en «Ajustes»",
    )
    .await;
    assert!(!is_displayed(&c, "#registro-exito").await);

    // The settings screen says what happened; a supervisor saves valid settings.
    tab(&c, "ajustes").await;
    wait_text(&c, "#ajustes-problema", "«smtp.port»").await;
    screenshot(&c, &h, "71-ajustes-problema").await;
    save_settings_as_supervisor(&c).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!is_displayed(&c, "#ajustes-problema").await);

    // The technician's file is kept aside for support; the new one is what was saved.
    let aside: Vec<_> = std::fs::read_dir(h.data.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("ajustes.json.no-valido-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read_to_string(&aside[0]).unwrap(), BROKEN);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(saved["ajustes"]["office"].is_string(), "{saved}");

    // The hold is lifted: the status bar is clear and the registration goes through.
    // (The form kept what was typed and answered.)
    tab(&c, "registro").await;
    click(&c, "registrar").await;
    wait_visible(&c, "#registro-exito").await;
    let folio = text(&c, "#exito-folio").await;
    assert!(folio.starts_with("RSL-"), "{folio}");
    assert!(!is_displayed(&c, "#estado-ajustes").await);
    c.close().await.unwrap();
}
