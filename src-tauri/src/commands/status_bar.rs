//! The status bar: the sync with the central database and the records in trouble.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::sync::SyncStatus;
use tauri::State;

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, CommandError> {
    Ok(state.desk.sync_status().await?)
}

/// "Sincronizar ahora": starts a round; the status bar shows how it went.
#[tauri::command]
pub fn sync_now(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.desk.current_clerk()?;
    state.desk.request_sync();
    Ok(())
}

#[tauri::command]
pub async fn retry_conflict(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<(), CommandError> {
    Ok(state.desk.retry_conflict(&registration_id).await?)
}
