//! Locale-aware formatting of money, numbers and dates. Money is integer minor units (fen/cents)
//! all the way: formatting never goes through floating point.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    ZhCn,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// BCP 47 tag, as used in `<html lang>` and the locale cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Accepts a stored tag; unknown or empty input falls back to the default (zh-CN).
    pub fn from_tag(tag: &str) -> Locale {
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(tag.trim()))
            .unwrap_or_default()
    }

    /// Picks the first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Locale {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|lang| lang.trim().to_ascii_lowercase())
            .find_map(|lang| {
                if lang.starts_with("zh") {
                    Some(Locale::ZhCn)
                } else if lang.starts_with("en") {
                    Some(Locale::En)
                } else {
                    None
                }
            })
            .unwrap_or_default()
    }
}

fn group_thousands(mut value: u64) -> String {
    let mut groups = Vec::new();
    loop {
        let part = value % 1000;
        value /= 1000;
        if value == 0 {
            groups.push(part.to_string());
            break;
        }
        groups.push(format!("{part:03}"));
    }
    groups.reverse();
    groups.join(",")
}

/// An integer with thousands separators, e.g. `1,234,567` (both locales group by three).
/// What a table shows where there is no value.
pub const DASH: &str = "—";

/// A figure in words, or [`DASH`] when nothing was measured for it.
pub fn or_dash<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| DASH.to_string(), show)
}

pub fn format_count(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(value.unsigned_abs()))
}

/// Full money amount from fen: `¥1,234,567.00`, `-¥0.05`.
pub fn format_money(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", group_thousands(abs / 100), abs % 100)
}

/// Short money amount for dashboards: `123.5万` / `1.2亿` in Chinese, `¥1.2M` / `¥123.5K` in
/// English. Rounds half up to one decimal, using integer arithmetic only.
pub fn format_money_compact(fen: i64, locale: Locale) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let yuan_tenths = (fen.unsigned_abs() + 5) / 10; // tenths of a yuan, rounded
    let scaled = |unit_yuan: u64| {
        let tenths = (yuan_tenths * 10 / unit_yuan + 5) / 10; // tenths of the unit, rounded
        format!("{}.{}", group_thousands(tenths / 10), tenths % 10)
    };
    let yuan = yuan_tenths / 10;
    match locale {
        Locale::ZhCn if yuan >= 100_000_000 => format!("{sign}¥{}亿", scaled(100_000_000)),
        Locale::ZhCn if yuan >= 10_000 => format!("{sign}¥{}万", scaled(10_000)),
        Locale::En if yuan >= 1_000_000 => format!("{sign}¥{}M", scaled(1_000_000)),
        Locale::En if yuan >= 1_000 => format!("{sign}¥{}K", scaled(1_000)),
        _ => format!("{sign}¥{}", group_thousands(yuan)),
    }
}

/// A planning period as people say it: `2026年第4季度`, `Q4 2026`.
pub fn format_period(period: super::period::Period, locale: Locale) -> String {
    use super::period::Period;
    match (locale, period) {
        (Locale::ZhCn, Period::Year(y)) => format!("{y}年"),
        (Locale::ZhCn, Period::Half(y, h)) => {
            format!("{y}年{}", if h == 1 { "上半年" } else { "下半年" })
        }
        (Locale::ZhCn, Period::Quarter(y, q)) => format!("{y}年第{q}季度"),
        (Locale::ZhCn, Period::Month(y, m)) => format!("{y}年{m}月"),
        (Locale::ZhCn, Period::Week(y, w)) => format!("{y}年第{w}周"),
        (Locale::En, Period::Year(y)) => format!("{y}"),
        (Locale::En, Period::Half(y, h)) => format!("H{h} {y}"),
        (Locale::En, Period::Quarter(y, q)) => format!("Q{q} {y}"),
        (Locale::En, Period::Month(..)) => period.bounds().0.format("%b %Y").to_string(),
        (Locale::En, Period::Week(y, w)) => format!("Week {w}, {y}"),
    }
}

/// An integer count of `10^-decimals` units as a decimal: `fixed_point(125, 1)` is `12.5`,
/// `fixed_point(-5, 2)` is `-0.05`. Rates and durations are kept as integers (basis points, tenths of
/// a day) so that every page, JSON and CSV prints them the same way.
pub fn fixed_point(value: i64, decimals: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let unit = 10u64.pow(decimals);
    if decimals == 0 {
        return format!("{sign}{abs}");
    }
    format!(
        "{sign}{}.{:0width$}",
        abs / unit,
        abs % unit,
        width = decimals as usize
    )
}

