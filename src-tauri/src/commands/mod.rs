//! Thin commands: turn the front end's call into a core call and the result into JSON.
//! One file per use case of the core; the IPC name of a command is its function's name.

pub mod followups;
pub mod receipt;
pub mod registration;
pub mod roster;
pub mod search;
pub mod session;
pub mod settings;
pub mod staff;
pub mod status_bar;
pub mod validation;

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::outbox;
use registro_core::roster::RosterSummary;
use serde::Serialize;
use tauri::State;

pub const WINDOW_TITLE: &str = "Registro en Servicios en Línea — ISSSTECALI";

#[derive(Debug, Serialize)]
pub struct AppInfo {
    pub title: &'static str,
    pub version: &'static str,
    pub office: String,
    pub workstation: String,
    pub roster: RosterSummary,
    pub email_delivery: String,
    pub emails_waiting: i64,
    pub data_dir: String,
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, CommandError> {
    let settings = state.desk.settings();
    Ok(AppInfo {
        title: WINDOW_TITLE,
        version: env!("CARGO_PKG_VERSION"),
        office: settings.office,
        workstation: settings.workstation,
        roster: registro_core::roster::summary(state.desk.store()).await?,
        email_delivery: state.desk.transport().describe(),
        emails_waiting: outbox::counts(state.desk.store()).await?.queued,
        data_dir: state.paths.root.display().to_string(),
    })
}

/// A failure of the shell itself (files, the settings store): logged, generic to the clerk.
fn internal(detail: String) -> CommandError {
    registro_core::Error::Internal(detail).into()
}
