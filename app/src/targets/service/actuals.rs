//! What was achieved against each metric: orders, margin, new customers, collections, and the weighted pipeline.
use super::*;

/// What a rep did on a day towards a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actual {
    pub user_id: i64,
    pub day: NaiveDate,
    pub amount: i64,
}

/// Each rep's actual figures per day from `first` to `last` (both included): sales and gross
/// profit from sales orders, collections from payments, new customers from first orders, activity
/// from follow-ups and quotes.
pub async fn actuals(
    db: &impl ConnectionTrait,
    metric: Metric,
    reps: &[i64],
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<Vec<Actual>> {
    let rows: Vec<(i64, NaiveDate, i64)> = match metric {
        Metric::Sales | Metric::GrossProfit => across_owners::<sales_order::Entity>()
            .select_only()
            .column(sales_order::Column::OwnerId)
            .column(sales_order::Column::OrderedOn)
            .column(sales_order::Column::AmountFen)
            .column(sales_order::Column::CostFen)
            .filter(sales_order::Column::OwnerId.is_in(reps.to_vec()))
            .filter(sales_order::Column::OrderedOn.between(first, last))
            .into_tuple::<(i64, NaiveDate, i64, i64)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(user, day, amount, cost)| {
                (
                    user,
                    day,
                    if metric == Metric::Sales {
                        amount
                    } else {
                        amount - cost
                    },
                )
            })
            .collect(),
        Metric::Collections => {
            across_owners::<payment::Entity>()
                .select_only()
                .column(payment::Column::OwnerId)
                .column(payment::Column::ReceivedOn)
                .column(payment::Column::AmountFen)
                .filter(payment::Column::OwnerId.is_in(reps.to_vec()))
                .filter(payment::Column::ReceivedOn.between(first, last))
                .into_tuple()
                .all(db)
                .await?
        }
        Metric::NewCustomers => {
            // A customer is new on the day of their first order, to the rep who took it.
            let firsts: Vec<(i64, Option<NaiveDate>)> = across_owners::<sales_order::Entity>()
                .select_only()
                .column(sales_order::Column::CustomerId)
                .column_as(
                    Expr::col(sales_order::Column::OrderedOn).min(),
                    "first_order",
                )
                .group_by(sales_order::Column::CustomerId)
                .having(
                    Expr::col(sales_order::Column::OrderedOn)
                        .min()
                        .between(first, last),
                )
                .into_tuple()
                .all(db)
                .await?;
            let firsts: HashMap<i64, NaiveDate> = firsts
                .into_iter()
                .filter_map(|(c, d)| d.map(|d| (c, d)))
                .collect();
            let mut counted: HashMap<i64, (i64, NaiveDate)> = HashMap::new();
            let orders: Vec<(i64, i64, NaiveDate, i64)> = across_owners::<sales_order::Entity>()
                .select_only()
                .column(sales_order::Column::CustomerId)
                .column(sales_order::Column::OwnerId)
                .column(sales_order::Column::OrderedOn)
                .column(sales_order::Column::Id)
                .filter(sales_order::Column::OwnerId.is_in(reps.to_vec()))
                .filter(sales_order::Column::OrderedOn.between(first, last))
                .order_by_asc(sales_order::Column::Id)
                .into_tuple()
                .all(db)
                .await?;
            for (customer, owner, day, _) in orders {
                if firsts.get(&customer) == Some(&day) {
                    counted.entry(customer).or_insert((owner, day));
                }
            }
            counted
                .into_values()
                .map(|(owner, day)| (owner, day, 1))
                .collect()
        }
        Metric::FollowUps | Metric::Visits => {
            let mut select = across_owners::<follow_up::Entity>()
                .select_only()
                .column(follow_up::Column::AuthorId)
                .column(follow_up::Column::HappenedAt)
                .filter(follow_up::Column::AuthorId.is_in(reps.to_vec()))
                .filter(follow_up::Column::HappenedAt.gte(start_of_day(first)))
                .filter(follow_up::Column::HappenedAt.lt(start_of_day(last + Duration::days(1))));
            if metric == Metric::Visits {
                select = select.filter(
                    follow_up::Column::Kind
                        .eq(crate::domain::customer::FollowUpKind::Visit.as_str()),
                );
            }
            select
                .into_tuple::<(i64, chrono::DateTime<Utc>)>()
                .all(db)
                .await?
                .into_iter()
                .map(|(user, at)| (user, local_day(at), 1))
                .collect()
        }
        Metric::Quotes => quote::Entity::find()
            .select_only()
            .column(quote::Column::OwnerId)
            .column(quote::Column::CreatedAt)
            .filter(quote::Column::OwnerId.is_in(reps.to_vec()))
            .filter(quote::Column::Revision.eq(1))
            .filter(quote::Column::CreatedAt.gte(start_of_day(first)))
            .filter(quote::Column::CreatedAt.lt(start_of_day(last + Duration::days(1))))
            .into_tuple::<(i64, chrono::DateTime<Utc>)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(user, at)| (user, local_day(at), 1))
            .collect(),
    };
    Ok(rows
        .into_iter()
        .map(|(user_id, day, amount)| Actual {
            user_id,
            day,
            amount,
        })
        .collect())
}

