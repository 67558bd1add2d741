//! The front desk: what every use case borrows (the store, the settings in force, the
//! clock, the signed-in clerk, the outbox and sync workers' shared state).
//!
//! Where `Desk`'s methods live:
//!
//! ```text
//! startup.rs .............. open, open_with_clock
//! settings.rs ............. change_settings, send_test_email, accept_key_on_disk
//! staff/session.rs ........ has_supervisor, session_view, current_clerk, sign_in, unlock,
//!                           lock_session, sign_out, require_supervisor and signed_in_clerk (crate)
//! staff/accounts.rs ....... create_first_supervisor, create_staff, list_staff,
//!                           set_staff_active, reset_staff_password
//! staff/credentials.rs .... change_own_password, approve (crate)
//! registration/mod.rs ..... register
//! registration/identity.rs  identify_affiliate
//! validation.rs ........... validate_with_code, validate_with_link
//! followups.rs ............ resend_validation, correct_email, issue_new_temporary_password,
//!                           rectify_phone, cancel_registration, reveal_serial
//! expiry.rs ............... expire_overdue
//! search.rs ............... search, registration_detail
//! receipt/mod.rs .......... receipt
//! receipt/consent_form.rs . consent_form, record_consent_form_collected
//! roster/mod.rs ........... import_roster
//! status_bar.rs ........... sync_status, retry_conflict
//! reports/mod.rs .......... report, export_report
//! backup.rs ............... list_backups, back_up_now, backup_if_due, restore_backup
//! work_queues.rs .......... work_queues, resend_email, resend_all_emails,
//!                           release_affiliation_lock
//! audit_log.rs ............ audit_log, export_audit_log
//! here .................... store, backup_place, settings, replace_settings, now, transport, use_transport,
//!                           outbox_worker, central, use_central, central_if_reachable,
//!                           request_sync, sync_worker, sync_once, run_sync, clock_offset,
//!                           keep_key_on_disk, key_on_disk, ensure_key_custody (crate),
//!                           institute_time, work and work_at (crate)
//! ```

use crate::clock::{Clock, ClockOffset};
use crate::config::{KeyOnDisk, Settings, SettingsProblem};
use crate::domain::staff::Session;
use crate::error::Result;
use crate::outbox::{OutboxWorker, Transport};
use crate::store::backup::{BackupPlace, DEFAULT_FOLDER};
use crate::store::{DatabaseKey, Store};
use crate::sync::{Central, SyncReport, SyncStatus, SyncWorker};
use crate::work::{Actor, Work, WorkContext};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;

/// Everything a command needs: the store, the settings in force, the clock, the session,
/// and what the outbox and sync workers share with it.
#[derive(Clone)]
pub struct Desk {
    pub(crate) store: Store,
    pub(crate) settings: Arc<RwLock<Settings>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) outbox_wake: Arc<Notify>,
    pub(crate) transport: Arc<RwLock<Transport>>,
    pub(crate) central: Arc<RwLock<Option<Central>>>,
    pub(crate) sync_wake: Arc<Notify>,
    pub(crate) sync_status: Arc<RwLock<SyncStatus>>,
    /// The central clock's offset from this station's, as last measured at a sync round.
    pub(crate) clock_offset: Arc<RwLock<Option<ClockOffset>>>,
    /// The signed-in clerk; `None` until someone signs in.
    pub(crate) session: Arc<RwLock<Option<Session>>>,
    /// Set when the saved settings could not be used: nothing is sent and nobody is
    /// registered until a supervisor saves valid ones.
    pub(crate) settings_problem: Arc<RwLock<Option<SettingsProblem>>>,
    /// Set when the database key is kept in a file of the data folder (no credential
    /// store on this station): see [`Desk::keep_key_on_disk`].
    pub(crate) key_on_disk: Arc<RwLock<Option<KeyOnDisk>>>,
    /// The data folder, and the key of its database (for backups and their restore).
    pub(crate) paths: DataPaths,
    pub(crate) key: DatabaseKey,
    /// The daily backup's failure, shown in the status bar until a copy works again.
    pub(crate) backup_failure: Arc<RwLock<Option<crate::store::backup::BackupFailure>>>,
}

