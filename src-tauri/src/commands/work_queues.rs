//! «Pendientes»: the queues, the resends and the release of a locked affiliation number.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::staff::SupervisorApproval;
use registro_core::work_queues::{BulkResend, WorkQueues};
use tauri::State;

#[tauri::command]
pub async fn work_queues(state: State<'_, AppState>) -> Result<WorkQueues, CommandError> {
    Ok(state.desk.work_queues().await?)
}

/// One email again; returns its folio.
#[tauri::command]
pub async fn resend_email(
    state: State<'_, AppState>,
    email_id: String,
) -> Result<String, CommandError> {
    Ok(state.desk.resend_email(&email_id).await?)
}

#[tauri::command]
pub async fn resend_all_emails(state: State<'_, AppState>) -> Result<BulkResend, CommandError> {
    Ok(state.desk.resend_all_emails().await?)
}

#[tauri::command]
pub async fn release_affiliation_lock(
    state: State<'_, AppState>,
    affiliation_number: String,
    approval: SupervisorApproval,
    reason: String,
) -> Result<(), CommandError> {
    Ok(state
        .desk
        .release_affiliation_lock(&affiliation_number, &approval, &reason)
        .await?)
}
