//! The registration form: live field checks, the legal documents, the roster lookup and
//! the registration itself.

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::domain::{Field, PhoneCountry};
use registro_core::legal::{self, LegalDocument};
use registro_core::registration::{
    self, FieldCheck, IdentifiedAffiliate, RegistrationForm, RegistrationReceipt,
};
use serde::Serialize;
use tauri::State;

/// Live check of one field through the same parser the registration uses; the phone is
/// read in the country chosen beside it (Mexico when none is sent).
#[tauri::command]
pub fn check_field(
    field: Field,
    value: String,
    other: Option<String>,
    phone_country: Option<PhoneCountry>,
) -> Result<FieldCheck, CommandError> {
    Ok(registration::check_field(
        field,
        &value,
        other.as_deref(),
        phone_country.unwrap_or_default(),
    )?)
}

/// A document of the form with the field its answer goes in (and its errors come back
/// on), so the screen does not keep its own copy of `DocumentKind::field`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DocumentToAnswer {
    #[serde(flatten)]
    pub document: LegalDocument,
    pub field: Field,
}

#[tauri::command]
pub async fn legal_documents(
    state: State<'_, AppState>,
) -> Result<Vec<DocumentToAnswer>, CommandError> {
    Ok(legal::current_documents(state.desk.store())
        .await?
        .into_iter()
        .map(|document| DocumentToAnswer {
            field: document.kind.field(),
            document,
        })
        .collect())
}

#[tauri::command]
pub async fn register(
    state: State<'_, AppState>,
    form: RegistrationForm,
) -> Result<RegistrationReceipt, CommandError> {
    // No update installs while a registration is being saved.
    let _saving = state.updates.saving_registration().await;
    Ok(state.desk.register(&form).await?)
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
