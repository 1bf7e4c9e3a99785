//! The funnel on the server: the deals created in the period (in one pipeline, under the viewer's
//! scope) counted by owner and furthest stage, and their completed stays per stage, each in one
//! grouped SQL query on either database; the domain turns them into conversions.
use super::performance::Window;
use super::service::report_filter;
use super::{FunnelLine, FunnelReport, ReportQuery};
use crate::auth::scope::visible;
use crate::auth::Actor;
use crate::domain::forms::{Checks, ErrorCode};
use crate::domain::funnel::{furthest_behind, steps, Reach, StageTime};
use crate::entities::{opportunity, user};
use crate::error::{AppError, AppResult};
use crate::pipeline::{pipeline_choices, pipelines, stage_view, stages_of};
use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, QueryFilter, QuerySelect, QueryTrait, Statement,
};
use std::collections::HashMap;

/// Runs `sql` with the cohort's id query (and its values) in place of `{cohort}`.
async fn with_cohort(
    db: &impl ConnectionTrait,
    cohort: &Statement,
    sql: &str,
) -> AppResult<Vec<sea_orm::QueryResult>> {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql.replace("{cohort}", &cohort.sql),
        cohort
            .values
            .clone()
            .map_or_else(Vec::new, |values| values.0),
    );
    Ok(db.query_all_raw(statement).await?)
}

/// Deals per owner by the position of the furthest open stage they entered, and won or not.
const REACH_SQL: &str = r#"
SELECT d.owner_id, d.furthest, d.won, COUNT(*) FROM (
    SELECT o."owner_id" AS owner_id,
        CAST((SELECT MAX(s."position") FROM "stage_history" h JOIN "pipeline_stages" s ON s."id" = h."to_stage_id"
              WHERE h."opportunity_id" = o."id" AND NOT s."won" AND NOT s."lost") AS BIGINT) AS furthest,
        CAST(CASE WHEN o."won_amount_fen" IS NULL THEN 0 ELSE 1 END AS BIGINT) AS won
    FROM "opportunities" o WHERE o."id" IN ({cohort})
) d GROUP BY d.owner_id, d.furthest, d.won"#;

/// Completed stays per owner and stage: each entry into a stage lasts until the deal's next move.
const STAYS_SQL: &str = r#"
SELECT o."owner_id", t.to_stage_id, CAST(ROUND(SUM({seconds})) AS BIGINT), COUNT(*) FROM (
    SELECT h."opportunity_id" AS opportunity_id, h."to_stage_id" AS to_stage_id, h."at" AS entered_at,
        LEAD(h."at") OVER (PARTITION BY h."opportunity_id" ORDER BY h."at", h."id") AS left_at
    FROM "stage_history" h WHERE h."opportunity_id" IN ({cohort})
) t JOIN "opportunities" o ON o."id" = t.opportunity_id
WHERE t.left_at IS NOT NULL GROUP BY o."owner_id", t.to_stage_id"#;

fn seconds_between(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "EXTRACT(EPOCH FROM (t.left_at - t.entered_at))",
        _ => "(julianday(t.left_at) - julianday(t.entered_at)) * 86400.0",
    }
}

fn pipeline_of(query: &ReportQuery, available: &[i64], checks: &mut Checks) -> Option<i64> {
    let wanted = if query.pipeline.is_empty() {
        available.first().copied().ok_or(ErrorCode::UnknownChoice)
    } else {
        query
            .pipeline
            .parse::<i64>()
            .ok()
            .filter(|id| available.contains(id))
            .ok_or(ErrorCode::UnknownChoice)
    };
    checks.check("pipeline", wanted)
}

