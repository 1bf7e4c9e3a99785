//! The customer file (客户资料卡): every field, contacts, the follow-up form, merging a duplicate
//! and the timeline; the new and edit forms share one set of fields.
use super::api::{
    load_customer, DeleteContact, LogFollowUp, MergeCustomers, SaveContact, SaveCustomer,
};
use super::page::{stage_label, NewnessBadge, StageBadge};
use super::{ContactView, CustomerDetail, CustomerForm, TimelineEntry, TimelineKind};
use crate::domain::customer::{
    BuyingRole, FollowUpKind, Intent, LadderStage, ProfileField, ProfileSection, Source,
};
use crate::domain::events::CustomerEvent;
use crate::domain::format::format_date;
use crate::domain::forms::ErrorCode;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{
    action_error, invalid, labelled_field, ErrorPanel, Field, FormActions, FormMessage, Loading,
    PageHeader,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

/// Fields of the customer form whose errors appear at the field (the rest in the form message).
const CUSTOMER_FIELDS: &[&str] = &[
    "name",
    "short_name",
    "stage",
    "stage_reason",
    "phone",
    "province",
    "city",
    "district",
    "street",
    "website",
    "industry",
    "source",
    "tags",
    "tax_id",
    "contact_name",
    "contact_phone",
    "notes",
    "legal_rep",
    "decision_maker",
    "org_form",
    "founded",
    "employees",
    "revenue_band",
    "service_area",
    "sales_capacity",
    "growth_potential",
    "business_focus",
    "cooperation_attitude",
    "competitor_relations",
    "management_quality",
];

fn customer_id_param() -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    })
}

