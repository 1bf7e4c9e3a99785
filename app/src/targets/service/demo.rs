//! The demo company's targets.
use super::*;

/// Published demo plans for last year and this year, grounded in the seeded orders: each rep's
/// month is what they did in the same month last year (their monthly average where that was
/// nothing), raised by 5% for last year and 15% for this year, in round hundreds of yuan.
pub async fn seed_demo_targets(
    db: &(impl ConnectionTrait + TransactionTrait),
    today: NaiveDate,
) -> AppResult<usize> {
    use sea_orm::PaginatorTrait;
    let txn = begin_write(db).await?;
    if target_plan::Entity::find().count(&txn).await? > 0 {
        return Ok(0);
    }
    let reps: Vec<i64> = across_owners::<user::Entity>()
        .filter(user::Column::Role.eq(Role::Rep.as_str()))
        .filter(user::Column::TeamId.is_not_null())
        .filter(user::Column::Active.eq(true))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let base_year = today.year() - 1;
    let (first, last) = Period::Year(base_year).bounds();
    let now = crate::clock::now();
    let mut plans = 0;
    for metric in [
        Metric::Sales,
        Metric::GrossProfit,
        Metric::Collections,
        Metric::NewCustomers,
    ] {
        let done = actuals(&txn, metric, &reps, first, last).await?;
        for (year, percent) in [(base_year, 105), (today.year(), 115)] {
            let plan = target_plan::ActiveModel {
                year: Set(year),
                metric: Set(metric.as_str().to_string()),
                status: Set("published".into()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                published_at: Set(Some(now)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let mut rows = Vec::new();
            for &rep in &reps {
                let months: Vec<i64> = (1..=12)
                    .map(|m| {
                        done.iter()
                            .filter(|a| a.user_id == rep && a.day.month() == m)
                            .map(|a| a.amount)
                            .sum()
                    })
                    .collect();
                let average = months.iter().sum::<i64>() / 12;
                for (index, &amount) in months.iter().enumerate() {
                    let base = if amount > 0 { amount } else { average };
                    let raised = base * percent / 100;
                    let amount = if metric.is_money() {
                        (raised + 5_000) / 10_000 * 10_000
                    } else {
                        Ord::max(raised, i64::from(base > 0))
                    };
                    rows.push(target_cell::ActiveModel {
                        plan_id: Set(plan.id),
                        user_id: Set(rep),
                        month: Set(index as i16 + 1),
                        amount: Set(amount),
                        locked: Set(false),
                        ..Default::default()
                    });
                }
            }
            for chunk in rows.chunks(1000) {
                target_cell::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            plans += 1;
        }
    }
    txn.commit().await?;
    Ok(plans)
}