pub async fn funnel(
    db: &impl ConnectionTrait,
    actor: &Actor,
    query: &ReportQuery,
    today: NaiveDate,
) -> AppResult<FunnelReport> {
    let pipelines = pipelines(db).await?;
    let mut checks = Checks::default();
    let filter = report_filter(query, today, &mut checks);
    let pipeline_id = pipeline_of(
        query,
        &pipelines.iter().map(|p| p.id).collect::<Vec<_>>(),
        &mut checks,
    );
    checks.into_result().map_err(AppError::Validation)?;
    let (Some(filter), Some(pipeline_id)) = (filter, pipeline_id) else {
        return Err(AppError::internal("checks passed without values"));
    };
    let window = Window::of(&filter);
    let open: Vec<_> = stages_of(db, pipeline_id)
        .await?
        .into_iter()
        .filter(|s| !s.won && !s.lost)
        .collect();
    let index_of_stage: HashMap<i64, usize> = open
        .iter()
        .enumerate()
        .map(|(index, stage)| (stage.id, index))
        .collect();
    // A furthest position maps to the last open stage at or before it (stages can be reordered).
    let index_of_position = |position: Option<i64>| {
        position.map_or(0, |p| {
            open.iter()
                .rposition(|s| i64::from(s.position) <= p)
                .unwrap_or(0)
        })
    };

    // A rep is measured against their whole team, so the deals counted are the team's even when the
    // selection is one rep; the lines and the total then keep to the selection.
    let benchmark_window = Window {
        rep: None,
        ..window
    };
    let selected = |owner: i64| window.rep.is_none_or(|rep| rep == owner);
    let (start, end) = window.instants();
    let cohort = benchmark_window
        .owners(visible::<opportunity::Entity>(&actor.scope()))
        .filter(opportunity::Column::PipelineId.eq(pipeline_id))
        .filter(opportunity::Column::CreatedAt.gte(start))
        .filter(opportunity::Column::CreatedAt.lt(end))
        .select_only()
        .column(opportunity::Column::Id)
        .build(db.get_database_backend());

    let mut reach: HashMap<i64, Reach> = HashMap::new();
    for row in with_cohort(db, &cohort, REACH_SQL).await? {
        let (owner, furthest, won, deals) = (
            row.try_get_by_index::<i64>(0)?,
            row.try_get_by_index::<Option<i64>>(1)?,
            row.try_get_by_index::<i64>(2)?,
            row.try_get_by_index::<i64>(3)?,
        );
        let line = reach.entry(owner).or_insert_with(|| Reach::new(open.len()));
        if won == 1 {
            line.won += deals as u64;
        } else if !open.is_empty() {
            line.stopped_at[index_of_position(furthest)] += deals as u64;
        }
    }
    let mut times: HashMap<i64, Vec<StageTime>> = HashMap::new();
    let stays_sql = STAYS_SQL.replace("{seconds}", seconds_between(db.get_database_backend()));
    for row in with_cohort(db, &cohort, &stays_sql).await? {
        let (owner, stage, seconds, stays) = (
            row.try_get_by_index::<i64>(0)?,
            row.try_get_by_index::<i64>(1)?,
            row.try_get_by_index::<Option<i64>>(2)?,
            row.try_get_by_index::<i64>(3)?,
        );
        if let Some(index) = index_of_stage.get(&stage) {
            times
                .entry(owner)
                .or_insert_with(|| vec![StageTime::default(); open.len()])[*index] += StageTime {
                stays: stays as u64,
                seconds: seconds.unwrap_or(0),
            };
        }
    }

    let people = benchmark_window
        .owners(visible::<user::Entity>(&actor.scope()))
        .all(db)
        .await?;
    let teams = crate::auth::team_names(db).await?;
    let pooled = |owners: &mut dyn Iterator<Item = i64>| {
        let (mut pooled_reach, mut pooled_times) = (
            Reach::new(open.len()),
            vec![StageTime::default(); open.len()],
        );
        for owner in owners {
            if let Some(r) = reach.get(&owner) {
                pooled_reach += r;
            }
            for (pooled, time) in pooled_times
                .iter_mut()
                .zip(times.get(&owner).into_iter().flatten())
            {
                *pooled += *time;
            }
        }
        (pooled_reach, pooled_times)
    };
    let (total_reach, total_times) =
        pooled(&mut reach.keys().copied().filter(|owner| selected(*owner)));
    let total_steps = steps(&total_reach, &total_times);
    let mut team_steps: HashMap<i64, Vec<crate::domain::funnel::Step>> = HashMap::new();
    for team_id in people.iter().filter_map(|p| p.team_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = team_steps.entry(team_id) {
            let (r, t) = pooled(
                &mut people
                    .iter()
                    .filter(|p| p.team_id == Some(team_id))
                    .map(|p| p.id),
            );
            slot.insert(steps(&r, &t));
        }
    }
    let mut lines: Vec<FunnelLine> = people
        .iter()
        .filter(|person| selected(person.id))
        .filter_map(|person| {
            let own = reach.get(&person.id)?;
            let own_steps = steps(own, times.get(&person.id).map_or(&[][..], Vec::as_slice));
            let benchmark = person
                .team_id
                .and_then(|id| team_steps.get(&id))
                .unwrap_or(&total_steps);
            Some(FunnelLine {
                user_id: Some(person.id),
                name: person.display_name.clone(),
                team_name: person.team_id.and_then(|id| teams.get(&id).cloned()),
                deals: own.deals(),
                won: own.won,
                behind: furthest_behind(&own_steps, benchmark),
                steps: own_steps,
            })
        })
        .collect();
    lines.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
    Ok(FunnelReport {
        from: filter.from,
        to: filter.to,
        pipelines: pipeline_choices(pipelines),
        pipeline_id,
        stages: open.iter().map(stage_view).collect(),
        total: FunnelLine {
            user_id: None,
            name: String::new(),
            team_name: None,
            deals: total_reach.deals(),
            won: total_reach.won,
            steps: total_steps,
            behind: None,
        },
        people: lines,
    })
}
