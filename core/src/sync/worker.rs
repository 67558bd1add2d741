//! The sync worker: a round learns the central clock, pushes what waits and pulls what
//! changed; `run` repeats it on a timer and when woken. It shares the desk's store, clock,
//! connection and status, but not the desk.

use super::central::{Central, sync_trouble};
use crate::clock::{Clock, ClockOffset};
use crate::domain::{QueueState, SyncState};
use crate::error::Result;
use crate::store::{Store, meta};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;

/// A problem with one record, for the status bar.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordProblem {
    pub registration_id: String,
    pub folio: String,
    pub sync_state: SyncState,
    pub message: Option<String>,
}

/// What the status bar shows on every screen.
#[derive(Debug, Clone, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub configured: bool,
    pub online: bool,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last failed round, in Spanish; `None` after a round that worked.
    pub last_error: Option<String>,
    /// What the server said about it (technical, often English), for support.
    pub last_error_detail: Option<String>,
    /// The last round could not reach the central database: the records wait here, which
    /// is normal at a satellite office, not a problem to fix.
    pub waiting_for_network: bool,
    /// Registrations with something not yet in the central database.
    pub records_waiting: i64,
    /// Rows of any kind waiting (a registration is several: consents, token, audit…).
    pub changes_waiting: i64,
    pub oldest_record_waiting_at: Option<DateTime<Utc>>,
    pub emails_waiting: i64,
    pub oldest_email_waiting_at: Option<DateTime<Utc>>,
    /// Why the waiting emails wait, when the server said (a refused password, say).
    pub emails_waiting_because: Option<String>,
    /// Emails a clerk must look at in «Buscar»: given up (`abandonado`) or interrupted
    /// mid-delivery (`incierto`); a resend is one click there.
    pub emails_needing_attention: i64,
    pub problems: Vec<RecordProblem>,
    /// How far the central clock is ahead of this station's, in seconds, as last measured
    /// (negative: the station is ahead). `None` before the first round that reached it.
    pub clock_offset_seconds: Option<i64>,
    /// The station's clock is off by more than the configured minutes: the clerk is told
    /// (the central clock still decides expiry, so nothing breaks meanwhile).
    pub clock_skewed: bool,
    /// The saved settings are unusable and the station is on hold (see
    /// [`crate::config::SettingsProblem`]).
    pub settings_problem: Option<crate::config::SettingsProblem>,
    /// Settings that still hold the values the app ships with on a station joined to the
    /// institute: emails wait until a supervisor sets them (see readiness.rs).
    pub sending_held_by: Vec<crate::domain::Field>,
    /// The database key is kept in a file of the data folder (no credential store), and
    /// whether a supervisor accepted that.
    pub key_on_disk: Option<crate::config::KeyOnDisk>,
    /// The daily backup failed (a USB drive taken away, a share out of reach): since when,
    /// and why. Cleared by the next copy that works.
    pub backup_failure: Option<crate::store::backup::BackupFailure>,
}

/// What one sync round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: u64,
    pub conflicts: u64,
    pub roster_rows_pulled: u64,
    pub states_pulled: u64,
    /// Staff account versions from the office's other stations that were newer here.
    pub staff_pulled: u64,
    /// Account changes made here that the central database refused (see push.rs).
    pub staff_refused: u64,
}

/// Rows pushed per round (one central transaction, one claim and one acknowledgement
/// here). 2,000 rather than 500: each round pays a fixed price on both sides (the central
/// commit's flush, the staging tables, two local write transactions), and a round of
/// 2,000 rows is still a fraction of a second on a local network.
const ROWS_PER_ROUND: i64 = 2000;

/// How long a sync round may take before it is given up (a central database that stopped
/// answering, a link that stalls): the clerk is told, and the records wait here.
const ROUND_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs sync rounds for one desk.
#[derive(Clone)]
pub struct SyncWorker {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    /// Shared with the desk, which replaces it when the settings change.
    central: Arc<RwLock<Option<Central>>>,
    status: Arc<RwLock<SyncStatus>>,
    clock_offset: Arc<RwLock<Option<ClockOffset>>>,
    wake: Arc<Notify>,
    /// Queued rows per push round ([`ROWS_PER_ROUND`]).
    pub(super) rows_per_round: i64,
    round_timeout: Duration,
}

