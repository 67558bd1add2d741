use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Where "now" comes from, so expiry and lockouts can be tested without waiting.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        microseconds_now()
    }
}

/// The real time at the precision every instant is stored with (microseconds), so what
/// an action returns equals what it wrote.
fn microseconds_now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A clock that only moves when told to; for tests and benchmarks. It starts from the
/// real time (never from a calendar date: a test must pass on any day).
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(start))
    }

    /// A clock at the real time now, plus `skew` (a station whose clock is wrong).
    pub fn starting_now(skew: Duration) -> Self {
        Self::new(microseconds_now() + skew)
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

impl<C: Clock> Clock for std::sync::Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// How far the central database's clock is ahead of this station's (central − station),
/// measured at a sync round. The station judges what it alone decides (its own tokens'
/// expiry, lockouts, idle sessions) on its own clock, where every duration is consistent;
/// what it sends to the central database is moved onto the central clock with the offset
/// measured in the same round, so a link is judged by one clock wherever it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockOffset {
    pub millis: i64,
    /// When it was measured, by the station's clock.
    pub measured_at: DateTime<Utc>,
}

impl ClockOffset {
    /// The offset from one round trip: the central time is taken to be read halfway
    /// between sending the question and receiving the answer.
    pub fn measure(sent: DateTime<Utc>, central: DateTime<Utc>, received: DateTime<Utc>) -> Self {
        let midpoint = sent + (received - sent) / 2;
        Self {
            millis: (central - midpoint).num_milliseconds(),
            measured_at: received,
        }
    }

    pub fn duration(&self) -> Duration {
        Duration::milliseconds(self.millis)
    }

    /// A station instant, on the central clock.
    pub fn to_central(&self, station: DateTime<Utc>) -> DateTime<Utc> {
        station + self.duration()
    }

    /// A central instant, on the station's clock.
    pub fn to_station(&self, central: DateTime<Utc>) -> DateTime<Utc> {
        central - self.duration()
    }

    /// Whether the station's clock is off by more than `minutes` (either way).
    pub fn exceeds_minutes(&self, minutes: u32) -> bool {
        self.millis.unsigned_abs() > u64::from(minutes) * 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_taken_at_the_midpoint_of_the_round_trip() {
        let sent = Utc::now();
        let received = sent + Duration::milliseconds(200);
        // The central clock read 3 days ahead of the station, halfway through.
        let central = sent + Duration::milliseconds(100) + Duration::days(3);
        let offset = ClockOffset::measure(sent, central, received);
        assert_eq!(offset.duration(), Duration::days(3));
        assert_eq!(offset.to_central(sent), sent + Duration::days(3));
        assert_eq!(
            offset.to_station(central),
            sent + Duration::milliseconds(100)
        );
        assert!(offset.exceeds_minutes(5));
    }

    #[test]
    fn a_skew_within_the_tolerance_is_not_a_warning_either_way() {
        let now = Utc::now();
        for skew in [Duration::minutes(4), Duration::minutes(-4)] {
            let offset = ClockOffset::measure(now, now + skew, now);
            assert!(!offset.exceeds_minutes(5), "{skew}");
            assert!(offset.exceeds_minutes(3), "{skew}");
        }
    }
}
