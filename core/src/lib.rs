//! Registro en Servicios en Línea (BC-ISSSTECALI-004): everything that is not a window.
//!
//! The desktop shell calls [`desk::Desk`]; nothing here knows about Tauri.

pub mod actions;
pub mod affiliate_account;
pub mod audit;
pub mod clock;
pub mod config;
pub mod desk;
pub mod domain;
pub mod emails;
pub mod error;
pub mod legal;
pub mod outbox;
pub mod receipt;
pub mod registration;
pub mod roster;
pub mod search;
pub mod security;
pub mod staff;
pub mod status_bar;
pub mod store;
pub mod sync;
pub mod tokens;
pub mod validation;

pub use desk::{DataPaths, Desk};
pub use error::{Error, Result};
