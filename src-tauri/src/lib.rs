//! The desktop shell: a Tauri window over `registro-core`.

pub mod commands;
pub mod error;
pub mod secrets;
pub mod state;
pub mod updates;

use registro_core::config::{Settings, SettingsProblem};
use registro_core::instance::InstanceLock;
use registro_core::outbox::Transport;
use registro_core::startup::StartupProblem;
use registro_core::sync::Central;
use registro_core::{DataPaths, Desk};
use secrets::{Secret, SecretStore};
use state::AppState;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{Manager, Runtime};
use tauri_plugin_store::StoreExt;

/// Overrides the data folder (tests, or several installs side by side).
pub const DATA_DIR_ENV: &str = "REGISTRO_DATA_DIR";
const SETTINGS_FILE: &str = "ajustes.json";
pub(crate) const SETTINGS_KEY: &str = "ajustes";
/// Sync rounds without a reason; a local change or "Sincronizar ahora" starts one sooner.
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Registers every command on `builder`; `run` adds the window and the plugins, tests
/// pass Tauri's mock builder.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    let handler: Box<dyn Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync> =
        Box::new(tauri::generate_handler![
            commands::backup::startup_problem,
            commands::backup::restore_at_startup,
            commands::backup::list_backups,
            commands::backup::back_up_now,
            commands::backup::restore_backup,
            commands::app_info,
            commands::registration::check_field,
            commands::registration::legal_documents,
            commands::registration::register,
            commands::registration::identify_affiliate,
            commands::validation::validate_code,
            commands::followups::resend_validation,
            commands::consents::consent_standings,
            commands::consents::answer_consent,
            commands::followups::correct_email,
            commands::followups::issue_new_temporary_password,
            commands::followups::rectify_phone,
            commands::followups::erase_personal_data,
            commands::followups::cancel_registration,
            commands::followups::reveal_serial,
            commands::search::search,
            commands::search::registration_detail,
            // «Buscar» on a registration of another station (central database).
            commands::across_stations::request_validation_email_elsewhere,
            commands::across_stations::request_temporary_password_elsewhere,
            commands::across_stations::correct_email_elsewhere,
            commands::across_stations::cancel_elsewhere,
            commands::receipt::receipt,
            commands::receipt::save_receipt_pdf,
            // Written consent for the family grouping (from «Buscar»).
            commands::receipt::save_consent_form_pdf,
            commands::receipt::record_consent_form_collected,
            // The affiliate's right of access (from «Buscar»).
            commands::receipt::save_access_report_pdf,
            commands::roster::import_roster,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::settings::send_test_email,
            commands::settings::accept_key_on_disk,
            commands::session::create_first_supervisor,
            commands::session::session_status,
            commands::session::sign_in,
            commands::session::unlock_session,
            commands::session::lock_session,
            commands::session::sign_out,
            commands::session::session_activity,
            commands::session::change_own_password,
            commands::staff::list_staff,
            commands::staff::create_staff,
            commands::staff::set_staff_active,
            commands::staff::reset_staff_password,
            commands::status_bar::sync_status,
            commands::status_bar::sync_now,
            commands::status_bar::retry_conflict,
            commands::updates::update_status,
            commands::updates::registration_form_state,
            // Reports («Reportes»).
            commands::reports::report,
            commands::reports::save_report,
            // «Pendientes» and the audit log viewer.
            commands::work_queues::work_queues,
            commands::work_queues::resend_email,
            commands::work_queues::resend_all_emails,
            commands::work_queues::release_affiliation_lock,
            commands::audit_log::audit_log,
            commands::audit_log::export_audit_log,
        ]);
    builder.invoke_handler(move |invoke| {
        // Without a desk (the database did not open) only the rescue screen's commands
        // answer; any other gets a sentence instead of Tauri's "state not managed".
        let command = invoke.message.command();
        if !RESCUE_COMMANDS.contains(&command)
            && invoke.message.webview().try_state::<AppState>().is_none()
        {
            invoke.resolver.reject(error::CommandError {
                code: "sin_base_de_datos".into(),
                field: None,
                message: NO_DESK.into(),
                fields: Vec::new(),
            });
            return true;
        }
        handler(invoke)
    })
}

