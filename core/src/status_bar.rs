//! The status bar on every screen: what waits to reach the central database and since
//! when, emails waiting, problems per record, and the clock's skew.

use crate::desk::Desk;
use crate::domain::{QueueState, SyncState};
use crate::error::Result;
use crate::sync::{self, SyncStatus};
use crate::work::Actor;
use chrono::{DateTime, Utc};

impl Desk {
    /// The status bar's figures, from the local database and the last round.
    pub async fn sync_status(&self) -> Result<SyncStatus> {
        let mut status = self.sync_status.read().expect("sync status lock").clone();
        status.configured = self.central().is_some();
        let (changes, records, oldest): (i64, i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT count(*), count(DISTINCT registration_id), min(created_at) FROM sync_queue
              WHERE state <> ?",
        )
        .bind(QueueState::Synced)
        .fetch_one(self.store.reader())
        .await?;
        status.records_waiting = records;
        status.changes_waiting = changes;
        status.oldest_record_waiting_at = oldest;
        let emails = crate::outbox::counts(&self.store).await?;
        status.emails_waiting = emails.queued;
        status.oldest_email_waiting_at = emails.oldest_queued_at;
        status.emails_waiting_because = emails.waiting_because;
        // The same emails «Pendientes» lists: a resend clears them.
        status.emails_needing_attention = crate::outbox::needing_attention(
            &self.store,
            i64::MAX,
            self.settings().outbox_max_attempts,
        )
        .await?
        .len() as i64;
        let offset = self.clock_offset();
        status.clock_offset_seconds = offset.map(|o| o.millis / 1000);
        status.clock_skewed =
            offset.is_some_and(|o| o.exceeds_minutes(self.settings().clock_skew_warning_minutes));
        status.settings_problem = self.settings_problem();
        status.sending_held_by = self.settings().sending_held_by(
            self.transport().is_smtp(),
            crate::legal::profile_in_force()?.demostracion,
        );
        status.key_on_disk = self.key_on_disk();
        status.backup_failure = self.backup_failure();
        status.problems = sqlx::query_as(
            "SELECT id AS registration_id, folio, sync_state, sync_error AS message FROM registrations
              WHERE sync_state IN (?, ?) ORDER BY created_at DESC LIMIT 100",
        )
        .bind(SyncState::Error)
        .bind(SyncState::Conflict)
        .fetch_all(self.store.reader())
        .await?;
        Ok(status)
    }

    /// Tries a conflicting registration again (say, the other office cancelled theirs).
    pub async fn retry_conflict(&self, registration_id: &str) -> Result<()> {
        let clerk = self.current_clerk()?;
        let mut work = self.work(Actor::Staff(clerk.username)).await?;
        sync::queue::release_held(work.conn(), registration_id).await?;
        work.commit().await?;
        self.request_sync();
        Ok(())
    }
}
