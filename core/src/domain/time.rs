use chrono::{DateTime, Local, Utc};

/// How every date and time reads, to the clerk and to the affiliate, in the workstation's
/// local time: `27/11/2026 a las 10:00` (the screens write it the same way,
/// ui/shared/fecha.js).
pub fn local_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%d/%m/%Y a las %H:%M")
        .to_string()
}
