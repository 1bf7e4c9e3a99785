//! One customer's file: who may read and edit it, its detail and timeline, the checked form,
//! likely duplicates, saving the customer and its contacts.
use super::*;

/// New (first order within the rules' window) or old; None for a customer that never ordered.
pub(super) fn newness(
    c: &customer::Model,
    ladder_rules: &rules::LadderRules,
    today: chrono::NaiveDate,
) -> Option<bool> {
    c.first_order_on
        .map(|first| rules::is_new_customer(Some(first), ladder_rules, today))
}

pub(super) fn stage_of(c: &customer::Model) -> LadderStage {
    LadderStage::parse(&c.ladder_stage).unwrap_or(LadderStage::Target)
}

/// A customer the actor may see (or one in the pool); anything else is `NotFound`, so guessing
/// ids reveals nothing.
pub(crate) async fn find_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<customer::Model> {
    if let Some(found) = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
    {
        return Ok(found);
    }
    in_pool::<customer::Entity>()
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) fn may_edit(actor: &Actor, c: &customer::Model) -> bool {
    c.owner_id.is_some() || actor.role() == Role::Admin
}

/// Only the owner's side may change a customer: pool customers must be claimed first.
pub(crate) async fn find_owned_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<customer::Model> {
    let found = find_for(db, actor, id).await?;
    if !may_edit(actor, &found) {
        return Err(AppError::Forbidden);
    }
    Ok(found)
}

fn profile_of(c: &customer::Model) -> Vec<(ProfileField, String)> {
    let stored: BTreeMap<String, String> = serde_json::from_str(&c.profile).unwrap_or_default();
    ProfileField::ALL
        .iter()
        .filter_map(|&field| {
            stored
                .get(field.as_str())
                .filter(|v| !v.is_empty())
                .map(|v| (field, v.clone()))
        })
        .collect()
}

fn contact_view(p: contact::Model) -> ContactView {
    ContactView {
        id: p.id,
        buying_role: BuyingRole::parse(&p.buying_role),
        name: p.name,
        title: p.title,
        phone: p.phone,
        email: p.email,
        wechat: p.wechat,
        birthday: p.birthday,
        interests: p.interests,
        is_primary: p.is_primary,
    }
}

pub async fn detail(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<CustomerDetail> {
    let c = find_for(db, actor, id).await?;
    let contacts = contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(id))
        .order_by_desc(contact::Column::IsPrimary)
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await?;
    // The whole history stays with the customer, whoever wrote it.
    let follow_ups = across_owners::<follow_up::Entity>()
        .filter(follow_up::Column::CustomerId.eq(id))
        .order_by_desc(follow_up::Column::HappenedAt)
        .limit(200)
        .all(db)
        .await?;
    let events = customer_event::Entity::find()
        .filter(customer_event::Column::CustomerId.eq(id))
        .order_by_desc(customer_event::Column::At)
        .limit(200)
        .all(db)
        .await?;
    let people = names_of(
        db,
        follow_ups
            .iter()
            .map(|f| f.author_id)
            .chain(events.iter().filter_map(|e| e.actor_id))
            .chain(c.owner_id),
    )
    .await?;
    let mut timeline: Vec<TimelineEntry> = follow_ups
        .into_iter()
        .map(|f| TimelineEntry {
            at: f.happened_at,
            day: crate::clock::local_day(f.happened_at),
            actor_name: people.get(&f.author_id).cloned(),
            kind: TimelineKind::FollowUp {
                kind: FollowUpKind::parse(&f.kind).unwrap_or(FollowUpKind::Other),
                intent: Intent::parse(&f.intent).unwrap_or(Intent::None),
                next_date: f.next_date,
                next_action: f.next_action,
            },
            text: f.summary,
        })
        .chain(events.into_iter().map(|e| TimelineEntry {
            day: crate::clock::local_day(e.at),
            at: e.at,
            actor_name: e.actor_id.and_then(|id| people.get(&id).cloned()),
            kind: TimelineKind::Event(CustomerEvent::read(&e.kind, &e.detail)),
            text: String::new(),
        }))
        .collect();
    timeline.sort_by_key(|entry| std::cmp::Reverse(entry.at));
    let ladder_rules = super::ladder::service::rules(db).await?;
    Ok(CustomerDetail {
        is_new: newness(&c, &ladder_rules, crate::clock::today()),
        id: c.id,
        version: c.version,
        abc_class: c
            .abc_class
            .as_deref()
            .and_then(crate::domain::abc::AbcClass::parse),
        stage: stage_of(&c),
        tags: tags_of(&c),
        profile: profile_of(&c),
        can_edit: may_edit(actor, &c),
        owner_name: c.owner_id.and_then(|id| people.get(&id).cloned()),
        owner_id: c.owner_id,
        source: Source::parse(&c.source),
        first_order_on: c.first_order_on,
        created_on: crate::clock::local_day(c.created_at),
        name: c.name,
        short_name: c.short_name,
        phone: c.phone,
        tax_id: c.tax_id,
        province: c.province,
        city: c.city,
        district: c.district,
        street: c.street,
        website: c.website,
        industry: c.industry,
        notes: c.notes,
        contacts: contacts.into_iter().map(contact_view).collect(),
        timeline,
    })
}