/// The fields of a new or edited customer, prefilled from `values`.
#[component]
fn CustomerFields(
    values: CustomerForm,
    error: Signal<Option<AppError>>,
    is_new: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = move |label: fn(&Texts) -> &'static str,
                     field: &'static str,
                     kind: &'static str,
                     value: String| {
        view! {
            <Field label error field>
                <input name=format!("form[{field}]") type=kind value=value aria-invalid=invalid(error, field) />
            </Field>
        }
    };
    let profile = |section: ProfileSection, values: &CustomerForm| {
        ProfileField::ALL
            .iter()
            .copied()
            .filter(|f| f.section() == section)
            .map(|field| {
                let value = values.profile.get(field.as_str()).cloned().unwrap_or_default();
                let label = Signal::derive(move || i18n.t().customers.profile_fields[field.index()].to_string());
                labelled_field(
                    label,
                    error,
                    field.as_str(),
                    Box::new(move || view! { <input name=format!("form[profile][{}]", field.as_str()) value=value.clone() aria-invalid=invalid(error, field.as_str()) /> }.into_any()),
                )
            })
            .collect_view()
    };
    let section_title = move |section: ProfileSection| view! { <h2 class="form-section">{move || i18n.t().customers.profile_sections[section.index()]}</h2> };
    let stage = values.stage.clone();
    let source = values.source.clone();
    let tags = values.tags.clone();
    let notes = values.notes.clone();
    let basic = profile(ProfileSection::Basic, &values);
    let characteristics = profile(ProfileSection::Characteristics, &values);
    let status = profile(ProfileSection::BusinessStatus, &values);
    view! {
        <input type="hidden" name="form[id]" value=values.id.clone() />
        <input type="hidden" name="form[version]" value=values.version.clone() />
        {section_title(ProfileSection::Basic)}
        {text(|t| t.customers.name, "name", "text", values.name.clone())}
        {text(|t| t.customers.short_name, "short_name", "text", values.short_name.clone())}
        <Field label=|t| t.customers.stage error field="stage">
            <select name="form[stage]">
                {LadderStage::ALL.iter().copied().map(|s| view! {
                    <option value=s.as_str() selected=stage == s.as_str()>{move || stage_label(i18n, s)}</option>
                }).collect_view()}
            </select>
        </Field>
        {(!is_new).then(|| text(|t| t.ladder.stage_reason, "stage_reason", "text", String::new()))}
        {text(|t| t.customers.phone, "phone", "tel", values.phone.clone())}
        {text(|t| t.customers.province, "province", "text", values.province.clone())}
        {text(|t| t.customers.city, "city", "text", values.city.clone())}
        {text(|t| t.customers.district, "district", "text", values.district.clone())}
        {text(|t| t.customers.street, "street", "text", values.street.clone())}
        {text(|t| t.customers.industry, "industry", "text", values.industry.clone())}
        <Field label=|t| t.customers.source error field="source">
            <select name="form[source]">
                <option value="">{tr(|t| t.none_option)}</option>
                {Source::ALL.iter().copied().map(|s| view! {
                    <option value=s.as_str() selected=source == s.as_str()>{move || i18n.t().customers.sources[s.index()]}</option>
                }).collect_view()}
            </select>
        </Field>
        {text(|t| t.customers.website, "website", "url", values.website.clone())}
        {text(|t| t.customers.tax_id, "tax_id", "text", values.tax_id.clone())}
        <Field label=|t| t.customers.tags error field="tags">
            <input name="form[tags]" value=tags placeholder=move || i18n.t().customers.tags_hint aria-invalid=invalid(error, "tags") />
        </Field>
        {basic}
        {is_new.then(|| view! {
            {text(|t| t.customers.contact_name, "contact_name", "text", String::new())}
            {text(|t| t.customers.contact_phone, "contact_phone", "tel", String::new())}
        })}
        {section_title(ProfileSection::Characteristics)}
        {characteristics}
        {section_title(ProfileSection::BusinessStatus)}
        {status}
        <Field label=|t| t.customers.notes error field="notes">
            <textarea name="form[notes]" rows="3" aria-invalid=invalid(error, "notes")>{notes}</textarea>
        </Field>
        {move || {
            let duplicate = error.with(|e| e.as_ref().is_some_and(|e| e.field_errors().iter().any(|f| matches!(f.code, ErrorCode::PossibleDuplicate { .. }))));
            duplicate.then(|| view! {
                <label class="confirm">
                    <input type="checkbox" name="form[confirm_duplicate]" value="yes" />
                    {tr(|t| t.customers.save_anyway)}
                </label>
            })
        }}
        <FormMessage error fields=CUSTOMER_FIELDS />
    }
}

/// Opens the customer file once a save succeeds.
fn go_to_file_after(save: ServerAction<SaveCustomer>) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get() {
            navigate(&format!("/customers/{id}"), Default::default());
        }
    });
}

#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveCustomer>::new();
    let error = action_error(save);
    go_to_file_after(save);
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().customers.new_customer.to_string()) />
        <ActionForm action=save attr:class="form grid-form card" attr:novalidate=true>
            <CustomerFields values=CustomerForm::default() error is_new=true />
            <FormActions pending=save.pending().into() cancel_href=Some("/customers".to_string()) />
        </ActionForm>
    }
}

