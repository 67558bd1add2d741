//! The sign-in gate: the first supervisor, signing in and out, locking, and the clerk's own
//! password.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::staff::{Clerk, SessionView};
use tauri::State;

#[tauri::command]
pub async fn create_first_supervisor(
    state: State<'_, AppState>,
    username: String,
    full_name: String,
    password: String,
    confirmation: String,
) -> Result<Clerk, CommandError> {
    Ok(state
        .desk
        .create_first_supervisor(&username, &full_name, &password, &confirmation)
        .await?)
}

#[tauri::command]
pub async fn session_status(state: State<'_, AppState>) -> Result<SessionView, CommandError> {
    Ok(state.desk.session_view().await?)
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<Clerk, CommandError> {
    Ok(state.desk.sign_in(&username, &password).await?)
}

#[tauri::command]
pub async fn unlock_session(
    state: State<'_, AppState>,
    password: String,
) -> Result<Clerk, CommandError> {
    Ok(state.desk.unlock(&password).await?)
}

#[tauri::command]
pub async fn lock_session(state: State<'_, AppState>) -> Result<(), CommandError> {
    Ok(state.desk.lock_session().await?)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), CommandError> {
    Ok(state.desk.sign_out().await?)
}

/// The clerk is typing or clicking: keeps the session from locking.
#[tauri::command]
pub fn session_activity(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.desk.current_clerk()?;
    Ok(())
}

#[tauri::command]
pub async fn change_own_password(
    state: State<'_, AppState>,
    current: String,
    password: String,
    confirmation: String,
) -> Result<Clerk, CommandError> {
    Ok(state
        .desk
        .change_own_password(&current, &password, &confirmation)
        .await?)
}
