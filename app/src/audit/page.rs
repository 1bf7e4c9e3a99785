//! `/settings/audit`: administrators search the audit log by person, record and date, and
//! export what they found.
use super::api::{audit_people, search_audit};
use super::texts::{texts, AuditTexts};
use super::{AuditEntry, AuditPerson, AuditQuery, SUBJECT_KINDS};
use crate::auth::CurrentUser;
use crate::domain::visibility::Role;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::ui::{
    labelled_field, EmptyState, ErrorPanel, ExportLinks, Forbidden, Loading, PageHeader,
};
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
    let people = Resource::new(|| (), |_| audit_people());
    view! {
        <PageHeader title=Signal::derive(move || t().title.to_string()) subtitle=Signal::derive(move || t().hint.to_string()) />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let (found, people) = (entries.await, people.await.unwrap_or_default());
                let invalid = matches!(found, Err(AppError::Validation(_)));
                let error = Signal::stored(found.as_ref().err().cloned());
                let results = match found {
                    Ok(list) if list.is_empty() => view! { <EmptyState title=Signal::derive(move || t().title.to_string()) body=Signal::derive(move || t().empty.to_string()) /> }.into_any(),
                    Ok(list) => entries_table(list).into_any(),
                    Err(_) if invalid => ().into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                };
                view! {
                    <AuditFilters query=query.get_untracked() people error />
                    {results}
                }
            })}
        </Transition>
    }
    .into_any()
}

/// The search form: labelled fields in the shared filter grid, each with its own message.
#[component]
fn AuditFilters(
    query: AuditQuery,
    people: Vec<AuditPerson>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || texts(i18n.locale.get());
    let label =
        move |get: fn(&AuditTexts) -> &'static str| Signal::derive(move || get(t()).to_string());
    let export_query = query.query_string();
    let AuditQuery {
        actor,
        kind,
        record,
        from,
        to,
    } = query;
    view! {
        <form method="get" action="/settings/audit" class="card filter-form" data-testid="audit-filters">
            <div class="filter-grid">
                {labelled_field(label(|t| t.actor), error, "actor", Box::new(move || view! {
                    <select name="actor">
                        <option value="">{move || t().any}</option>
                        {people.into_iter().map(|p| {
                            let selected = actor == p.id.to_string();
                            let name = p.name;
                            view! { <option value=p.id selected=selected>{name} {move || (!p.active).then(|| t().inactive)}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()))}
                {labelled_field(label(|t| t.kind), error, "kind", Box::new(move || view! {
                    <select name="kind">
                        <option value="">{move || t().any}</option>
                        {SUBJECT_KINDS.iter().map(|k| view! { <option value=*k selected=kind == *k>{move || t().kind_label(k)}</option> }).collect_view()}
                    </select>
                }.into_any()))}
                {labelled_field(label(|t| t.record_id), error, "record", Box::new(move || view! {
                    <input name="record" inputmode="numeric" maxlength="20" value=record />
                }.into_any()))}
                {labelled_field(label(|t| t.from), error, "from", Box::new(move || view! { <input name="from" type="date" value=from /> }.into_any()))}
                {labelled_field(label(|t| t.to), error, "to", Box::new(move || view! { <input name="to" type="date" value=to /> }.into_any()))}
            </div>
            <div class="form-actions">
                <button type="submit" class="button primary">{move || t().search}</button>
                <ExportLinks list="audit" query=export_query />
            </div>
        </form>
    }
}

/// A change's values as the table shows them: a creation has nothing before it and a deletion
/// nothing after, which the log stores as JSON `null`; the table says so with a dash.
fn shown_values(json: &str) -> String {
    match json.trim() {
        "" | "null" | "{}" => crate::domain::format::DASH.to_string(),
        values => values.to_string(),
    }
}

fn entries_table(list: Vec<AuditEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || texts(i18n.locale.get());
    view! {
        <div class="table-wrap">
            <table class="table compact audit-table" data-testid="audit-entries">
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
                                <td><code class="audit-json">{shown_values(&e.before)}</code></td>
                                <td><code class="audit-json">{shown_values(&e.after)}</code></td>
                                <td class="muted">{e.address.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::shown_values;

    #[test]
    fn missing_values_show_as_a_dash_and_values_as_stored() {
        assert_eq!(shown_values("null"), "—");
        assert_eq!(shown_values(""), "—");
        assert_eq!(shown_values("{}"), "—");
        assert_eq!(shown_values(r#"{"owner":3}"#), r#"{"owner":3}"#);
    }
}
