//! The front desk's services, shared by the desktop commands and the tests.

use crate::clock::{Clock, ClockOffset, SystemClock};
use crate::config::Settings;
use crate::error::Result;
use crate::legal;
use crate::outbox::{OutboxWorker, Transport};
use crate::roster;
use crate::store::Store;
use crate::sync::{Central, SyncReport, SyncWorker};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;

/// Everything a command needs: the store, the settings in force, the clock, and the
/// outbox worker's wake-up.
#[derive(Clone)]
pub struct Desk {
    pub(crate) store: Store,
    pub(crate) settings: Arc<RwLock<Settings>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) outbox_wake: Arc<Notify>,
    pub(crate) transport: Arc<RwLock<Transport>>,
    pub(crate) central: Arc<RwLock<Option<Central>>>,
    pub(crate) sync_wake: Arc<Notify>,
    pub(crate) sync_status: Arc<RwLock<crate::sync::SyncStatus>>,
    /// The central clock's offset from this station's, as last measured at a sync round.
    pub(crate) clock_offset: Arc<RwLock<Option<crate::clock::ClockOffset>>>,
    /// The signed-in clerk; `None` until someone signs in.
    pub(crate) session: Arc<RwLock<Option<crate::staff::Session>>>,
}

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

    /// Where emails are written while no SMTP server is configured.
    pub fn outbox_files(&self) -> PathBuf {
        self.root.join("correos")
    }
}

/// Names of the settings that differ (values stay out of the audit trail).
fn changed_keys(old: &Settings, new: &Settings) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

impl Desk {
    /// Opens the database, runs migrations, publishes the embedded legal texts and, on an
    /// empty roster, loads the demo one. Emails go to files until [`Desk::use_transport`].
    pub async fn open(paths: &DataPaths, settings: Settings) -> Result<Self> {
        Self::open_with_clock(paths, settings, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(
        paths: &DataPaths,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        std::fs::create_dir_all(&paths.root).map_err(|e| {
            crate::error::Error::Internal(format!("data folder {}: {e}", paths.root.display()))
        })?;
        let store = Store::open(&paths.database()).await?;
        let transport = Transport::files(&paths.outbox_files())?;
        let now = clock.now();
        let clock_offset = crate::store::meta::clock_offset(store.reader()).await?;
        legal::publish_embedded(&store, now).await?;
        if roster::seed_demo_if_empty(&store, now).await? {
            tracing::info!("empty roster: demo roster loaded");
        }
        Ok(Self {
            store,
            settings: Arc::new(RwLock::new(settings)),
            clock,
            outbox_wake: Arc::new(Notify::new()),
            transport: Arc::new(RwLock::new(transport)),
            central: Arc::new(RwLock::new(None)),
            sync_wake: Arc::new(Notify::new()),
            sync_status: Arc::new(RwLock::new(crate::sync::SyncStatus::default())),
            clock_offset: Arc::new(RwLock::new(clock_offset)),
            session: Arc::new(RwLock::new(None)),
        })
    }

    /// The worker that delivers this desk's emails through its current transport.
    pub fn outbox_worker(&self) -> OutboxWorker {
        OutboxWorker::new(
            self.store.clone(),
            self.transport.clone(),
            self.settings.clone(),
            self.clock.clone(),
            self.outbox_wake.clone(),
        )
    }

    /// Where emails go from now on (files, or an SMTP server); wakes the worker.
    pub fn use_transport(&self, transport: Transport) {
        *self.transport.write().expect("transport lock") = transport;
        self.outbox_wake.notify_one();
    }

    /// Applies new settings from the settings screen: checks every field, asks for a
    /// supervisor's approval once a supervisor exists, switches email delivery (SMTP with
    /// `smtp_password`, or files) and audits which settings changed (never secrets).
    pub async fn change_settings(
        &self,
        new: Settings,
        smtp_password: Option<&str>,
        central_password: Option<&str>,
        approval: &crate::staff::SupervisorApproval,
        outbox_files: &Path,
    ) -> Result<()> {
        new.validate().map_err(crate::error::Error::Fields)?;
        let clerk = self.current_clerk()?;
        let actor = self.approve(approval).await?;
        let transport = match &new.smtp {
            Some(smtp) => Transport::smtp(smtp, smtp_password)?,
            None => Transport::files(outbox_files)?,
        };
        let central = match new.central_url.trim() {
            "" => None,
            url => Some(Central::new(url, central_password)?),
        };
        let old = self.settings();
        let changed = changed_keys(&old, &new);
        let now = self.clock.now();
        let mut tx = self.store.writer().begin().await?;
        crate::audit::record(
            &mut tx,
            &new,
            now,
            crate::audit::AuditEvent::station(
                &actor,
                "ajustes_cambiados",
                serde_json::json!({ "claves": changed, "capturista": clerk.username }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.replace_settings(new);
        self.use_transport(transport);
        self.use_central(central);
        Ok(())
    }

    /// Sends a test email now through the current transport, reporting the server's own
    /// complaint in Spanish when it fails.
    pub async fn send_test_email(&self, to: &str) -> Result<()> {
        self.current_clerk()?;
        let to = crate::domain::EmailAddress::parse_field(to, crate::domain::Field::TestRecipient)?;
        let settings = self.settings();
        self.transport()
            .send_test(&settings, to.as_str())
            .await
            .map_err(|e| crate::error::Error::SmtpTest(format!("La prueba de correo falló: {e}")))
    }

    pub fn transport(&self) -> Transport {
        self.transport.read().expect("transport lock").clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().expect("settings lock").clone()
    }

    pub fn replace_settings(&self, settings: Settings) {
        *self.settings.write().expect("settings lock") = settings;
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
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

    pub async fn import_roster(
        &self,
        path: &Path,
        progress: impl FnMut(roster::ImportProgress) + Send,
    ) -> Result<roster::ImportReport> {
        self.current_clerk()?;
        roster::import_csv_file(&self.store, path, self.clock.now(), progress).await
    }
}