#[derive(Clone)]
pub(crate) struct CheckedCustomer {
    name: String,
    short_name: String,
    phone: String,
    tax_id: String,
    province: String,
    city: String,
    district: String,
    street: String,
    website: String,
    industry: String,
    source: String,
    stage: LadderStage,
    stage_reason: String,
    tags: String,
    profile: String,
    notes: String,
}

pub(crate) fn check_customer(form: &CustomerForm) -> Result<CheckedCustomer, Vec<FieldError>> {
    let mut checks = Checks::default();
    let mut text = |field: &str, raw: &str, max: usize| {
        checks
            .check(field, forms::parse_optional_text(raw, max))
            .unwrap_or_default()
    };
    let short_name = text("short_name", &form.short_name, 50);
    let phone = text("phone", &form.phone, 40);
    let tax_id = text("tax_id", &form.tax_id, 30);
    let province = text("province", &form.province, 20);
    let city = text("city", &form.city, 20);
    let district = text("district", &form.district, 20);
    let street = text("street", &form.street, 100);
    let website = text("website", &form.website, 100);
    let industry = text("industry", &form.industry, 40);
    let notes = text("notes", &form.notes, 2000);
    let stage_reason = text("stage_reason", &form.stage_reason, 200);
    let mut profile = BTreeMap::new();
    for &field in ProfileField::ALL {
        let raw = form
            .profile
            .get(field.as_str())
            .map(String::as_str)
            .unwrap_or("");
        let value = text(field.as_str(), raw, ProfileField::MAX_CHARS);
        if !value.is_empty() {
            profile.insert(field.as_str(), value);
        }
    }
    let tags = rules::normalise_tags(&form.tags).join(",");
    if tags.chars().count() > 200 {
        checks.check::<()>("tags", Err(ErrorCode::TooLong { max: 200 }));
    }
    let source = if form.source.trim().is_empty() {
        Some(String::new())
    } else {
        checks
            .check("source", forms::parse_choice(&form.source, Source::parse))
            .map(|s| s.as_str().to_string())
    };
    let name = checks.check(
        "name",
        forms::parse_name(&form.name).and_then(|n| {
            if n.chars().count() < 2 {
                Err(ErrorCode::TooShort { min: 2 })
            } else {
                Ok(n)
            }
        }),
    );
    let stage = if form.stage.trim().is_empty() {
        Some(LadderStage::Target)
    } else {
        checks.check(
            "stage",
            forms::parse_choice(&form.stage, LadderStage::parse),
        )
    };
    checks.check(
        "contact_name",
        forms::parse_optional_text(&form.contact_name, 50),
    );
    checks.check(
        "contact_phone",
        forms::parse_optional_text(&form.contact_phone, 40),
    );
    checks.into_result()?;
    Ok(CheckedCustomer {
        name: name.unwrap_or_default(),
        stage: stage.unwrap_or(LadderStage::Target),
        source: source.unwrap_or_default(),
        profile: serde_json::to_string(&profile).unwrap_or_else(|_| "{}".into()),
        short_name,
        phone,
        tax_id,
        province,
        city,
        district,
        street,
        website,
        industry,
        tags,
        notes,
        stage_reason,
    })
}

