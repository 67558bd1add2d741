//! What the station knows about new versions: the state the status bar and «Ajustes» show,
//! the verified package waiting for an idle desk, and whether the desk is busy. Shared by
//! the commands (through the app's state) and the worker in `updates`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri_plugin_updater::Update;
use tokio::sync::{Notify, RwLock, RwLockReadGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UpdateState {
    /// No update address: this station never looks.
    Off,
    /// An address, but no answer yet.
    NotCheckedYet,
    UpToDate,
    /// Downloaded and its signature verified; waits for the station to be idle.
    Ready,
    /// Offered, downloaded, and refused: its signature is not the institute's.
    Refused,
    /// The server could not be asked, or installing failed.
    Failed,
}

/// What the status bar and the settings screen show.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UpdateView {
    pub state: UpdateState,
    pub current_version: String,
    /// The version offered (ready or refused).
    pub version: Option<String>,
    /// Why it was refused or why the check failed, in Spanish.
    pub message: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    /// What the window last said about the registration form.
    pub registration_in_progress: bool,
}

/// A new version, downloaded and verified, waiting for an idle station.
pub struct ReadyUpdate {
    pub update: Update,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Shown {
    state: UpdateState,
    version: Option<String>,
    message: Option<String>,
    checked_at: Option<DateTime<Utc>>,
}

/// The station's update state, shared by the worker and the commands.
pub struct Updates {
    shown: Mutex<Shown>,
    pub(super) ready: Mutex<Option<ReadyUpdate>>,
    pub(super) wake: Notify,
    /// Until the window says otherwise, assume work is on the form: a window that never
    /// reports must not let an update close it.
    pub(super) form_in_progress: AtomicBool,
    /// `register` holds it shared; installing holds it alone.
    pub(super) saving: RwLock<()>,
}

/// How one check ended.
pub(super) enum Outcome {
    Off,
    UpToDate,
    /// The same version and signature as the one already waiting.
    StillReady,
    Ready(Box<ReadyUpdate>),
    Refused {
        version: String,
        message: String,
    },
    Failed(String),
}

impl Updates {
    /// `address_configured`: whether the settings name an update address at start.
    pub fn new(address_configured: bool) -> Self {
        Self {
            shown: Mutex::new(Shown {
                state: if address_configured {
                    UpdateState::NotCheckedYet
                } else {
                    UpdateState::Off
                },
                version: None,
                message: None,
                checked_at: None,
            }),
            ready: Mutex::new(None),
            wake: Notify::new(),
            form_in_progress: AtomicBool::new(true),
            saving: RwLock::new(()),
        }
    }

    pub fn view(&self, current_version: String) -> UpdateView {
        let shown = self.shown.lock().expect("update state lock").clone();
        UpdateView {
            state: shown.state,
            current_version,
            version: shown.version,
            message: shown.message,
            checked_at: shown.checked_at,
            registration_in_progress: self.form_in_progress.load(Ordering::SeqCst),
        }
    }

    /// A supervisor saved the settings: look now, at the (perhaps new) address.
    pub fn settings_changed(&self) {
        self.wake.notify_one();
    }

    pub fn set_registration_in_progress(&self, in_progress: bool) {
        self.form_in_progress.store(in_progress, Ordering::SeqCst);
    }

    /// Taken by `register` for as long as a registration is being saved.
    pub async fn saving_registration(&self) -> RwLockReadGuard<'_, ()> {
        self.saving.read().await
    }

    pub(super) fn ready_signature(&self) -> Option<(String, String)> {
        self.ready
            .lock()
            .expect("ready update lock")
            .as_ref()
            .map(|r| (r.update.version.clone(), r.update.signature.clone()))
    }

    pub(super) fn record(&self, outcome: Outcome) {
        let mut shown = self.shown.lock().expect("update state lock");
        let mut ready = self.ready.lock().expect("ready update lock");
        let now = Some(Utc::now());
        *shown = match outcome {
            Outcome::Off => {
                *ready = None;
                Shown {
                    state: UpdateState::Off,
                    version: None,
                    message: None,
                    checked_at: None,
                }
            }
            // A manifest that no longer offers the waiting version withdrew it.
            Outcome::UpToDate => {
                *ready = None;
                Shown {
                    state: UpdateState::UpToDate,
                    version: None,
                    message: None,
                    checked_at: now,
                }
            }
            Outcome::StillReady => Shown {
                checked_at: now,
                ..shown.clone()
            },
            Outcome::Ready(update) => {
                let version = update.update.version.clone();
                tracing::info!(%version, "update downloaded and verified; waiting for an idle station");
                *ready = Some(*update);
                Shown {
                    state: UpdateState::Ready,
                    version: Some(version),
                    message: None,
                    checked_at: now,
                }
            }
            Outcome::Refused { version, message } => {
                tracing::error!(%version, "update refused: its signature is not the institute's");
                *ready = None;
                Shown {
                    state: UpdateState::Refused,
                    version: Some(version),
                    message: Some(message),
                    checked_at: now,
                }
            }
            // A network blip does not throw away a verified update.
            Outcome::Failed(message) if ready.is_some() => {
                tracing::warn!(%message, "update check failed; the verified update still waits");
                shown.clone()
            }
            Outcome::Failed(message) => {
                tracing::warn!(%message, "update check failed");
                Shown {
                    state: UpdateState::Failed,
                    version: None,
                    message: Some(message),
                    checked_at: now,
                }
            }
        };
    }
}
