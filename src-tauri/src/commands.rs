//! Thin commands: turn the front end's call into a core call and the result into JSON.

use crate::error::CommandError;
use crate::secrets::{Secret, SecretStoreStatus};
use crate::state::AppState;
use registro_core::actions::{EmailSent, RevealedSerial};
use registro_core::config::Settings;
use registro_core::domain::Field;
use registro_core::legal::{self, LegalDocument};
use registro_core::receipt::{self, Receipt};
use registro_core::registration::IdentifiedAffiliate;
use registro_core::registration::{FieldCheck, RegistrationForm, RegistrationReceipt};
use registro_core::roster::{self, ImportProgress, ImportReport, RosterSummary};
use registro_core::search::{RegistrationDetail, RegistrationSummary};
use registro_core::staff::{Clerk, NewStaffMember, SessionView, StaffMember, SupervisorApproval};
use registro_core::sync::SyncStatus;
use registro_core::validation::ValidationOutcome;
use registro_core::{outbox, registration};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_store::StoreExt;

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
        roster: roster::summary(state.desk.store()).await?,
        email_delivery: state.desk.transport().describe(),
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

#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub settings: Settings,
    pub smtp_password_saved: bool,
    pub central_password_saved: bool,
    pub secret_store: SecretStoreStatus,
    pub supervisor_exists: bool,
    pub email_delivery: String,
}

async fn settings_view(state: &AppState) -> Result<SettingsView, CommandError> {
    Ok(SettingsView {
        settings: state.desk.settings(),
        smtp_password_saved: state.secrets.get(Secret::Smtp).is_some(),
        central_password_saved: state.secrets.get(Secret::Central).is_some(),
        secret_store: state.secrets.status(),
        supervisor_exists: state.desk.has_supervisor().await?,
        email_delivery: state.desk.transport().describe(),
    })
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, CommandError> {
    settings_view(&state).await
}

/// Saves the settings screen. `smtp_password`: absent keeps the saved one, empty removes it.
#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
    smtp_password: Option<String>,
    central_password: Option<String>,
    approval: Option<SupervisorApproval>,
) -> Result<SettingsView, CommandError> {
    let smtp = smtp_password
        .clone()
        .or_else(|| state.secrets.get(Secret::Smtp));
    let central = central_password
        .clone()
        .or_else(|| state.secrets.get(Secret::Central));
    state
        .desk
        .change_settings(
            settings.clone(),
            smtp.as_deref(),
            central.as_deref(),
            &approval.unwrap_or_default(),
            &state.paths.outbox_files(),
        )
        .await?;
    let secrets = &state.secrets;
    // The OS store may block on D-Bus or Win32; it is quick, and a settings save is rare.
    for (which, new) in [
        (Secret::Smtp, smtp_password),
        (Secret::Central, central_password),
    ] {
        if let Some(new) = new {
            tokio::task::block_in_place(|| secrets.set(which, &new));
        }
    }
    if let Some(file) = &state.settings_file {
        let store = app
            .store(file)
            .map_err(|e| internal(format!("settings store: {e}")))?;
        store.set(
            crate::SETTINGS_KEY,
            serde_json::to_value(&settings).map_err(|e| internal(e.to_string()))?,
        );
        store
            .save()
            .map_err(|e| internal(format!("settings save: {e}")))?;
    }
    tracing::info!("settings changed");
    settings_view(&state).await
}

fn internal(detail: String) -> CommandError {
    registro_core::Error::Internal(detail).into()
}

#[tauri::command]
pub async fn send_test_email(state: State<'_, AppState>, to: String) -> Result<(), CommandError> {
    Ok(state.desk.send_test_email(&to).await?)
}

#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<RegistrationSummary>, CommandError> {
    Ok(state.desk.search(&query).await?)
}

#[tauri::command]
pub async fn registration_detail(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<RegistrationDetail, CommandError> {
    Ok(state.desk.registration_detail(&registration_id).await?)
}

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

#[tauri::command]
pub async fn receipt(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<Receipt, CommandError> {
    Ok(state.desk.receipt(&registration_id).await?)
}

/// Writes the receipt as a PDF in the receipts folder; returns the file's path.
#[tauri::command]
pub async fn save_receipt_pdf(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<String, CommandError> {
    let receipt = state.desk.receipt(&registration_id).await?;
    let file = state
        .receipts_dir
        .join(format!("Comprobante {}.pdf", receipt.folio));
    let bytes = receipt::render_pdf(&receipt);
    std::fs::create_dir_all(&state.receipts_dir)
        .and_then(|()| std::fs::write(&file, bytes))
        .map_err(|e| internal(format!("receipt pdf {}: {e}", file.display())))?;
    tracing::info!(folio = %receipt.folio, "receipt saved as pdf");
    Ok(file.display().to_string())
}

#[tauri::command]
pub async fn identify_affiliate(
    state: State<'_, AppState>,
    affiliation_number: String,
    credential_serial: String,
) -> Result<IdentifiedAffiliate, CommandError> {
    Ok(state
        .desk
        .identify_affiliate(&affiliation_number, &credential_serial)
        .await?)
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, CommandError> {
    Ok(state.desk.sync_status().await?)
}

/// "Sincronizar ahora": starts a round; the status bar shows how it went.
#[tauri::command]
pub fn sync_now(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.desk.current_clerk()?;
    state.desk.request_sync();
    Ok(())
}

#[tauri::command]
pub async fn retry_conflict(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<(), CommandError> {
    Ok(state.desk.retry_conflict(&registration_id).await?)
}
