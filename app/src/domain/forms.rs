//! Parsing of user input into checked values. Each parser returns the field's error code, so the
//! form shows a translated message next to the field that caused it.
use super::visibility::Role;
use serde::{Deserialize, Serialize};

/// Why a field was refused. Translated in the UI (`i18n::error_text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    Required,
    TooShort { min: usize },
    TooLong { max: usize },
    UsernameCharacters,
    Taken,
    UnknownChoice,
    BadCredentials,
    /// The record changed since the form was opened.
    Stale,
    /// An administrator may not deactivate or demote their own account.
    OwnAccount,
    /// Looks like an existing customer; submitting again with confirmation creates it anyway.
    PossibleDuplicate { names: Vec<String> },
    InvalidDate,
    /// The rep already holds the most customers allowed.
    CustomerCap { max: u32 },
    InvalidEmail,
    /// Two references that must differ point at the same record (merging a customer into itself).
    SameRecord,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
}

impl FieldError {
    pub fn new(field: &str, code: ErrorCode) -> Self {
        FieldError { field: field.to_string(), code }
    }
}

/// Collects field errors so a form reports all of them at once, not one per submit.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn check<T>(&mut self, field: &str, result: Result<T, ErrorCode>) -> Option<T> {
        result.map_err(|code| self.0.push(FieldError::new(field, code))).ok()
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
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
    if name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
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

/// Optional free text with a length limit.
pub fn parse_optional_text(raw: &str, max: usize) -> Result<String, ErrorCode> {
    let text = raw.trim();
    if text.chars().count() > max { Err(ErrorCode::TooLong { max }) } else { Ok(text.to_string()) }
}

/// An optional `YYYY-MM-DD` date (what `<input type=date>` submits).
pub fn parse_optional_date(raw: &str) -> Result<Option<chrono::NaiveDate>, ErrorCode> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(Some).map_err(|_| ErrorCode::InvalidDate)
}

/// A choice from a text enum's values.
/// A light check that catches typos (a missing @ or domain), not a full RFC 5322 parser.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !text.contains(char::is_whitespace),
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
    raw.parse::<i64>().map(Some).map_err(|_| ErrorCode::UnknownChoice)
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_typos_are_caught() {
        assert!(looks_like_email("wang.li@example.com.cn"));
        for bad in ["wang.li", "@example.com", "wang@example", "wang@.com", "wang@example.", "wang li@example.com"] {
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
        assert_eq!(parse_username(&"a".repeat(33)), Err(ErrorCode::TooLong { max: 32 }));
    }

    #[test]
    fn names_count_characters_not_bytes() {
        assert_eq!(parse_name("欧阳娜娜"), Ok("欧阳娜娜".to_string()));
        assert!(parse_name(&"华".repeat(50)).is_ok());
        assert_eq!(parse_name(&"华".repeat(51)), Err(ErrorCode::TooLong { max: 50 }));
        assert_eq!(parse_name("   "), Err(ErrorCode::Required));
    }

    #[test]
    fn passwords_and_choices() {
        assert_eq!(parse_new_password("short"), Err(ErrorCode::TooShort { min: 8 }));
        assert_eq!(parse_new_password(" spaced  "), Ok(" spaced  ".to_string()));
        assert_eq!(parse_role("manager"), Ok(Role::Manager));
        assert_eq!(parse_role("boss"), Err(ErrorCode::UnknownChoice));
        assert_eq!(parse_optional_id(""), Ok(None));
        assert_eq!(parse_optional_id("12"), Ok(Some(12)));
        assert_eq!(parse_optional_id("x"), Err(ErrorCode::UnknownChoice));
        assert_eq!(parse_optional_date("2026-11-30"), Ok(chrono::NaiveDate::from_ymd_opt(2026, 11, 30)));
        assert_eq!(parse_optional_date("30/11/2026"), Err(ErrorCode::InvalidDate));
        assert_eq!(parse_optional_date(" "), Ok(None));
        assert_eq!(parse_optional_text("备注", 1), Err(ErrorCode::TooLong { max: 1 }));
    }

    #[test]
    fn checks_collect_every_error() {
        let mut checks = Checks::default();
        assert_eq!(checks.check("username", parse_username("")), None);
        assert_eq!(checks.check("display_name", parse_name("李四")), Some("李四".to_string()));
        assert_eq!(checks.check("password", parse_new_password("1")), None);
        let errors = checks.into_result().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["username", "password"]);
    }
}
