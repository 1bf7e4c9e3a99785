//! Gathers the dashboard's parts through the scoped services of the pages they summarise.
use super::{AbcSummary, DashboardView};
use crate::analytics::{KeptAnalyses, ReportQuery};
use crate::auth::Actor;
use crate::domain::period::month_start;
use crate::domain::visibility::Role;
use crate::error::{AppError, AppResult};
use chrono::{Datelike, NaiveDate};
use sea_orm::ConnectionTrait;

/// A part the viewer has nothing for (no target plan covering them) is left out, not an error.
fn optional<T>(result: AppResult<T>) -> AppResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}

pub async fn dashboard(
    db: &impl ConnectionTrait,
    analyses: &KeptAnalyses,
    actor: &Actor,
    today: NaiveDate,
) -> AppResult<DashboardView> {
    let role = actor.role();
    let leads = role != Role::Rep;
    let directs = matches!(role, Role::Director | Role::Admin);
    let progress = optional(
        crate::targets::progress(
            db,
            actor,
            today.year(),
            crate::domain::targets::Metric::Sales,
            "",
            today,
            None,
        )
        .await,
    )?;
    let agenda = if directs {
        None
    } else {
        Some(crate::customers::agenda(db, actor, today).await?)
    };
    let alerts = crate::analytics::alerts(db, actor, &ReportQuery::default(), today, true).await?;
    let this_month = ReportQuery {
        from: month_start(today, 0).to_string(),
        to: today.to_string(),
        ..Default::default()
    };
    let leaderboard = if leads {
        Some(crate::analytics::rep_performance(db, actor, &this_month, today).await?)
    } else {
        None
    };
    let funnel = if leads && !directs {
        Some(crate::analytics::funnel(db, actor, &ReportQuery::default(), today).await?)
    } else {
        None
    };
    let abc = if directs {
        let report =
            crate::analytics::abc(db, analyses, actor, &ReportQuery::default(), today).await?;
        Some(AbcSummary {
            total_fen: report.total_fen,
            classes: report.classes.clone(),
        })
    } else {
        None
    };
    Ok(DashboardView {
        role,
        progress,
        agenda,
        alerts,
        leaderboard,
        funnel,
        abc,
        trend: crate::analytics::sales_trend(db, actor, today).await?,
    })
}
