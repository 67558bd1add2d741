//! The audit log viewer (supervisors): a page under a filter, and the CSV export.

use super::internal;
use crate::error::CommandError;
use crate::state::AppState;
use registro_core::audit_log::{AuditFilter, AuditPage};
use tauri::State;

#[tauri::command]
pub async fn audit_log(
    state: State<'_, AppState>,
    filter: AuditFilter,
    page: i64,
) -> Result<AuditPage, CommandError> {
    Ok(state.desk.audit_log(&filter, page).await?)
}

/// Writes what the filter finds as a CSV file beside the receipts' folder; returns its path.
#[tauri::command]
pub async fn export_audit_log(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> Result<String, CommandError> {
    let export = state.desk.export_audit_log(&filter).await?;
    let folder = state
        .receipts_dir
        .with_file_name("Bitácora de auditoría ISSSTECALI");
    let stamp = chrono::Local::now().format("%Y-%m-%d %H%M%S");
    let file = folder.join(format!("Bitácora {stamp}.csv"));
    std::fs::create_dir_all(&folder)
        .and_then(|()| std::fs::write(&file, &export.csv))
        .map_err(|e| internal(format!("audit csv {}: {e}", file.display())))?;
    tracing::info!(rows = export.rows, "audit log exported as csv");
    Ok(file.display().to_string())
}