/// Tenths (of a day) as `12.5`.
pub fn tenths_text(tenths: i64) -> String {
    fixed_point(tenths, 1)
}

/// A rate in basis points as a percentage: `6667` is `66.67%`.
pub fn percent_text(bp: i64) -> String {
    format!("{}%", fixed_point(bp, 2))
}

/// A rate in basis points as a share of one, for data files: `6667` is `0.6667`.
pub fn share_text(bp: i64) -> String {
    fixed_point(bp, 4)
}

/// A difference of rates in basis points as percentage points with one decimal, rounded half away
/// from zero: `2995` is `30.0`.
pub fn points_text(bp: i64) -> String {
    let tenths = (bp.unsigned_abs() + 5) / 10;
    fixed_point(
        if bp < 0 {
            -(tenths as i64)
        } else {
            tenths as i64
        },
        1,
    )
}

/// A date as people read it: `2026年11月22日` / `Nov 22, 2026`.
pub fn format_date(date: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Locale::En => date.format("%b %-d, %Y").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_point_places_the_decimal_point_and_keeps_the_sign() {
        assert_eq!(fixed_point(125, 1), "12.5");
        assert_eq!(fixed_point(5, 1), "0.5");
        assert_eq!(fixed_point(-5, 2), "-0.05");
        assert_eq!(fixed_point(7, 0), "7");
        assert_eq!(tenths_text(0), "0.0");
        assert_eq!(percent_text(6667), "66.67%");
        assert_eq!(percent_text(10_000), "100.00%");
        assert_eq!(share_text(6667), "0.6667");
        assert_eq!(share_text(10_000), "1.0000");
        assert_eq!(points_text(2995), "30.0");
        assert_eq!(points_text(2994), "29.9");
        assert_eq!(points_text(-2995), "-30.0");
    }

    proptest! {
        #[test]
        fn fixed_point_reads_back_as_the_same_number(value in -10_000_000i64..10_000_000, decimals in 0u32..5) {
            let text = fixed_point(value, decimals);
            let digits: String = text.chars().filter(|c| *c != '.').collect();
            prop_assert_eq!(digits.parse::<i64>().unwrap(), value);
            prop_assert_eq!(text.split('.').nth(1).map_or(0, str::len), decimals as usize);
        }
    }

    #[test]
    fn money_is_grouped_with_two_decimals() {
        assert_eq!(format_money(123_456_700), "¥1,234,567.00");
        assert_eq!(format_money(5), "¥0.05");
        assert_eq!(format_money(-100_000), "-¥1,000.00");
        assert_eq!(format_money(i64::MIN), "-¥92,233,720,368,547,758.08");
    }

    #[test]
    fn compact_money_reads_naturally_per_locale() {
        assert_eq!(format_money_compact(123_456_700, Locale::ZhCn), "¥123.5万");
        assert_eq!(format_money_compact(123_456_700, Locale::En), "¥1.2M");
        assert_eq!(format_money_compact(250_000_000_00, Locale::ZhCn), "¥2.5亿");
        assert_eq!(format_money_compact(999_900, Locale::ZhCn), "¥9,999");
        assert_eq!(format_money_compact(12_345_00, Locale::En), "¥12.3K");
        assert_eq!(format_money_compact(-5_000_000, Locale::ZhCn), "-¥5.0万");
    }

    #[test]
    fn dates_follow_the_locale() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert_eq!(format_date(date, Locale::ZhCn), "2026年11月2日");
        assert_eq!(format_date(date, Locale::En), "Nov 2, 2026");
    }

    #[test]
    fn locale_tags_and_headers() {
        assert_eq!(Locale::from_tag("en"), Locale::En);
        assert_eq!(Locale::from_tag("zh-cn"), Locale::ZhCn);
        assert_eq!(Locale::from_tag("fr"), Locale::ZhCn);
        assert_eq!(
            Locale::from_accept_language("fr-FR,en-US;q=0.8,zh;q=0.5"),
            Locale::En
        );
        assert_eq!(Locale::from_accept_language("zh-TW,zh;q=0.9"), Locale::ZhCn);
        assert_eq!(Locale::from_accept_language(""), Locale::ZhCn);
    }

    proptest! {
        #[test]
        fn full_money_round_trips_to_the_same_fen(fen in -10_000_000_000_000i64..10_000_000_000_000) {
            let text = format_money(fen);
            let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
            let parsed: i64 = digits.parse().unwrap();
            prop_assert_eq!(if text.starts_with('-') { -parsed } else { parsed }, fen);
        }

        #[test]
        fn counts_keep_their_digits(value in any::<i64>()) {
            let text = format_count(value);
            prop_assert_eq!(text.replace(',', ""), value.to_string());
        }
    }
}