impl SyncWorker {
    pub(crate) fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        central: Arc<RwLock<Option<Central>>>,
        status: Arc<RwLock<SyncStatus>>,
        clock_offset: Arc<RwLock<Option<ClockOffset>>>,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            clock,
            central,
            status,
            clock_offset,
            wake,
            rows_per_round: ROWS_PER_ROUND,
            round_timeout: ROUND_TIMEOUT,
        }
    }

    /// The same worker pushing rounds of `rows` queued rows. For tests: rounds smaller than
    /// one registration's rows show that a registration split across rounds goes up (or is
    /// set aside) whole.
    pub fn in_rounds_of(mut self, rows: u16) -> Self {
        self.rows_per_round = i64::from(rows.max(1));
        self
    }

    fn central(&self) -> Option<Central> {
        self.central.read().expect("central lock").clone()
    }

    /// One round: learn the central clock, push everything waiting, then pull. Errors
    /// leave the queue as it was.
    pub async fn sync_once(&self) -> Result<SyncReport> {
        let Some(central) = self.central() else {
            return Ok(SyncReport::default());
        };
        let (mut report, offset) = self.push_all(&central).await?;
        let (roster, states) = self.pull(&central, offset).await?;
        report.roster_rows_pulled = roster;
        report.states_pulled = states;
        report.staff_pulled = self.pull_staff(&central, offset).await?;
        Ok(report)
    }

    /// The first half of a round: learn the central clock and push everything waiting,
    /// without the pull (the push benchmark measures it alone).
    pub async fn push_once(&self) -> Result<SyncReport> {
        let Some(central) = self.central() else {
            return Ok(SyncReport::default());
        };
        Ok(self.push_all(&central).await?.0)
    }

    async fn push_all(&self, central: &Central) -> Result<(SyncReport, ClockOffset)> {
        let offset = self.measure_clock_offset(central).await?;
        let pushed = self.push_rounds(central, offset).await?;
        let report = SyncReport {
            pushed: pushed.pushed,
            conflicts: pushed.conflicts,
            staff_refused: pushed.staff_refused,
            ..SyncReport::default()
        };
        Ok((report, offset))
    }

    /// Asks the central database for its time (`SELECT now()`) and keeps the offset, in
    /// memory for this round's conversions and in `app_meta` for the status bar and the
    /// emails' expiry times after a restart without network.
    async fn measure_clock_offset(&self, central: &Central) -> Result<ClockOffset> {
        let sent = self.clock.now();
        let central_now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(central.pool())
            .await?;
        let offset = ClockOffset::measure(sent, central_now, self.clock.now());
        meta::set_clock_offset(&mut *self.store.writer().acquire().await?, offset).await?;
        *self.clock_offset.write().expect("clock offset lock") = Some(offset);
        Ok(offset)
    }

    /// Rows left 'enviando' by a round that never finished (a stop, a round given up) wait
    /// again; until then the desk refuses to touch their records. Safe to push again: every
    /// insert is idempotent. (Another push in flight at that moment, the first supervisor's
    /// sign-up, would send its rows a second time, changing nothing centrally.)
    async fn release_interrupted(&self) {
        if let Err(e) = sqlx::query("UPDATE sync_queue SET state = ? WHERE state = ?")
            .bind(QueueState::Pending)
            .bind(QueueState::Sending)
            .execute(self.store.writer())
            .await
        {
            tracing::error!(error = ?e, "sync: could not reset interrupted rows");
        }
    }

    /// The same worker giving up a round after `limit` instead of [`ROUND_TIMEOUT`]. For
    /// tests: a central database that stops answering mid-round, without waiting minutes.
    pub fn giving_up_after(mut self, limit: Duration) -> Self {
        self.round_timeout = limit;
        self
    }

    /// Runs sync rounds forever: on start, every `every`, and when woken.
    pub async fn run(self, every: Duration) {
        self.release_interrupted().await;
        loop {
            if self.central().is_some() {
                let started = self.clock.now();
                let outcome = tokio::time::timeout(self.round_timeout, self.sync_once()).await;
                if outcome.is_err() {
                    // The round was dropped wherever it was: its claimed rows are still
                    // marked as being sent.
                    self.release_interrupted().await;
                }
                let mut status = self.status.write().expect("sync status lock");
                status.last_attempt_at = Some(started);
                match outcome {
                    Ok(Ok(report)) => {
                        status.online = true;
                        status.last_success_at = Some(self.clock.now());
                        status.last_error = None;
                        status.last_error_detail = None;
                        status.waiting_for_network = false;
                        if report != SyncReport::default() {
                            tracing::info!(
                                pushed = report.pushed,
                                conflicts = report.conflicts,
                                roster = report.roster_rows_pulled,
                                states = report.states_pulled,
                                "sync round"
                            );
                        }
                    }
                    Ok(Err(e)) => {
                        let trouble = sync_trouble(&e);
                        status.online = false;
                        status.waiting_for_network = trouble.offline;
                        status.last_error = Some(trouble.message);
                        status.last_error_detail = trouble.detail;
                        tracing::warn!(error = ?e, "sync round failed");
                    }
                    Err(_) => {
                        status.online = false;
                        status.waiting_for_network = true;
                        status.last_error = Some(
                            "La base central tardó demasiado en responder: los registros esperan en esta estación y se enviarán solos."
                                .to_owned(),
                        );
                        status.last_error_detail = None;
                    }
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}
