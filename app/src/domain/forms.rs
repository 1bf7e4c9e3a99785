//! Parsing of user input into checked values. Each parser returns the field's error code, so the
//! form shows a translated message next to the field that caused it.
use super::visibility::Role;
use serde::{Deserialize, Serialize};

/// Why a field was refused. Translated in the UI (`i18n::error_text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    UsernameCharacters,
    Taken,
    UnknownChoice,
    BadCredentials,
    /// The record changed since the form was opened.
    Stale,
    /// An administrator may not deactivate or demote their own account.
    OwnAccount,
    /// Looks like an existing customer; submitting again with confirmation creates it anyway.
    PossibleDuplicate {
        names: Vec<String>,
    },
    InvalidDate,
    /// The rep already holds the most customers allowed.
    CustomerCap {
        max: u32,
    },
    /// A person who still owns customers is deactivated only with a successor for them (another
    /// person, or the lead pool): customers belong to the company, not to whoever leaves.
    SuccessorRequired {
        customers: u64,
    },
    InvalidEmail,
    /// Two references that must differ point at the same record (merging a customer into itself).
    SameRecord,
    /// Not an amount of money (at most two decimals, no more than a trillion yuan).
    InvalidAmount,
    /// Must be a whole number between `min` and `max`.
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// A payment larger than what is still owed.
    Overpaid {
        balance_fen: i64,
    },
    /// A stage that still holds deals cannot be deleted.
    StageInUse {
        deals: u64,
    },
    /// A stage deals have passed through keeps the record of those moves (the funnel reads them).
    StageHasHistory {
        moves: u64,
    },
    /// A won deal whose sales order exists cannot be reopened (the order is the record of the sale).
    WonDealHasOrder,
    /// The customer last accepted this product at another net unit price (in quote `quote`).
    PriceDiffersFromAccepted {
        accepted_fen: i64,
        quote: String,
    },
    /// Won or lost deals take no new quotes.
    DealClosed,
    /// Only an accepted quote becomes a contract.
    QuoteNotAccepted,
    /// The last one of a list that must never be empty (open stages, lost reasons).
    LastOne,
    /// Two columns of an import were mapped to the same field.
    MappedTwice,
    /// An imported row repeats the key of an earlier row (its line).
    DuplicateInFile {
        line: u64,
    },
    /// An imported row ends before the mapped columns (the file was cut off or a quote left open).
    RowCutOff,
    /// An imported value names a record that does not exist (an unknown user, product, customer).
    UnknownReference,
    /// An imported row matches a record the importer may not change.
    NotVisible,
    /// A line of an imported order disagrees with the order's first line (its line) on what the
    /// whole order shares: customer, date, owner.
    DiffersWithinOrder {
        line: u64,
    },
    /// A target below what its locked months and reps already hold (as the user types it).
    TargetBelowLocked {
        floor: String,
    },
    /// Locked months and reps leave no room for the change.
    TargetLocksExceed,
    /// A target for a team or department without reps: nobody would hold it.
    TargetNoReps,
    /// A period whose end comes before its start.
    EndBeforeStart,
    /// A period longer than reports and lists cover.
    PeriodTooLong {
        max_years: u32,
    },
    /// The B threshold of an ABC analysis must be above the A threshold.
    ThresholdOrder,
    /// The file is not a table Jingxi can read (not CSV or XLSX, or no header row).
    NotReadable,
    /// The file holds more rows or columns than an import takes (or its archive inflates past the limit).
    TableTooLarge {
        max_rows: u64,
        max_columns: u64,
    },
    /// Plans are made for today or a later day.
    PastDay,
    /// Reports and costs are for today or an earlier day.
    FutureDay,
    /// A plan or report with the manager (or approved) changes only after it is sent back.
    SheetLocked,
    /// Nobody approves their own plan or report.
    OwnSheet,
    /// A location the browser could not have given (latitude beyond 90°, longitude beyond 180°).
    InvalidLocation,
    /// Not a time of day as HH:MM.
    InvalidTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
}

impl FieldError {
    pub fn new(field: &str, code: ErrorCode) -> Self {
        FieldError {
            field: field.to_string(),
            code,
        }
    }
}

/// Collects field errors so a form reports all of them at once, not one per submit.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn check<T>(&mut self, field: &str, result: Result<T, ErrorCode>) -> Option<T> {
        result
            .map_err(|code| self.0.push(FieldError::new(field, code)))
            .ok()
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

