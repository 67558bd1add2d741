//! A data folder whose database does not open: the window gets the rescue state and no
//! other command works, each refusing in Spanish.

use registro_app::{Launch, Rescue};
use registro_core::DataPaths;
use registro_core::config::Settings;
use registro_core::startup::StartupProblem;
use registro_test_support::*;
use serde_json::json;
use tauri::WebviewWindowBuilder;
use tauri::test::{mock_builder, mock_context, noop_assets};

#[test]
fn without_a_database_only_the_rescue_screen_answers() {
    let dir = test_folder();
    let paths = DataPaths::new(dir.path());
    // The station's key is at hand (in its file): the file itself is what is wrong.
    database_key(&paths);
    std::fs::write(paths.database(), b"no soy una base de datos".repeat(300)).unwrap();
    let secrets = registro_app::secrets::SecretStore::memory_only();
    let Err(error) = tauri::async_runtime::block_on(registro_app::start(
        paths.clone(),
        Settings::default(),
        secrets,
        None,
    )) else {
        panic!("the database opened");
    };
    let problem = StartupProblem::new(&error, &paths, &Settings::default());
    let rescue = Rescue::new(
        Some(problem),
        Launch {
            paths: paths.clone(),
            settings: Settings::default(),
            settings_problem: None,
            settings_file: None,
            receipts_dir: dir.path().join("comprobantes"),
        },
    );
    let app = registro_app::with_commands(mock_builder())
        .manage(rescue)
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let invoke = |cmd: &str| crate::ipc::invoke_on(&window, cmd, json!({}));

    let shown = invoke("startup_problem").unwrap();
    assert_eq!(shown["kind"], "foreign_file");
    assert!(
        shown["message"]
            .as_str()
            .unwrap()
            .contains("No se modificó ningún archivo"),
        "{shown}"
    );
    for cmd in ["app_info", "session_status", "get_settings"] {
        let refused = invoke(cmd).unwrap_err();
        assert_eq!(refused["code"], "sin_base_de_datos", "{cmd}: {refused}");
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("pantalla de rescate")
        );
    }
    assert_eq!(
        std::fs::read(paths.database()).unwrap(),
        b"no soy una base de datos".repeat(300),
        "the file is left as it was"
    );
}
