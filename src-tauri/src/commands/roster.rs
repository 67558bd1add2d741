//! Importing the roster, with progress for the bar on screen.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::roster::{ImportProgress, ImportReport};
use tauri::State;
use tauri::ipc::Channel;

#[tauri::command]
pub async fn import_roster(
    state: State<'_, AppState>,
    path: String,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, CommandError> {
    let report = state
        .desk
        .import_roster(std::path::Path::new(&path), |p| {
            let _ = on_progress.send(p);
        })
        .await?;
    tracing::info!(
        imported = report.imported,
        rejected = report.rejected,
        "roster imported"
    );
    Ok(report)
}