/// The commands that work while the app shows its rescue screen.
const RESCUE_COMMANDS: &[&str] = &["startup_problem", "restore_at_startup"];
const NO_DESK: &str = "La base de datos local no se pudo abrir, así que esta acción no está disponible. Siga las indicaciones de la pantalla de rescate.";

/// What the app starts from, kept so the rescue screen can start it again after a restore.
#[derive(Clone)]
pub struct Launch {
    pub paths: DataPaths,
    pub settings: Settings,
    pub settings_problem: Option<SettingsProblem>,
    pub settings_file: Option<PathBuf>,
    pub receipts_dir: PathBuf,
}

/// Managed from the start: why the app could not start (`None` once it did), and what
/// to start it from again.
pub struct Rescue {
    problem: Mutex<Option<StartupProblem>>,
    pub launch: Launch,
}

impl Rescue {
    /// A rescue state that says `problem` (`None`: the app started) about `launch`.
    pub fn new(problem: Option<StartupProblem>, launch: Launch) -> Self {
        Self {
            problem: Mutex::new(problem),
            launch,
        }
    }

    pub fn problem(&self) -> Option<StartupProblem> {
        self.problem.lock().map(|p| p.clone()).unwrap_or(None)
    }

    fn set(&self, problem: Option<StartupProblem>) {
        if let Ok(mut current) = self.problem.lock() {
            *current = problem;
        }
    }
}

/// Starts the desk and hands it to the commands; when the database does not open, the
/// rescue state says why (in Spanish, with the copies there are) and nothing is touched.
pub(crate) async fn launch<R: Runtime>(
    app: &tauri::AppHandle<R>,
    launch: &Launch,
    rescue: &Rescue,
) {
    let started = start(
        launch.paths.clone(),
        launch.settings.clone(),
        SecretStore::open(),
        launch.settings_file.clone(),
    )
    .await;
    match started {
        Ok(mut state) => {
            state.receipts_dir = launch.receipts_dir.clone();
            if let Some(problem) = &launch.settings_problem {
                state.desk.hold_for_settings(problem.clone());
            }
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "app started");
            app.manage(state);
            updates::spawn_worker(app.clone());
            rescue.set(None);
        }
        Err(e) => {
            tracing::error!(error = ?e, "the local database could not be opened: rescue screen");
            rescue.set(Some(StartupProblem::new(
                &e,
                &launch.paths,
                &launch.settings,
            )));
        }
    }
}

/// A saved setting the app cannot use (a certificate that does not parse, plain SMTP to
/// another machine), told as the settings screen tells it.
fn unusable_setting(setting: &str, error: &registro_core::Error) -> SettingsProblem {
    SettingsProblem {
        setting: setting.to_owned(),
        field: error.field(),
        message: format!("En el archivo de ajustes: {error}"),
    }
}

