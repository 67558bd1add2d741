//! Registro en Servicios en Línea (BC-ISSSTECALI-004): everything that is not a window.
//!
//! The desktop shell calls [`desk::Desk`]; nothing here knows about Tauri.

/// The old home of the follow-ups' results; `followups` is theirs now.
pub mod actions {
    pub use crate::followups::{EmailSent, RevealedSerial};
}
pub mod affiliate_account;
pub(crate) mod audit;
pub mod clock;
pub mod config;
pub mod desk;
pub mod domain;
pub mod emails;
pub mod error;
mod expiry;
pub mod followups;
pub mod legal;
pub mod outbox;
pub mod receipt;
pub mod registration;
pub mod roster;
pub mod search;
pub mod security;
mod settings;
pub mod staff;
mod startup;
pub mod status_bar;
pub mod store;
pub mod sync;
pub mod tokens;
pub mod validation;
pub(crate) mod work;

pub use desk::{DataPaths, Desk};
pub use error::{Error, Result};
