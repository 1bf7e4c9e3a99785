//! Calendar periods a sales team plans and reviews by: year, half-year, quarter, month and week
//! (ISO weeks, Monday first). Written as text in links and forms: `2026`, `2026-H2`, `2026-Q4`,
//! `2026-11`, `2026-W47`.
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    Year(i32),
    Half(i32, u8),
    Quarter(i32, u8),
    Month(i32, u8),
    Week(i32, u8),
}

impl Period {
    pub fn parse(text: &str) -> Option<Period> {
        let text = text.trim();
        let (year, rest) = match text.split_once('-') {
            Some((year, rest)) => (year, Some(rest)),
            None => (text, None),
        };
        if year.len() != 4 {
            return None;
        }
        let year: i32 = year.parse().ok().filter(|y| (1900..=9999).contains(y))?;
        let Some(rest) = rest else {
            return Some(Period::Year(year));
        };
        let number =
            |digits: &str, max: u8| digits.parse::<u8>().ok().filter(|n| (1..=max).contains(n));
        let period = if let Some(n) = rest.strip_prefix('H') {
            Period::Half(year, number(n, 2)?)
        } else if let Some(n) = rest.strip_prefix('Q') {
            Period::Quarter(year, number(n, 4)?)
        } else if let Some(n) = rest.strip_prefix('W') {
            let weeks = NaiveDate::from_ymd_opt(year, 12, 28)?.iso_week().week() as u8;
            Period::Week(year, number(n, weeks)?)
        } else if rest.len() == 2 {
            Period::Month(year, number(rest, 12)?)
        } else {
            return None;
        };
        Some(period)
    }

    pub fn as_text(self) -> String {
        match self {
            Period::Year(y) => format!("{y:04}"),
            Period::Half(y, h) => format!("{y:04}-H{h}"),
            Period::Quarter(y, q) => format!("{y:04}-Q{q}"),
            Period::Month(y, m) => format!("{y:04}-{m:02}"),
            Period::Week(y, w) => format!("{y:04}-W{w:02}"),
        }
    }

    /// First and last day, both included.
    pub fn bounds(self) -> (NaiveDate, NaiveDate) {
        let month_span = |year: i32, first_month: u32, months: u32| {
            let start = NaiveDate::from_ymd_opt(year, first_month, 1).unwrap_or_default();
            let after_month = first_month + months;
            let next = if after_month > 12 {
                NaiveDate::from_ymd_opt(year + 1, after_month - 12, 1)
            } else {
                NaiveDate::from_ymd_opt(year, after_month, 1)
            };
            (start, next.unwrap_or_default() - Duration::days(1))
        };
        match self {
            Period::Year(y) => month_span(y, 1, 12),
            Period::Half(y, h) => month_span(y, 1 + 6 * (h as u32 - 1), 6),
            Period::Quarter(y, q) => month_span(y, 1 + 3 * (q as u32 - 1), 3),
            Period::Month(y, m) => month_span(y, m as u32, 1),
            Period::Week(y, w) => {
                let monday =
                    NaiveDate::from_isoywd_opt(y, w as u32, Weekday::Mon).unwrap_or_default();
                (monday, monday + Duration::days(6))
            }
        }
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        let (first, last) = self.bounds();
        first <= day && day <= last
    }

    /// The ISO weeks that hold at least one day from `first` to `last`, in order (the first and
    /// last may reach beyond them, into the months or years around).
    pub fn weeks_in(first: NaiveDate, last: NaiveDate) -> Vec<Period> {
        let mut weeks = Vec::new();
        for day in first.iter_days().take_while(|day| *day <= last) {
            let iso = day.iso_week();
            let week = Period::Week(iso.year(), iso.week() as u8);
            if weeks.last() != Some(&week) {
                weeks.push(week);
            }
        }
        weeks
    }

    pub fn month_of(day: NaiveDate) -> Period {
        Period::Month(day.year(), day.month() as u8)
    }

    pub fn half_of(day: NaiveDate) -> Period {
        Period::Half(day.year(), (day.month0() / 6 + 1) as u8)
    }

    pub fn quarter_of(day: NaiveDate) -> Period {
        Period::Quarter(day.year(), (day.month0() / 3 + 1) as u8)
    }