fn bounded_text(raw: &str, min: usize, max: usize) -> Result<String, ErrorCode> {
    let text = raw.trim();
    let length = text.chars().count();
    if length == 0 {
        Err(ErrorCode::Required)
    } else if length < min {
        Err(ErrorCode::TooShort { min })
    } else if length > max {
        Err(ErrorCode::TooLong { max })
    } else {
        Ok(text.to_string())
    }
}

/// Login names: 3–32 lower-case letters, digits, `.`, `_` or `-`; stored lower-case.
pub fn parse_username(raw: &str) -> Result<String, ErrorCode> {
    let name = bounded_text(raw, 3, 32)?.to_lowercase();
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(name)
    } else {
        Err(ErrorCode::UsernameCharacters)
    }
}

/// People's and organisations' names: 1–50 characters of any script.
pub fn parse_name(raw: &str) -> Result<String, ErrorCode> {
    bounded_text(raw, 1, 50)
}

/// New passwords: 8–128 characters, kept exactly as typed (no trimming).
pub fn parse_new_password(raw: &str) -> Result<String, ErrorCode> {
    match raw.chars().count() {
        0 => Err(ErrorCode::Required),
        n if n < 8 => Err(ErrorCode::TooShort { min: 8 }),
        n if n > 128 => Err(ErrorCode::TooLong { max: 128 }),
        _ => Ok(raw.to_string()),
    }
}

pub fn parse_role(raw: &str) -> Result<Role, ErrorCode> {
    parse_choice(raw, Role::parse)
}

/// Free text that must be given, up to `max` characters.
pub fn parse_required_text(raw: &str, max: usize) -> Result<String, ErrorCode> {
    bounded_text(raw, 1, max)
}

/// Optional free text with a length limit.
pub fn parse_optional_text(raw: &str, max: usize) -> Result<String, ErrorCode> {
    let text = raw.trim();
    if text.chars().count() > max {
        Err(ErrorCode::TooLong { max })
    } else {
        Ok(text.to_string())
    }
}

/// An optional `YYYY-MM-DD` date (what `<input type=date>` submits).
pub fn parse_optional_date(raw: &str) -> Result<Option<chrono::NaiveDate>, ErrorCode> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ErrorCode::InvalidDate)
}

/// A choice from a text enum's values.
/// A light check that catches typos (a missing @ or domain), not a full RFC 5322 parser.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

pub fn parse_choice<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, ErrorCode> {
    parse(raw.trim()).ok_or(ErrorCode::UnknownChoice)
}

/// An optional reference picked from a `<select>`: empty means none.
pub fn parse_optional_id(raw: &str) -> Result<Option<i64>, ErrorCode> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .map(Some)
        .map_err(|_| ErrorCode::UnknownChoice)
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_typos_are_caught() {
        assert!(looks_like_email("wang.li@example.com.cn"));
        for bad in [
            "wang.li",
            "@example.com",
            "wang@example",
            "wang@.com",
            "wang@example.",
            "wang li@example.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(parse_username("  Zhang.San "), Ok("zhang.san".to_string()));
        assert_eq!(parse_username(""), Err(ErrorCode::Required));
        assert_eq!(parse_username("ab"), Err(ErrorCode::TooShort { min: 3 }));
        assert_eq!(parse_username("张三丰"), Err(ErrorCode::UsernameCharacters));
        assert_eq!(
            parse_username(&"a".repeat(33)),
            Err(ErrorCode::TooLong { max: 32 })
        );
    }

    #[test]
    fn names_count_characters_not_bytes() {
        assert_eq!(parse_name("欧阳娜娜"), Ok("欧阳娜娜".to_string()));
        assert!(parse_name(&"华".repeat(50)).is_ok());
        assert_eq!(
            parse_name(&"华".repeat(51)),
            Err(ErrorCode::TooLong { max: 50 })
        );
        assert_eq!(parse_name("   "), Err(ErrorCode::Required));
    }

    #[test]
    fn passwords_and_choices() {
        assert_eq!(
            parse_new_password("short"),
            Err(ErrorCode::TooShort { min: 8 })
        );
        assert_eq!(parse_new_password(" spaced  "), Ok(" spaced  ".to_string()));
        assert_eq!(parse_role("manager"), Ok(Role::Manager));
        assert_eq!(parse_role("boss"), Err(ErrorCode::UnknownChoice));
        assert_eq!(parse_optional_id(""), Ok(None));
        assert_eq!(parse_optional_id("12"), Ok(Some(12)));
        assert_eq!(parse_optional_id("x"), Err(ErrorCode::UnknownChoice));
        assert_eq!(
            parse_optional_date("2026-11-30"),
            Ok(chrono::NaiveDate::from_ymd_opt(2026, 11, 30))
        );
        assert_eq!(
            parse_optional_date("30/11/2026"),
            Err(ErrorCode::InvalidDate)
        );
        assert_eq!(parse_optional_date(" "), Ok(None));
        assert_eq!(
            parse_optional_text("备注", 1),
            Err(ErrorCode::TooLong { max: 1 })
        );
    }

    #[test]
    fn checks_collect_every_error() {
        let mut checks = Checks::default();
        assert_eq!(checks.check("username", parse_username("")), None);
        assert_eq!(
            checks.check("display_name", parse_name("李四")),
            Some("李四".to_string())
        );
        assert_eq!(checks.check("password", parse_new_password("1")), None);
        let errors = checks.into_result().unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["username", "password"]
        );
    }
}