#[component]
pub fn EditCustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = customer_id_param();
    let save = ServerAction::<SaveCustomer>::new();
    let error = action_error(save);
    go_to_file_after(save);
    let customer = Resource::new(move || id.get(), load_customer);
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().customers.edit_customer.to_string()) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match customer.await {
                    Ok(customer) if customer.can_edit => view! {
                        <ActionForm action=save attr:class="form grid-form card" attr:novalidate=true>
                            <CustomerFields values=CustomerForm::from_detail(&customer) error is_new=false />
                            {move || matches!(error.get(), Some(AppError::Conflict)).then(|| view! {
                                // The second editor reloads to see what the first one changed.
                                <a class="button" href=format!("/customers/{}/edit", customer.id) rel="external">{tr(|t| t.customers.reload_changes)}</a>
                            })}
                            <FormActions pending=save.pending().into() cancel_href=Some(format!("/customers/{}", customer.id)) />
                        </ActionForm>
                    }.into_any(),
                    Ok(_) => view! { <crate::ui::Forbidden /> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::ui::NotFoundPanel /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let id = customer_id_param();
    let log = ServerAction::<LogFollowUp>::new();
    let contact_saved = ServerAction::<SaveContact>::new();
    let contact_deleted = ServerAction::<DeleteContact>::new();
    let merged = ServerAction::<MergeCustomers>::new();
    let customer = Resource::new(
        move || {
            (
                id.get(),
                log.version().get(),
                contact_saved.version().get(),
                contact_deleted.version().get(),
                merged.version().get(),
            )
        },
        |(id, ..)| load_customer(id),
    );
    // Other features' panels start loading with the page, beside the customer itself.
    let panels = use_context::<FilePanels>().unwrap_or_default();
    let open = |slot: &[FilePanel]| slot.iter().map(|panel| panel(id)).collect::<Vec<_>>();
    let actions = FileActions {
        log,
        contact_saved,
        contact_deleted,
        merged,
        after_status: StoredValue::new(open(&panels.after_status)),
        before_timeline: StoredValue::new(open(&panels.before_timeline)),
    };
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match customer.await {
                    Ok(customer) => view! { <CustomerFile customer actions /> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::ui::NotFoundPanel /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
        <p><a href="/customers">{tr(|t| t.nav_customers)}</a></p>
    }
}

#[derive(Clone, Copy)]
struct FileActions {
    log: ServerAction<LogFollowUp>,
    contact_saved: ServerAction<SaveContact>,
    contact_deleted: ServerAction<DeleteContact>,
    merged: ServerAction<MergeCustomers>,
    after_status: StoredValue<Vec<ViewFn>>,
    before_timeline: StoredValue<Vec<ViewFn>>,
}

/// A panel another feature shows on the customer file (its deals, quotes, sales trend). It gets
/// the customer's id, starts what it loads, and returns the view to draw.
pub type FilePanel = fn(Memo<i64>) -> ViewFn;

/// The panels the composition (the app's router) puts on the customer file, by where they go;
/// customers names none of the features they come from.
#[derive(Clone, Default)]
pub struct FilePanels {
    pub after_status: Vec<FilePanel>,
    pub before_timeline: Vec<FilePanel>,
}

#[component]
fn CustomerFile(customer: CustomerDetail, actions: FileActions) -> impl IntoView {
    let i18n = use_i18n();
    let manages = use_context::<crate::auth::CurrentUser>().is_some_and(|u| u.role.leads_people());
    let info = move |label: Signal<String>, value: String| {
        (!value.is_empty())
            .then(|| view! { <div class="info"><dt>{label}</dt><dd>{value}</dd></div> })
    };
    let label =
        move |f: fn(&Texts) -> &'static str| Signal::derive(move || f(i18n.t()).to_string());
    let profile_section = |section: ProfileSection| {
        let entries: Vec<_> = customer
            .profile
            .iter()
            .filter(|(f, _)| f.section() == section)
            .cloned()
            .collect();
        entries
            .into_iter()
            .map(|(field, value)| {
                info(
                    Signal::derive(move || {
                        i18n.t().customers.profile_fields[field.index()].to_string()
                    }),
                    value,
                )
            })
            .collect_view()
    };
    let has_section =
        |section: ProfileSection| customer.profile.iter().any(|(f, _)| f.section() == section);
    let owner = customer.owner_name.clone();
    let source = customer.source;
    let created = customer.created_on;
    let first_order = customer.first_order_on;
    let can_edit = customer.can_edit;
    let section = move |section: ProfileSection, body: AnyView| {
        view! {
            <section class="card">
                <h2>{move || i18n.t().customers.profile_sections[section.index()]}</h2>
                <dl class="info-grid">{body}</dl>
            </section>
        }
    };
    let characteristics = has_section(ProfileSection::Characteristics).then(|| {
        section(
            ProfileSection::Characteristics,
            profile_section(ProfileSection::Characteristics).into_any(),
        )
    });
    let status = has_section(ProfileSection::BusinessStatus).then(|| {
        section(
            ProfileSection::BusinessStatus,
            profile_section(ProfileSection::BusinessStatus).into_any(),
        )
    });
    let basic_profile = profile_section(ProfileSection::Basic);
    // Each part is type-erased: one nested view type for the whole file overflows the compiler's
    // query depth in the wasm build.
    let header = view! {
        <header class="page-header customer-header">
            <h1 data-testid="customer-name">{customer.name.clone()}</h1>
            <StageBadge stage=customer.stage />
            <NewnessBadge is_new=customer.is_new />
            <crate::ui::AbcBadge class=customer.abc_class />
            {customer.tags.iter().cloned().map(|tag| view! { <span class="tag">{tag}</span> }).collect_view()}
            {can_edit.then(|| view! {
                <a class="button small" href=format!("/customers/{}/edit", customer.id) data-testid="edit-customer">{tr(|t| t.edit)}</a>
                <a class="button small" href=format!("/pipeline/new?customer={}", customer.id) data-testid="new-deal">{tr(|t| t.pipeline.new_deal)}</a>
            })}
        </header>
    }
    .into_any();
    let basic = view! {
        <section class="card">
            <h2>{tr(|t| t.customers.basic_data)}</h2>
            <dl class="info-grid">
                <div class="info">
                    <dt>{tr(|t| t.customers.owner)}</dt>
                    <dd data-testid="customer-owner">{move || owner.clone().unwrap_or_else(|| i18n.t().customers.no_owner.to_string())}</dd>
                </div>
                {info(label(|t| t.customers.short_name), customer.short_name.clone())}
                {info(label(|t| t.customers.phone), customer.phone.clone())}
                {info(label(|t| t.customers.address), customer.address())}
                {info(label(|t| t.customers.industry), customer.industry.clone())}
                {source.map(|s| view! { <div class="info"><dt>{tr(|t| t.customers.source)}</dt><dd>{move || i18n.t().customers.sources[s.index()]}</dd></div> })}
                {info(label(|t| t.customers.website), customer.website.clone())}
                {info(label(|t| t.customers.tax_id), customer.tax_id.clone())}
                {basic_profile}
                <div class="info"><dt>{tr(|t| t.customers.created_on)}</dt><dd>{move || format_date(created, i18n.locale.get())}</dd></div>
                {first_order.map(|d| view! { <div class="info"><dt>{tr(|t| t.customers.first_order_on)}</dt><dd>{move || format_date(d, i18n.locale.get())}</dd></div> })}
                {info(label(|t| t.customers.notes), customer.notes.clone())}
            </dl>
        </section>
    }
    .into_any();
    let contacts = view! { <Contacts customer_id=customer.id contacts=customer.contacts.clone() can_edit actions /> }.into_any();
    let follow_up = (customer.owner_id.is_some() && can_edit)
        .then(|| view! { <FollowUpForm customer_id=customer.id log=actions.log /> }.into_any());
    let merge = (manages && can_edit).then(|| view! { <MergeForm customer_id=customer.id version=customer.version merged=actions.merged /> }.into_any());
    let timeline = view! {
        <section class="card">
            <h2>{tr(|t| t.customers.timeline)}</h2>
            {if customer.timeline.is_empty() {
                view! { <p class="muted">{tr(|t| t.customers.no_timeline)}</p> }.into_any()
            } else {
                view! { <ol class="timeline" data-testid="timeline">{customer.timeline.into_iter().map(|entry| view! { <TimelineItem entry /> }).collect_view()}</ol> }.into_any()
            }}
        </section>
    }
    .into_any();
    view! {
        {header}
        {basic}
        {characteristics}
        {status}
        {actions.after_status.with_value(|panels| panels.iter().map(|panel| panel.run()).collect_view())}
        {contacts}
        {follow_up}
        {merge}
        {actions.before_timeline.with_value(|panels| panels.iter().map(|panel| panel.run()).collect_view())}
        {timeline}
    }
}

#[component]
fn Contacts(
    customer_id: i64,
    contacts: Vec<ContactView>,
    can_edit: bool,
    actions: FileActions,
) -> impl IntoView {
    let empty = contacts.is_empty();
    view! {
        <section class="card" data-testid="contacts">
            <h2>{tr(|t| t.customers.contacts)}</h2>
            {empty.then(|| view! { <p class="muted">{tr(|t| t.customers.no_contacts)}</p> })}
            <ul class="contact-list">
                {contacts.into_iter().map(|c| view! { <ContactItem customer_id contact=c can_edit actions /> }).collect_view()}
            </ul>
            {can_edit.then(|| view! {
                <details class="add-contact">
                    <summary class="button small">{tr(|t| t.customers.add_contact)}</summary>
                    <ContactFormView customer_id contact=None saved=actions.contact_saved />
                </details>
            })}
        </section>
    }
}

#[component]
fn ContactItem(
    customer_id: i64,
    contact: ContactView,
    can_edit: bool,
    actions: FileActions,
) -> impl IntoView {
    let i18n = use_i18n();
    let c = contact.clone();
    let line = |value: String, href: Option<String>| {
        (!value.is_empty()).then(|| match href {
            Some(href) => view! { <a href=href>{value}</a> }.into_any(),
            None => view! { <span>{value}</span> }.into_any(),
        })
    };
    let role = c.buying_role;
    let birthday = c.birthday;
    view! {
        <li class="contact">
            <div class="contact-head">
                <strong>{c.name.clone()}</strong>
                <span class="muted">{c.title.clone()}</span>
                {role.map(|r| view! { <span class="badge off">{move || i18n.t().customers.buying_roles[r.index()]}</span> })}
                {c.is_primary.then(|| view! { <span class="badge">{tr(|t| t.customers.primary_contact)}</span> })}
            </div>
            <div class="contact-meta">
                {line(c.phone.clone(), Some(format!("tel:{}", c.phone)))}
                {line(c.email.clone(), Some(format!("mailto:{}", c.email)))}
                {(!c.wechat.is_empty()).then(|| view! { <span>{tr(|t| t.customers.wechat)} ": " {c.wechat.clone()}</span> })}
                {birthday.map(|d| view! { <span>{tr(|t| t.customers.birthday)} ": " {move || format_date(d, i18n.locale.get())}</span> })}
                {line(c.interests.clone(), None)}
            </div>
            {can_edit.then(|| view! {
                <details class="edit-contact">
                    <summary class="button small subtle">{tr(|t| t.edit)}</summary>
                    <ContactFormView customer_id contact=Some(contact.clone()) saved=actions.contact_saved />
                    <ActionForm action=actions.contact_deleted attr:class="inline-form">
                        <input type="hidden" name="id" value=contact.id />
                        <button type="submit" class="button small danger">{tr(|t| t.customers.delete_contact)}</button>
                    </ActionForm>
                </details>
            })}
        </li>
    }
}

#[component]
fn ContactFormView(
    customer_id: i64,
    contact: Option<ContactView>,
    saved: ServerAction<SaveContact>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(saved);
    let c = contact.unwrap_or_default();
    let text = move |label: fn(&Texts) -> &'static str,
                     field: &'static str,
                     name: &'static str,
                     kind: &'static str,
                     value: String| {
        view! {
            <Field label error field>
                <input name=format!("form[{name}]") type=kind value=value aria-invalid=invalid(error, field) />
            </Field>
        }
    };
    let role = c.buying_role;
    let saved_id = if c.id > 0 {
        c.id.to_string()
    } else {
        String::new()
    };
    view! {
        <ActionForm action=saved attr:class="form grid-form" attr:novalidate=true>
            <input type="hidden" name="form[customer_id]" value=customer_id />
            <input type="hidden" name="form[id]" value=saved_id />
            {text(|t| t.customers.contact_name, "contact_name", "name", "text", c.name.clone())}
            {text(|t| t.customers.contact_title, "title", "title", "text", c.title.clone())}
            {text(|t| t.customers.phone, "contact_phone", "phone", "tel", c.phone.clone())}
            {text(|t| t.customers.email, "email", "email", "email", c.email.clone())}
            {text(|t| t.customers.wechat, "wechat", "wechat", "text", c.wechat.clone())}
            {text(|t| t.customers.birthday, "birthday", "birthday", "date", c.birthday.map(|d| d.to_string()).unwrap_or_default())}
            {text(|t| t.customers.interests, "interests", "interests", "text", c.interests.clone())}
            <Field label=|t| t.customers.buying_role error field="buying_role">
                <select name="form[buying_role]">
                    <option value="">{tr(|t| t.none_option)}</option>
                    {BuyingRole::ALL.iter().copied().map(|r| view! {
                        <option value=r.as_str() selected=role == Some(r)>{move || i18n.t().customers.buying_roles[r.index()]}</option>
                    }).collect_view()}
                </select>
            </Field>
            <label class="confirm plain">
                <input type="checkbox" name="form[is_primary]" checked=c.is_primary />
                {tr(|t| t.customers.primary_contact)}
            </label>
            <FormMessage error fields=&["contact_name", "title", "contact_phone", "email", "wechat", "birthday", "interests", "buying_role"] />
            <FormActions pending=saved.pending().into() />
        </ActionForm>
    }
}

#[component]
fn MergeForm(
    customer_id: i64,
    version: i32,
    merged: ServerAction<MergeCustomers>,
) -> impl IntoView {
    let error = action_error(merged);
    // The other file's version is read when the id is typed, so a file edited meanwhile is refused.
    // The other file's version and name, looked up when its id is typed (in the browser only, so
    // the server's HTML and the hydrated page agree: no resource, no Suspense).
    let found = RwSignal::new(None::<(String, String)>);
    // What the merge will move onto this file, shown before it is confirmed.
    let moving = RwSignal::new(None::<super::RecordCounts>);
    let look_up = move |raw: String| {
        found.set(None);
        moving.set(None);
        if let Ok(id) = raw.trim().parse::<i64>() {
            leptos::task::spawn_local(async move {
                found.set(
                    load_customer(id)
                        .await
                        .map(|c| (c.version.to_string(), c.name))
                        .ok(),
                );
                moving.set(super::api::merge_preview(id).await.ok());
            });
        }
    };
    let i18n = use_i18n();
    view! {
        <details class="card merge">
            <summary>{tr(|t| t.customers.merge)}</summary>
            <p class="muted">{tr(|t| t.customers.merge_hint)}</p>
            <ActionForm action=merged attr:class="form grid-form" attr:novalidate=true>
                <input type="hidden" name="form[keep_id]" value=customer_id />
                <input type="hidden" name="form[keep_version]" value=version />
                <Field label=|t| t.customers.merge_with error field="merge_id">
                    <input name="form[merge_id]" inputmode="numeric" on:change=move |ev| look_up(event_target_value(&ev)) aria-invalid=invalid(error, "merge_id") />
                </Field>
                <input type="hidden" name="form[merge_version]" prop:value=move || found.with(|f| f.as_ref().map(|(v, _)| v.clone()).unwrap_or_default()) />
                <p class="muted">{move || found.with(|f| f.as_ref().map(|(_, name)| name.clone()).unwrap_or_default())}</p>
                {move || moving.get().map(|m| view! { <p class="merge-preview" data-testid="merge-preview">{(i18n.t().customers.merge_moves)(&m)}</p> })}
                <FormMessage error fields=&["merge_id"] />
                <div class="form-actions"><button type="submit" class="button danger">{tr(|t| t.customers.merge_submit)}</button></div>
            </ActionForm>
        </details>
    }
}

#[component]
fn TimelineItem(entry: TimelineEntry) -> impl IntoView {
    let i18n = use_i18n();
    let date = entry.day;
    let who = entry.actor_name.unwrap_or_default();
    let (title, body) = match entry.kind {
        TimelineKind::FollowUp {
            kind,
            intent,
            next_date,
            next_action,
        } => {
            let next = next_date.map(|d| (d, next_action));
            (
                Signal::derive(move || {
                    let c = &i18n.t().customers;
                    format!(
                        "{} · {}",
                        c.follow_up_kinds[kind.index()],
                        c.intents[intent.index()]
                    )
                }),
                Some((entry.text, next)),
            )
        }
        TimelineKind::Event(event) => (
            Signal::derive(move || {
                let t = &i18n.t().customers;
                match &event {
                    // Stage changes are shown with the stage names and the reason in words.
                    CustomerEvent::Stage(change) => {
                        let stages = (t.stage_change)(
                            t.stages[change.from.index()],
                            t.stages[change.to.index()],
                        );
                        let stages = match &change.reason {
                            Some(reason) => format!(
                                "{stages}（{}）",
                                super::ladder::reason_text(i18n.t(), reason, i18n.locale.get())
                            ),
                            None => stages,
                        };
                        (t.stage_event)(&stages)
                    }
                    other => (t.event)(other),
                }
            }),
            None,
        ),
    };
    view! {
        <li class="timeline-item">
            <div class="timeline-head">
                <strong>{title}</strong>
                <span class="muted">{who} " · " {move || format_date(date, i18n.locale.get())}</span>
            </div>
            {body.map(|(text, next)| view! {
                <p>{text}</p>
                {next.map(|(date, action)| view! {
                    <p class="muted">{tr(|t| t.customers.next_date)} ": " {move || format_date(date, i18n.locale.get())} " " {action}</p>
                })}
            })}
        </li>
    }
}

/// Logging a follow-up; a check-in opens it prefilled with the visit's kind and purpose.
#[component]
pub fn FollowUpForm(
    customer_id: i64,
    log: ServerAction<LogFollowUp>,
    #[prop(optional)] kind: Option<FollowUpKind>,
    #[prop(optional)] summary: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(log);
    let form = NodeRef::<leptos::html::Form>::new();
    // A saved follow-up clears the form for the next one.
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (log.value().get(), form.get()) {
            form.reset();
        }
    });
    view! {
        <section class="card" id="follow-up">
            <h2>{tr(|t| t.customers.log_follow_up)}</h2>
            <ActionForm action=log node_ref=form attr:class="form grid-form" attr:novalidate=true>
                <input type="hidden" name="form[customer_id]" value=customer_id />
                <Field label=|t| t.customers.kind error field="kind">
                    <select name="form[kind]">
                        {FollowUpKind::ALL.iter().copied().map(|option| view! {
                            <option value=option.as_str() selected=Some(option) == kind>{move || i18n.t().customers.follow_up_kinds[option.index()]}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field label=|t| t.customers.intent error field="intent">
                    <select name="form[intent]">
                        {Intent::ALL.iter().copied().map(|intent| view! {
                            <option value=intent.as_str() selected=intent == Intent::Medium>{move || i18n.t().customers.intents[intent.index()]}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field label=|t| t.customers.summary error field="summary">
                    <input name="form[summary]" value=summary aria-invalid=invalid(error, "summary") />
                </Field>
                <Field label=|t| t.customers.next_date error field="next_date">
                    <input name="form[next_date]" type="date" aria-invalid=invalid(error, "next_date") />
                </Field>
                <Field label=|t| t.customers.next_action error field="next_action">
                    <input name="form[next_action]" aria-invalid=invalid(error, "next_action") />
                </Field>
                <FormMessage error fields=&["kind", "intent", "summary", "next_date", "next_action"] />
                <FormActions pending=log.pending().into() />
            </ActionForm>
        </section>
    }
}
