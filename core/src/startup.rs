//! Where a desk starts: the database opened and migrated, the embedded legal texts
//! published, the demo roster on a new install. The one place that puts a desk together.

use crate::backup::RestoreOutcome;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::desk::{DataPaths, Desk};
use crate::error::{Error, Result};
use crate::legal;
use crate::outbox::Transport;
use crate::roster;
use crate::store::backup::{self, BackupInfo};
use crate::store::{DatabaseKey, Store, meta};
use crate::sync::SyncStatus;
use serde::Serialize;
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
        let store = Store::open_with_backups(
            &paths.database(),
            key,
            Some(&paths.backups(&settings)),
            &legal::texts_on_record()?,
        )
        .await?;
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
            if retired.rows > 0 {
                tracing::info!(
                    retired = retired.rows,
                    held = retired.registrations_held,
                    "central database configured: demo roster retired"
                );
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
            paths: paths.clone(),
            key: key.clone(),
            backup_failure: Arc::new(RwLock::new(None)),
        })
    }
}

/// Why the app could not start, told on the rescue screen: what is wrong, what to do, and
/// the copies that could be restored. The database file is left exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StartupProblem {
    pub kind: StartupProblemKind,
    /// What is wrong and what to do, in Spanish.
    pub message: String,
    /// The copies in the backup folder, newest first (none when they could not be read
    /// or the key that opens them is missing).
    pub backups: Vec<BackupInfo>,
    /// Where the copies were looked for.
    pub backup_folder: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum StartupProblemKind {
    /// The database file is not a database of this app (another program's, or damaged).
    ForeignFile,
    /// An encrypted database this station's key does not open.
    WrongKey,
    /// A published legal text in the database differs from this version's.
    LegalTextChanged,
    /// The database key could not be read (credential store, key file).
    KeyUnavailable,
    /// Anything else (an internal error; its cause is in the log).
    Other,
}

impl StartupProblemKind {
    /// What the kind of an error `Desk::open` or the shell's start returned is.
    pub fn of(error: &Error) -> Self {
        match error {
            Error::DatabaseForeign(_) => Self::ForeignFile,
            Error::DatabaseUnreadable(_) => Self::WrongKey,
            Error::LegalTextChanged(_) => Self::LegalTextChanged,
            Error::DatabaseKeyFile(_) | Error::DatabaseKeyUnavailable(_) => Self::KeyUnavailable,
            _ => Self::Other,
        }
    }

    /// What the rescue screen says, beyond the error itself (the same in every case: the
    /// file was not touched, and what to do next).
    fn advice(self, has_backups: bool) -> &'static str {
        match (self, has_backups) {
            (Self::KeyUnavailable, _) => {
                "No se modificó ningún archivo. Cierre la aplicación, vuelva a abrirla con la misma cuenta de usuario del equipo y, si se repite, avise a soporte."
            }
            (Self::LegalTextChanged, false) => {
                "No se modificó ningún archivo. Avise a soporte: hace falta la versión de la aplicación que corresponde a esta base de datos."
            }
            (Self::LegalTextChanged, true) => {
                "No se modificó ningún archivo. Avise a soporte: hace falta la versión de la aplicación que corresponde a esta base de datos. Si soporte lo indica, puede restaurar una copia de seguridad anterior (la base de datos actual se conserva con otro nombre, no se borra)."
            }
            (_, true) => {
                "No se modificó ningún archivo. Puede restaurar la copia de seguridad más reciente (la base de datos actual se conserva con otro nombre, no se borra) o avisar a soporte."
            }
            (_, false) => {
                "No se modificó ningún archivo y no hay copias de seguridad en la carpeta de copias. No borre la carpeta de datos; avise a soporte."
            }
        }
    }
}

impl StartupProblem {
    /// The data folder itself cannot be used (its lock file cannot be opened: no right to
    /// write there, a full disk, a folder in the lock's place). Nothing was opened.
    pub fn folder_unusable(root: &std::path::Path, error: &std::io::Error) -> Self {
        Self {
            kind: StartupProblemKind::Other,
            message: format!(
                "No se pudo usar la carpeta de datos de la aplicación ({}): {error}. No se modificó ningún archivo. Revise que la cuenta de usuario de Windows pueda escribir en esa carpeta y que el disco no esté lleno; si se repite, avise a soporte y no borre la carpeta.",
                root.display()
            ),
            backups: Vec::new(),
            backup_folder: String::new(),
        }
    }

    /// The rescue screen's account of `error`, with the copies kept under `settings`.
    pub fn new(error: &Error, paths: &DataPaths, settings: &Settings) -> Self {
        let kind = StartupProblemKind::of(error);
        let place = paths.backups(settings);
        let backups = match kind {
            // Without the key no copy could be checked nor opened.
            StartupProblemKind::KeyUnavailable => Vec::new(),
            _ => backup::list(&place.folder).unwrap_or_default(),
        };
        let what = match kind {
            StartupProblemKind::Other => {
                "La aplicación no pudo abrir la base de datos local por un error interno (el detalle quedó en el registro de actividad).".to_owned()
            }
            _ => error.to_string(),
        };
        Self {
            message: format!("{what} {}", kind.advice(!backups.is_empty())),
            kind,
            backups,
            backup_folder: place.folder.display().to_string(),
        }
    }
}

/// The rescue screen's restore, when the app could not start: nobody can sign in without
/// the database, so no account is asked. It is safe without one: the copy must open with
/// this station's own key and pass the integrity check, and the file it replaces is kept
/// renamed beside it, never deleted. Recorded in the restored database's audit trail.
pub async fn restore_at_startup(
    paths: &DataPaths,
    settings: &Settings,
    key: &DatabaseKey,
    file_name: &str,
) -> Result<RestoreOutcome> {
    let copy = backup::find(&paths.backups(settings).folder, file_name)?;
    crate::backup::restore_and_record(
        &paths.database(),
        &copy,
        key,
        settings,
        SystemClock.now(),
        "pantalla_de_rescate",
    )
    .await
}
