//! Registro en Servicios en Línea (BC-ISSSTECALI-004): everything that is not a window.
//!
//! The desktop shell calls [`Desk`]; nothing here knows about Tauri. The central service
//! uses the shared parts below the use cases (domain, security, emails, outbox, sync).
//!
//! # Layers
//!
//! The modules come below in layers, lowest first. **A module uses only modules of its
//! own layer or lower ones; a use case never uses another use case** (it reaches one only
//! as a [`Desk`] method, and `desk.rs` says where each method lives). No two modules
//! import each other, directly or round a circle. The `architecture` test keeps this.
//!
//! ```text
//! 6 composition  startup
//! 5 use cases    backup, registration, validation, followups, expiry, staff, roster, receipt,
//!                search, settings, status_bar, readiness, reports, work_queues, audit_log,
//!                consents
//! 4 context      desk
//! 3 machinery    sync (entity, payload ← queue ← central, push, pull, worker), audit,
//!                outbox, work, tokens, affiliate_account, legal
//! 2 store        store (SQLite, migrations, typed rows, app_meta, unique constraints)
//! 1 foundations  error, clock, config, security, emails, instance (one app per folder)
//! 0 domain       pure types and parsers, no I/O
//! ```

// 0 · domain
pub mod domain;

// 1 · foundations
pub mod clock;
pub mod config;
pub mod emails;
pub mod error;
pub mod instance;
pub mod security;

// 2 · store
pub mod store;

// 3 · machinery
pub mod affiliate_account;
pub(crate) mod audit;
pub mod legal;
pub mod outbox;
pub mod sync;
pub(crate) mod tokens;
pub(crate) mod work;

// 4 · context
pub mod desk;

// 5 · use cases
pub mod across_stations;
pub mod audit_log;
pub mod backup;
pub mod consents;
// The rights of cancellation and opposition, and retention.
pub mod erasure;
mod expiry;
pub mod followups;
pub mod readiness;
pub mod receipt;
pub mod registration;
// Reports for supervisors («Reportes»).
pub mod reports;
pub mod roster;
pub mod search;
mod settings;
pub mod staff;
pub mod status_bar;
pub mod validation;
pub mod work_queues;

// 6 · composition
pub mod startup;

#[cfg(test)]
mod architecture;

pub use desk::{DataPaths, Desk};
pub use error::{Error, Result};
