//! Where a record stands on its way to the central database.

use super::text_enum::text_enum;

text_enum! {
    /// A registration as the clerk sees its sync (`registrations.sync_state`).
    pub enum SyncState {
        Pending = "pendiente",
        Sending = "enviando",
        Synced = "sincronizado",
        Error = "error",
        /// The central database already has a live account for the affiliate: kept here
        /// and shown to the clerk, never dropped.
        Conflict = "conflicto",
    }
}

text_enum! {
    /// One row of the sync queue (`sync_queue.state`).
    pub enum QueueState {
        Pending = "pendiente",
        Sending = "enviando",
        Synced = "sincronizado",
        Error = "error",
        /// Held back with its registration in conflict.
        Held = "retenido",
    }
}
