//! Time. Server time decides deadlines; the clock is injected so that tests can stand on
//! either side of a deadline. Times are stored in UTC and shown in Europe/Stockholm.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved. Used by tests and demos.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        // A poisoned lock only means another thread panicked while setting the time;
        // the value itself is still a valid time.
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Naive UTC, as stored in the database.
pub fn to_db(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

/// The calendar day in Stockholm at a given instant.
pub fn stockholm_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Stockholm).date_naive()
}

/// The instant a Stockholm calendar day begins. Midnight exists on every day in
/// Europe/Stockholm (summer time changes at 02:00/03:00), so `earliest` always answers; the
/// fallback treats the day as beginning at 00:00 UTC rather than failing.
pub fn stockholm_day_start(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Stockholm
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// A last day is open until 23:59:59 Stockholm time: the deadline is the start of the
/// following day.
pub fn is_past_last_day(last_day: NaiveDate, now: DateTime<Utc>) -> bool {
    let next_day = last_day + Duration::days(1);
    now >= stockholm_day_start(next_day)
}

/// `2020-06-30 14:05` in Stockholm time.
pub fn format_stockholm(at: NaiveDateTime) -> String {
    Utc.from_utc_datetime(&at)
        .with_timezone(&Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A Stockholm local date and time, as people write it, to UTC.
pub fn from_stockholm_local(local: NaiveDateTime) -> DateTime<Utc> {
    Stockholm
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn last_day_is_open_until_midnight_stockholm_in_summer() {
        let day = NaiveDate::from_ymd_opt(2020, 4, 20).unwrap_or_default();
        // CEST is UTC+2: 23:59:59 local is 21:59:59 UTC.
        assert!(!is_past_last_day(day, utc("2020-04-20T21:59:59Z")));
        assert!(is_past_last_day(day, utc("2020-04-20T22:00:00Z")));
    }

    #[test]
    fn last_day_is_open_until_midnight_stockholm_in_winter() {
        let day = NaiveDate::from_ymd_opt(2020, 1, 31).unwrap_or_default();
        assert!(!is_past_last_day(day, utc("2020-01-31T22:59:59Z")));
        assert!(is_past_last_day(day, utc("2020-01-31T23:00:00Z")));
    }

    #[test]
    fn last_day_on_the_night_summer_time_ends() {
        // 2020-10-25: clocks went back at 03:00 CEST. The next midnight is CET (UTC+1).
        let day = NaiveDate::from_ymd_opt(2020, 10, 25).unwrap_or_default();
        assert!(!is_past_last_day(day, utc("2020-10-25T22:59:59Z")));
        assert!(is_past_last_day(day, utc("2020-10-25T23:00:00Z")));
        // The day before: midnight into the 25th was still CEST (UTC+2).
        let day = NaiveDate::from_ymd_opt(2020, 10, 24).unwrap_or_default();
        assert!(!is_past_last_day(day, utc("2020-10-24T21:59:59Z")));
        assert!(is_past_last_day(day, utc("2020-10-24T22:00:00Z")));
    }

    #[test]
    fn shows_stockholm_time() {
        let at = utc("2020-06-30T10:00:00Z").naive_utc();
        assert_eq!(format_stockholm(at), "2020-06-30 12:00");
        assert_eq!(
            stockholm_date(utc("2020-06-30T22:30:00Z")).to_string(),
            "2020-07-01"
        );
    }
}