/// What the reps' deals say about the gap: stage probabilities, and over the twelve months
/// before `today` their win rate (permille) and average won deal.
pub(super) struct DealFacts {
    pub(super) stages: HashMap<i64, pipeline_stage::Model>,
    pub(super) win_rate_permille: Option<i64>,
    pub(super) average_deal: Option<i64>,
}

pub(super) async fn deal_facts(
    db: &impl ConnectionTrait,
    reps: &[i64],
    today: NaiveDate,
) -> AppResult<DealFacts> {
    let stages: HashMap<i64, pipeline_stage::Model> = pipeline_stage::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let closed: Vec<(i64, Option<i64>)> = across_owners::<opportunity::Entity>()
        .select_only()
        .column(opportunity::Column::StageId)
        .column(opportunity::Column::WonAmountFen)
        .filter(opportunity::Column::OwnerId.is_in(reps.to_vec()))
        .filter(opportunity::Column::ClosedOn.between(today - Duration::days(365), today))
        .into_tuple()
        .all(db)
        .await?;
    let won: Vec<i64> = closed
        .iter()
        .filter(|(stage, _)| stages.get(stage).is_some_and(|s| s.won))
        .map(|(_, amount)| amount.unwrap_or(0))
        .collect();
    let win_rate_permille =
        (!closed.is_empty()).then(|| won.len() as i64 * 1000 / closed.len() as i64);
    let average_deal = (!won.is_empty()).then(|| won.iter().sum::<i64>() / won.len() as i64);
    Ok(DealFacts {
        stages,
        win_rate_permille,
        average_deal,
    })
}

/// The reps' open deals expected to close from `from` to `last`, weighted by stage probability.
pub(super) async fn weighted_pipeline(
    db: &impl ConnectionTrait,
    facts: &DealFacts,
    reps: &[i64],
    from: NaiveDate,
    last: NaiveDate,
) -> AppResult<i64> {
    if from > last {
        return Ok(0);
    }
    let open: Vec<(i64, i64)> = across_owners::<opportunity::Entity>()
        .select_only()
        .column(opportunity::Column::StageId)
        .column(opportunity::Column::AmountFen)
        .filter(opportunity::Column::OwnerId.is_in(reps.to_vec()))
        .filter(opportunity::Column::ClosedOn.is_null())
        .filter(opportunity::Column::ExpectedCloseOn.between(from, last))
        .into_tuple()
        .all(db)
        .await?;
    Ok(open
        .into_iter()
        .filter_map(|(stage, amount)| {
            facts
                .stages
                .get(&stage)
                .filter(|s| !s.won && !s.lost)
                .map(|s| weighted_fen(amount, s.probability_percent as u8))
        })
        .sum())
}

/// One person's target for the month holding `day`, for each of `metrics` (none where the plan
/// gives them nothing). The caller has already decided the viewer may see that person's figures.
pub async fn month_targets(
    db: &impl ConnectionTrait,
    person: i64,
    day: NaiveDate,
    metrics: &[Metric],
) -> AppResult<Vec<Option<i64>>> {
    let plans: HashMap<i64, String> = target_plan::Entity::find()
        .filter(target_plan::Column::Year.eq(day.year()))
        .filter(target_plan::Column::Metric.is_in(metrics.iter().map(|m| m.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|plan| (plan.id, plan.metric))
        .collect();
    let cells: Vec<(i64, i64)> = target_cell::Entity::find()
        .select_only()
        .column(target_cell::Column::PlanId)
        .column(target_cell::Column::Amount)
        .filter(target_cell::Column::PlanId.is_in(plans.keys().copied()))
        .filter(target_cell::Column::UserId.eq(person))
        .filter(target_cell::Column::Month.eq(day.month() as i32))
        .into_tuple()
        .all(db)
        .await?;
    let target_of = |metric: &Metric| {
        cells
            .iter()
            .filter(|(plan, _)| plans.get(plan).is_some_and(|m| m == metric.as_str()))
            .map(|(_, amount)| *amount)
            .sum::<i64>()
    };
    Ok(metrics
        .iter()
        .map(|metric| Some(target_of(metric)).filter(|t| *t > 0))
        .collect())
}
