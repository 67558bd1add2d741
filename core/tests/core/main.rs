//! The core's black-box tests, one module per use case, against a real SQLite file (and
//! real SMTP and PostgreSQL servers where the use case talks to one). One binary, so the
//! core and its test support are linked once.

mod access_report;
mod audit_log;
mod backup;
mod bad_inputs;
mod central_tls;
mod consent_form;
mod consents;
mod crash;
mod data_folder;
#[cfg(target_os = "linux")]
mod disk_full;
mod encryption;
mod erasure;
mod expiry;
mod followups;
mod legal;
mod office_boundaries;
mod outbox;
mod readiness;
mod receipt;
mod registration;
mod reports;
mod roster;
mod search;
mod settings;
mod staff;
mod staff_authority;
mod sync;
mod validation;
mod voice;
mod work_queues;
