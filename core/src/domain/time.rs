use chrono::{DateTime, Datelike, Local, NaiveDate, Utc};

/// How every date and time reads, to the clerk and to the affiliate, in the workstation's
/// local time: `27/11/2026 a las 10:00` (the screens write it the same way,
/// ui/shared/fecha.js).
pub fn local_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%d/%m/%Y a las %H:%M")
        .to_string()
}

/// The institute's days are Baja California's: America/Tijuana, which follows the United
/// States' daylight-saving dates (the rest of Mexico stopped changing its clocks in 2022).
/// The zone's rules come from the time-zone database built into the program, so every
/// station counts the same days whatever its own system zone says.
const INSTITUTE_ZONE: &str = "America/Tijuana";

fn institute_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(INSTITUTE_ZONE).unwrap_or_else(|e| {
        // The database is compiled in: this only happens with a broken build. Pacific
        // standard time is then the closest answer, and the log says why.
        tracing::error!(error = %e, "time zone database without {INSTITUTE_ZONE}");
        jiff::tz::TimeZone::fixed(jiff::tz::offset(-8))
    })
}

fn timestamp(t: &DateTime<Utc>) -> jiff::Timestamp {
    jiff::Timestamp::new(t.timestamp(), t.timestamp_subsec_nanos() as i32)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The calendar day in Baja California on which `t` fell.
pub fn institute_day(t: &DateTime<Utc>) -> NaiveDate {
    let date = timestamp(t).to_zoned_datetime(institute_zone()).date();
    NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        date.month() as u32,
        date.day() as u32,
    )
    .unwrap_or_default()
}

/// The instant a Baja California day begins (its midnight; 23 or 25 hours later the next
/// one begins on the days the clocks change).
pub fn institute_day_start(day: NaiveDate) -> DateTime<Utc> {
    let civil = jiff::civil::date(day.year() as i16, day.month() as i8, day.day() as i8);
    civil
        .to_zoned_datetime(institute_zone())
        .ok()
        .and_then(|start| {
            let ts = start.timestamp();
            DateTime::from_timestamp(ts.as_second(), ts.subsec_nanosecond().unsigned_abs())
        })
        .unwrap_or_default()
}

/// A day as every screen writes it: `27/11/2026`.
pub fn day_text(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn a_day_of_baja_california_follows_the_clock_change() {
        // The zone's own next transition from now, never a date written here.
        let zone = institute_zone();
        let now = jiff::Timestamp::now();
        let change = zone
            .following(now)
            .next()
            .expect("America/Tijuana changes its clocks every year")
            .timestamp();
        let at = Utc.timestamp_opt(change.as_second(), 0).single().unwrap();
        let day = institute_day(&at);
        let start = institute_day_start(day);
        let next = institute_day_start(day.succ_opt().unwrap());
        let length = next - start;
        assert!(
            length == Duration::hours(23) || length == Duration::hours(25),
            "{length}"
        );
        assert_eq!(institute_day(&start), day);
        assert_eq!(institute_day(&(next - Duration::seconds(1))), day);
        assert!(start <= at && at < next);
    }
}
