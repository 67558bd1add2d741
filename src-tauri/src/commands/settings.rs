//! The settings screen: the settings, where the passwords are kept, and a test email.

use super::internal;
use crate::error::CommandError;
use crate::secrets::{Secret, SecretStoreStatus};
use crate::state::AppState;
use registro_core::config::{KeyOnDisk, Settings, SettingsProblem};
use registro_core::readiness::ReadinessCheck;
use registro_core::staff::SupervisorApproval;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_store::StoreExt;

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SettingsView {
    pub settings: Settings,
    pub smtp_password_saved: bool,
    pub central_password_saved: bool,
    pub secret_store: SecretStoreStatus,
    pub supervisor_exists: bool,
    pub email_delivery: String,
    /// Why the saved settings could not be used (the station is on hold until saved).
    pub settings_problem: Option<SettingsProblem>,
    /// What is left before this station works for real (the first-run checklist).
    pub readiness: Vec<ReadinessCheck>,
    /// The database key is in a file of the data folder (no credential store), and whether
    /// a supervisor accepted that; `None` when the credential store keeps it.
    pub key_on_disk: Option<KeyOnDisk>,
}

async fn settings_view(state: &AppState) -> Result<SettingsView, CommandError> {
    Ok(SettingsView {
        settings: state.desk.settings(),
        smtp_password_saved: state.secrets.get(Secret::Smtp).is_some(),
        central_password_saved: state.secrets.get(Secret::Central).is_some(),
        secret_store: state.secrets.status(),
        supervisor_exists: state.desk.has_supervisor().await?,
        email_delivery: state.desk.transport().describe(),
        settings_problem: state.desk.settings_problem(),
        readiness: state.desk.readiness().await?,
        key_on_disk: state.desk.key_on_disk(),
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
    let was_on_hold = state.desk.settings_problem().is_some();
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
        if was_on_hold {
            crate::set_aside_unusable_settings(file);
        }
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
    state.updates.settings_changed();
    settings_view(&state).await
}

/// A supervisor accepts that this station keeps its database key on disk.
#[tauri::command]
pub async fn accept_key_on_disk(
    state: State<'_, AppState>,
    approval: Option<SupervisorApproval>,
) -> Result<SettingsView, CommandError> {
    state
        .desk
        .accept_key_on_disk(&approval.unwrap_or_default())
        .await?;
    settings_view(&state).await
}

#[tauri::command]
pub async fn send_test_email(state: State<'_, AppState>, to: String) -> Result<(), CommandError> {
    Ok(state.desk.send_test_email(&to).await?)
}
