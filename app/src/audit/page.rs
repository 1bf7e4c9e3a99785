//! `/settings/audit`: administrators search the audit log by person, record and date, and
//! export what they found.
use super::api::search_audit;
use super::texts::texts;
use super::{AuditQuery, SUBJECT_KINDS};
use crate::auth::CurrentUser;
use crate::domain::visibility::Role;
use crate::i18n::use_i18n;
use crate::ui::{EmptyState, ErrorPanel, Forbidden, Loading, PageHeader};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let user = expect_context::<CurrentUser>();
    if user.role != Role::Admin {
        return view! { <Forbidden /> }.into_any();
    }
    let t = move || texts(i18n.locale.get());
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let map = params.read();
        AuditQuery::from_pairs(
            ["actor", "kind", "record", "from", "to"]
                .into_iter()
                .map(|key| (key, map.get(key).unwrap_or_default()))
                .collect::<Vec<_>>()
                .iter()
                .map(|(k, v)| (*k, v.as_str())),
        )
    });
    let entries = Resource::new(move || query.get(), search_audit);
    let value = move |get: fn(&AuditQuery) -> &String| move || get(&query.get()).clone();
    view! {
        <PageHeader title=Signal::derive(move || t().title.to_string()) subtitle=Signal::derive(move || t().hint.to_string()) />
        <form method="get" action="/settings/audit" class="report-filters card" data-testid="audit-filters">
            <label>{move || t().actor} " #"<input name="actor" inputmode="numeric" maxlength="20" prop:value=value(|q| &q.actor) /></label>
            <label>{move || t().kind}
                <select name="kind">
                    <option value="">{move || t().any}</option>
                    {SUBJECT_KINDS.iter().map(|kind| view! { <option value=*kind selected=move || query.get().kind == *kind>{move || t().kind_label(kind)}</option> }).collect_view()}
                </select>
            </label>
            <label>{move || t().record_id}<input name="record" inputmode="numeric" maxlength="20" prop:value=value(|q| &q.record) /></label>
            <label>{move || t().from}<input name="from" type="date" prop:value=value(|q| &q.from) /></label>
            <label>{move || t().to}<input name="to" type="date" prop:value=value(|q| &q.to) /></label>
            <button type="submit" class="button">{move || t().search}</button>
            {move || view! { <crate::ui::ExportLinks list="audit" query=query.get().query_string() /> }}
        </form>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) if list.is_empty() => view! { <EmptyState title=Signal::derive(move || t().title.to_string()) body=Signal::derive(move || t().empty.to_string()) /> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-scroll">
                            <table class="data-table" data-testid="audit-entries">
                                <thead><tr>
                                    <th>{move || t().at}</th><th>{move || t().actor}</th><th>{move || t().action}</th><th>{move || t().record}</th>
                                    <th>{move || t().before}</th><th>{move || t().after}</th><th>{move || t().address}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| {
                                        let (at, utc) = (e.local_at.format("%Y-%m-%d %H:%M:%S").to_string(), e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string());
                                        let (action, kind) = (e.action.clone(), e.subject_kind.clone());
                                        view! {
                                            <tr data-testid="audit-entry" data-action=e.action.clone()>
                                                <td class="nowrap" title=utc>{at}</td>
                                                <td>{e.actor_name.clone()}</td>
                                                <td>{move || t().action_label(&action)}</td>
                                                <td>{move || t().kind_label(&kind)} " " {e.subject_id.map(|id| format!("#{id}"))}</td>
                                                <td><code class="audit-json">{e.before.clone()}</code></td>
                                                <td><code class="audit-json">{e.after.clone()}</code></td>
                                                <td class="muted">{e.address.clone()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}