/// The `app_meta` key of a supervisor's acceptance of the key on disk.
pub(crate) const KEY_ON_DISK_ACCEPTED: &str = "key_on_disk_accepted";

/// Files of one installation, all under the app's data folder.
#[derive(Debug, Clone)]
pub struct DataPaths {
    pub root: PathBuf,
}

impl DataPaths {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn database(&self) -> PathBuf {
        self.root.join("registro.sqlite3")
    }

    /// Creates the data folder, readable by its user only on Unix (an older install's
    /// folder is narrowed too). On Windows it is in the user's own profile (%APPDATA%),
    /// which other users of the PC cannot read.
    pub fn create_private(&self) -> Result<()> {
        let failed = |e: std::io::Error| {
            crate::Error::Internal(format!("data folder {}: {e}", self.root.display()))
        };
        std::fs::create_dir_all(&self.root).map_err(failed)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700))
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Where the database key is kept on a station without a credential store.
    pub fn key_file(&self) -> PathBuf {
        self.root.join("clave-base-local.key")
    }

    /// Where copies of the database go under `settings`, and how many are kept: the
    /// configured folder, or `copias-de-seguridad` in the data folder.
    pub fn backups(&self, settings: &Settings) -> BackupPlace {
        let configured = settings.backup_folder.trim();
        BackupPlace {
            folder: if configured.is_empty() {
                self.root.join(DEFAULT_FOLDER)
            } else {
                PathBuf::from(configured)
            },
            keep: settings.backups_kept,
        }
    }

    /// Where emails are written while no SMTP server is configured.
    pub fn outbox_files(&self) -> PathBuf {
        self.root.join("correos")
    }
}

impl Desk {
    /// The worker that delivers this desk's emails through its current transport.
    pub fn outbox_worker(&self) -> OutboxWorker {
        OutboxWorker::new(
            self.store.clone(),
            self.transport.clone(),
            self.settings.clone(),
            self.clock.clone(),
            self.outbox_wake.clone(),
            self.settings_problem.clone(),
        )
    }

    /// Where emails go from now on (files, or an SMTP server); wakes the worker.
    pub fn use_transport(&self, transport: Transport) {
        *self.transport.write().expect("transport lock") = transport;
        self.outbox_wake.notify_one();
    }

