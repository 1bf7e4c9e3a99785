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

pub mod abc;
pub mod alerts;
pub mod customer;
pub mod fieldwork;
pub mod forecast;
pub mod format;
pub mod forms;
pub mod funnel;
pub mod import;
pub mod performance;
pub mod period;
pub mod pipeline;
pub mod targets;
pub mod throttle;
pub mod visibility;
