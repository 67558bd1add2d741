//! «Buscar»'s actions on a registration made at another station, through the central
//! database: a new validation email or temporary password to the address on record, and,
//! for the office's own, a corrected email or a cancellation.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::outbox::EmailSent;
use registro_core::staff::SupervisorApproval;
use tauri::State;

#[tauri::command]
pub async fn request_validation_email_elsewhere(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<EmailSent, CommandError> {
    Ok(state
        .desk
        .request_validation_email_elsewhere(&registration_id)
        .await?)
}

#[tauri::command]
pub async fn request_temporary_password_elsewhere(
    state: State<'_, AppState>,
    registration_id: String,
    reason: String,
) -> Result<EmailSent, CommandError> {
    Ok(state
        .desk
        .request_temporary_password_elsewhere(&registration_id, &reason)
        .await?)
}

#[tauri::command]
pub async fn correct_email_elsewhere(
    state: State<'_, AppState>,
    registration_id: String,
    email: String,
    confirmation: String,
    suggestion_declined: bool,
) -> Result<EmailSent, CommandError> {
    Ok(state
        .desk
        .correct_email_elsewhere(&registration_id, &email, &confirmation, suggestion_declined)
        .await?)
}

#[tauri::command]
pub async fn cancel_elsewhere(
    state: State<'_, AppState>,
    registration_id: String,
    approval: SupervisorApproval,
    reason: String,
) -> Result<(), CommandError> {
    Ok(state
        .desk
        .cancel_elsewhere(&registration_id, &approval, &reason)
        .await?)
}
