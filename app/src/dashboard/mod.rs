//! The dashboard. Until sales data exists it says so, and shows whom the user can see.
use crate::auth::CurrentUser;
use crate::i18n::{tr, use_i18n};
use crate::org::api::visible_people;
use crate::ui::{EmptyState, ErrorPanel, Loading, PageHeader};
use leptos::prelude::*;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let user = expect_context::<CurrentUser>();
    let people = Resource::new(|| (), |_| visible_people());
    let name = user.display_name.clone();
    let role = user.role;
    let team = user.team_name.clone();
    view! {
        <PageHeader
            title=Signal::derive(move || (i18n.t().welcome)(&name))
            subtitle=Signal::derive(move || {
                let team = team.clone().unwrap_or_else(|| i18n.t().no_team.to_string());
                format!("{} · {}", i18n.t().role(role), team)
            })
        />
        <EmptyState
            title=Signal::derive(move || i18n.t().dashboard_empty_title.to_string())
            body=Signal::derive(move || i18n.t().dashboard_empty_body.to_string())
        />
        <section class="card">
            <h2>{tr(|t| t.people_you_see)}</h2>
            <p class="hint">{tr(|t| t.people_you_see_hint)}</p>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match people.await {
                        Ok(people) => view! {
                            <ul class="people" data-testid="people">
                                {people.into_iter().map(|person| view! {
                                    <li>
                                        <span class="avatar small" aria-hidden="true">{person.display_name.chars().next().unwrap_or('?').to_string()}</span>
                                        <span class="person-name">{person.display_name}</span>
                                        <span class="person-meta">
                                            {move || i18n.t().role(person.role)}
                                            {person.team_name.map(|team| format!(" · {team}"))}
                                        </span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
