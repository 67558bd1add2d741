//! Sync with the central PostgreSQL. Every local write that the institute must know
//! about also appends a row to `sync_queue` in the same transaction; the sync worker
//! pushes the queue in order (each row idempotent by its UUID: a repeat after a cut is
//! harmless), then pulls roster changes and state changes made centrally (a validation
//! by link, a cancellation) since its watermarks. A registration that meets a live
//! account of the same affiliate already in the central database becomes `conflicto`:
//! kept, shown to the clerk with the other account's folio and office, never dropped.

mod central;
mod entity;
pub(crate) mod payload;
mod pull;
mod push;
pub(crate) mod queue;
mod worker;

pub use central::{
    CENTRAL_CHECK_TIMEOUT, Central, CentralQuery, LiveRegistration, RegistrationElsewhere,
    is_tls_refusal,
};
pub use entity::Entity;
pub(crate) use queue::{event, share};
pub use worker::{RecordProblem, SyncReport, SyncStatus, SyncWorker};
