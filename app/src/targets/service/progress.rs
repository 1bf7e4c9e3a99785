//! Progress against target for a person or the company, with its burn-up.
use super::*;

/// Progress of a node in `year` seen on `today`: the year, and the quarter, month and ISO week
/// holding the day looked at (today within the year, else its first or last day).
/// `month` (1–12) drills into that month of the year: its quarter, the month, its first week
/// (the week of `today` in today's month), its weeks and the members' month; None is today's.
pub async fn progress(
    db: &impl ConnectionTrait,
    actor: &Actor,
    year: i32,
    metric: Metric,
    node_key: &str,
    today: NaiveDate,
    month: Option<u8>,
) -> AppResult<ProgressReport> {
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return Err(AppError::field(
            "month",
            ErrorCode::OutOfRange { min: 1, max: 12 },
        ));
    }
    let (_, cells) = load_plan(db, year, metric).await?;
    let org = load_org(db, &holders(&cells)).await?;
    let scope = actor.scope();
    let index = if node_key.is_empty() {
        (0..org.nodes.len())
            .find(|&i| org.visible(&scope, i))
            .ok_or(AppError::NotFound)?
    } else {
        org.find(node_key)?
    };
    if !org.visible(&scope, index) {
        return Err(AppError::NotFound);
    }
    let node = &org.nodes[index];
    let (year_first, year_last) = Period::Year(year).bounds();
    let day = match month.map(u32::from) {
        Some(m) if !(today.year() == year && today.month() == m) => {
            NaiveDate::from_ymd_opt(year, m, 1).unwrap_or(year_first)
        }
        _ => today.clamp(year_first, year_last),
    };
    let iso = day.iso_week();
    let periods = [
        Period::Year(year),
        Period::quarter_of(day),
        Period::month_of(day),
        Period::Week(iso.year(), iso.week() as u8),
    ];
    let weeks = {
        let (first, last) = Period::month_of(day).bounds();
        Period::weeks_in(first, last)
    };
    let months: [i64; 12] = node_months(&cells, node)
        .try_into()
        .map_err(|_| AppError::Internal)?;
    let bounds = || periods.iter().chain(&weeks).map(|p| p.bounds());
    let (first_needed, last_needed) = (
        bounds().map(|b| b.0).min().unwrap_or(year_first),
        bounds().map(|b| b.1).fold(year_last, Ord::max),
    );
    let done = actuals(db, metric, &node.reps, first_needed, last_needed).await?;
    let sum_between = |reps: &[i64], first: NaiveDate, last: NaiveDate| {
        done.iter()
            .filter(|a| reps.contains(&a.user_id) && a.day >= first && a.day <= last)
            .map(|a| a.amount)
            .sum::<i64>()
    };
    let target_of = |months: &[i64; 12], period: Period| match period {
        Period::Week(wy, w) => rules::plan_week_amount(year, (wy, w), months),
        other => rules::months_of(other)
            .iter()
            .map(|&m| months[m as usize - 1])
            .sum(),
    };
    let figure = |reps: &[i64], months: &[i64; 12], period: Period| {
        let (first, last) = period.bounds();
        let input = ProgressInput {
            target: target_of(months, period),
            actual: sum_between(reps, first, last),
            period_days: (last - first).num_days() + 1,
            elapsed_days: ((today - first).num_days() + 1).clamp(0, (last - first).num_days() + 1),
            ..Default::default()
        };
        (input, first, last)
    };
    let facts = deal_facts(db, &node.reps, today).await?;
    let mut out = Vec::new();
    for period in periods {
        let (mut input, first, last) = figure(&node.reps, &months, period);
        input.weighted_pipeline =
            weighted_pipeline(db, &facts, &node.reps, Ord::max(today, first), last).await?;
        input.win_rate_permille = facts.win_rate_permille;
        input.average_deal = facts.average_deal;
        out.push(PeriodProgress {
            period: period.as_text(),
            first_day: first,
            last_day: last,
            progress: rules::progress(metric, input),
        });
    }
    let weeks = weeks
        .into_iter()
        .map(|week| {
            let (input, first, last) = figure(&node.reps, &months, week);
            PeriodProgress {
                period: week.as_text(),
                first_day: first,
                last_day: last,
                progress: rules::progress(metric, input),
            }
        })
        .collect();
    let child_period = periods[2];
    let children = org
        .children(index)
        .into_iter()
        .filter(|&c| org.visible(&scope, c))
        .map(|c| {
            let child = &org.nodes[c];
            let child_months: [i64; 12] = node_months(&cells, child).try_into().unwrap_or([0; 12]);
            let (input, _, _) = figure(&child.reps, &child_months, child_period);
            ChildProgress {
                node: child.key.clone(),
                label: child.label.clone(),
                progress: rules::progress(metric, input),
            }
        })
        .collect();
    let parent = node
        .parent
        .filter(|&p| org.visible(&scope, p))
        .map(|p| org.nodes[p].key.clone());
    Ok(ProgressReport {
        node: node.key.clone(),
        label: node.label.clone(),
        metric,
        periods: out,
        weeks,
        child_period: child_period.as_text(),
        children,
        parent,
        burn_up: burn_up(&months, &done, year, today),
    })
}

/// Cumulative target by month, actual to date, and the run-rate forecast from there to December.
fn burn_up(months: &[i64; 12], done: &[Actual], year: i32, today: NaiveDate) -> BurnUp {
    let target = months.iter().scan(0, |sum, m| {
        *sum += m;
        Some(*sum)
    });
    let (first, last) = Period::Year(year).bounds();
    let in_month = |m: u32| {
        done.iter()
            .filter(|a| a.day.year() == year && a.day.month() == m && a.day <= today)
            .map(|a| a.amount)
            .sum::<i64>()
    };
    let months_done = if today < first {
        0
    } else if today > last {
        12
    } else {
        today.month()
    };
    let actual: Vec<i64> = (1..=months_done)
        .scan(0, |sum, m| {
            *sum += in_month(m);
            Some(*sum)
        })
        .collect();
    let to_date = actual.last().copied().unwrap_or(0);
    let elapsed = if today < first {
        0
    } else {
        (Ord::min(today, last) - first).num_days() + 1
    };
    let forecast = if months_done == 0 || months_done == 12 {
        Vec::new()
    } else {
        (months_done..=12)
            .map(|m| {
                let month_end = Period::Month(year, m as u8).bounds().1;
                let days = (month_end - first).num_days() + 1;
                (to_date as i128 * days as i128 / Ord::max(elapsed, 1) as i128) as i64
            })
            .collect()
    };
    BurnUp {
        target: target.collect(),
        actual,
        forecast,
    }
}
