//! What the workspace's tests share: real servers (SMTP through aiosmtpd, a throwaway
//! PostgreSQL), reading the mail they receive, the central database fixture and desks on
//! a temporary SQLite file. Dev-only.
//!
//! Integration tests, benches and the other crates may use it. registro-core's own
//! `#[cfg(test)]` unit tests must not: they would link a second copy of registro-core
//! whose types do not match this crate's.

pub mod bad_inputs;
pub mod central;
pub mod child;
pub mod desk;
pub mod folder;
pub mod mail;
pub mod postgres_server;
pub mod remote;
pub mod smtp_server;
pub mod tls;
pub mod update_server;

pub use central::{central_database, refuse_registrations_to};
pub use desk::*;
pub use folder::{TestFolder, test_folder};
pub use mail::Email;

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
