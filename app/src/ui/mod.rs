//! The design system: layout pieces, states and form helpers. No server functions here.
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Texts};
use leptos::prelude::*;

pub mod badges;
pub mod chart;
pub mod query;
pub use badges::{class_colour_css, class_css, AbcBadge};

/// Sets the HTTP status of the server-rendered page (no effect in the browser).
pub fn set_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::from_u16(_code).unwrap_or(http::StatusCode::OK));
    }
}

#[component]
pub fn PageHeader(
    #[prop(into)] title: Signal<String>,
    #[prop(optional, into)] subtitle: Option<Signal<String>>,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            {subtitle.map(|s| view! { <p class="page-subtitle">{s}</p> })}
        </header>
    }
}

/// An honest empty state: what will be here and why it is empty now.
#[component]
pub fn EmptyState(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] body: Signal<String>,
) -> impl IntoView {
    view! {
        <section class="empty-state" aria-live="polite">
            <div class="empty-state-mark" aria-hidden="true"></div>
            <h2>{title}</h2>
            <p>{body}</p>
        </section>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status">{tr(|t| t.loading)}</p> }
}

/// A whole-page error message, translated.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="error-panel" role="alert">{move || i18n.t().error(&error)}</p> }
}

/// A full-page status message (403, 404) with the way back to the dashboard.
#[component]
fn StatusPage(
    code: u16,
    title: fn(&Texts) -> &'static str,
    body: fn(&Texts) -> &'static str,
) -> impl IntoView {
    set_status(code);
    let i18n = use_i18n();
    view! {
        <section class="status-page" data-status=code>
            <h1>{move || title(i18n.t())}</h1>
            <p>{move || body(i18n.t())}</p>
            <a class="button" href="/dashboard">{tr(|t| t.back_to_dashboard)}</a>
        </section>
    }
}

/// One tab of a section's tab bar.
pub struct Tab {
    pub href: &'static str,
    pub label: fn(&Texts) -> &'static str,
    /// The page shown now.
    pub current: bool,
    /// Drawn after the label (a count of open items).
    pub badge: Option<AnyView>,
}

impl Tab {
    pub fn new(href: &'static str, label: fn(&Texts) -> &'static str, current: bool) -> Tab {
        Tab {
            href,
            label,
            current,
            badge: None,
        }
    }
}

/// The links between the pages of one section, the current one marked for screen readers too.
pub fn tab_bar(section: fn(&Texts) -> &'static str, tabs: Vec<Tab>) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label=tr(section)>
            {tabs.into_iter().map(|tab| view! {
                <a href=tab.href class="tab" aria-current=tab.current.then_some("page")>
                    {tr(tab.label)}
                    {tab.badge}
                </a>
            }).collect_view()}
        </nav>
    }
}

/// Previous and next links around "page / pages" for a list shown a page at a time. `page`
/// counts from 0; `href` gives the address of a page (the list's own filters kept). Nothing
/// when everything fits on one page.
pub fn pager(page: u64, pages: u64, href: impl Fn(u64) -> String) -> impl IntoView {
    (pages > 1).then(|| {
        let previous = (page > 0).then(|| href(page - 1));
        let next = (page + 1 < pages).then(|| href(page + 1));
        view! {
            <nav class="pager">
                {previous.map(|href| view! { <a class="button small" rel="prev" href=href>{crate::i18n::tr(|t| t.previous_page)}</a> })}
                <span class="muted">{format!("{} / {pages}", page + 1)}</span>
                {next.map(|href| view! { <a class="button small" rel="next" href=href>{crate::i18n::tr(|t| t.next_page)}</a> })}
            </nav>
        }
    })
}

#[component]
pub fn Forbidden() -> impl IntoView {
    view! { <StatusPage code=403 title=|t| t.forbidden_title body=|t| t.forbidden_body /> }
}

/// A record that does not exist or is not visible to the user: the same answer for both.
#[component]
pub fn NotFoundPanel() -> impl IntoView {
    view! { <StatusPage code=404 title=|t| t.not_found_title body=|t| t.not_found_body /> }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! { <main class="standalone"><StatusPage code=404 title=|t| t.not_found_title body=|t| t.not_found_body /></main> }
}

/// The last error of a server action, for the form that dispatched it.
pub fn action_error<S, T>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Output = T, Error = AppError> + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|result| result.err()))
}

/// The message for one field, shown right below it.
#[component]
pub fn FieldMessage(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().and_then(|error| {
            error
                .field_errors()
                .iter()
                .find(|e| e.field == field)
                .map(|e| {
                    let message = i18n.t().field_error(&e.code);
                    view! { <p class="field-error" role="alert" data-field=field>{message}</p> }
                })
        })
    }
}

