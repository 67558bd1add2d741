//! The real app in a real window: Xvfb, tauri-driver and WebKitWebDriver, driven like a
//! clerk would. Run by `./dev.sh test` (it installs what this needs); by hand:
//! `cargo test --test app -- --ignored --test-threads=1 e2e::`.
//!
//! One module per journey; the harness, what the clerk does, what the tests check and the
//! mail they read are shared.

mod checks;
mod clerk;
mod harness;
mod mail;

mod central_tls;
mod document_changed;
mod followups_over_smtp;
mod key_on_disk;
mod later_visit;
mod offline_sync;
mod queues_and_audit;
mod registration_by_keyboard;
// Reports («Reportes»).
mod reports;
mod rescue;
mod second_launch;
mod settings_file;
mod station_opening;
mod updates;
mod written_consent;
