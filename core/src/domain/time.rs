use chrono::{DateTime, Local, Utc};

/// Times shown to the clerk are in the workstation's local time.
pub(crate) fn local_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d/%m/%Y %H:%M").to_string()
}
