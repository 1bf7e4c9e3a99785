//! Scheduled jobs run once per slot however many app servers share the database: the server
//! that inserts the slot's row runs it; the others' inserts meet the primary key and they skip.
//! (SQLite's single server claims every slot and keeps working the same way.)
use crate::entities::job_run;
use crate::error::AppResult;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

/// The hourly slot of an instant, in the company's time zone: `2026-12-01T22`.
pub fn hour_slot(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::clock::local_time(at)
        .format("%Y-%m-%dT%H")
        .to_string()
}

/// True when this server claimed `job` for `slot` (and so runs it), false when another did.
pub async fn claim(
    db: &impl ConnectionTrait,
    job: &str,
    slot: &str,
    holder: &str,
) -> AppResult<bool> {
    let inserted = job_run::Entity::insert(job_run::ActiveModel {
        job: Set(job.to_string()),
        slot: Set(slot.to_string()),
        holder: Set(holder.chars().take(100).collect()),
        started_at: Set(crate::clock::now()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(1)))
}
