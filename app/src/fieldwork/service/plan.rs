//! Planning a day: adding, removing and reordering visits, and submitting the plan.
use super::*;

/// The actor's own sheet of `kind` for `day`, created as a draft if there is none; refused once
/// it is with the manager or approved.
pub(super) async fn own_editable_sheet(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: SheetKind,
    day: NaiveDate,
) -> AppResult<day_sheet::Model> {
    if let Some(row) = sheet_of(db, kind, actor.user.id, day).await? {
        return if matches!(status_of(&row), SheetStatus::Draft | SheetStatus::SentBack) {
            Ok(row)
        } else {
            Err(AppError::field("status", ErrorCode::SheetLocked))
        };
    }
    Ok(new_sheet(
        kind,
        actor.user.id,
        day,
        SheetStatus::Draft,
        crate::clock::now(),
    )
    .insert(db)
    .await?)
}

/// A plan's content changed: its version moves on, so a manager approving an older view conflicts.
async fn touch(db: &impl ConnectionTrait, sheet: &day_sheet::Model) -> AppResult<()> {
    day_sheet::Entity::update_many()
        .col_expr(
            day_sheet::Column::Version,
            Expr::col(day_sheet::Column::Version).add(1),
        )
        .col_expr(day_sheet::Column::UpdatedAt, Expr::val(crate::clock::now()))
        .filter(day_sheet::Column::Id.eq(sheet.id))
        .exec(db)
        .await?;
    Ok(())
}

/// A customer the actor may visit: one they see, or one in the lead pool.
pub(super) async fn visitable(
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
        .ok_or_else(|| AppError::field("customer_id", ErrorCode::UnknownChoice))
}

pub async fn add_visit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &VisitForm,
    today: NaiveDate,
) -> AppResult<()> {
    let mut checks = Checks::default();
    let day = checks.check(
        "day",
        parse_day(&form.day, today)
            .map_err(|_| ErrorCode::InvalidDate)
            .and_then(|d| {
                if d < today {
                    Err(ErrorCode::PastDay)
                } else {
                    Ok(d)
                }
            }),
    );
    let customer_id = checks.check(
        "customer_id",
        form.customer_id
            .trim()
            .parse::<i64>()
            .map_err(|_| ErrorCode::Required),
    );
    let purpose = checks.check(
        "purpose",
        forms::parse_choice(&form.purpose, VisitPurpose::parse),
    );
    let time_slot = checks.check("time_slot", forms::parse_optional_text(&form.time_slot, 32));
    let note = checks.check("note", forms::parse_optional_text(&form.note, 500));
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(day), Some(customer_id), Some(purpose), Some(time_slot), Some(note)) =
        (day, customer_id, purpose, time_slot, note)
    else {
        return Err(AppError::internal("checks passed without values"));
    };
    visitable(db, actor, customer_id).await?;
    let txn = begin_write(db).await?;
    let plan = own_editable_sheet(&txn, actor, SheetKind::Plan, day).await?;
    let stops = stops_of(&txn, plan.id).await?;
    if stops.iter().any(|s| s.customer_id == customer_id) {
        return Err(AppError::field("customer_id", ErrorCode::Taken));
    }
    visit_stop::ActiveModel {
        sheet_id: Set(plan.id),
        customer_id: Set(customer_id),
        position: Set(stops.iter().map(|s| s.position).max().unwrap_or(0) + 1),
        time_slot: Set(time_slot),
        purpose: Set(purpose.as_str().into()),
        note: Set(note),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    touch(&txn, &plan).await?;
    txn.commit().await?;
    Ok(())
}

