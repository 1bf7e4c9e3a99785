//! Small coloured marks shared by several pages.
use crate::domain::abc::AbcClass;
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// The CSS class that sets an ABC class's colour (`--abc`, style/main.css).
pub fn class_colour_css(class: AbcClass) -> &'static str {
    match class {
        AbcClass::A => "abc-a",
        AbcClass::B => "abc-b",
        AbcClass::C => "abc-c",
    }
}

/// The round ABC class badge (also on customer lists and files).
pub fn class_css(class: AbcClass) -> String {
    format!("abc {}", class_colour_css(class))
}

/// A customer's class as a round badge, linked to the ABC page (nothing without a class).
#[component]
pub fn AbcBadge(class: Option<AbcClass>) -> impl IntoView {
    let i18n = use_i18n();
    class.map(|class| {
        let title = move || (i18n.t().analytics.badge_title)(class.as_str());
        view! { <a class=class_css(class) href=format!("/analytics/abc?class={}", class.as_str()) title=title aria-label=title data-testid="abc-badge">{class.as_str()}</a> }
    })
}
