//! The manager's views: the team's day, field rules, and efficiency over a period.
use super::*;

/// People whose field work the actor follows: everyone they lead who sells, themselves excluded.
async fn led_people(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<user::Model>> {
    let mut people: Vec<user::Model> = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|u| u.id != actor.user.id && matches!(u.role(), Role::Rep | Role::Manager))
        .collect();
    people.sort_by(|a, b| {
        a.team_id
            .cmp(&b.team_id)
            .then(a.display_name.cmp(&b.display_name))
            .then(a.id.cmp(&b.id))
    });
    Ok(people)
}

pub async fn team_day(
    db: &impl ConnectionTrait,
    actor: &Actor,
    day: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<TeamDay> {
    actor.require(&Role::LEADERS)?;
    let day = parse_day(day, today)?;
    let (rules, rules_version) = load_setting::<FieldRules>(db, RULES_KEY).await?;
    let people = led_people(db, actor).await?;
    let sheets = visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Day.eq(day))
        .all(db)
        .await?;
    let states = sheet_states(db, &sheets.iter().collect::<Vec<_>>(), &rules, now).await?;
    let plan_ids: Vec<i64> = sheets
        .iter()
        .filter(|s| s.kind == SheetKind::Plan.as_str())
        .map(|s| s.id)
        .collect();
    let stop_counts: HashMap<i64, i64> = visit_stop::Entity::find()
        .select_only()
        .column(visit_stop::Column::SheetId)
        .column_as(visit_stop::Column::Id.count(), "n")
        .filter(visit_stop::Column::SheetId.is_in(plan_ids))
        .group_by(visit_stop::Column::SheetId)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let visits = per_owner(
        db,
        visible::<check_in::Entity>(&actor.scope()).filter(check_in::Column::Day.eq(day)),
        vec![Expr::val(1).count()],
    )
    .await?;
    let teams = crate::auth::team_names(db).await?;
    let sheet = |owner: i64, kind: SheetKind| {
        sheets
            .iter()
            .find(|s| s.owner_id == owner && s.kind == kind.as_str())
    };
    let rows = people
        .into_iter()
        .map(|person| {
            let plan = sheet(person.id, SheetKind::Plan);
            let report = sheet(person.id, SheetKind::Report);
            TeamDayRow {
                user_id: person.id,
                name: person.display_name.clone(),
                team_name: person.team_id.and_then(|t| teams.get(&t).cloned()),
                planned: plan
                    .and_then(|p| stop_counts.get(&p.id))
                    .copied()
                    .unwrap_or(0),
                plan: plan
                    .and_then(|p| states.get(&p.id).cloned())
                    .unwrap_or_else(SheetState::blank),
                visits: visits.get(&person.id).map(|v| v[0]).unwrap_or(0),
                report: report
                    .and_then(|r| states.get(&r.id).cloned())
                    .unwrap_or_else(|| missing_report(day, &rules, now)),
            }
        })
        .collect();
    Ok(TeamDay {
        day,
        today,
        rows,
        rules,
        rules_version,
        can_edit_rules: actor.role() == Role::Admin,
    })
}

pub async fn save_rules(
    db: &impl ConnectionTrait,
    actor: &Actor,
    form: &FieldRulesForm,
) -> AppResult<()> {
    actor.require(&[Role::Admin])?;
    let due = parse_clock(&form.report_due)
        .ok_or_else(|| AppError::field("report_due", ErrorCode::InvalidTime))?;
    let version = parse_version(&form.version)?;
    save_setting(
        db,
        RULES_KEY,
        &FieldRules {
            report_due_minutes: due,
        },
        version,
        actor.user.id,
    )
    .await
}

/// Field figures per person over a period, and summed by week or month: every source is one query
/// grouped by person and day under the viewer's scope; the people, filters and definitions of
/// orders, sales and new customers are the leaderboard's.
pub async fn efficiency(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
) -> AppResult<Efficiency> {
    let mut query = query.clone();
    if query.from.is_empty() && query.to.is_empty() {
        // Managers follow the week, directors the month.
        let from = match actor.role() {
            Role::Rep | Role::Manager => {
                today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
            }
            Role::Director | Role::Admin => today.with_day(1).unwrap_or(today),
        };
        query.from = from.to_string();
        query.to = today.to_string();
    }
    let board = crate::analytics::performance::rep_performance(db, actor, &query, today).await?;
    let (from, to) = (board.from, board.to);
    let people: Vec<i64> = board.rows.iter().map(|r| r.user_id).collect();
    let days = field_days(db, actor, &people, from, to).await?;
    let sum = |keep: &dyn Fn(i64, NaiveDate) -> bool| {
        let mut figures = FieldFigures::default();
        for ((owner, day), f) in &days {
            if keep(*owner, *day) {
                figures += *f;
            }
        }
        figures
    };
    let rows = board
        .rows
        .into_iter()
        .map(|row| EfficiencyRow {
            figures: sum(&|owner, _| owner == row.user_id),
            user_id: row.user_id,
            name: row.name,
            team_name: row.team_name,
        })
        .collect();
    let monthly = matches!(actor.role(), Role::Director | Role::Admin);
    let roll_up = roll_up_periods(from, to, monthly)
        .into_iter()
        .map(|(first, last)| RollUpRow {
            first,
            last,
            figures: sum(&|_, day| (first..=last).contains(&day)),
        })
        .collect();
    Ok(Efficiency {
        from,
        to,
        total: sum(&|_, _| true),
        rows,
        monthly,
        roll_up,
    })
}