/// Opens the data folder, points email at the configured server, and starts the outbox
/// worker and the expiry of never-validated registrations.
pub async fn start(
    paths: DataPaths,
    settings: Settings,
    secrets: SecretStore,
    settings_file: Option<PathBuf>,
) -> registro_core::Result<AppState> {
    // A first start makes the data folder: a key file may have to go in it. The store's
    // calls are quick and made once, before any window.
    paths.create_private()?;
    let (key, key_on_disk) = secrets.database_key(&paths)?;
    let desk = Desk::open(&paths, settings.clone(), &key).await?;
    if key_on_disk {
        desk.keep_key_on_disk().await?;
    }
    // A saved server the app cannot use holds the station (as an unreadable settings file
    // does): never emails quietly written to files while the clerk believes they left,
    // never a station that quietly works alone.
    if let Some(smtp) = &settings.smtp {
        match Transport::smtp(smtp, secrets.get(Secret::Smtp).as_deref()) {
            Ok(transport) => desk.use_transport(transport),
            Err(e) => {
                tracing::error!(error = ?e, "SMTP settings unusable; station on hold");
                desk.hold_for_settings(unusable_setting("smtp", &e));
            }
        }
    }
    if !settings.central_url.trim().is_empty() {
        match Central::with_root_certificate(
            &settings.central_url,
            secrets.get(Secret::Central).as_deref(),
            &settings.central_root_certificate_pem,
        ) {
            Ok(central) => desk.use_central(Some(central)),
            Err(e) => {
                tracing::error!(error = ?e, "central database settings unusable; station on hold");
                desk.hold_for_settings(unusable_setting("central_url", &e));
            }
        }
    }
    tauri::async_runtime::spawn(desk.outbox_worker().run());
    tauri::async_runtime::spawn(desk.clone().run_sync(SYNC_EVERY));
    let maintenance = desk.clone();
    tauri::async_runtime::spawn(async move {
        // Retention looks at closed registrations once an hour, starting now.
        let mut retention_due = std::time::Instant::now();
        loop {
            if std::time::Instant::now() >= retention_due {
                if let Err(e) = maintenance.apply_retention().await {
                    tracing::error!(error = ?e, "retention round failed");
                }
                retention_due = std::time::Instant::now() + std::time::Duration::from_secs(3600);
            }
            if let Err(e) = maintenance.expire_overdue().await {
                tracing::error!(error = ?e, "expiring pending registrations failed");
            }
            // A day's copy; a folder out of reach (a USB drive taken away) is tried again
            // at the next round.
            match maintenance.backup_if_due().await {
                Ok(Some(copy)) => tracing::info!(file = %copy.file_name, "daily backup taken"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = ?e, "daily backup failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    });
    let receipts_dir = paths.root.join("comprobantes");
    let updates = updates::Updates::new(!settings.update_url.trim().is_empty());
    Ok(AppState {
        desk,
        receipts_dir,
        paths,
        secrets,
        settings_file,
        updates,
    })
}

pub fn run() {
    with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        // Its public key comes from tauri.conf.json (plugins.updater.pubkey); the window gets
        // no permission to call it: only the shell decides when to check and install.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let root = data_dir(app.handle())?;
            let settings_file = root.join(SETTINGS_FILE);
            let instance = match InstanceLock::acquire(&root) {
                Ok(Some(instance)) => instance,
                Ok(None) => {
                    // This desk is already open (the clerk launched it again): its window
                    // comes to the front and this process leaves before its window is drawn.
                    if let Err(e) = InstanceLock::request_focus(&root) {
                        eprintln!("could not ask the running app to come to the front: {e}");
                    }
                    std::process::exit(0);
                }
                Err(e) => {
                    // A data folder this user cannot write (or a full disk): on Windows there
                    // is no console, so the window opens on the rescue screen and says it,
                    // instead of the process ending unseen.
                    eprintln!("the data folder {} cannot be used: {e}", root.display());
                    let (settings, settings_problem) = load_settings(app, &settings_file);
                    let receipts_dir = receipts_dir(app, &root);
                    let problem = StartupProblem::folder_unusable(&root, &e);
                    app.manage(Rescue::new(
                        Some(problem),
                        Launch {
                            paths: DataPaths::new(root),
                            settings,
                            settings_problem,
                            settings_file: Some(settings_file),
                            receipts_dir,
                        },
                    ));
                    return Ok(());
                }
            };
            bring_to_front_on_request(app.handle().clone(), instance);
            app.manage(LogGuard(init_logging(&root.join("registros-de-actividad"))));
            let (settings, settings_problem) = load_settings(app, &settings_file);
            let receipts_dir = receipts_dir(app, &root);
            // A database that does not open (a foreign or damaged file, a key that does
            // not fit, a changed legal text) opens the window on the rescue screen: the
            // clerk reads what is wrong, nothing is touched, and a copy can be restored.
            let rescue = Rescue {
                problem: Mutex::new(None),
                launch: Launch {
                    paths: DataPaths::new(root),
                    settings,
                    settings_problem,
                    settings_file: Some(settings_file),
                    receipts_dir,
                },
            };
            tauri::async_runtime::block_on(launch(app.handle(), &rescue.launch, &rescue));
            app.manage(rescue);
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the application");
}

/// Keeps the data folder's lock for the life of the process and raises the window each
/// time a second launch asks (it polls: a launch is a rare, human-speed event).
fn bring_to_front_on_request<R: Runtime>(app: tauri::AppHandle<R>, instance: InstanceLock) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(400));
            if !instance.take_focus_request() {
                continue;
            }
            tracing::info!("launched again: bringing the window to the front");
            let handle = app.clone();
            let _ = app.run_on_main_thread(move || {
                if let Some(window) = handle.get_webview_window("main") {
                    let _ = window.unminimize();
                    let _ = window.show();
                    let _ = window.set_focus();
                }
            });
        }
    });
}

