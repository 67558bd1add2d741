//! Office staff: accounts (capturista or supervisor, argon2id, lockout after failed
//! passwords), the signed-in clerk's session with its inactivity lock, supervisors
//! managing accounts, and a supervisor's approval of a delicate action.
//!
//! Every station keeps its own copy of the accounts, so signing in never needs the
//! network; with a central database, each change travels to the office's other stations
//! as a new version (the newest wins).

mod accounts;
mod credentials;
mod session;

pub use crate::domain::staff::{Clerk, Role, SupervisorApproval};
pub use accounts::{NewStaffMember, StaffMember};
pub use session::SessionView;
