//! Follow-ups: checking and logging them, and the agenda of next steps they leave.
use super::*;

/// A follow-up form's values, checked.
pub struct CheckedFollowUp {
    pub kind: FollowUpKind,
    pub summary: String,
    pub intent: Intent,
    pub next_date: Option<chrono::NaiveDate>,
    pub next_action: String,
}

pub fn check_follow_up(
    form: &FollowUpForm,
) -> Result<CheckedFollowUp, Vec<crate::domain::forms::FieldError>> {
    let mut checks = Checks::default();
    let kind = checks.check("kind", forms::parse_choice(&form.kind, FollowUpKind::parse));
    let summary = checks.check(
        "summary",
        forms::parse_optional_text(&form.summary, 2000).and_then(|s| {
            if s.is_empty() {
                Err(ErrorCode::Required)
            } else {
                Ok(s)
            }
        }),
    );
    let intent = checks.check("intent", forms::parse_choice(&form.intent, Intent::parse));
    let next_date = checks
        .check("next_date", forms::parse_optional_date(&form.next_date))
        .flatten();
    let next_action = checks
        .check(
            "next_action",
            forms::parse_optional_text(&form.next_action, 200),
        )
        .unwrap_or_default();
    checks.into_result()?;
    Ok(CheckedFollowUp {
        kind: kind.unwrap_or(FollowUpKind::Other),
        summary: summary.unwrap_or_default(),
        intent: intent.unwrap_or(Intent::None),
        next_date,
        next_action,
    })
}

pub async fn log_follow_up(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: FollowUpForm,
) -> AppResult<i64> {
    let customer_id: i64 = form
        .customer_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let customer = find_owned_for(db, actor, customer_id).await?;
    let checked = check_follow_up(&form).map_err(AppError::Validation)?;
    let txn = crate::db::begin_write(db).await?;
    let created =
        insert_follow_up(&txn, &customer, actor.user.id, checked, crate::clock::now()).await?;
    txn.commit().await?;
    Ok(created.id)
}

