//! The desktop shell: a Tauri window over `registro-core`.

pub mod commands;
pub mod error;
pub mod state;

use registro_core::config::Settings;
use registro_core::{DataPaths, Desk};
use state::AppState;
use std::path::PathBuf;
use tauri::{Manager, Runtime};
use tauri_plugin_store::StoreExt;

/// Overrides the data folder (tests, or several installs side by side).
pub const DATA_DIR_ENV: &str = "REGISTRO_DATA_DIR";
const SETTINGS_FILE: &str = "ajustes.json";
const SETTINGS_KEY: &str = "ajustes";

/// Registers every command on `builder`; `run` adds the window and the plugins, tests
/// pass Tauri's mock builder.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::check_field,
        commands::legal_documents,
        commands::register,
        commands::validate_code,
        commands::import_roster,
    ])
}

/// Opens the data folder, starts the outbox worker and returns the state to manage.
pub async fn start(paths: DataPaths, settings: Settings) -> registro_core::Result<AppState> {
    let desk = Desk::open(&paths, settings).await?;
    let email_delivery = desk.transport().describe();
    tauri::async_runtime::spawn(desk.outbox_worker().run());
    Ok(AppState {
        desk,
        paths,
        email_delivery,
    })
}

pub fn run() {
    with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let root = match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir()?,
            };
            app.manage(LogGuard(init_logging(&root.join("registros-de-actividad"))));
            let settings = load_settings(app, &root);
            let state = tauri::async_runtime::block_on(start(DataPaths::new(root), settings))
                .map_err(|e| format!("no se pudo abrir la base de datos local: {e:?}"))?;
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "app started");
            app.manage(state);
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the application");
}

/// Settings from the plugin store, with defaults for anything missing (written back so
/// a supervisor can see and edit the file).
fn load_settings<R: Runtime>(app: &tauri::App<R>, root: &std::path::Path) -> Settings {
    let Ok(store) = app.store(root.join(SETTINGS_FILE)) else {
        tracing::warn!("settings store unavailable; using defaults");
        return Settings::default();
    };
    let settings = store
        .get(SETTINGS_KEY)
        .and_then(|v| serde_json::from_value::<Settings>(v).ok())
        .unwrap_or_default();
    if let Ok(value) = serde_json::to_value(&settings) {
        store.set(SETTINGS_KEY, value);
        let _ = store.save();
    }
    settings
}

struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Logs go to daily files in the data folder and to stderr. They carry ids and folios,
/// never names, emails, phones, codes or passwords.
fn init_logging(dir: &std::path::Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let (file_layer, guard) = match std::fs::create_dir_all(dir) {
        Ok(()) => {
            let (writer, guard) = tracing_appender::non_blocking(tracing_appender::rolling::daily(
                dir,
                "registro.log",
            ));
            (
                Some(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(writer),
                ),
                Some(guard),
            )
        }
        Err(_) => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(file_layer)
        .try_init();
    guard
}
