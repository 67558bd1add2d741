//! The affiliate's receipt: on screen (and printed), or saved as a PDF; the written
//! consent form and the access report, saved as PDFs.

use super::internal;
use crate::error::CommandError;
use crate::state::AppState;
use registro_core::receipt::{self, Receipt};
use registro_core::staff::SupervisorApproval;
use tauri::State;

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
    save_pdf(
        &state,
        &format!("Comprobante {}.pdf", receipt.folio),
        receipt::render_pdf(&receipt),
    )
}

/// Writes the written consent for the family grouping as a PDF in the receipts folder,
/// for the affiliate to sign; returns the file's path.
#[tauri::command]
pub async fn save_consent_form_pdf(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<String, CommandError> {
    let form = state.desk.consent_form(&registration_id).await?;
    save_pdf(
        &state,
        &format!("Consentimiento por escrito {}.pdf", form.folio),
        receipt::render_consent_form_pdf(&form),
    )
}

/// Writes the affiliate's access report (everything held about the registration, for
/// the affiliate) as a PDF in the receipts folder, approved by a supervisor with the
/// reason; returns the file's path.
#[tauri::command]
pub async fn save_access_report_pdf(
    state: State<'_, AppState>,
    registration_id: String,
    approval: SupervisorApproval,
    reason: String,
) -> Result<String, CommandError> {
    let report = state
        .desk
        .access_report(&registration_id, &approval, &reason)
        .await?;
    save_pdf(
        &state,
        &format!("Datos personales {}.pdf", report.folio),
        receipt::render_access_report_pdf(&report),
    )
}

/// Writes `bytes` as `name` in the receipts folder; returns the file's path.
fn save_pdf(state: &AppState, name: &str, bytes: Vec<u8>) -> Result<String, CommandError> {
    let file = state.receipts_dir.join(name);
    std::fs::create_dir_all(&state.receipts_dir)
        .and_then(|()| std::fs::write(&file, bytes))
        .map_err(|e| internal(format!("pdf {}: {e}", file.display())))?;
    tracing::info!(file = %name, "paper saved as pdf");
    Ok(file.display().to_string())
}

/// Records that the affiliate's signed consent form came back to the desk.
#[tauri::command]
pub async fn record_consent_form_collected(
    state: State<'_, AppState>,
    registration_id: String,
) -> Result<(), CommandError> {
    Ok(state
        .desk
        .record_consent_form_collected(&registration_id)
        .await?)
}