/// Names of existing customers that look like this one (same normalised name, phone or tax id).
async fn likely_duplicates(
    db: &impl ConnectionTrait,
    checked: &CheckedCustomer,
    except: Option<i64>,
) -> AppResult<Vec<String>> {
    let mut any =
        Condition::any().add(customer::Column::NameKey.eq(rules::company_name_key(&checked.name)));
    let phone = rules::phone_key(&checked.phone);
    if phone.len() >= 7 {
        any = any.add(customer::Column::PhoneKey.eq(phone));
    }
    let tax = rules::tax_id_key(&checked.tax_id);
    if !tax.is_empty() {
        any = any.add(customer::Column::TaxKey.eq(tax));
    }
    let mut select = across_owners::<customer::Entity>().filter(any);
    if let Some(id) = except {
        select = select.filter(customer::Column::Id.ne(id));
    }
    Ok(select
        .limit(5)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect())
}

/// The columns a checked customer sets (everything but owner, version and creation), for the
/// form and for imports alike.
pub(crate) fn customer_columns(
    checked: &CheckedCustomer,
    now: chrono::DateTime<chrono::Utc>,
) -> customer::ActiveModel {
    let checked = checked.clone();
    customer::ActiveModel {
        name_key: Set(rules::company_name_key(&checked.name)),
        name_initials: Set(name_initials(&checked.name)),
        phone_key: Set(rules::phone_key(&checked.phone)),
        tax_key: Set(rules::tax_id_key(&checked.tax_id)),
        name: Set(checked.name.clone()),
        short_name: Set(checked.short_name),
        phone: Set(checked.phone),
        tax_id: Set(checked.tax_id),
        province: Set(checked.province),
        city: Set(checked.city),
        district: Set(checked.district),
        street: Set(checked.street),
        website: Set(checked.website),
        industry: Set(checked.industry),
        source: Set(checked.source),
        ladder_stage: Set(checked.stage.as_str().to_string()),
        tags: Set(checked.tags),
        profile: Set(checked.profile),
        notes: Set(checked.notes),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn save(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: CustomerForm,
) -> AppResult<i64> {
    let id = forms::parse_optional_id(&form.id).map_err(|_| AppError::NotFound)?;
    let existing = match id {
        Some(id) => Some(find_owned_for(db, actor, id).await?),
        None => None,
    };
    let checked = check_customer(&form).map_err(AppError::Validation)?;
    if form.confirm_duplicate != "yes" {
        let names = likely_duplicates(db, &checked, id).await?;
        if !names.is_empty() {
            return Err(AppError::field(
                "name",
                ErrorCode::PossibleDuplicate { names },
            ));
        }
    }
    let now = crate::clock::now();
    let mut row = customer_columns(&checked, now);
    let txn = crate::db::begin_write(db).await?;
    let id = match existing {
        None => {
            row.owner_id = Set(Some(actor.user.id));
            row.owned_since = Set(Some(now));
            row.created_at = Set(now);
            row.version = Set(1);
            let created = row.insert(&txn).await?;
            record_event(
                &txn,
                created.id,
                Some(actor.user.id),
                CustomerEvent::Created,
            )
            .await?;
            let contact_name = form.contact_name.trim();
            if !contact_name.is_empty() {
                contact::ActiveModel {
                    customer_id: Set(created.id),
                    name: Set(contact_name.to_string()),
                    phone: Set(form.contact_phone.trim().to_string()),
                    is_primary: Set(true),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            created.id
        }
        Some(before) => {
            let version = form
                .version
                .trim()
                .parse()
                .map_err(|_| AppError::Conflict)?;
            update_versioned::<customer::Entity>(
                &txn,
                row,
                (customer::Column::Id, before.id),
                (customer::Column::Version, version),
                "name",
            )
            .await?;
            let before_stage = stage_of(&before);
            if before_stage != checked.stage {
                let reason = (!checked.stage_reason.is_empty())
                    .then(|| rules::LadderReason::Note(checked.stage_reason.clone()));
                let change = rules::StageChange {
                    from: before_stage,
                    to: checked.stage,
                    reason,
                };
                record_event(
                    &txn,
                    before.id,
                    Some(actor.user.id),
                    CustomerEvent::Stage(change),
                )
                .await?;
            } else {
                record_event(&txn, before.id, Some(actor.user.id), CustomerEvent::Updated).await?;
            }
            before.id
        }
    };
    refresh_search_text(&txn, id).await?;
    txn.commit().await?;
    Ok(id)
}

/// Adds or edits a contact of a customer the actor may change; one primary contact at most.
pub async fn save_contact(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: ContactForm,
) -> AppResult<i64> {
    let customer_id: i64 = form
        .customer_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    find_owned_for(db, actor, customer_id).await?;
    let existing = match forms::parse_optional_id(&form.id).map_err(|_| AppError::NotFound)? {
        Some(id) => Some(
            contact::Entity::find()
                .filter(contact::Column::Id.eq(id))
                .filter(contact::Column::CustomerId.eq(customer_id))
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let mut checks = Checks::default();
    let name = checks.check("contact_name", forms::parse_name(&form.name));
    let mut text = |field: &str, raw: &str, max: usize| {
        checks
            .check(field, forms::parse_optional_text(raw, max))
            .unwrap_or_default()
    };
    let title = text("title", &form.title, 50);
    let phone = text("contact_phone", &form.phone, 40);
    let email = text("email", &form.email, 100);
    let wechat = text("wechat", &form.wechat, 50);
    let interests = text("interests", &form.interests, 200);
    if !email.is_empty() && !forms::looks_like_email(&email) {
        checks.check::<()>("email", Err(ErrorCode::InvalidEmail));
    }
    let birthday = checks
        .check("birthday", forms::parse_optional_date(&form.birthday))
        .flatten();
    let buying_role = if form.buying_role.trim().is_empty() {
        Some(String::new())
    } else {
        checks
            .check(
                "buying_role",
                forms::parse_choice(&form.buying_role, BuyingRole::parse),
            )
            .map(|r| r.as_str().to_string())
    };
    checks.into_result().map_err(AppError::Validation)?;
    let is_primary = form.is_primary == "on" || form.is_primary == "true";
    let txn = crate::db::begin_write(db).await?;
    if is_primary {
        contact::Entity::update_many()
            .col_expr(contact::Column::IsPrimary, Expr::value(false))
            .filter(contact::Column::CustomerId.eq(customer_id))
            .exec(&txn)
            .await?;
    }
    let name = name.unwrap_or_default();
    let row = contact::ActiveModel {
        customer_id: Set(customer_id),
        name: Set(name.clone()),
        title: Set(title),
        phone: Set(phone),
        email: Set(email),
        wechat: Set(wechat),
        birthday: Set(birthday),
        interests: Set(interests),
        buying_role: Set(buying_role.unwrap_or_default()),
        is_primary: Set(is_primary),
        ..Default::default()
    };
    let id = match existing {
        Some(before) => {
            contact::Entity::update_many()
                .set(row)
                .filter(contact::Column::Id.eq(before.id))
                .exec(&txn)
                .await?;
            before.id
        }
        None => {
            let mut row = row;
            row.created_at = Set(crate::clock::now());
            let created = row.insert(&txn).await?;
            record_event(
                &txn,
                customer_id,
                Some(actor.user.id),
                CustomerEvent::ContactAdded(name),
            )
            .await?;
            created.id
        }
    };
    touch_customer(&txn, customer_id).await?;
    refresh_search_text(&txn, customer_id).await?;
    txn.commit().await?;
    Ok(id)
}

pub async fn delete_contact(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    contact_id: i64,
) -> AppResult<()> {
    let found = contact::Entity::find()
        .filter(contact::Column::Id.eq(contact_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_owned_for(db, actor, found.customer_id).await?;
    let txn = crate::db::begin_write(db).await?;
    // Follow-ups keep their text; they only lose the link to the person.
    follow_up::Entity::update_many()
        .col_expr(
            follow_up::Column::ContactId,
            Expr::value(Option::<i64>::None),
        )
        .filter(follow_up::Column::ContactId.eq(contact_id))
        .exec(&txn)
        .await?;
    contact::Entity::delete_many()
        .filter(contact::Column::Id.eq(contact_id))
        .exec(&txn)
        .await?;
    record_event(
        &txn,
        found.customer_id,
        Some(actor.user.id),
        CustomerEvent::ContactRemoved(found.name),
    )
    .await?;
    touch_customer(&txn, found.customer_id).await?;
    refresh_search_text(&txn, found.customer_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Contact changes bump the customer's version, so an open edit form notices them.
async fn touch_customer(db: &impl ConnectionTrait, customer_id: i64) -> AppResult<()> {
    customer::Entity::update_many()
        .col_expr(
            customer::Column::UpdatedAt,
            Expr::value(crate::clock::now()),
        )
        .col_expr(
            customer::Column::Version,
            Expr::col(customer::Column::Version).add(1),
        )
        .filter(customer::Column::Id.eq(customer_id))
        .exec(db)
        .await?;
    Ok(())
}
