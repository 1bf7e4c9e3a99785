//! Jingxi: the application shared by the server (SSR) and the browser (hydration).
#![recursion_limit = "256"]
pub mod account;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod customers;
pub mod dashboard;
pub mod domain;
pub mod error;
pub mod fieldwork;
pub mod i18n;
pub mod imports;
pub mod notifications;
pub mod org;
pub mod pipeline;
pub mod shell;
pub mod targets;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod exports;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod seed_customers;
#[cfg(feature = "ssr")]
pub mod seed_fieldwork;
#[cfg(feature = "ssr")]
pub mod seed_pipeline;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The Content-Security-Policy. Scripts come only from this origin, plus, on a page, the inline
/// scripts leptos writes for that one response (its hydration bootstrap and streamed resource
/// data), which carry the response's nonce; nothing inline runs without it. WebAssembly needs
/// `'wasm-unsafe-eval'`. Inline styles stay allowed (components set `style` attributes, which a
/// nonce cannot cover).
#[cfg(feature = "ssr")]
pub fn content_security_policy(script_nonce: Option<&str>) -> String {
    let nonce = script_nonce
        .map(|n| format!(" 'nonce-{n}'"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The HTML document around the app (server only).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let lang = i18n::request_locale().tag();
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#1f4e8c" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = i18n::provide_i18n();
    // The composition: which features' panels the customer file shows, and where.
    provide_context(customers::FilePanels {
        after_status: vec![analytics::customers_page::customer_trend_panel],
        before_timeline: vec![
            pipeline::deal_page::customer_deals_panel,
            pipeline::quote_page::customer_quotes_panel,
        ],
    });
    // Keep `<html lang>` in step with the language switch (screen readers, fonts).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let tag = i18n.locale.get().tag();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
    });

    // leptos_axum reads the title after rendering, outside the reactive arena: a closure reading
    // a signal there panics under load. The server gets plain text; the browser a live title.
    #[cfg(feature = "ssr")]
    let title = i18n::texts(i18n.locale.get_untracked()).app_name;
    #[cfg(not(feature = "ssr"))]
    let title = move || i18n.t().app_name;
    view! {
        <Stylesheet id="leptos" href="/pkg/jingxi.css" />
        <Title text=title />
        <Router>
            <Routes fallback=|| view! { <ui::NotFound /> }>
                <Route path=path!("/login") view=auth::page::LoginPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=shell::Shell ssr=SsrMode::Async>
                    <Route path=path!("") view=|| view! { <Redirect path="/dashboard" /> } ssr=SsrMode::Async />
                    <Route path=path!("dashboard") view=dashboard::DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("customers") view=customers::page::CustomersPage ssr=SsrMode::Async />
                    <Route path=path!("customers/new") view=customers::file_page::NewCustomerPage ssr=SsrMode::Async />
                    <Route path=path!("customers/follow-ups") view=customers::page::AgendaPage ssr=SsrMode::Async />
                    <Route path=path!("customers/ladder") view=customers::team_pages::LadderPage ssr=SsrMode::Async />
                    <Route path=path!("customers/handover") view=customers::team_pages::HandoverPage ssr=SsrMode::Async />
                    <Route path=path!("customers/:id") view=customers::file_page::CustomerPage ssr=SsrMode::Async />
                    <Route path=path!("customers/:id/edit") view=customers::file_page::EditCustomerPage ssr=SsrMode::Async />
                    <Route path=path!("account") view=account::page::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("notifications") view=notifications::page::NotificationsPage ssr=SsrMode::Async />
                    <Route path=path!("pipeline") view=pipeline::board::BoardPage ssr=SsrMode::Async />
                    <Route path=path!("pipeline/forecast") view=pipeline::forecast::ForecastPage ssr=SsrMode::Async />
                    <Route path=path!("pipeline/quotes/new") view=pipeline::quote_page::QuoteEditorPage ssr=SsrMode::Async />
                    <Route path=path!("pipeline/quotes/:id") view=pipeline::quote_page::QuotePage ssr=SsrMode::Async />
                    <Route path=path!("pipeline/quotes/:id/edit") view=pipeline::quote_page::QuoteEditorPage ssr=SsrMode::Async />
                    <Route path=path!("pipeline/new") view=pipeline::deal_page::NewDealPage ssr=SsrMode::Async />
                    <Route path=path!("pipeline/deals/:id") view=pipeline::deal_page::DealPage ssr=SsrMode::Async />
                    <Route path=path!("targets") view=targets::page::TargetsPage ssr=SsrMode::Async />
                    <Route path=path!("analytics") view=analytics::page::AbcPage ssr=SsrMode::Async />
                    <Route path=path!("analytics/abc") view=analytics::page::AbcPage ssr=SsrMode::Async />
                    <Route path=path!("analytics/reps") view=analytics::reps_page::RepsPage ssr=SsrMode::Async />
                    <Route path=path!("analytics/products") view=analytics::products_page::ProductAnalysisPage ssr=SsrMode::Async />
                    <Route path=path!("analytics/customers") view=analytics::customers_page::CustomerAnalysisPage ssr=SsrMode::Async />
                    <Route path=path!("analytics/funnel") view=analytics::funnel_page::FunnelPage ssr=SsrMode::Async />
                    <Route path=path!("analytics/alerts") view=analytics::alerts_page::AlertsPage ssr=SsrMode::Async />
                    <Route path=path!("fieldwork") view=fieldwork::FieldDayPage ssr=SsrMode::Async />
                    <Route path=path!("fieldwork/team") view=fieldwork::TeamDayPage ssr=SsrMode::Async />
                    <Route path=path!("fieldwork/efficiency") view=fieldwork::EfficiencyPage ssr=SsrMode::Async />
                    <Route path=path!("import") view=imports::page::ImportPage ssr=SsrMode::Async />
                    <Route path=path!("import/:id") view=imports::page::ImportMappingPage ssr=SsrMode::Async />
                    <Route path=path!("settings") view=org::page::SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("settings/sales") view=pipeline::admin::SalesSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("settings/audit") view=audit::page::AuditPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
