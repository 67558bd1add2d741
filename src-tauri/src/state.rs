use registro_core::{DataPaths, Desk};

/// What the commands share, managed by Tauri.
pub struct AppState {
    pub desk: Desk,
    pub paths: DataPaths,
    /// How emails leave this workstation, in Spanish, for the screens.
    pub email_delivery: String,
}
