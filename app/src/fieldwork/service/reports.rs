//! The evening report and the manager's review of plans and reports.
use super::*;

pub async fn save_report<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &ReportForm,
    today: NaiveDate,
) -> AppResult<SheetStatus> {
    let submit = form.intent == "submit";
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
    let attendance = checks.check(
        "attendance",
        match Attendance::parse(form.attendance.trim()) {
            Some(a) => Ok(Some(a)),
            None if form.attendance.trim().is_empty() && !submit => Ok(None),
            None if form.attendance.trim().is_empty() => Err(ErrorCode::Required),
            None => Err(ErrorCode::UnknownChoice),
        },
    );
    let text = |checks: &mut Checks, field: &str, raw: &str| {
        checks.check(field, forms::parse_optional_text(raw, 2000))
    };
    let complaints = text(&mut checks, "complaints", &form.complaints);
    let competitors = text(&mut checks, "competitors", &form.competitors);
    let feedback = text(&mut checks, "feedback", &form.feedback);
    let lessons = text(&mut checks, "lessons", &form.lessons);
    checks.into_result().map_err(AppError::Validation)?;
    let (
        Some(day),
        Some(attendance),
        Some(complaints),
        Some(competitors),
        Some(feedback),
        Some(lessons),
    ) = (day, attendance, complaints, competitors, feedback, lessons)
    else {
        return Err(AppError::internal("checks passed without values"));
    };
    let version = parse_version(&form.version)?;
    let txn = begin_write(db).await?;
    let existed = sheet_of(&txn, SheetKind::Report, actor.user.id, day)
        .await?
        .is_some();
    let report = own_editable_sheet(&txn, actor, SheetKind::Report, day).await?;
    // A report opened before anyone wrote it has version 0; one that exists must match.
    let version = if existed { version } else { report.version };
    let mut changes = day_sheet::ActiveModel {
        attendance: Set(attendance
            .map(|a| a.as_str().to_string())
            .unwrap_or_default()),
        complaints: Set(complaints),
        competitors: Set(competitors),
        feedback: Set(feedback),
        lessons: Set(lessons),
        ..Default::default()
    };
    let status = if submit {
        changes.submitted_at = Set(Some(crate::clock::now()));
        next_status(status_of(&report), SheetAction::Submit, true, false).map_err(sheet_error)?
    } else {
        status_of(&report)
    };
    set_status(&txn, &report, version, changes, status).await?;
    if submit {
        tell_manager(&txn, &actor.user, SheetKind::Report, day).await?;
    }
    txn.commit().await?;
    Ok(status)
}

pub async fn review<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    form: &ReviewForm,
) -> AppResult<SheetStatus> {
    let id: i64 = form
        .sheet_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let mut checks = Checks::default();
    let action = checks.check(
        "action",
        match form.action.as_str() {
            "approve" => Ok(SheetAction::Approve),
            "send_back" => Ok(SheetAction::SendBack),
            _ => Err(ErrorCode::UnknownChoice),
        },
    );
    let comment = checks.check(
        "comment",
        if form.action == "send_back" {
            forms::parse_required_text(&form.comment, 1000)
        } else {
            forms::parse_optional_text(&form.comment, 1000)
        },
    );
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(action), Some(comment)) = (action, comment) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let version = parse_version(&form.version)?;
    let txn = begin_write(db).await?;
    let sheet = visible::<day_sheet::Entity>(&actor.scope())
        .filter(day_sheet::Column::Id.eq(id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let author = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Id.eq(sheet.owner_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = next_status(
        status_of(&sheet),
        action,
        author.id == actor.user.id,
        leads(actor, &author),
    )
    .map_err(sheet_error)?;
    let changes = day_sheet::ActiveModel {
        reviewed_by: Set(Some(actor.user.id)),
        reviewed_at: Set(Some(crate::clock::now())),
        review_comment: Set(comment.clone()),
        ..Default::default()
    };
    set_status(&txn, &sheet, version, changes, status).await?;
    let link = format!("/fieldwork?day={}", sheet.day);
    crate::notifications::notify(
        &txn,
        author.id,
        &crate::domain::events::Notice::SheetReviewed {
            who: actor.user.display_name.clone(),
            sheet: sheet.kind.clone(),
            approved: status == SheetStatus::Approved,
            comment: comment.clone(),
        },
        &link,
    )
    .await?;
    txn.commit().await?;
    Ok(status)
}