/// The actor's own editable plan holding a stop.
async fn plan_of_stop(
    db: &impl ConnectionTrait,
    actor: &Actor,
    stop_id: i64,
) -> AppResult<(day_sheet::Model, visit_stop::Model)> {
    let stop = visit_stop::Entity::find_by_id(stop_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Id.eq(stop.sheet_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if plan.owner_id != actor.user.id {
        return Err(AppError::Forbidden);
    }
    if !matches!(status_of(&plan), SheetStatus::Draft | SheetStatus::SentBack) {
        return Err(AppError::field("status", ErrorCode::SheetLocked));
    }
    Ok((plan, stop))
}

pub async fn remove_visit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    stop_id: i64,
) -> AppResult<()> {
    let txn = begin_write(db).await?;
    let (plan, stop) = plan_of_stop(&txn, actor, stop_id).await?;
    visit_stop::Entity::delete_by_id(stop.id).exec(&txn).await?;
    touch(&txn, &plan).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn use_suggested_order<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    day: &str,
    version: i32,
    today: NaiveDate,
) -> AppResult<()> {
    let day = parse_day(day, today)?;
    let txn = begin_write(db).await?;
    let plan = own_editable_sheet(&txn, actor, SheetKind::Plan, day).await?;
    if plan.version != version {
        return Err(AppError::Conflict);
    }
    let stops = stops_of(&txn, plan.id).await?;
    let customers = customers_by_id(&txn, stops.iter().map(|s| s.customer_id).collect()).await?;
    for (position, id) in suggestion(&stops, &customers).into_iter().enumerate() {
        visit_stop::Entity::update_many()
            .col_expr(visit_stop::Column::Position, Expr::val(position as i32 + 1))
            .filter(visit_stop::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    touch(&txn, &plan).await?;
    txn.commit().await?;
    Ok(())
}

/// Tells the author's manager (their team's manager) that a sheet waits for them.
pub(super) async fn tell_manager(
    db: &impl ConnectionTrait,
    author: &user::Model,
    kind: SheetKind,
    day: NaiveDate,
) -> AppResult<()> {
    let Some(team_id) = author.team_id else {
        return Ok(());
    };
    let Some(manager) = team::Entity::find_by_id(team_id)
        .one(db)
        .await?
        .and_then(|t| t.manager_id)
        .filter(|m| *m != author.id)
    else {
        return Ok(());
    };
    let link = format!("/fieldwork?rep={}&day={day}", author.id);
    crate::notifications::notify(
        db,
        manager,
        &crate::domain::events::Notice::SheetSubmitted {
            who: author.display_name.clone(),
            sheet: kind.as_str().to_string(),
            day: day.to_string(),
        },
        &link,
    )
    .await
}

pub(super) fn sheet_error(error: SheetError) -> AppError {
    match error {
        SheetError::WrongStatus => AppError::field("status", ErrorCode::SheetLocked),
        SheetError::OwnSheet => AppError::field("action", ErrorCode::OwnSheet),
        SheetError::NotTheirs => AppError::Forbidden,
    }
}

/// Moves a sheet to its next status if it still has `version`.
pub(super) async fn set_status(
    db: &impl ConnectionTrait,
    sheet: &day_sheet::Model,
    version: i32,
    mut changes: day_sheet::ActiveModel,
    status: SheetStatus,
) -> AppResult<()> {
    changes.status = Set(status.as_str().into());
    changes.updated_at = Set(crate::clock::now());
    update_versioned::<day_sheet::Entity>(
        db,
        changes,
        (day_sheet::Column::Id, sheet.id),
        (day_sheet::Column::Version, version),
        "status",
    )
    .await
}

pub async fn submit_plan<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &PlanForm,
    today: NaiveDate,
) -> AppResult<()> {
    let mut checks = Checks::default();
    let day = checks.check(
        "day",
        parse_day(&form.day, today).map_err(|_| ErrorCode::InvalidDate),
    );
    let area = checks.check("area", forms::parse_optional_text(&form.area, 100));
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(day), Some(area)) = (day, area) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let version = parse_version(&form.version)?;
    let txn = begin_write(db).await?;
    let plan = sheet_of(&txn, SheetKind::Plan, actor.user.id, day)
        .await?
        .ok_or_else(|| AppError::field("stops", ErrorCode::Required))?;
    let status =
        next_status(status_of(&plan), SheetAction::Submit, true, false).map_err(sheet_error)?;
    if stops_of(&txn, plan.id).await?.is_empty() {
        return Err(AppError::field("stops", ErrorCode::Required));
    }
    let changes = day_sheet::ActiveModel {
        area: Set(area),
        submitted_at: Set(Some(crate::clock::now())),
        ..Default::default()
    };
    set_status(&txn, &plan, version, changes, status).await?;
    tell_manager(&txn, &actor.user, SheetKind::Plan, day).await?;
    txn.commit().await?;
    Ok(())
}
