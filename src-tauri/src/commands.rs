//! Thin commands: turn the front end's call into a core call and the result into JSON.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::domain::Field;
use registro_core::legal::{self, LegalDocument};
use registro_core::registration::{FieldCheck, RegistrationForm, RegistrationReceipt};
use registro_core::roster::{self, ImportProgress, ImportReport, RosterSummary};
use registro_core::validation::ValidationOutcome;
use registro_core::{outbox, registration};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

pub const WINDOW_TITLE: &str = "Registro en Servicios en Línea — ISSSTECALI";

#[derive(Debug, Serialize)]
pub struct AppInfo {
    pub title: &'static str,
    pub version: &'static str,
    pub office: String,
    pub workstation: String,
    pub clerk: String,
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
        clerk: settings.clerk,
        roster: roster::summary(state.desk.store()).await?,
        email_delivery: state.email_delivery.clone(),
        emails_waiting: outbox::counts(state.desk.store()).await?.queued,
        data_dir: state.paths.root.display().to_string(),
    })
}

/// Live check of one field through the same parser the registration uses.
#[tauri::command]
pub fn check_field(
    field: Field,
    value: String,
    other: Option<String>,
) -> Result<FieldCheck, CommandError> {
    Ok(registration::check_field(field, &value, other.as_deref())?)
}

#[tauri::command]
pub async fn legal_documents(
    state: State<'_, AppState>,
) -> Result<Vec<LegalDocument>, CommandError> {
    Ok(legal::current_documents(state.desk.store()).await?)
}

#[tauri::command]
pub async fn register(
    state: State<'_, AppState>,
    form: RegistrationForm,
) -> Result<RegistrationReceipt, CommandError> {
    Ok(state.desk.register(&form).await?)
}

#[tauri::command]
pub async fn validate_code(
    state: State<'_, AppState>,
    folio: String,
    code: String,
) -> Result<ValidationOutcome, CommandError> {
    Ok(state.desk.validate_with_code(&folio, &code).await?)
}

#[tauri::command]
pub async fn import_roster(
    state: State<'_, AppState>,
    path: String,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, CommandError> {
    let report = state
        .desk
        .import_roster(std::path::Path::new(&path), |p| {
            let _ = on_progress.send(p);
        })
        .await?;
    tracing::info!(
        imported = report.imported,
        rejected = report.rejected,
        "roster imported"
    );
    Ok(report)
}
