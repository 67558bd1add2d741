//! Reports («Reportes»): the last 30 days on screen, and saved as CSV or XLSX.
//!
//! An export is written by the shell into its exports folder (see
//! [`AppState::exports_dir`]), never to a path the window names: a page script could
//! otherwise have the shell overwrite any file the clerk's account may write.

use super::internal;
use crate::error::CommandError;
use crate::state::AppState;
use registro_core::reports::{ExportFormat, Report, ReportScope};
use tauri::State;

#[tauri::command]
pub async fn report(
    state: State<'_, AppState>,
    scope: ReportScope,
) -> Result<Report, CommandError> {
    Ok(state.desk.report(scope).await?)
}

/// Writes the report of `scope` in `format` in the exports folder; returns the file's path.
#[tauri::command]
pub async fn save_report(
    state: State<'_, AppState>,
    scope: ReportScope,
    format: ExportFormat,
) -> Result<String, CommandError> {
    let export = state.desk.export_report(scope, format).await?;
    let folder = state.exports_dir();
    let file = folder.join(&export.file_name);
    std::fs::create_dir_all(&folder)
        .and_then(|()| std::fs::write(&file, &export.bytes))
        .map_err(|e| internal(format!("report export {}: {e}", file.display())))?;
    tracing::info!(file = %export.file_name, "report exported");
    Ok(file.display().to_string())
}
