//! The supervisor's "Personal" screen: the station's accounts.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::staff::{NewStaffMember, StaffMember};
use tauri::State;

#[tauri::command]
pub async fn list_staff(state: State<'_, AppState>) -> Result<Vec<StaffMember>, CommandError> {
    Ok(state.desk.list_staff().await?)
}

#[tauri::command]
pub async fn create_staff(
    state: State<'_, AppState>,
    member: NewStaffMember,
) -> Result<StaffMember, CommandError> {
    Ok(state.desk.create_staff(&member).await?)
}

#[tauri::command]
pub async fn set_staff_active(
    state: State<'_, AppState>,
    username: String,
    active: bool,
) -> Result<StaffMember, CommandError> {
    Ok(state.desk.set_staff_active(&username, active).await?)
}

#[tauri::command]
pub async fn reset_staff_password(
    state: State<'_, AppState>,
    username: String,
    password: String,
    confirmation: String,
) -> Result<StaffMember, CommandError> {
    Ok(state
        .desk
        .reset_staff_password(&username, &password, &confirmation)
        .await?)
}
