//! Validation at the desk: the folio and the code the affiliate received.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::validation::ValidationOutcome;
use tauri::State;

#[tauri::command]
pub async fn validate_code(
    state: State<'_, AppState>,
    folio: String,
    code: String,
) -> Result<ValidationOutcome, CommandError> {
    Ok(state.desk.validate_with_code(&folio, &code).await?)
}
