//! New versions: what the station knows about them, and what the window tells it about
//! the registration form (an update waits while something is typed there).

use crate::error::CommandError;
use crate::state::AppState;
use crate::updates::UpdateView;
use tauri::{AppHandle, Runtime, State};

/// For the status bar and the settings screen; no session needed (nothing in it is private).
#[tauri::command]
pub fn update_status<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<UpdateView, CommandError> {
    Ok(state.updates.view(app.package_info().version.to_string()))
}

/// The window says whether the registration form holds typed work (not yet registered).
#[tauri::command]
pub fn registration_form_state(
    state: State<'_, AppState>,
    in_progress: bool,
) -> Result<(), CommandError> {
    state.updates.set_registration_in_progress(in_progress);
    Ok(())
}