/// Stores a follow-up by `author_id` that happened at `happened_at` (now, or earlier for an
/// imported history). It settles the author's open next steps on this customer planned before it.
pub async fn insert_follow_up(
    txn: &impl ConnectionTrait,
    customer: &customer::Model,
    author_id: i64,
    checked: CheckedFollowUp,
    happened_at: chrono::DateTime<chrono::Utc>,
) -> AppResult<follow_up::Model> {
    follow_up::Entity::update_many()
        .col_expr(follow_up::Column::NextDone, Expr::value(true))
        .filter(follow_up::Column::CustomerId.eq(customer.id))
        .filter(follow_up::Column::AuthorId.eq(author_id))
        .filter(follow_up::Column::NextDone.eq(false))
        .filter(follow_up::Column::HappenedAt.lte(happened_at))
        .exec(txn)
        .await?;
    let created = follow_up::ActiveModel {
        customer_id: Set(customer.id),
        author_id: Set(author_id),
        kind: Set(checked.kind.as_str().to_string()),
        contact_id: Set(None),
        summary: Set(checked.summary),
        intent: Set(checked.intent.as_str().to_string()),
        next_done: Set(checked.next_date.is_none()),
        next_date: Set(checked.next_date),
        next_action: Set(checked.next_action),
        happened_at: Set(happened_at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let now = crate::clock::now();
    let mut touch =
        customer::Entity::update_many().col_expr(customer::Column::UpdatedAt, Expr::value(now));
    // The lead pool's clock counts from the owner's latest follow-up, never moved backwards.
    if customer.owner_id == Some(author_id)
        && customer
            .last_follow_up_at
            .is_none_or(|last| last < happened_at)
    {
        touch = touch.col_expr(customer::Column::LastFollowUpAt, Expr::value(happened_at));
    }
    touch
        .filter(customer::Column::Id.eq(customer.id))
        .exec(txn)
        .await?;
    Ok(created)
}

/// One follow-up of a history brought in from elsewhere (an import), checked.
pub struct PastFollowUp {
    pub customer_id: i64,
    /// The customer's owner: only the owner's follow-ups restart the lead pool's clock.
    pub owner_id: Option<i64>,
    pub author_id: i64,
    pub checked: CheckedFollowUp,
    pub happened_at: chrono::DateTime<chrono::Utc>,
}

/// Stores a history of follow-ups in the caller's transaction with what logging them one by one
/// in this order through [`insert_follow_up`] would leave, in a few statements per customer
/// rather than three per follow-up, so a long history holds the writer's turn briefly.
pub async fn insert_follow_ups(
    txn: &impl ConnectionTrait,
    history: Vec<PastFollowUp>,
) -> AppResult<()> {
    let entries: Vec<((i64, i64), chrono::DateTime<chrono::Utc>, bool)> = history
        .iter()
        .map(|f| {
            (
                (f.customer_id, f.author_id),
                f.happened_at,
                f.checked.next_date.is_some(),
            )
        })
        .collect();
    let settled = crate::domain::customer::settled_next_steps(&entries);
    // The stored open steps each author's latest imported follow-up settles.
    let mut latest: HashMap<(i64, i64), chrono::DateTime<chrono::Utc>> = HashMap::new();
    let mut owners_latest: HashMap<i64, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for f in &history {
        let at = latest
            .entry((f.customer_id, f.author_id))
            .or_insert(f.happened_at);
        *at = Ord::max(*at, f.happened_at);
        if f.owner_id == Some(f.author_id) {
            let at = owners_latest.entry(f.customer_id).or_insert(f.happened_at);
            *at = Ord::max(*at, f.happened_at);
        }
    }
    for (&(customer_id, author_id), &at) in &latest {
        follow_up::Entity::update_many()
            .col_expr(follow_up::Column::NextDone, Expr::value(true))
            .filter(follow_up::Column::CustomerId.eq(customer_id))
            .filter(follow_up::Column::AuthorId.eq(author_id))
            .filter(follow_up::Column::NextDone.eq(false))
            .filter(follow_up::Column::HappenedAt.lte(at))
            .exec(txn)
            .await?;
    }
    let customers: Vec<i64> = {
        let mut ids: Vec<i64> = latest.keys().map(|(customer, _)| *customer).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let rows = history
        .into_iter()
        .zip(settled)
        .map(|(f, settled)| follow_up::ActiveModel {
            customer_id: Set(f.customer_id),
            author_id: Set(f.author_id),
            kind: Set(f.checked.kind.as_str().to_string()),
            contact_id: Set(None),
            summary: Set(f.checked.summary),
            intent: Set(f.checked.intent.as_str().to_string()),
            next_done: Set(settled),
            next_date: Set(f.checked.next_date),
            next_action: Set(f.checked.next_action),
            happened_at: Set(f.happened_at),
            ..Default::default()
        })
        .collect();
    crate::db::insert_in_chunks(txn, rows, 10).await?;
    let now = crate::clock::now();
    for chunk in customers.chunks(10_000) {
        customer::Entity::update_many()
            .col_expr(customer::Column::UpdatedAt, Expr::value(now))
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    // The lead pool's clock counts from the owner's latest follow-up, never moved backwards.
    for (customer_id, at) in owners_latest {
        customer::Entity::update_many()
            .col_expr(customer::Column::LastFollowUpAt, Expr::value(at))
            .filter(customer::Column::Id.eq(customer_id))
            .filter(
                sea_orm::Condition::any()
                    .add(customer::Column::LastFollowUpAt.is_null())
                    .add(customer::Column::LastFollowUpAt.lt(at)),
            )
            .exec(txn)
            .await?;
    }
    Ok(())
}

pub async fn agenda(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: chrono::NaiveDate,
) -> AppResult<Agenda> {
    let horizon = today + chrono::Duration::days(7);
    let mut select = visible::<follow_up::Entity>(&actor.scope())
        .filter(follow_up::Column::NextDone.eq(false))
        .filter(follow_up::Column::NextDate.lte(horizon));
    if actor.role() == Role::Rep {
        select = select.filter(follow_up::Column::AuthorId.eq(actor.user.id));
    }
    let items = select
        .order_by_asc(follow_up::Column::NextDate)
        .limit(500)
        .all(db)
        .await?;
    let customer_names: HashMap<i64, String> = across_owners::<customer::Entity>()
        .filter(customer::Column::Id.is_in(items.iter().map(|f| f.customer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let authors = names_of(db, items.iter().map(|f| f.author_id)).await?;
    let mut agenda = Agenda::default();
    for f in items {
        let Some(next_date) = f.next_date else {
            continue;
        };
        let item = AgendaItem {
            follow_up_id: f.id,
            customer_id: f.customer_id,
            customer_name: customer_names
                .get(&f.customer_id)
                .cloned()
                .unwrap_or_default(),
            next_date,
            next_action: f.next_action,
            author_name: authors.get(&f.author_id).cloned().unwrap_or_default(),
        };
        match next_date.cmp(&today) {
            std::cmp::Ordering::Less => agenda.overdue.push(item),
            std::cmp::Ordering::Equal => agenda.today.push(item),
            std::cmp::Ordering::Greater => agenda.upcoming.push(item),
        }
    }
    Ok(agenda)
}
