//! The app's tests, one binary: the commands through Tauri's IPC on the mock runtime, and
//! the real app in a real window (`e2e`, `#[ignore]`d: `./dev.sh test` runs it with
//! `cargo test --test app -- --ignored --test-threads=1 e2e::`).

mod commands;
// The Windows Credential Manager; the Linux store (Secret Service) is not on CI machines.
#[cfg(windows)]
mod credential_manager;
mod data_folder;
// WebKitWebDriver and tauri-driver exist for Linux only.
#[cfg(target_os = "linux")]
mod e2e;
mod ipc;
mod rescue;
mod updates;
