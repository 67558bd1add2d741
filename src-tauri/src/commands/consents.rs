//! The consents of a registration at a later visit: where each text stands, and a new
//! answer (the grouping consent granted or revoked, a new version of a text answered).

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::consents::{ConsentStanding, LaterAnswer};
use tauri::State;

#[tauri::command]
pub async fn consent_standings(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<Vec<ConsentStanding>, CommandError> {
    Ok(state.desk.consent_standings(&registration_id).await?)
}

#[tauri::command]
pub async fn answer_consent(
    state: State<'_, AppState>,
    answer: LaterAnswer,
) -> Result<ConsentStanding, CommandError> {
    Ok(state.desk.answer_consent(&answer).await?)
}
