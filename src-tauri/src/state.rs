use crate::secrets::SecretStore;
use registro_core::{DataPaths, Desk};
use std::path::PathBuf;

/// What the commands share, managed by Tauri.
pub struct AppState {
    pub desk: Desk,
    pub paths: DataPaths,
    pub secrets: SecretStore,
    /// The settings file (tauri-plugin-store); `None` when settings are not persisted
    /// (the command tests).
    pub settings_file: Option<PathBuf>,
    /// Where "Guardar PDF" writes the affiliate's receipts.
    pub receipts_dir: PathBuf,
    /// New versions from the institute's intranet, and whether the desk is idle for them.
    pub updates: crate::updates::record::Updates,
}
