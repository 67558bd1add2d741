//! Thin commands: turn the front end's call into a core call and the result into JSON.
//! One file per use case of the core; the IPC name of a command is its function's name.

pub mod across_stations;
pub mod audit_log;
pub mod backup;
pub mod consents;
pub mod followups;
#[cfg(test)]
mod ipc_types;
pub mod receipt;
pub mod registration;
// Reports («Reportes»).
pub mod reports;
pub mod roster;
pub mod search;
pub mod session;
pub mod settings;
pub mod staff;
pub mod status_bar;
pub mod updates;
pub mod validation;
pub mod work_queues;

use crate::error::CommandError;
use crate::state::AppState;
use registro_core::outbox;
use registro_core::roster::RosterSummary;
use serde::Serialize;
use tauri::State;

pub const WINDOW_TITLE: &str = "Registro en Servicios en Línea — ISSSTECALI";

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppInfo {
    pub title: &'static str,
    pub version: &'static str,
    pub office: String,
    pub workstation: String,
    pub roster: RosterSummary,
    pub email_delivery: String,
    pub emails_waiting: i64,
    pub data_dir: String,
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, CommandError> {
    let settings = state.desk.settings();
    Ok(AppInfo {
        title: WINDOW_TITLE,
        version: env!("CARGO_PKG_VERSION"),
        office: settings.office,
        workstation: settings.workstation,
        roster: registro_core::roster::summary(state.desk.store()).await?,
        email_delivery: state.desk.transport().describe(),
        emails_waiting: outbox::counts(state.desk.store()).await?.queued,
        data_dir: state.paths.root.display().to_string(),
    })
}

/// A failure of the shell itself (files, the settings store): logged, generic to the clerk.
fn internal(detail: String) -> CommandError {
    registro_core::Error::Internal(detail).into()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn read(path: &str) -> String {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    /// Every `invoke('name'` of the UI's one module that calls commands.
    fn called_by_ui(api_js: &str) -> BTreeSet<String> {
        api_js
            .split("invoke('")
            .skip(1)
            .filter_map(|rest| rest.split_once('\''))
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    /// The function name at the end of each path in `generate_handler![…]`.
    fn registered(lib_rs: &str) -> BTreeSet<String> {
        let (_, list) = lib_rs
            .split_once("generate_handler![")
            .expect("lib.rs registers the commands with generate_handler!");
        let list = &list[..list.find(']').expect("generate_handler! is closed")];
        list.lines()
            .map(|line| line.split("//").next().unwrap_or_default())
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|path| !path.is_empty())
            .map(|path| path.rsplit("::").next().unwrap_or(path).to_owned())
            .collect()
    }

    /// A command renamed on one side only would otherwise fail at the desk, as "command not
    /// found" on the clerk's screen.
    #[test]
    fn every_command_the_ui_calls_is_registered() {
        let ui = called_by_ui(&read("ui/shared/api.js"));
        let shell = registered(&read("src-tauri/src/lib.rs"));
        assert!(ui.len() > 30, "api.js calls no commands? {ui:?}");
        let unregistered: Vec<_> = ui.difference(&shell).collect();
        let uncalled: Vec<_> = shell.difference(&ui).collect();
        assert!(
            unregistered.is_empty() && uncalled.is_empty(),
            "called in ui/shared/api.js but not registered in src-tauri/src/lib.rs: {unregistered:?}; \
             registered but never called by the UI: {uncalled:?}"
        );
    }
}
