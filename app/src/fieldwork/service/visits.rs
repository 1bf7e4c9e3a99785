//! In the field: check-ins (with a location when shared) and costs.
use super::*;

/// Degrees as the browser gives them, kept in millionths; both or neither.
fn coordinates(latitude: &str, longitude: &str) -> Result<Option<(i64, i64)>, ErrorCode> {
    let parse = |raw: &str, limit: f64| {
        raw.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && v.abs() <= limit)
            .map(|v| (v * 1e6).round() as i64)
    };
    match (latitude.trim().is_empty(), longitude.trim().is_empty()) {
        (true, true) => Ok(None),
        _ => match (parse(latitude, 90.0), parse(longitude, 180.0)) {
            (Some(lat), Some(lon)) => Ok(Some((lat, lon))),
            _ => Err(ErrorCode::InvalidLocation),
        },
    }
}

pub async fn check_in<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &CheckInForm,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let customer_id: i64 = form
        .customer_id
        .trim()
        .parse()
        .map_err(|_| AppError::field("customer_id", ErrorCode::Required))?;
    let at = coordinates(&form.latitude, &form.longitude)
        .map_err(|code| AppError::field("location", code))?;
    visitable(db, actor, customer_id).await?;
    let day = local_day(now);
    let stop_id = match form.stop_id.trim() {
        "" => None,
        raw => {
            let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
            let stop = visit_stop::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let plan = sheet_of(db, SheetKind::Plan, actor.user.id, day)
                .await?
                .ok_or(AppError::NotFound)?;
            if stop.sheet_id != plan.id || stop.customer_id != customer_id {
                return Err(AppError::NotFound);
            }
            Some(id)
        }
    };
    let txn = begin_write(db).await?;
    let row = check_in::ActiveModel {
        owner_id: Set(actor.user.id),
        customer_id: Set(customer_id),
        stop_id: Set(stop_id),
        day: Set(day),
        at: Set(now),
        latitude_e6: Set(at.map(|a| a.0)),
        longitude_e6: Set(at.map(|a| a.1)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

pub async fn add_expense<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &ExpenseForm,
    today: NaiveDate,
) -> AppResult<()> {
    let mut checks = Checks::default();
    let day = checks.check(
        "day",
        parse_day(&form.day, today)
            .map_err(|_| ErrorCode::InvalidDate)
            .and_then(|d| {
                if d > today {
                    Err(ErrorCode::FutureDay)
                } else {
                    Ok(d)
                }
            }),
    );
    let kind = checks.check("kind", forms::parse_choice(&form.kind, ExpenseKind::parse));
    let amount = checks.check(
        "amount",
        forms::parse_money(&form.amount).and_then(|a| {
            if a > 0 {
                Ok(a)
            } else {
                Err(ErrorCode::InvalidAmount)
            }
        }),
    );
    let customer = checks.check("customer_id", forms::parse_optional_id(&form.customer_id));
    let note = checks.check("note", forms::parse_optional_text(&form.note, 500));
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(day), Some(kind), Some(amount), Some(customer), Some(note)) =
        (day, kind, amount, customer, note)
    else {
        return Err(AppError::internal("checks passed without values"));
    };
    if let Some(id) = customer {
        visitable(db, actor, id).await?;
    }
    let txn = begin_write(db).await?;
    field_expense::ActiveModel {
        owner_id: Set(actor.user.id),
        day: Set(day),
        customer_id: Set(customer),
        kind: Set(kind.as_str().into()),
        amount_fen: Set(amount),
        note: Set(note),
        created_at: Set(crate::clock::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