    pub fn year_of(day: NaiveDate) -> Period {
        Period::Year(day.year())
    }

    /// The same kind of period just after this one.
    pub fn next(self) -> Period {
        let (_, last) = self.bounds();
        let day = last + Duration::days(1);
        match self {
            Period::Year(_) => Period::Year(day.year()),
            Period::Half(..) => Period::Half(day.year(), (day.month0() / 6 + 1) as u8),
            Period::Quarter(..) => Period::quarter_of(day),
            Period::Month(..) => Period::month_of(day),
            Period::Week(..) => Period::Week(day.iso_week().year(), day.iso_week().week() as u8),
        }
    }
}

/// The longest span a report or list may cover: ten years is more than any review needs, and
/// bounds what one request can make the server read.
pub const MAX_SPAN_YEARS: u32 = 10;

/// Whether `from`..=`to` (in order) covers at most [`MAX_SPAN_YEARS`] years: ending no later
/// than the same calendar day ten years on (29 February counts to 28 February).
pub fn within_max_span(from: NaiveDate, to: NaiveDate) -> bool {
    match from.checked_add_months(chrono::Months::new(12 * MAX_SPAN_YEARS)) {
        Some(limit) => to <= limit,
        None => false,
    }
}

/// The share of the days from `first` to `last` (both included) that lie from `from` to `to`: how
/// much of a span of dated records a period holds when they are spread evenly over it (0 when
/// they miss each other, 1 when the period covers the span, also when the span is one day).
pub fn share_of_span(from: NaiveDate, to: NaiveDate, first: NaiveDate, last: NaiveDate) -> f64 {
    let span = (last - first).num_days() + 1;
    let overlap = (Ord::min(to, last) - Ord::max(from, first)).num_days() + 1;
    if span <= 0 || overlap <= 0 {
        return 0.0;
    }
    overlap as f64 / span as f64
}

