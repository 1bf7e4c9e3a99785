//! Pure business rules: no leptos, sea-orm, tokio or axum, so they build for wasm32 and test fast.

/// An enum stored and submitted as text: one definition gives `ALL`, `as_str` and `parse`.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Position in `ALL`, for per-language label tables.
            pub fn index(self) -> usize {
                self as usize
            }

            pub fn parse(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }
    };
}

/// `numerator ÷ denominator` rounded half away from zero; None for a zero denominator.
pub fn rounded_ratio(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (numerator as i128, denominator as i128);
    let magnitude = (n.abs() * 2 + d.abs()) / (d.abs() * 2);
    Some(if (n < 0) != (d < 0) {
        -magnitude
    } else {
        magnitude
    } as i64)
}

/// `part ÷ whole` in basis points (1% = 100), rounded half away from zero; None for a zero whole.
pub fn share_bp(part: i64, whole: i64) -> Option<i64> {
    rounded_ratio(part.saturating_mul(10_000), whole)
}

pub mod abc;
pub mod alerts;
pub mod customer;
pub mod customer_value;
pub mod events;
pub mod fieldwork;
pub mod forecast;
pub mod format;
pub mod forms;
pub mod funnel;
pub mod import;
pub mod performance;
pub mod period;
pub mod pipeline;
pub mod product;
pub mod targets;
pub mod throttle;
pub mod visibility;
