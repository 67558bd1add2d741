//! Where a desk starts: the database opened and migrated, the embedded legal texts
//! published, the demo roster on a new install. The one place that puts a desk together.

use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::desk::{DataPaths, Desk};
use crate::error::Result;
use crate::legal;
use crate::outbox::Transport;
use crate::roster;
use crate::store::{DatabaseKey, Store, meta};
use crate::sync::SyncStatus;
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

impl Desk {
    /// Opens the database (encrypted with `key`), runs migrations, publishes the embedded
    /// legal texts and, on an empty roster, loads the demo one. Emails go to files until
    /// [`Desk::use_transport`].
    pub async fn open(paths: &DataPaths, settings: Settings, key: &DatabaseKey) -> Result<Self> {
        Self::open_with_clock(paths, settings, key, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(
        paths: &DataPaths,
        settings: Settings,
        key: &DatabaseKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        paths.create_private()?;
        let store = Store::open(&paths.database(), key).await?;
        let transport = Transport::files(&paths.outbox_files())?;
        let now = clock.now();
        let clock_offset = meta::clock_offset(store.reader()).await?;
        legal::publish_embedded(&store, now).await?;
        if settings.central_url.trim().is_empty() {
            if roster::seed_demo_if_empty(&store, now).await? {
                tracing::info!("empty roster: demo roster loaded");
            }
        } else {
            // Joined to the central database, the roster is the institute's, from there:
            // registrations against the demo's public serials must never reach it.
            let retired = roster::retire_demo(&store).await?;
            if retired > 0 {
                tracing::info!(retired, "central database configured: demo roster retired");
            }
        }
        Ok(Self {
            store,
            settings: Arc::new(RwLock::new(settings)),
            clock,
            outbox_wake: Arc::new(Notify::new()),
            transport: Arc::new(RwLock::new(transport)),
            central: Arc::new(RwLock::new(None)),
            sync_wake: Arc::new(Notify::new()),
            sync_status: Arc::new(RwLock::new(SyncStatus::default())),
            clock_offset: Arc::new(RwLock::new(clock_offset)),
            session: Arc::new(RwLock::new(None)),
            settings_problem: Arc::new(RwLock::new(None)),
            key_on_disk: Arc::new(RwLock::new(None)),
        })
    }
}
