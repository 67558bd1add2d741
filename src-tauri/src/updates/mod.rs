//! New versions for a fleet of desks, from the institute's intranet.
//!
//! The station reads the address of the update manifest (`latest.json`) from its settings;
//! empty, it never looks. With one, it asks a few minutes after opening (at a random
//! moment, so a hundred desks that start together do not ask together), every 4 hours
//! after that, and as soon as a supervisor saves a new address. A newer version is
//! downloaded and its minisign signature checked by tauri-plugin-updater against the
//! public key in `tauri.conf.json` before anything is kept; only then does the clerk read
//! that it is ready. It is installed when the station is idle:
//!
//! - nobody is signed in, or the session is locked (by the clerk, or by the station after
//!   the supervisor's minutes without keyboard or mouse): nobody is working at the desk;
//! - the registration form holds nothing typed (the window says so whenever it changes):
//!   a lock keeps half-typed work for the clerk's return, and an update must not lose it;
//! - no registration is being saved at that moment (and none can start: installing holds
//!   the same lock `register` takes).
//!
//! On Windows the plugin hands over to the installer, which closes this process and opens
//! the new version; the clerk signs in again, as after any lock.

pub mod record;

use crate::state::AppState;
use record::Outcome;
pub use record::{ReadyUpdate, UpdateState, UpdateView, Updates};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime, Url};
use tauri_plugin_updater::{Error as UpdaterError, UpdaterExt};

/// Asking for the manifest: it is small, and a hung intranet must not stall the worker.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);
/// Downloading the installer over a satellite office's slow link.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const CHECK_EVERY: Duration = Duration::from_secs(4 * 60 * 60);
/// Random spread of the checks, so the fleet does not ask (and download) all at once.
const FIRST_CHECK_WITHIN: Duration = Duration::from_secs(10 * 60);
const CHECK_SPREAD: Duration = Duration::from_secs(20 * 60);
/// How often a ready update looks whether the station has become idle.
const IDLE_POLL: Duration = Duration::from_secs(30);

/// Asks the configured address now, downloads and verifies a newer version, and records
/// the result. Without an address it asks nobody.
pub async fn check_now<R: Runtime>(app: &AppHandle<R>) -> UpdateView {
    let state = app.state::<AppState>();
    let url = state.desk.settings().update_url.trim().to_owned();
    let outcome = if url.is_empty() {
        Outcome::Off
    } else {
        fetch(app, &url, state.updates.ready_signature()).await
    };
    state.updates.record(outcome);
    state.updates.view(app.package_info().version.to_string())
}

async fn fetch<R: Runtime>(
    app: &AppHandle<R>,
    url: &str,
    already: Option<(String, String)>,
) -> Outcome {
    // The settings screen checks this too; `ajustes.json` can also be edited by hand.
    if !registro_core::config::is_allowed_update_url(url) {
        return Outcome::Failed(
            "La dirección de actualizaciones no es válida: debe empezar con https://.".into(),
        );
    }
    let Ok(endpoint) = url.parse::<Url>() else {
        return Outcome::Failed("La dirección de actualizaciones no es válida.".into());
    };
    let updater = app
        .updater_builder()
        // Only ever forward, whatever the configuration says about downgrades.
        .version_comparator(|current, release| release.version > current)
        .timeout(CHECK_TIMEOUT)
        .endpoints(vec![endpoint])
        .and_then(|builder| builder.build());
    let offered = match updater {
        Ok(updater) => updater.check().await,
        Err(e) => Err(e),
    };
    let mut update = match offered {
        Ok(None) => return Outcome::UpToDate,
        Ok(Some(update)) => update,
        Err(e) => return Outcome::Failed(failure(&e)),
    };
    if already.is_some_and(|(v, s)| v == update.version && s == update.signature) {
        return Outcome::StillReady;
    }
    update.timeout = Some(DOWNLOAD_TIMEOUT);
    // The plugin checks the signature of the downloaded bytes before returning them.
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => Outcome::Ready(Box::new(ReadyUpdate { update, bytes })),
        Err(e) => match refusal(&e, &update.version) {
            Some(message) => Outcome::Refused {
                version: update.version.clone(),
                message,
            },
            None => Outcome::Failed(failure(&e)),
        },
    }
}

/// What the clerk reads when the package's signature is not the institute's.
fn refusal(e: &UpdaterError, version: &str) -> Option<String> {
    let tail = "No se instaló nada; avise a soporte.";
    match e {
        UpdaterError::Minisign(_) | UpdaterError::Base64(_) | UpdaterError::SignatureUtf8(_) => {
            Some(format!(
                "Se rechazó la versión {version}: el paquete descargado no tiene una firma válida \
                 del Instituto (fue alterado o firmado con otra clave). {tail}"
            ))
        }
        UpdaterError::SignedVersionMismatch { signed, announced } => Some(format!(
            "Se rechazó la versión {announced}: el paquete está firmado como versión {signed}, \
             no como la que anuncia el servidor. {tail}"
        )),
        UpdaterError::MissingSignedVersion => Some(format!(
            "Se rechazó la versión {version}: su firma no indica para qué versión es. {tail}"
        )),
        _ => None,
    }
}

