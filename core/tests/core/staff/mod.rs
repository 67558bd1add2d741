//! Staff: sessions, supervisors' approvals and clerks' accounts.

mod accounts;
mod credentials;
mod session;
