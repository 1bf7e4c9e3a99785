//! One rep's day as the page shows it: plan, stops, visits, costs, report and figures.
use super::*;

/// One owner's count and sum of `amount` on `day`, and the sum from the month's first day to `day`,
/// in one grouped query through the viewer's scope.
async fn day_and_month<E: crate::auth::scope::Owned>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owner: i64,
    on: E::Column,
    amount: E::Column,
    day: NaiveDate,
) -> AppResult<[i64; 3]> {
    let month_first = day.with_day(1).unwrap_or(day);
    let on_day = || Expr::col(on).eq(day);
    let figures = vec![
        sum_as_bigint(Expr::case(on_day(), 1).finally(0)),
        sum_as_bigint(Expr::case(on_day(), Expr::col(amount)).finally(0)),
        sum_as_bigint(Expr::col(amount)),
    ];
    let select = visible::<E>(&actor.scope())
        .filter(E::owner_column().eq(owner))
        .filter(on.between(month_first, day));
    let values = per_owner(db, select, figures).await?;
    Ok(values
        .get(&owner)
        .map(|v| [v[0], v[1], v[2]])
        .unwrap_or_default())
}

async fn day_figures(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owner: i64,
    day: NaiveDate,
    stops: &[visit_stop::Model],
    visits: &[check_in::Model],
    cost_fen: i64,
) -> AppResult<DayFigures> {
    let scope = actor.scope();
    let done: std::collections::HashSet<i64> = visits.iter().filter_map(|v| v.stop_id).collect();
    let (start, end) = (start_of_day(day), start_of_day(day + Duration::days(1)));
    let follow_ups = visible::<follow_up::Entity>(&scope)
        .filter(follow_up::Column::AuthorId.eq(owner))
        .filter(follow_up::Column::HappenedAt.gte(start))
        .filter(follow_up::Column::HappenedAt.lt(end));
    let complaint = Expr::case(
        follow_up::Column::Kind.eq(FollowUpKind::Complaint.as_str()),
        1,
    )
    .finally(0);
    let counted = per_owner(
        db,
        follow_ups,
        vec![Expr::val(1).count(), sum_as_bigint(complaint)],
    )
    .await?;
    let (follow_up_count, complaints) = counted
        .get(&owner)
        .map(|v| (v[0], v[1]))
        .unwrap_or_default();
    let [orders, sales_fen, month_sales_fen] = day_and_month::<sales_order::Entity>(
        db,
        actor,
        owner,
        sales_order::Column::OrderedOn,
        sales_order::Column::AmountFen,
        day,
    )
    .await?;
    let [_, payments_fen, month_payments_fen] = day_and_month::<payment::Entity>(
        db,
        actor,
        owner,
        payment::Column::ReceivedOn,
        payment::Column::AmountFen,
        day,
    )
    .await?;
    let targets =
        crate::targets::month_targets(db, owner, day, &[Metric::Sales, Metric::Collections])
            .await?;
    let (month_sales_target_fen, month_payments_target_fen) = (targets[0], targets[1]);
    Ok(DayFigures {
        planned: stops.len() as i64,
        planned_done: stops.iter().filter(|s| done.contains(&s.id)).count() as i64,
        visits: visits.len() as i64,
        follow_ups: follow_up_count,
        complaints_handled: complaints,
        orders,
        sales_fen,
        payments_fen,
        cost_fen,
        day_sales_target_fen: month_sales_target_fen.map(|t| day_target(t, day)),
        month_sales_fen,
        month_sales_target_fen,
        month_payments_fen,
        month_payments_target_fen,
    })
}

/// Customers to add to a plan: a search through the rep's customers (or the lead pool), or
/// without one their customers seen least recently.
async fn candidates(
    db: &impl ConnectionTrait,
    actor: &Actor,
    search: &str,
    pool: bool,
    planned: &[i64],
) -> AppResult<Vec<Candidate>> {
    let filter = CustomerFilter {
        q: search.trim().to_string(),
        view: if pool { "pool".into() } else { String::new() },
        owner: if pool {
            String::new()
        } else {
            actor.user.id.to_string()
        },
        sort: if search.trim().is_empty() {
            CustomerSort::Neglected.as_str().into()
        } else {
            String::new()
        },
        ..Default::default()
    };
    let page = crate::customers::list(db, actor, &filter).await?;
    Ok(page
        .rows
        .into_iter()
        .filter(|row| !planned.contains(&row.id))
        .take(CANDIDATES)
        .map(|row| Candidate {
            id: row.id,
            name: row.name,
            place: row.city,
            in_pool: row.owner_name.is_none(),
        })
        .collect())
}

