//! The signed-in frame: side navigation on desktop, a bottom tab bar on phones, the user menu.
use crate::auth::api::fetch_current_user;
use crate::auth::page::{LanguageSwitch, LogoutButton};
use crate::auth::CurrentUser;
use crate::domain::visibility::Role;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::ErrorPanel;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

struct NavItem {
    href: &'static str,
    label: fn(&Texts) -> &'static str,
    mark: &'static str,
    admin_only: bool,
}

const NAV: [NavItem; 7] = [
    NavItem {
        href: "/dashboard",
        label: |t| t.nav_dashboard,
        mark: "◧",
        admin_only: false,
    },
    NavItem {
        href: "/customers",
        label: |t| t.nav_customers,
        mark: "◉",
        admin_only: false,
    },
    NavItem {
        href: "/pipeline",
        label: |t| t.nav_pipeline,
        mark: "▥",
        admin_only: false,
    },
    NavItem {
        href: "/targets",
        label: |t| t.nav_targets,
        mark: "◎",
        admin_only: false,
    },
    NavItem {
        href: "/analytics",
        label: |t| t.nav_analytics,
        mark: "▲",
        admin_only: false,
    },
    NavItem {
        href: "/fieldwork",
        label: |t| t.nav_fieldwork,
        mark: "◈",
        admin_only: false,
    },
    NavItem {
        href: "/settings",
        label: |t| t.nav_settings,
        mark: "⚙",
        admin_only: true,
    },
];

/// Loads the signed-in user; anyone else is sent to the sign-in page.
///
/// Deliberately not inside a `<Suspense>`: on the server a Suspense walks its children again
/// when its resources settle, and each walk would build the frame, the routed page and the
/// page's resources anew (two or three loads of the same board per request, measured). The
/// pages have their own Suspense or Transition; the user is served with the page, so hydration
/// finds it at once.
#[component]
pub fn Shell() -> impl IntoView {
    let user = Resource::new(|| (), |_| fetch_current_user());
    view! {
        {move || Suspend::new(async move {
            match user.await {
                Ok(Some(user)) => view! { <Frame user /> }.into_any(),
                Ok(None) | Err(AppError::Unauthorized) => view! { <Redirect path="/login" /> }.into_any(),
                Err(error) => view! { <ErrorPanel error /> }.into_any(),
            }
        })}
    }
}

#[component]
fn Frame(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let is_admin = user.role == Role::Admin;
    provide_context(user.clone());
    provide_context(crate::notifications::page::UnreadCount(RwSignal::new(
        user.unread_notifications,
    )));
    let role = user.role;
    let team = user.team_name.clone();
    let open_alerts = user.open_alerts;
    let nav_links = NAV
        .iter()
        .filter(|item| is_admin || !item.admin_only)
        .map(|item| {
            let label = item.label;
            view! {
                <A href=item.href attr:class="nav-link">
                    <span class="nav-mark" aria-hidden="true">{item.mark}</span>
                    <span class="nav-label">{move || label(i18n.t())}</span>
                    {(item.href == "/analytics" && open_alerts > 0).then(|| view! { <crate::analytics::page::AlertBadge count=open_alerts /> })}
                </A>
            }
        })
        .collect_view();
    view! {
        <div class="app-frame">
            <nav class="app-nav" aria-label="main">
                <a class="brand" href="/dashboard">
                    <span class="brand-mark" aria-hidden="true">"精"</span>
                    <span class="brand-name">{tr(|t| t.app_name)}</span>
                </a>
                <div class="nav-links">{nav_links}</div>
            </nav>
            <div class="app-main">
                <header class="topbar">
                    <crate::notifications::page::NotificationBell />
                    <details class="user-menu">
                        <summary>
                            <span class="avatar" aria-hidden="true">{user.display_name.chars().next().unwrap_or('?').to_string()}</span>
                            <span class="user-name" data-testid="user-name">{user.display_name.clone()}</span>
                        </summary>
                        <div class="user-menu-panel">
                            <p class="user-meta">
                                {move || i18n.t().role(role)}
                                " · "
                                {
                                    let team = team.clone();
                                    move || team.clone().unwrap_or_else(|| i18n.t().no_team.to_string())
                                }
                            </p>
                            <LanguageSwitch />
                            <a class="button subtle wide" href="/account" data-testid="account-link">{tr(|t| t.my_account)}</a>
                            <LogoutButton />
                        </div>
                    </details>
                </header>
                <main class="content" id="content">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}
