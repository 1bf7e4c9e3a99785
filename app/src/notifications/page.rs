use super::api::{list_notifications, MarkNotificationsRead};
use crate::domain::events::Notice;
use crate::domain::format::format_date;
use crate::i18n::{tr, use_i18n};
use crate::ui::{EmptyState, ErrorPanel, Loading, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The unread count shown in the top bar; the page clears it when the user marks all as read.
#[derive(Clone, Copy)]
pub struct UnreadCount(pub RwSignal<u64>);

#[component]
pub fn NotificationBell() -> impl IntoView {
    let i18n = use_i18n();
    let unread = use_context::<UnreadCount>()
        .map(|u| u.0)
        .unwrap_or_else(|| RwSignal::new(0));
    view! {
        <a class="bell" href="/notifications" data-testid="notification-bell"
            aria-label=move || (i18n.t().notifications.unread)(unread.get())>
            // An outline bell drawn inline: emoji fonts are not on every phone or server.
            <svg class="bell-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                <path d="M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zM10 19a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
            </svg>
            {move || (unread.get() > 0).then(|| view! { <span class="bell-count">{unread.get()}</span> })}
        </a>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let notifications = Resource::new(move || mark.version().get(), |_| list_notifications());
    if let Some(UnreadCount(unread)) = use_context::<UnreadCount>() {
        Effect::new(move |_| {
            if let Some(Ok(_)) = mark.value().get() {
                unread.set(0);
            }
        });
    }
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().notifications.title.to_string()) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match notifications.await {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState title=Signal::derive(move || i18n.t().notifications.title.to_string()) body=Signal::derive(move || i18n.t().notifications.empty.to_string()) />
                    }.into_any(),
                    Ok(list) => {
                        let any_unread = list.iter().any(|n| !n.read);
                        view! {
                            {any_unread.then(|| view! {
                                <ActionForm action=mark attr:class="toolbar">
                                    <button type="submit" class="button small">{tr(|t| t.notifications.mark_read)}</button>
                                </ActionForm>
                            })}
                            <ul class="notification-list" data-testid="notifications">
                                {list.into_iter().map(|n| {
                                    let date = n.created_on;
                                    let notice = n.notice;
                                    let to_pool = matches!(notice, Notice::PoolReturn { .. });
                                    let link_text = move || if to_pool { i18n.t().customers.pool } else { i18n.t().notifications.open };
                                    view! {
                                        <li class=if n.read { "notification card" } else { "notification card unread" }>
                                            <p>{move || (i18n.t().notifications.text)(&notice)}</p>
                                            <p class="muted">{move || format_date(date, i18n.locale.get())} " · " <a href=n.link.clone()>{link_text}</a></p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
