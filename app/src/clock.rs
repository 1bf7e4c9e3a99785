//! The one clock: what time it is and which calendar day it is for the company, in the company's
//! time zone (an administrator setting, `Asia/Shanghai` by default), whatever zone the server
//! runs in. Every "today", week and month boundary, due time and job schedule reads it.
//!
//! Tests (and rehearsals on a copy of the data) move it with an offset; `server` refuses an
//! offset when `JINGXI_ENV=production`.
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::sync::RwLock;

pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

struct Clock {
    zone: Tz,
    offset: chrono::Duration,
}

static CLOCK: RwLock<Clock> = RwLock::new(Clock {
    zone: DEFAULT_TIME_ZONE,
    offset: chrono::Duration::zero(),
});

fn read<T>(f: impl FnOnce(&Clock) -> T) -> T {
    f(&CLOCK
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner()))
}

fn write(f: impl FnOnce(&mut Clock)) {
    f(&mut CLOCK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()))
}

/// An IANA zone name such as `Asia/Shanghai`.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

pub fn set_zone(zone: Tz) {
    write(|c| c.zone = zone);
}

pub fn zone() -> Tz {
    read(|c| c.zone)
}

/// Moves the clock by `offset` from the machine's (tests, rehearsals).
pub fn set_offset(offset: chrono::Duration) {
    write(|c| c.offset = offset);
}

/// The instant now.
pub fn now() -> DateTime<Utc> {
    Utc::now() + read(|c| c.offset)
}

/// The company's calendar day now.
pub fn today() -> NaiveDate {
    local_day(now())
}

/// The company's wall-clock time now.
pub fn local_now() -> NaiveDateTime {
    local_time(now())
}

/// The company's calendar day at `at`.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    local_time(at).date()
}

pub fn local_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&zone()).naive_local()
}

/// The instant the company's `day` begins (the first valid local time if midnight is skipped).
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    at_local(day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The instant of a company wall-clock time (the earlier one when a DST change repeats it, an
/// hour later when it skips it).
pub fn at_local(time: NaiveDateTime) -> DateTime<Utc> {
    let zone = zone();
    zone.from_local_datetime(&time)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(time + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| time.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_days_begin_at_sixteen_utc() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // The zone is process-wide: this test only reads the default.
        assert_eq!(zone(), chrono_tz::Asia::Shanghai);
        assert_eq!(
            local_day(at("2026-12-01T15:59:59Z")),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            local_day(at("2026-12-01T16:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
        assert_eq!(
            start_of_day(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()),
            at("2026-12-01T16:00:00Z")
        );
        assert_eq!(parse_zone("Europe/Berlin"), Some(chrono_tz::Europe::Berlin));
        assert_eq!(parse_zone("Mars/Olympus"), None);
    }
}
