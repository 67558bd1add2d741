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

impl AppState {
    /// Where report exports go: «Reportes ISSSTECALI» beside the receipts' folder (in
    /// Documentos, where clerks already look), or `reportes` in the data folder when the
    /// receipts are kept there (an overridden data folder: tests, side-by-side installs).
    /// A report names clerks and stations and counts registrations, nothing about an
    /// affiliate, so it may live outside the private data folder.
    pub fn exports_dir(&self) -> PathBuf {
        match self.receipts_dir.parent() {
            Some(parent) if parent != self.paths.root => parent.join("Reportes ISSSTECALI"),
            _ => self.paths.root.join("reportes"),
        }
    }
}