/// The largest amount a form accepts: ¥1,000,000,000,000.00 (well inside i64 fen).
const MAX_AMOUNT_FEN: i64 = 100_000_000_000_000;

/// Money typed by a person: `12,345.6`, `¥ 12345.60`, `-5`; at most two decimals. Returns fen,
/// computed without floating point.
pub fn parse_money(raw: &str) -> Result<i64, ErrorCode> {
    let cleaned: String = raw
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '，'))
        .collect();
    if cleaned.is_empty() {
        return Err(ErrorCode::Required);
    }
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > 2
        || whole.len() > 13
    {
        return Err(ErrorCode::InvalidAmount);
    }
    let yuan: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| ErrorCode::InvalidAmount)?
    };
    let fen: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| ErrorCode::InvalidAmount)?;
    let total = yuan * 100 + fen;
    if total > MAX_AMOUNT_FEN {
        return Err(ErrorCode::InvalidAmount);
    }
    Ok(if negative { -total } else { total })
}

/// Like [`parse_money`], but empty input is no amount.
pub fn parse_optional_money(raw: &str) -> Result<Option<i64>, ErrorCode> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_money(raw).map(Some)
    }
}

/// A whole number within `min..=max`.
pub fn parse_whole_number(raw: &str, min: i64, max: i64) -> Result<i64, ErrorCode> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ErrorCode::Required);
    }
    text.parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(ErrorCode::OutOfRange { min, max })
}

/// Money as a form shows it for editing: `12345.60` (no grouping, so it parses back unchanged).
pub fn money_input_value(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod money_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_is_read_the_way_people_type_it() {
        assert_eq!(parse_money("12,345.6"), Ok(1_234_560));
        assert_eq!(parse_money("¥ 12345.60"), Ok(1_234_560));
        assert_eq!(parse_money("￥5"), Ok(500));
        assert_eq!(parse_money(".5"), Ok(50));
        assert_eq!(parse_money("-0.05"), Ok(-5));
        assert_eq!(parse_money(""), Err(ErrorCode::Required));
        assert_eq!(
            parse_money("1.234"),
            Err(ErrorCode::InvalidAmount),
            "no fractions of a fen"
        );
        assert_eq!(parse_money("12a"), Err(ErrorCode::InvalidAmount));
        assert_eq!(parse_money("1e5"), Err(ErrorCode::InvalidAmount));
        assert_eq!(parse_money("."), Err(ErrorCode::InvalidAmount));
        assert_eq!(parse_money("99999999999999"), Err(ErrorCode::InvalidAmount));
        assert_eq!(parse_optional_money("  "), Ok(None));
        assert_eq!(parse_whole_number("7", 1, 10), Ok(7));
        assert_eq!(
            parse_whole_number("0", 1, 10),
            Err(ErrorCode::OutOfRange { min: 1, max: 10 })
        );
        assert_eq!(
            parse_whole_number("x", 1, 10),
            Err(ErrorCode::OutOfRange { min: 1, max: 10 })
        );
    }

    proptest! {
        #[test]
        fn an_edited_amount_reads_back_unchanged(fen in -MAX_AMOUNT_FEN..=MAX_AMOUNT_FEN) {
            prop_assert_eq!(parse_money(&money_input_value(fen)), Ok(fen));
        }
    }
}
