//! What the desk does afterwards for a registration: emails again, a corrected address, a
//! new temporary password, a rectified phone, the contact data erased (cancellation or
//! opposition), a cancellation, and the serial of a credential without one.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::domain::PhoneCountry;
use registro_core::erasure::{ErasureDone, ErasureRight};
use registro_core::followups::{EmailSent, PhoneRectified, RevealedSerial};
use registro_core::staff::SupervisorApproval;
use tauri::State;

#[tauri::command]
pub async fn resend_validation(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<EmailSent, CommandError> {
    Ok(state.desk.resend_validation(&registration_id).await?)
}

#[tauri::command]
pub async fn correct_email(
    state: State<'_, AppState>,
    registration_id: String,
    email: String,
    confirmation: String,
    suggestion_declined: bool,
) -> Result<EmailSent, CommandError> {
    Ok(state
        .desk
        .correct_email(&registration_id, &email, &confirmation, suggestion_declined)
        .await?)
}

#[tauri::command]
pub async fn issue_new_temporary_password(
    state: State<'_, AppState>,
    registration_id: String,
    reason: String,
) -> Result<EmailSent, CommandError> {
    Ok(state
        .desk
        .issue_new_temporary_password(&registration_id, &reason)
        .await?)
}

#[tauri::command]
pub async fn rectify_phone(
    state: State<'_, AppState>,
    registration_id: String,
    phone: String,
    phone_country: PhoneCountry,
    approval: SupervisorApproval,
    reason: String,
) -> Result<PhoneRectified, CommandError> {
    Ok(state
        .desk
        .rectify_phone(&registration_id, &phone, phone_country, &approval, &reason)
        .await?)
}

#[tauri::command]
pub async fn erase_personal_data(
    state: State<'_, AppState>,
    registration_id: String,
    right: ErasureRight,
    approval: SupervisorApproval,
    reason: String,
) -> Result<ErasureDone, CommandError> {
    Ok(state
        .desk
        .erase_personal_data(&registration_id, right, &approval, &reason)
        .await?)
}

#[tauri::command]
pub async fn cancel_registration(
    state: State<'_, AppState>,
    registration_id: String,
    approval: SupervisorApproval,
    reason: String,
) -> Result<(), CommandError> {
    Ok(state
        .desk
        .cancel_registration(&registration_id, &approval, &reason)
        .await?)
}

#[tauri::command]
pub async fn reveal_serial(
    state: State<'_, AppState>,
    affiliation_number: String,
    approval: SupervisorApproval,
    reason: String,
    identity_checked: bool,
) -> Result<RevealedSerial, CommandError> {
    Ok(state
        .desk
        .reveal_serial(&affiliation_number, &approval, &reason, identity_checked)
        .await?)
}
