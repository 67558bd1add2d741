//! Finding a registration and showing everything about it.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::search::{RegistrationDetail, SearchResults};
use tauri::State;

#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: String,
) -> Result<SearchResults, CommandError> {
    Ok(state.desk.search(&query).await?)
}

#[tauri::command]
pub async fn registration_detail(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<RegistrationDetail, CommandError> {
    Ok(state.desk.registration_detail(&registration_id).await?)
}