/// The form-level message: "correct the marked fields", a conflict, or a server error.
#[component]
pub fn FormMessage(
    error: Signal<Option<AppError>>,
    #[prop(optional)] fields: &'static [&'static str],
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|error| {
            // Field errors for fields this form does not show are spelled out here.
            let unshown: Vec<String> = error
                .field_errors()
                .iter()
                .filter(|e| !fields.contains(&e.field.as_str()))
                .map(|e| i18n.t().field_error(&e.code))
                .collect();
            let text = if unshown.is_empty() {
                i18n.t().error(&error)
            } else {
                unshown.join("；")
            };
            view! { <p class="form-error" role="alert">{text}</p> }
        })
    }
}

/// `aria-invalid` for an input whose field has an error.
pub fn invalid(
    error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> &'static str + Send + Sync + Copy {
    move || {
        if error.with(|e| {
            e.as_ref()
                .is_some_and(|e| e.field_errors().iter().any(|f| f.field == field))
        }) {
            "true"
        } else {
            "false"
        }
    }
}

/// A labelled form control with its error message below it. The label is a plain function
/// pointer, not a generic closure: each distinct closure type would copy this component into the
/// wasm bundle again.
#[component]
pub fn Field(
    label: fn(&Texts) -> &'static str,
    error: Signal<Option<AppError>>,
    field: &'static str,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    labelled_field(
        Signal::derive(move || label(i18n.t()).to_string()),
        error,
        field,
        children,
    )
}

/// `Field` for labels that are not a fixed text (e.g. one entry of a translated list).
pub fn labelled_field(
    label: Signal<String>,
    error: Signal<Option<AppError>>,
    field: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            {children()}
            <FieldMessage error field />
        </label>
    }
}

/// Save (disabled while the request runs) and, when editing, Cancel back to `cancel_href`.
#[component]
pub fn FormActions(
    pending: Signal<bool>,
    #[prop(default = None)] cancel_href: Option<String>,
) -> impl IntoView {
    view! {
        <div class="form-actions">
            <button type="submit" class="button primary" disabled=pending>{tr(|t| t.save)}</button>
            {cancel_href.map(|href| view! { <a class="button subtle" href=href>{tr(|t| t.cancel)}</a> })}
        </div>
    }
}

/// Ids ticked in a list, submitted as one comma-separated form value (what `customers/reassign`
/// and `customers/handover` read).
#[derive(Clone, Copy)]
pub struct IdSelection(RwSignal<std::collections::BTreeSet<i64>>);

impl IdSelection {
    pub fn new() -> Self {
        IdSelection(RwSignal::new(Default::default()))
    }

    pub fn set(self, id: i64, on: bool) {
        self.0.update(|ids| {
            if on {
                ids.insert(id);
            } else {
                ids.remove(&id);
            }
        });
    }

    pub fn contains(self, id: i64) -> bool {
        self.0.with(|ids| ids.contains(&id))
    }

    pub fn len(self) -> usize {
        self.0.with(|ids| ids.len())
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn clear(self) {
        self.0.update(|ids| ids.clear());
    }

    pub fn form_value(self) -> String {
        self.0
            .with(|ids| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
    }
}

impl Default for IdSelection {
    fn default() -> Self {
        Self::new()
    }
}

/// One menu of a GET filter form: "all …" (empty value) first, then the choices, the current one
/// selected.
#[component]
pub fn ChoiceFilter(
    name: &'static str,
    all: fn(&Texts) -> &'static str,
    current: String,
    choices: Vec<(String, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <select name=name aria-label=move || all(i18n.t())>
            <option value="">{move || all(i18n.t())}</option>
            {choices.into_iter().map(|(value, label)| {
                let selected = value == current;
                view! { <option value=value selected=selected>{label}</option> }
            }).collect_view()}
        </select>
    }
}

/// Choices keyed by record id.
pub fn id_choices(values: &[(i64, String)]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect()
}

/// Choices whose value is their label.
pub fn text_choices(values: &[String]) -> Vec<(String, String)> {
    values.iter().map(|v| (v.clone(), v.clone())).collect()
}

/// Download links for the list as shown (its filters and the viewer's visibility apply).
#[component]
pub fn ExportLinks(list: &'static str, query: String) -> impl IntoView {
    view! {
        <span class="export-links">
            <a class="button small" rel="external" download="" data-testid="export-csv" href=format!("/api/export/{list}.csv?{query}")>{tr(|t| t.imports.export_csv)}</a>
            <a class="button small" rel="external" download="" data-testid="export-xlsx" href=format!("/api/export/{list}.xlsx?{query}")>{tr(|t| t.imports.export_xlsx)}</a>
        </span>
    }
}