// The day's four filters come straight from the page's query string; the clock's two readings
// are passed so tests can set them.
#[allow(clippy::too_many_arguments)]
pub async fn field_day(
    db: &impl ConnectionTrait,
    actor: &Actor,
    day: &str,
    rep: &str,
    search: &str,
    pool: bool,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<FieldDay> {
    let day = parse_day(day, today)?;
    let owner = person(db, actor, rep).await?;
    let rules = load_setting::<FieldRules>(db, RULES_KEY).await?.0;
    let plan_row = sheet_of(db, SheetKind::Plan, owner.id, day).await?;
    let report_row = sheet_of(db, SheetKind::Report, owner.id, day).await?;
    let stops = match &plan_row {
        Some(plan) => stops_of(db, plan.id).await?,
        None => Vec::new(),
    };
    let visits = visible::<check_in::Entity>(&actor.scope())
        .filter(check_in::Column::OwnerId.eq(owner.id))
        .filter(check_in::Column::Day.eq(day))
        .order_by_asc(check_in::Column::At)
        .all(db)
        .await?;
    let expenses = visible::<field_expense::Entity>(&actor.scope())
        .filter(field_expense::Column::OwnerId.eq(owner.id))
        .filter(field_expense::Column::Day.eq(day))
        .order_by_asc(field_expense::Column::Id)
        .all(db)
        .await?;
    let customer_ids = stops
        .iter()
        .map(|s| s.customer_id)
        .chain(visits.iter().map(|v| v.customer_id))
        .chain(expenses.iter().filter_map(|e| e.customer_id))
        .collect();
    let customers = customers_by_id(db, customer_ids).await?;
    let name = |id: i64| {
        customers
            .get(&id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };

    // The visit's result: the last follow-up the rep logged for that customer that day.
    let (start, end) = (start_of_day(day), start_of_day(day + Duration::days(1)));
    let results: HashMap<i64, follow_up::Model> = visible::<follow_up::Entity>(&actor.scope())
        .filter(follow_up::Column::AuthorId.eq(owner.id))
        .filter(follow_up::Column::CustomerId.is_in(visits.iter().map(|v| v.customer_id)))
        .filter(follow_up::Column::HappenedAt.gte(start))
        .filter(follow_up::Column::HappenedAt.lt(end))
        .order_by_asc(follow_up::Column::HappenedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.customer_id, f))
        .collect();
    let checked: HashMap<i64, String> = visits
        .iter()
        .filter_map(|v| Some((v.stop_id?, clock(v.at))))
        .collect();
    let suggested = suggestion(&stops, &customers);
    let in_order: Vec<i64> = stops.iter().map(|s| s.id).collect();
    let figures = day_figures(
        db,
        actor,
        owner.id,
        day,
        &stops,
        &visits,
        expenses.iter().map(|e| e.amount_fen).sum(),
    )
    .await?;
    let mine = owner.id == actor.user.id;
    let plan = state_or_blank(db, plan_row.as_ref(), &rules, now, day, SheetKind::Plan).await?;
    let candidates = if mine && plan.editable() && day >= today {
        candidates(
            db,
            actor,
            search,
            pool,
            &stops.iter().map(|s| s.customer_id).collect::<Vec<_>>(),
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(FieldDay {
        day,
        today,
        owner_id: owner.id,
        owner_name: owner.display_name.clone(),
        mine,
        can_review: leads(actor, &owner),
        area: plan_row
            .as_ref()
            .map(|p| p.area.clone())
            .unwrap_or_default(),
        plan,
        stops: stops
            .iter()
            .map(|s| StopView {
                id: s.id,
                customer_id: s.customer_id,
                customer_name: name(s.customer_id),
                district: customers.get(&s.customer_id).map(place).unwrap_or_default(),
                time_slot: s.time_slot.clone(),
                purpose: VisitPurpose::parse(&s.purpose).unwrap_or(VisitPurpose::Other),
                note: s.note.clone(),
                checked_in_at: checked.get(&s.id).cloned(),
            })
            .collect(),
        suggested: if suggested == in_order {
            Vec::new()
        } else {
            suggested
        },
        visits: visits
            .iter()
            .map(|v| VisitView {
                id: v.id,
                customer_id: v.customer_id,
                customer_name: name(v.customer_id),
                at: clock(v.at),
                planned: v.stop_id.is_some(),
                located: v.latitude_e6.is_some(),
                in_pool: customers
                    .get(&v.customer_id)
                    .is_some_and(|c| c.owner_id.is_none()),
                result: results.get(&v.customer_id).map(|f| {
                    (
                        f.summary.clone(),
                        crate::domain::customer::Intent::parse(&f.intent)
                            .unwrap_or(crate::domain::customer::Intent::None),
                    )
                }),
            })
            .collect(),
        report: state_or_blank(db, report_row.as_ref(), &rules, now, day, SheetKind::Report)
            .await?,
        report_fields: report_row
            .as_ref()
            .map(|r| ReportFields {
                attendance: Attendance::parse(&r.attendance),
                complaints: r.complaints.clone(),
                competitors: r.competitors.clone(),
                feedback: r.feedback.clone(),
                lessons: r.lessons.clone(),
            })
            .unwrap_or_default(),
        figures,
        expenses: expenses
            .iter()
            .map(|e| ExpenseView {
                id: e.id,
                kind: ExpenseKind::parse(&e.kind).unwrap_or(ExpenseKind::Other),
                amount_fen: e.amount_fen,
                customer_name: e.customer_id.map(name),
                note: e.note.clone(),
            })
            .collect(),
        candidates,
        search: search.trim().to_string(),
        due_time: crate::domain::fieldwork::clock_text(rules.report_due_minutes),
    })
}

/// A sheet with nothing written yet.
pub fn new_sheet(
    kind: SheetKind,
    owner_id: i64,
    day: NaiveDate,
    status: SheetStatus,
    at: DateTime<Utc>,
) -> day_sheet::ActiveModel {
    day_sheet::ActiveModel {
        kind: Set(kind.as_str().into()),
        owner_id: Set(owner_id),
        day: Set(day),
        status: Set(status.as_str().into()),
        version: Set(1),
        area: Set(String::new()),
        attendance: Set(String::new()),
        complaints: Set(String::new()),
        competitors: Set(String::new()),
        feedback: Set(String::new()),
        lessons: Set(String::new()),
        submitted_at: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_comment: Set(String::new()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
}