/// Why a check or a download did not get through, for the supervisor and the log.
fn failure(e: &UpdaterError) -> String {
    match e {
        UpdaterError::InsecureTransportProtocol => {
            "La aplicación instalada solo busca actualizaciones por https://.".into()
        }
        UpdaterError::ReleaseNotFound => {
            "El servidor de actualizaciones no entregó el archivo de versiones; revise la dirección."
                .into()
        }
        UpdaterError::Reqwest(e) if e.is_timeout() => {
            "El servidor de actualizaciones no respondió a tiempo.".into()
        }
        UpdaterError::Reqwest(e) if e.is_connect() => {
            "No se pudo conectar con el servidor de actualizaciones.".into()
        }
        UpdaterError::Reqwest(e) if e.is_decode() => {
            "El archivo de versiones no tiene el formato esperado.".into()
        }
        UpdaterError::Serialization(_) | UpdaterError::Semver(_) => {
            "El archivo de versiones no tiene el formato esperado.".into()
        }
        UpdaterError::TargetNotFound(target) => {
            format!("El archivo de versiones no trae un paquete para esta estación ({target}).")
        }
        UpdaterError::TargetsNotFound(targets) => format!(
            "El archivo de versiones no trae un paquete para esta estación ({}).",
            targets.join(", ")
        ),
        UpdaterError::Network(detail) => format!("La descarga de la versión nueva falló: {detail}."),
        other => format!("No se pudo revisar si hay una versión nueva: {other}."),
    }
}

/// Nobody works at the desk: signed out or locked, with nothing typed on the form.
pub async fn station_idle(state: &AppState) -> bool {
    if state.updates.form_in_progress.load(Ordering::SeqCst) {
        return false;
    }
    match state.desk.session_view().await {
        Ok(session) => session.clerk.is_none() || session.locked,
        Err(e) => {
            tracing::warn!(error = ?e, "session state unreadable; not installing");
            false
        }
    }
}

/// Hands the ready update to `install` if the station is idle, holding off any
/// registration while it does. True when `install` was called and succeeded.
pub async fn install_if_idle<R: Runtime>(
    app: &AppHandle<R>,
    install: impl FnOnce(ReadyUpdate) -> Result<(), String>,
) -> bool {
    let state = app.state::<AppState>();
    let updates = &state.updates;
    if updates.ready.lock().expect("ready update lock").is_none() {
        return false;
    }
    // Kept until the installer has taken over (on Windows the process ends inside `install`).
    let Ok(_no_registration_saving) = updates.saving.try_write() else {
        return false;
    };
    if !station_idle(&state).await {
        return false;
    }
    let Some(ready) = updates.ready.lock().expect("ready update lock").take() else {
        return false;
    };
    let version = ready.update.version.clone();
    tracing::info!(%version, "the station is idle: installing the new version");
    match install(ready) {
        Ok(()) => true,
        Err(message) => {
            tracing::error!(%version, %message, "installing the update failed");
            updates.record(Outcome::Failed(message));
            false
        }
    }
}

/// The real installation: the plugin runs the verified installer (on Windows it closes
/// this process and the installer opens the new version); elsewhere, restart into it.
fn install_and_restart<R: Runtime>(app: &AppHandle<R>, ready: ReadyUpdate) -> Result<(), String> {
    ready.update.install(&ready.bytes).map_err(|e| {
        format!(
            "No se pudo instalar la versión {}: {e}.",
            ready.update.version
        )
    })?;
    app.restart()
}

/// Checks on its schedule (or when the settings change) and installs when idle.
pub fn spawn_worker<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let mut next_check = tokio::time::Instant::now() + random_up_to(FIRST_CHECK_WITHIN);
        loop {
            tokio::select! {
                () = state.updates.wake.notified() => next_check = tokio::time::Instant::now(),
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
            if tokio::time::Instant::now() >= next_check {
                check_now(&app).await;
                next_check = tokio::time::Instant::now() + CHECK_EVERY + random_up_to(CHECK_SPREAD);
            }
            install_if_idle(&app, |ready| install_and_restart(&app, ready)).await;
        }
    });
}

fn random_up_to(limit: Duration) -> Duration {
    // A v4 UUID is 122 random bits from the OS; no other randomness is needed here.
    let random = uuid::Uuid::new_v4().as_u128() as u64;
    Duration::from_secs(random % limit.as_secs().max(1))
}
