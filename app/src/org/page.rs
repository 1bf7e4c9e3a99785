//! Settings: users, teams and departments (administrators only).
use super::api::{
    load_org, load_time_zone, CreateDepartment, SaveTeam, SaveUser, SetTeamActive, SetTimeZone,
    SetUserActive,
};
use super::{OrgOverview, TeamRow, UserRow};
use crate::auth::CurrentUser;
use crate::domain::visibility::Role;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n};
use crate::ui::{
    action_error, invalid, ErrorPanel, Field, Forbidden, FormActions, FormMessage, Loading,
    PageHeader,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Bumps `reload` and clears the edit selection whenever `action` succeeds.
fn reload_on_success<S, T>(action: ServerAction<S>, reload: RwSignal<u32>)
where
    S: leptos::server_fn::ServerFn<Output = T, Error = AppError> + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    let navigate = use_navigate();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            reload.update(|n| *n += 1);
            navigate("/settings", Default::default());
        }
    });
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let user = expect_context::<CurrentUser>();
    if user.role != Role::Admin {
        return view! { <Forbidden /> }.into_any();
    }
    let reload = RwSignal::new(0u32);
    let save_user = ServerAction::<SaveUser>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let save_team = ServerAction::<SaveTeam>::new();
    let create_department = ServerAction::<CreateDepartment>::new();
    let set_team_active = ServerAction::<SetTeamActive>::new();
    reload_on_success(set_team_active, reload);
    reload_on_success(save_user, reload);
    reload_on_success(set_active, reload);
    reload_on_success(save_team, reload);
    reload_on_success(create_department, reload);
    let overview = Resource::new(move || reload.get(), |_| load_org());
    let query = use_query_map();
    let editing = |key: &'static str| {
        Memo::new(move |_| query.read().get(key).and_then(|v| v.parse::<i64>().ok()))
    };
    let editing_user = editing("user");
    let editing_team = editing("team");

    view! {
        <PageHeader title=Signal::derive(move || i18n.t().settings_title.to_string()) />
        <p class="link-row">
            <a class="button" href="/settings/sales" data-testid="sales-settings-link">{tr(|t| t.sales_settings.link)}</a>
            <a class="button" href="/import" data-testid="import-link">{tr(|t| t.imports.link)}</a>
            <a class="button" href="/settings/audit" data-testid="audit-link">{move || crate::audit::texts::texts(i18n.locale.get()).link}</a>
        </p>
        <TimeZoneForm />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(org) => {
                        let org = StoredValue::new(org);
                        view! {
                            <section class="card" id="users">
                                <h2>{tr(|t| t.users)} " " <crate::ui::ExportLinks list="users" query=String::new() /></h2>
                                <UsersTable users=org.with_value(|o| o.users.clone()) set_active />
                                {move || {
                                    let user = editing_user.get().and_then(|id| org.with_value(|o| o.users.iter().find(|u| u.id == id).cloned()));
                                    view! { <UserFormPanel org=org.get_value() user action=save_user /> }
                                }}
                            </section>
                            <section class="card" id="teams">
                                <h2>{tr(|t| t.teams)}</h2>
                                <TeamsTable teams=org.with_value(|o| o.teams.clone()) set_active=set_team_active />
                                {move || {
                                    let team = editing_team.get().and_then(|id| org.with_value(|o| o.teams.iter().find(|t| t.id == id).cloned()));
                                    view! { <TeamFormPanel org=org.get_value() team action=save_team /> }
                                }}
                            </section>
                            <section class="card" id="departments">
                                <h2>{tr(|t| t.departments)}</h2>
                                <ul class="plain-list">
                                    {org.with_value(|o| o.departments.clone()).into_iter().map(|d| view! {
                                        <li>{d.name}<span class="muted">{format!(" · {} ", d.team_count)}{tr(|t| t.teams)}</span></li>
                                    }).collect_view()}
                                </ul>
                                <DepartmentForm action=create_department />
                            </section>
                        }.into_any()
                    }
                    Err(AppError::Forbidden) => view! { <Forbidden /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn UsersTable(users: Vec<UserRow>, set_active: ServerAction<SetUserActive>) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<CurrentUser>().id;
    let error = action_error(set_active);
    // Who may take over a leaving person's customers: everyone still active.
    let people: Vec<(i64, String)> = users
        .iter()
        .filter(|u| u.active)
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    view! {
        <FormMessage error />
        <div class="table-wrap">
            <table class="table" data-testid="users-table">
                <thead>
                    <tr>
                        <th>{tr(|t| t.display_name)}</th>
                        <th>{tr(|t| t.username)}</th>
                        <th>{tr(|t| t.role)}</th>
                        <th>{tr(|t| t.team)}</th>
                        <th>{tr(|t| t.status)}</th>
                        <th>{tr(|t| t.actions)}</th>
                    </tr>
                </thead>
                <tbody>
                    {users.into_iter().map(|user| {
                        let role = user.role;
                        let active = user.active;
                        view! {
                            <tr class:inactive=!active>
                                <td>{user.display_name}</td>
                                <td class="mono">{user.username.clone()}</td>
                                <td>{move || i18n.t().role(role)}</td>
                                <td>{user.team_name.unwrap_or_default()}</td>
                                <td><StatusBadge active /></td>
                                <td class="row-actions">
                                    <a class="button small" href=format!("/settings?user={}#user-form", user.id)>{tr(|t| t.edit)}</a>
                                    {(user.id != me).then(|| {
                                        let successors = (active && user.customers > 0)
                                            .then(|| people.iter().filter(|(id, _)| *id != user.id).cloned().collect::<Vec<_>>());
                                        view! {
                                            <ActiveToggle action=Toggle::User(set_active) id=user.id active version=user.version label=user.username successors />
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn StatusBadge(active: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! { <span class="badge" class:off=!active>{move || if active { i18n.t().active } else { i18n.t().inactive }}</span> }
}

/// The deactivate / reactivate action of a row.
#[derive(Clone, Copy)]
enum Toggle {
    User(ServerAction<SetUserActive>),
    Team(ServerAction<SetTeamActive>),
}

/// `successors`: for a person who owns customers, who may take them over (the form then asks).
#[component]
fn ActiveToggle(
    action: Toggle,
    id: i64,
    active: bool,
    version: i32,
    label: String,
    #[prop(optional_no_strip)] successors: Option<Vec<(i64, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let fields = move || {
        view! {
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="active" value=(!active).to_string() />
            <input type="hidden" name="version" value=version />
            {successors.clone().map(|people| view! {
                <select name="successor" class="small" aria-label=move || i18n.t().successor data-testid=format!("successor-{id}")>
                    <option value="">{move || format!("{}…", i18n.t().successor)}</option>
                    <option value="pool">{move || i18n.t().successor_pool}</option>
                    {people.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            })}
            <button type="submit" class="button small subtle" data-label=label.clone()>
                {move || if active { i18n.t().deactivate } else { i18n.t().reactivate }}
            </button>
        }
    };
    match action {
        Toggle::User(action) => {
            view! { <ActionForm action attr:class="inline-form">{fields()}</ActionForm> }.into_any()
        }
        Toggle::Team(action) => {
            view! { <ActionForm action attr:class="inline-form">{fields()}</ActionForm> }.into_any()
        }
    }
}

/// `<option>`s for a reference, with "(none)" first.
fn options(
    choices: Vec<(i64, String)>,
    selected: Option<i64>,
    none_label: &'static str,
) -> impl IntoView {
    view! {
        <option value="" selected=selected.is_none()>{none_label}</option>
        {choices.into_iter().map(|(id, name)| view! { <option value=id selected=selected == Some(id)>{name}</option> }).collect_view()}
    }
}

#[component]
fn UserFormPanel(
    org: OrgOverview,
    user: Option<UserRow>,
    action: ServerAction<SaveUser>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let t = i18n.t();
    let editing = user.is_some();
    let user = user.unwrap_or(UserRow {
        id: 0,
        username: String::new(),
        display_name: String::new(),
        role: Role::Rep,
        team_id: None,
        team_name: None,
        department_id: None,
        active: true,
        version: 0,
        customers: 0,
    });
    let teams: Vec<(i64, String)> = org
        .teams
        .iter()
        .filter(|t| t.active || Some(t.id) == user.team_id)
        .map(|t| (t.id, t.name.clone()))
        .collect();
    let departments: Vec<(i64, String)> = org
        .departments
        .iter()
        .map(|d| (d.id, d.name.clone()))
        .collect();
    view! {
        <ActionForm action attr:class="form grid-form" attr:id="user-form" attr:novalidate=true>
            <h3>{move || if editing { i18n.t().edit_user } else { i18n.t().new_user }}</h3>
            <input type="hidden" name="form[id]" value=if editing { user.id.to_string() } else { String::new() } />
            <input type="hidden" name="form[version]" value=user.version />
            <Field label=|t| t.username error field="username">
                <input name="form[username]" value=user.username autocapitalize="none" aria-invalid=invalid(error, "username") />
            </Field>
            <Field label=|t| t.display_name error field="display_name">
                <input name="form[display_name]" value=user.display_name aria-invalid=invalid(error, "display_name") />
            </Field>
            <Field label=|t| t.role error field="role">
                <select name="form[role]" aria-invalid=invalid(error, "role")>
                    {Role::ALL.iter().copied().map(|role| view! {
                        <option value=role.as_str() selected=role == user.role>{t.role(role)}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field label=|t| t.team error field="team_id">
                <select name="form[team_id]" aria-invalid=invalid(error, "team_id")>{options(teams, user.team_id, t.none_option)}</select>
            </Field>
            <Field label=|t| t.department error field="department_id">
                <select name="form[department_id]" aria-invalid=invalid(error, "department_id")>
                    {options(departments, user.department_id, t.none_option)}
                </select>
            </Field>
            <Field label=|t| t.password error field="password">
                <input name="form[password]" type="password" autocomplete="new-password" aria-invalid=invalid(error, "password")
                    placeholder=if editing { t.new_password_hint } else { "" } />
            </Field>
            <FormMessage error fields=&["username", "display_name", "role", "team_id", "department_id", "password"] />
            <FormActions pending=action.pending().into() cancel_href=editing.then(|| "/settings".to_string()) />
        </ActionForm>
    }
}

#[component]
fn TeamsTable(teams: Vec<TeamRow>, set_active: ServerAction<SetTeamActive>) -> impl IntoView {
    let error = action_error(set_active);
    view! {
        <FormMessage error />
        <div class="table-wrap">
            <table class="table" data-testid="teams-table">
                <thead>
                    <tr>
                        <th>{tr(|t| t.team_name)}</th>
                        <th>{tr(|t| t.department)}</th>
                        <th>{tr(|t| t.manager)}</th>
                        <th class="num">{tr(|t| t.members)}</th>
                        <th>{tr(|t| t.status)}</th>
                        <th>{tr(|t| t.actions)}</th>
                    </tr>
                </thead>
                <tbody>
                    {teams.into_iter().map(|team| {
                        let active = team.active;
                        view! {
                            <tr class:inactive=!active>
                                <td>{team.name.clone()}</td>
                                <td>{team.department_name.unwrap_or_default()}</td>
                                <td>{team.manager_name.unwrap_or_default()}</td>
                                <td class="num">{team.member_count}</td>
                                <td><StatusBadge active /></td>
                                <td class="row-actions">
                                    <a class="button small" href=format!("/settings?team={}#team-form", team.id)>{tr(|t| t.edit)}</a>
                                    <ActiveToggle action=Toggle::Team(set_active) id=team.id active version=team.version label=team.name />
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn TeamFormPanel(
    org: OrgOverview,
    team: Option<TeamRow>,
    action: ServerAction<SaveTeam>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let t = i18n.t();
    let editing = team.is_some();
    let (id, version, name, department_id, manager_id) = match team {
        Some(team) => (
            team.id.to_string(),
            team.version,
            team.name,
            team.department_id,
            team.manager_id,
        ),
        None => (String::new(), 0, String::new(), None, None),
    };
    let departments: Vec<(i64, String)> = org
        .departments
        .iter()
        .map(|d| (d.id, d.name.clone()))
        .collect();
    let leaders: Vec<(i64, String)> = org
        .users
        .iter()
        .filter(|u| u.active && u.role != Role::Rep)
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    view! {
        <ActionForm action attr:class="form grid-form" attr:id="team-form" attr:novalidate=true>
            <h3>{move || if editing { i18n.t().edit_team } else { i18n.t().new_team }}</h3>
            <input type="hidden" name="form[id]" value=id />
            <input type="hidden" name="form[version]" value=version />
            <Field label=|t| t.team_name error field="name">
                <input name="form[name]" value=name aria-invalid=invalid(error, "name") />
            </Field>
            <Field label=|t| t.department error field="department_id">
                <select name="form[department_id]">{options(departments, department_id, t.none_option)}</select>
            </Field>
            <Field label=|t| t.manager error field="manager_id">
                <select name="form[manager_id]">{options(leaders, manager_id, t.none_option)}</select>
            </Field>
            <FormMessage error fields=&["name", "department_id", "manager_id"] />
            <FormActions pending=action.pending().into() cancel_href=editing.then(|| "/settings".to_string()) />
        </ActionForm>
    }
}

#[component]
fn DepartmentForm(action: ServerAction<CreateDepartment>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <ActionForm action attr:class="form inline-row" attr:novalidate=true>
            <Field label=|t| t.department_name error field="name">
                <input name="name" aria-invalid=invalid(error, "name") />
            </Field>
            <button type="submit" class="button">{tr(|t| t.new_department)}</button>
        </ActionForm>
    }
}

/// The company's time zone, version-checked like every setting.
#[component]
fn TimeZoneForm() -> impl IntoView {
    let save = ServerAction::<SetTimeZone>::new();
    let current = Resource::new(move || save.version().get(), |_| load_time_zone());
    let error = action_error(save);
    view! {
        <section class="card" id="time-zone">
            <h2>{tr(|t| t.time_zone)}</h2>
            <p class="muted">{tr(|t| t.time_zone_hint)}</p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok((name, version)) => view! {
                            <ActionForm action=save attr:class="form inline-form" attr:novalidate=true>
                                <input type="hidden" name="version" value=version />
                                <Field label=|t| t.time_zone error field="time_zone">
                                    <input name="name" value=name maxlength="60" data-testid="time-zone" aria-invalid=invalid(error, "time_zone") />
                                </Field>
                                <FormMessage error fields=&["time_zone"] />
                                <div class="form-actions"><button type="submit" class="button">{tr(|t| t.save)}</button></div>
                            </ActionForm>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