/// The data folder: `REGISTRO_DATA_DIR` when set, else the app's folder in the user's
/// roaming profile (`%APPDATA%\<identifier>` on Windows).
pub fn data_dir<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => app.path().app_data_dir(),
    }
}

/// Receipts go where a clerk looks for documents (Documentos on Windows), unless the data
/// folder was overridden (tests, side-by-side installs): then inside it.
fn receipts_dir<R: Runtime>(app: &tauri::App<R>, root: &std::path::Path) -> PathBuf {
    let documents = app.path().document_dir().ok();
    match documents {
        Some(dir) if std::env::var_os(DATA_DIR_ENV).is_none() => {
            dir.join("Comprobantes de registro ISSSTECALI")
        }
        _ => root.join("comprobantes"),
    }
}

/// The settings saved in `file`. A first run (no file yet) gets the embedded defaults,
/// written out so a supervisor can see and edit them. A file that cannot be used is kept
/// exactly as it is and the problem is returned: the caller puts the station on hold
/// rather than run on defaults nobody chose.
fn load_settings<R: Runtime>(
    app: &tauri::App<R>,
    file: &std::path::Path,
) -> (Settings, Option<SettingsProblem>) {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let saved = match std::fs::read(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return (
                Settings::default(),
                Some(SettingsProblem::unreadable(&name, e)),
            );
        }
        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Err(e) => {
                return (
                    Settings::default(),
                    Some(SettingsProblem::unreadable(&name, e)),
                );
            }
            Ok(document) => document.get(SETTINGS_KEY).cloned(),
        },
    };
    let settings = match saved.map(Settings::from_saved) {
        Some(Err(problem)) => return (Settings::default(), Some(problem)),
        Some(Ok(settings)) => settings,
        None => Settings::default(),
    };
    // Valid (or new): written back with any setting added since, at its default.
    match app.store(file) {
        Ok(store) => {
            if let Ok(value) = serde_json::to_value(&settings) {
                store.set(SETTINGS_KEY, value);
                if let Err(e) = store.save() {
                    tracing::warn!(error = %e, "settings file not written");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "settings store unavailable"),
    }
    (settings, None)
}

/// A settings file the station could not use is kept beside the new one
/// (`ajustes.json.no-valido-<instant>`) before a supervisor's valid settings replace it.
pub(crate) fn set_aside_unusable_settings(file: &std::path::Path) {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut aside = file.as_os_str().to_owned();
    aside.push(format!(".no-valido-{stamp}"));
    match std::fs::rename(file, &aside) {
        Ok(()) => tracing::info!("unusable settings file kept aside"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(error = %e, "unusable settings file could not be set aside"),
    }
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
