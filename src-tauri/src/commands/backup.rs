//! Backups in «Ajustes» (a supervisor's), and the rescue screen of a station whose
//! database did not open.

use crate::error::CommandError;
use crate::state::AppState;
use crate::{Launch, Rescue};
use registro_core::backup::RestoreOutcome;
use registro_core::staff::SupervisorApproval;
use registro_core::startup::StartupProblem;
use registro_core::store::backup::BackupInfo;
use tauri::{AppHandle, Manager, Runtime, State};

/// The copies in the backup folder, newest first.
#[tauri::command]
pub async fn list_backups(state: State<'_, AppState>) -> Result<Vec<BackupInfo>, CommandError> {
    Ok(state.desk.list_backups().await?)
}

/// A copy now, with a supervisor's approval.
#[tauri::command]
pub async fn back_up_now(
    state: State<'_, AppState>,
    approval: Option<SupervisorApproval>,
) -> Result<BackupInfo, CommandError> {
    Ok(state
        .desk
        .back_up_now(&approval.unwrap_or_default())
        .await?)
}

/// Restores a copy with a supervisor's approval; the app then starts again on it (its
/// open desk is closed), a moment after answering so the window can say so.
#[tauri::command]
pub async fn restore_backup<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    file_name: String,
    approval: Option<SupervisorApproval>,
) -> Result<RestoreOutcome, CommandError> {
    let outcome = state
        .desk
        .restore_backup(&file_name, &approval.unwrap_or_default())
        .await?;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        app.restart();
    });
    Ok(outcome)
}

/// Why the app could not start; `None` when it started. The window asks this first and
/// shows only the rescue screen when there is a problem.
#[tauri::command]
pub fn startup_problem<R: Runtime>(app: AppHandle<R>) -> Option<StartupProblem> {
    app.try_state::<Rescue>()
        .and_then(|rescue| rescue.problem())
}

/// The rescue screen's restore (no sign-in: see `registro_core::startup::restore_at_startup`
/// for why), then the start that failed, again. `None`: the app started; the window
/// reloads into its normal screens. `Some`: it still could not start, and says why.
#[tauri::command]
pub async fn restore_at_startup<R: Runtime>(
    app: AppHandle<R>,
    file_name: String,
) -> Result<Option<StartupProblem>, CommandError> {
    let Some(rescue) = app.try_state::<Rescue>() else {
        return Err(registro_core::Error::Internal("no rescue state".into()).into());
    };
    if rescue.problem().is_none() {
        return Err(registro_core::Error::Internal(
            "restore from the rescue screen while the app is running".into(),
        )
        .into());
    }
    let launch: Launch = rescue.launch.clone();
    let secrets = crate::secrets::SecretStore::open();
    let (key, _) = tokio::task::block_in_place(|| secrets.database_key(&launch.paths))?;
    let outcome = registro_core::startup::restore_at_startup(
        &launch.paths,
        &launch.settings,
        &key,
        &file_name,
    )
    .await?;
    tracing::info!(restored = %outcome.restored, "backup restored from the rescue screen");
    crate::launch(&app, &launch, &rescue).await;
    Ok(rescue.problem())
}