/// The first day of the month `months_back` months before `day`'s.
pub fn month_start(day: NaiveDate, months_back: u32) -> NaiveDate {
    day.with_day(1)
        .and_then(|first| first.checked_sub_months(chrono::Months::new(months_back)))
        .unwrap_or(day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_weeks_of_a_month_include_the_ones_it_shares() {
        let texts = |year, month| {
            let month = super::Period::Month(year, month);
            let (first, last) = month.bounds();
            super::Period::weeks_in(first, last)
                .into_iter()
                .map(|w| w.as_text())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            texts(2026, 11),
            ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
        );
        // February 2021 starts on a Monday and has exactly four weeks.
        assert_eq!(
            texts(2021, 2),
            ["2021-W05", "2021-W06", "2021-W07", "2021-W08"]
        );
        // 1 January 2027 is a Friday of 2026's week 53; December 2026 ends in it.
        assert_eq!(texts(2027, 1).first().map(String::as_str), Some("2026-W53"));
        assert_eq!(texts(2026, 12).last().map(String::as_str), Some("2026-W53"));
    }

    use super::*;

    #[test]
    fn month_starts_count_back_across_the_year() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(
            month_start(day, 0),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
        assert_eq!(
            month_start(day, 11),
            NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()
        );
    }
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn bounds_of_each_kind() {
        assert_eq!(
            Period::Year(2026).bounds(),
            (day(2026, 1, 1), day(2026, 12, 31))
        );
        assert_eq!(
            Period::Half(2026, 2).bounds(),
            (day(2026, 7, 1), day(2026, 12, 31))
        );
        assert_eq!(
            Period::Quarter(2024, 1).bounds(),
            (day(2024, 1, 1), day(2024, 3, 31))
        );
        assert_eq!(
            Period::Month(2024, 2).bounds(),
            (day(2024, 2, 1), day(2024, 2, 29))
        );
        assert_eq!(
            Period::Month(2026, 12).bounds(),
            (day(2026, 12, 1), day(2026, 12, 31))
        );
        // ISO week 1 of 2026 starts on Monday 29 December 2025.
        assert_eq!(
            Period::Week(2026, 1).bounds(),
            (day(2025, 12, 29), day(2026, 1, 4))
        );
    }

    #[test]
    fn parses_what_it_writes_and_refuses_nonsense() {
        for text in [
            "2026", "2026-H1", "2026-Q4", "2026-02", "2026-W53", "2020-W53",
        ] {
            assert_eq!(
                Period::parse(text).map(Period::as_text).as_deref(),
                Some(text)
            );
        }
        for bad in [
            "",
            "26",
            "2026-13",
            "2026-00",
            "2026-Q5",
            "2026-H3",
            "2026-W00",
            "2027-W53",
            "2026-1",
            "abcd",
            "2026-Qx",
            "2026-11-01",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn next_periods() {
        assert_eq!(Period::Month(2026, 12).next(), Period::Month(2027, 1));
        assert_eq!(Period::Quarter(2026, 4).next(), Period::Quarter(2027, 1));
        assert_eq!(Period::Half(2026, 1).next(), Period::Half(2026, 2));
        assert_eq!(Period::Week(2020, 53).next(), Period::Week(2021, 1));
    }

    #[test]
    fn a_periods_share_of_a_span_of_days() {
        let (first, last) = (day(2010, 12, 1), day(2011, 12, 9)); // 374 days
        assert_eq!(
            share_of_span(day(2010, 1, 1), day(2012, 1, 1), first, last),
            1.0
        );
        assert_eq!(share_of_span(first, last, first, last), 1.0);
        assert_eq!(
            share_of_span(day(2011, 11, 1), day(2011, 11, 30), first, last),
            30.0 / 374.0
        );
        assert_eq!(
            share_of_span(day(2011, 12, 9), day(2011, 12, 31), first, last),
            1.0 / 374.0,
            "the last day only"
        );
        assert_eq!(
            share_of_span(day(2012, 1, 1), day(2012, 12, 31), first, last),
            0.0
        );
        assert_eq!(
            share_of_span(day(2011, 5, 1), day(2011, 4, 1), first, last),
            0.0,
            "an empty period"
        );
        assert_eq!(
            share_of_span(
                day(2011, 5, 1),
                day(2011, 5, 1),
                day(2011, 5, 1),
                day(2011, 5, 1)
            ),
            1.0
        );
    }

    #[test]
    fn spans_are_bounded_at_ten_years() {
        use super::within_max_span;
        assert!(within_max_span(day(2016, 1, 1), day(2026, 1, 1)));
        assert!(!within_max_span(day(2016, 1, 1), day(2026, 1, 2)));
        assert!(within_max_span(day(2016, 2, 29), day(2026, 2, 28)));
        assert!(
            !within_max_span(day(1, 1, 1), day(9999, 12, 31)),
            "the request that took the server's memory"
        );
        assert!(
            !within_max_span(NaiveDate::MAX - Duration::days(3), NaiveDate::MAX),
            "no overflow near the end of the calendar"
        );
    }

    proptest! {
        /// A share lies between 0 and 1, and two periods that split one between them split its
        /// share.
        #[test]
        fn shares_add_up(a in 0i64..2_000, split in 0i64..2_000, b in 0i64..2_000, first in 0i64..2_000, len in 0i64..2_000) {
            let start = day(2000, 1, 1);
            let (from, to) = (start + Duration::days(a), start + Duration::days(a + split + b + 1));
            let (first, last) = (start + Duration::days(first), start + Duration::days(first + len));
            let middle = from + Duration::days(split);
            let whole = share_of_span(from, to, first, last);
            prop_assert!((0.0..=1.0).contains(&whole));
            let parts = share_of_span(from, middle, first, last) + share_of_span(middle + Duration::days(1), to, first, last);
            prop_assert!((whole - parts).abs() < 1e-9, "{} vs {}", whole, parts);
        }

        /// Every day lies in exactly the month, quarter and year that `*_of` name, and the periods
        /// of one kind tile the calendar with no gap or overlap.
        #[test]
        fn periods_tile_the_calendar(offset in 0i64..20_000) {
            let d = day(1990, 1, 1) + Duration::days(offset);
            for period in [Period::month_of(d), Period::quarter_of(d), Period::year_of(d)] {
                prop_assert!(period.contains(d));
                let (_, last) = period.bounds();
                prop_assert_eq!(period.next().bounds().0, last + Duration::days(1));
                prop_assert_eq!(Period::parse(&period.as_text()), Some(period));
            }
        }
    }
}