    pub fn transport(&self) -> Transport {
        self.transport.read().expect("transport lock").clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where this desk's copies of the database go under the settings in force.
    pub fn backup_place(&self) -> BackupPlace {
        self.paths.backups(&self.settings())
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().expect("settings lock").clone()
    }

    pub fn replace_settings(&self, settings: Settings) {
        *self.settings.write().expect("settings lock") = settings;
    }

    /// The saved settings could not be used: hold every email and registration until a
    /// supervisor saves valid settings ([`Desk::change_settings`] lifts it).
    pub fn hold_for_settings(&self, problem: SettingsProblem) {
        tracing::warn!(setting = %problem.setting, "settings unusable: station on hold");
        *self
            .settings_problem
            .write()
            .expect("settings problem lock") = Some(problem);
    }

    /// What is wrong with the saved settings, while the station is on hold.
    pub fn settings_problem(&self) -> Option<SettingsProblem> {
        self.settings_problem
            .read()
            .expect("settings problem lock")
            .clone()
    }

    /// Refuses work that would record or send under settings nobody chose.
    pub(crate) fn ensure_settings_usable(&self) -> Result<()> {
        match self.settings_problem() {
            Some(problem) => Err(crate::Error::SettingsHeld(problem)),
            None => Ok(()),
        }
    }

    /// The shell found no credential store and keeps the database key in
    /// [`DataPaths::key_file`]: registrations wait for a supervisor's acceptance, unless
    /// one was given before (it is kept in the database).
    pub async fn keep_key_on_disk(&self) -> Result<()> {
        let accepted =
            crate::store::meta::get_text(self.store.reader(), KEY_ON_DISK_ACCEPTED).await?;
        let state = if accepted.is_some() {
            KeyOnDisk::Accepted
        } else {
            tracing::warn!("database key kept on disk: registrations held for a supervisor");
            KeyOnDisk::Held
        };
        *self.key_on_disk.write().expect("key custody lock") = Some(state);
        Ok(())
    }

    /// Whether the database key is on disk, and whether a supervisor accepted it.
    pub fn key_on_disk(&self) -> Option<KeyOnDisk> {
        *self.key_on_disk.read().expect("key custody lock")
    }

    /// Refuses to record personal data while its key sits unaccepted beside it.
    pub(crate) fn ensure_key_custody(&self) -> Result<()> {
        match self.key_on_disk() {
            Some(KeyOnDisk::Held) => Err(crate::Error::KeyOnDiskHeld),
            _ => Ok(()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Connects this desk to the central database (or disconnects it with `None`).
    pub fn use_central(&self, central: Option<Central>) {
        *self.central.write().expect("central lock") = central;
        self.sync_wake.notify_one();
    }

    pub fn central(&self) -> Option<Central> {
        self.central.read().expect("central lock").clone()
    }

    /// The central database, unless the last sync round found it unreachable within the
    /// last minute: an office without network should not wait at every registration.
    pub fn central_if_reachable(&self) -> Option<Central> {
        let status = self.sync_status.read().expect("sync status lock");
        let recently_down = !status.online
            && status.last_error.is_some()
            && status
                .last_attempt_at
                .is_some_and(|at| self.clock.now() - at < chrono::Duration::seconds(60));
        drop(status);
        if recently_down { None } else { self.central() }
    }

    /// Asks for a sync round now ("Sincronizar ahora", or a local change).
    pub fn request_sync(&self) {
        self.sync_wake.notify_one();
    }

    /// A change made now by `actor` (see [`Work`]).
    pub(crate) async fn work(&self, actor: Actor) -> Result<Work> {
        self.work_at(actor, self.clock.now()).await
    }

    /// A change at `now`, for a use case that already read the clock for its checks.
    pub(crate) async fn work_at(&self, actor: Actor, now: DateTime<Utc>) -> Result<Work> {
        let context = WorkContext {
            settings: self.settings(),
            central_offset: self.clock_offset(),
            outbox_wake: self.outbox_wake.clone(),
        };
        Work::begin(&self.store, now, actor, context).await
    }

    /// [`Desk::work_at`] for a change that must be on the disk when it returns (see
    /// [`Work::begin_durable`]).
    pub(crate) async fn durable_work_at(&self, actor: Actor, now: DateTime<Utc>) -> Result<Work> {
        let context = WorkContext {
            settings: self.settings(),
            central_offset: self.clock_offset(),
            outbox_wake: self.outbox_wake.clone(),
        };
        Work::begin_durable(&self.store, now, actor, context).await
    }

    /// The worker that syncs this desk with the central database.
    pub fn sync_worker(&self) -> SyncWorker {
        SyncWorker::new(
            self.store.clone(),
            self.clock.clone(),
            self.central.clone(),
            self.sync_status.clone(),
            self.clock_offset.clone(),
            self.sync_wake.clone(),
        )
    }

    /// One sync round now (see [`SyncWorker::sync_once`]).
    pub async fn sync_once(&self) -> Result<SyncReport> {
        self.sync_worker().sync_once().await
    }

    /// Runs sync rounds forever: on start, every `every`, and when woken.
    pub async fn run_sync(self, every: Duration) {
        self.sync_worker().run(every).await
    }

    /// The last measured offset from the central clock, if any round ever reached it.
    pub fn clock_offset(&self) -> Option<ClockOffset> {
        *self.clock_offset.read().expect("clock offset lock")
    }

    /// A station instant as the institute's clock would read it: the central clock when
    /// its offset is known, this station's own clock otherwise (a station that works
    /// alone has no other clock to trust).
    pub fn institute_time(&self, station: DateTime<Utc>) -> DateTime<Utc> {
        self.clock_offset()
            .map_or(station, |offset| offset.to_central(station))
    }
}
