//! The shell's one error type: what every command returns to the front end as
//! `{code, field, message}` (plus `fields` when several fields are wrong at once).

use registro_core::domain::{Field, FieldError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[error("{message}")]
pub struct CommandError {
    pub code: String,
    pub field: Option<Field>,
    pub message: String,
    // Absent when empty: ts-rs reads `skip_serializing_if` only beside `default`, so say it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<FieldError>>", optional))]
    pub fields: Vec<FieldError>,
}

impl From<registro_core::Error> for CommandError {
    fn from(e: registro_core::Error) -> Self {
        if e.is_internal() {
            // The cause goes to the log (it names tables and files, never personal data);
            // the clerk gets the generic sentence.
            tracing::error!(error = ?e, "command failed");
        }
        CommandError {
            code: e.code().to_owned(),
            field: e.field(),
            message: e.to_string(),
            fields: e.field_errors().to_vec(),
        }
    }
}

impl From<FieldError> for CommandError {
    fn from(e: FieldError) -> Self {
        registro_core::Error::from(e).into()
    }
}