/// Each person's field figures per day of the period.
async fn field_days(
    db: &impl ConnectionTrait,
    actor: &Actor,
    people: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<HashMap<(i64, NaiveDate), FieldFigures>> {
    let scope = actor.scope();
    let mut days: HashMap<(i64, NaiveDate), FieldFigures> = HashMap::new();
    let mut apply = |rows: Vec<((i64, NaiveDate), Vec<i64>)>,
                     set: fn(&mut FieldFigures, &[i64])| {
        for (key, values) in rows {
            set(days.entry(key).or_default(), &values);
        }
    };
    // COUNT(DISTINCT stop_id) leaves out unplanned check-ins (no stop).
    let check_ins = visible::<check_in::Entity>(&scope)
        .filter(check_in::Column::Day.between(from, to))
        .filter(check_in::Column::OwnerId.is_in(people.to_vec()));
    let keys = vec![check_in::Column::OwnerId, check_in::Column::Day];
    apply(
        grouped_by(
            db,
            check_ins,
            keys,
            vec![
                Expr::val(1).count(),
                Expr::col(check_in::Column::StopId).count_distinct(),
            ],
        )
        .await?,
        |f, v| (f.days, f.visits, f.planned_done) = (1, v[0], v[1]),
    );
    let keys = vec![day_sheet::Column::OwnerId, day_sheet::Column::Day];
    apply(
        grouped_by(
            db,
            planned_stops(actor, people, from, to),
            keys,
            vec![Expr::col((visit_stop::Entity, visit_stop::Column::Id)).count()],
        )
        .await?,
        |f, v| f.planned_visits = v[0],
    );
    let costs = visible::<field_expense::Entity>(&scope)
        .filter(field_expense::Column::Day.between(from, to))
        .filter(field_expense::Column::OwnerId.is_in(people.to_vec()));
    let keys = vec![field_expense::Column::OwnerId, field_expense::Column::Day];
    apply(
        grouped_by(
            db,
            costs,
            keys,
            vec![sum_as_bigint(Expr::col(field_expense::Column::AmountFen))],
        )
        .await?,
        |f, v| f.cost_fen = v[0],
    );
    let orders = visible::<sales_order::Entity>(&scope)
        .filter(sales_order::Column::OrderedOn.between(from, to))
        .filter(sales_order::Column::OwnerId.is_in(people.to_vec()));
    let keys = || vec![sales_order::Column::OwnerId, sales_order::Column::OrderedOn];
    apply(
        grouped_by(
            db,
            orders.clone(),
            keys(),
            vec![
                Expr::val(1).count(),
                sum_as_bigint(Expr::col(sales_order::Column::AmountFen)),
            ],
        )
        .await?,
        |f, v| (f.orders, f.sales_fen) = (v[0], v[1]),
    );
    apply(
        grouped_by(
            db,
            orders.filter(sales_order::Column::Id.in_subquery(first_orders(from, to))),
            keys(),
            vec![Expr::val(1).count()],
        )
        .await?,
        |f, v| f.new_customers = v[0],
    );
    Ok(days)
}

/// Planned visits of the people's plans in the period, as plan rows joined to their stops.
fn planned_stops(
    actor: &Actor,
    people: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> sea_orm::Select<day_sheet::Entity> {
    visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Kind.eq(SheetKind::Plan.as_str()))
        .filter(day_sheet::Column::Day.between(from, to))
        .filter(day_sheet::Column::OwnerId.is_in(people.to_vec()))
        .join(
            JoinType::InnerJoin,
            day_sheet::Entity::belongs_to(visit_stop::Entity)
                .from(day_sheet::Column::Id)
                .to(visit_stop::Column::SheetId)
                .into(),
        )
}
