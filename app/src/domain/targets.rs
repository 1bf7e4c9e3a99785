//! Targets broken down over the calendar (year → half → quarter → month, weeks derived by days)
//! and the organisation (company → department → team → rep). A plan stores one amount per rep
//! and month; every other cell is a sum of those, so every parent equals the sum of its children
//! by construction. The functions here decide how a change spreads: exact to the smallest unit
//! (largest-remainder rounding), never moving locked cells, never making a part negative.
use super::period::Period;
use chrono::{Datelike, Duration, Weekday};
use serde::{Deserialize, Serialize};

text_enum! {
    /// What a target measures. Money metrics are in fen; the others are counts.
    pub enum Metric {
        Sales => "sales",
        GrossProfit => "gross_profit",
        Collections => "collections",
        NewCustomers => "new_customers",
        FollowUps => "follow_ups",
        Visits => "visits",
        Quotes => "quotes",
    }
}

impl Metric {
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Metric::Sales | Metric::GrossProfit | Metric::Collections
        )
    }

    /// An amount in this metric's unit as a user types it: yuan for money, a count otherwise.
    pub fn typed(self, amount: i64) -> String {
        if self.is_money() {
            super::forms::money_input_value(amount)
        } else {
            amount.to_string()
        }
    }
}

text_enum! {
    /// How a cell is split into its months and reps: the same share for each (even), in
    /// proportion to last year's actual figures per month and per rep (pattern, seasonality), or
    /// months by their working days (Monday to Friday) and reps evenly.
    pub enum SplitMethod {
        Even => "even",
        Pattern => "pattern",
        WorkingDays => "working_days",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BreakdownError {
    /// The new value is below what the cell's locked parts already hold.
    BelowLocked { floor: i64 },
    /// The locked cells alone hold more than the total that has to be kept.
    LockedExceedTotal,
    /// A part would have to become negative.
    Negative,
    /// The cell is locked as a whole.
    Locked,
}

/// `total` in parts proportional to `weights`, exact to the unit: each part gets its rounded-down
/// share, and the units left over go to the parts with the largest remainders (the earlier part
/// on a tie). All-zero weights split evenly. No weights: no parts.
pub fn split(total: i64, weights: &[u64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    if total < 0 {
        return split(-total, weights).into_iter().map(|p| -p).collect();
    }
    let weights: Vec<u128> = if weights.iter().all(|&w| w == 0) {
        vec![1; weights.len()]
    } else {
        weights.iter().map(|&w| w as u128).collect()
    };
    let sum: u128 = weights.iter().sum();
    let total = total as u128;
    let mut parts: Vec<i64> = weights.iter().map(|&w| (total * w / sum) as i64).collect();
    let mut left = total as i64 - parts.iter().sum::<i64>();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        ((total * weights[b]) % sum)
            .cmp(&((total * weights[a]) % sum))
            .then(a.cmp(&b))
    });
    for &index in by_remainder.iter().cycle() {
        if left == 0 {
            break;
        }
        parts[index] += 1;
        left -= 1;
    }
    parts
}

/// A cell among its siblings: what it holds, the part of that its locked months and reps hold
/// (it cannot go below), and whether it is locked as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub value: i64,
    pub floor: i64,
    pub fixed: bool,
}

/// Sets `shares[changed]` to `new_value` and lets its unlocked siblings absorb the difference in
/// proportion to what they hold above their floor, so that the siblings' sum (their parent) does
/// not change.
pub fn rebalance(
    shares: &[Share],
    changed: usize,
    new_value: i64,
) -> Result<Vec<i64>, BreakdownError> {
    let target = shares[changed];
    if target.fixed {
        return Err(BreakdownError::Locked);
    }
    if new_value < 0 {
        return Err(BreakdownError::Negative);
    }
    if new_value < target.floor {
        return Err(BreakdownError::BelowLocked {
            floor: target.floor,
        });
    }
    let total: i64 = shares.iter().map(|s| s.value).sum();
    let movable: Vec<usize> = (0..shares.len())
        .filter(|&i| i != changed && !shares[i].fixed)
        .collect();
    let held: i64 = (0..shares.len())
        .filter(|&i| i != changed)
        .map(|i| {
            if shares[i].fixed {
                shares[i].value
            } else {
                shares[i].floor
            }
        })
        .sum();
    let free = total - new_value - held;
    if free < 0 || (movable.is_empty() && free != 0) {
        return Err(BreakdownError::LockedExceedTotal);
    }
    let weights: Vec<u64> = movable
        .iter()
        .map(|&i| (shares[i].value - shares[i].floor).max(0) as u64)
        .collect();
    let mut result: Vec<i64> = shares.iter().map(|s| s.value).collect();
    result[changed] = new_value;
    for (&index, part) in movable.iter().zip(split(free, &weights)) {
        result[index] = shares[index].floor + part;
    }
    Ok(result)
}

/// `total` over cells of which some are locked (`Some(value)` keeps its value); the unlocked
/// ones share the rest in proportion to `weights`.
pub fn fill(
    total: i64,
    locked: &[Option<i64>],
    weights: &[u64],
) -> Result<Vec<i64>, BreakdownError> {
    let held: i64 = locked.iter().flatten().sum();
    let rest = total - held;
    let open: Vec<usize> = (0..locked.len()).filter(|&i| locked[i].is_none()).collect();
    if rest < 0 || (open.is_empty() && rest != 0) {
        return Err(BreakdownError::LockedExceedTotal);
    }
    let mut cells: Vec<i64> = locked.iter().map(|l| l.unwrap_or(0)).collect();
    let open_weights: Vec<u64> = open
        .iter()
        .map(|&i| weights.get(i).copied().unwrap_or(0))
        .collect();
    for (&index, part) in open.iter().zip(split(rest, &open_weights)) {
        cells[index] = part;
    }
    Ok(cells)
}

/// `total` over a grid of reps × months: the months share what the locked cells leave in
/// proportion to `month_weights` (a month whose every rep is locked takes none), then each month
/// shares its amount among its unlocked reps in proportion to `rep_weights`. `locked[rep][month]`.
pub fn spread(
    total: i64,
    month_weights: &[u64],
    rep_weights: &[u64],
    locked: &[Vec<Option<i64>>],
) -> Result<Vec<Vec<i64>>, BreakdownError> {
    let months = month_weights.len();
    let held: i64 = locked.iter().flatten().flatten().sum();
    let rest = total - held;
    let open_month = |m: usize| locked.iter().any(|rep| rep[m].is_none());
    let weights: Vec<u64> = (0..months)
        .map(|m| if open_month(m) { month_weights[m] } else { 0 })
        .collect();
    if rest < 0 || ((0..months).all(|m| !open_month(m)) && rest != 0) {
        return Err(BreakdownError::LockedExceedTotal);
    }
    // When every open month has weight 0 (no pattern there), the open months share evenly.
    let weights = if weights.iter().all(|&w| w == 0) {
        (0..months).map(|m| u64::from(open_month(m))).collect()
    } else {
        weights
    };
    let per_month = split(rest, &weights);
    let mut grid = vec![vec![0; months]; locked.len()];
    for m in 0..months {
        let column: Vec<Option<i64>> = locked.iter().map(|rep| rep[m]).collect();
        let month_total = per_month[m] + column.iter().flatten().sum::<i64>();
        for (rep, value) in fill(month_total, &column, rep_weights)?
            .into_iter()
            .enumerate()
        {
            grid[rep][m] = value;
        }
    }
    Ok(grid)
}

/// The months (1–12) a period of the plan's year covers; a week is not made of months.
pub fn months_of(period: Period) -> Vec<u8> {
    match period {
        Period::Year(_) => (1..=12).collect(),
        Period::Half(_, h) => (1 + 6 * (h - 1)..=6 * h).collect(),
        Period::Quarter(_, q) => (1 + 3 * (q - 1)..=3 * q).collect(),
        Period::Month(_, m) => vec![m],
        Period::Week(..) => Vec::new(),
    }
}

/// The periods one level down: year → halves → quarters → months (weeks are derived, not split).
pub fn children(period: Period) -> Vec<Period> {
    match period {
        Period::Year(y) => vec![Period::Half(y, 1), Period::Half(y, 2)],
        Period::Half(y, h) => vec![Period::Quarter(y, 2 * h - 1), Period::Quarter(y, 2 * h)],
        Period::Quarter(y, q) => (3 * q - 2..=3 * q).map(|m| Period::Month(y, m)).collect(),
        Period::Month(..) | Period::Week(..) => Vec::new(),
    }
}

/// The period one level up, within the same year (None for a year or a week).
pub fn parent(period: Period) -> Option<Period> {
    match period {
        Period::Year(_) | Period::Week(..) => None,
        Period::Half(y, _) => Some(Period::Year(y)),
        Period::Quarter(y, q) => Some(Period::Half(y, q.div_ceil(2))),
        Period::Month(y, m) => Some(Period::Quarter(y, m.div_ceil(3))),
    }
}

fn days_in_month(year: i32, month: u8) -> u32 {
    let (first, last) = Period::Month(year, month).bounds();
    (last - first).num_days() as u32 + 1
}

/// Monday-to-Friday days of a month.
pub fn working_days(year: i32, month: u8) -> u64 {
    let (first, last) = Period::Month(year, month).bounds();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as u64
}

/// A month's target per day (even, exact to the unit), for weeks that cross a month boundary.
fn day_amount(month_amount: i64, year: i32, month: u8, day: u32) -> i64 {
    split(month_amount, &vec![1; days_in_month(year, month) as usize])[day as usize - 1]
}

/// The ISO weeks that have at least one day in `year`, as (week-year, week): the first may belong
/// to the previous ISO year, the last to the next.
pub fn weeks_touching(year: i32) -> Vec<(i32, u8)> {
    let (first, last) = Period::Year(year).bounds();
    Period::weeks_in(first, last)
        .into_iter()
        .filter_map(|week| match week {
            Period::Week(week_year, week) => Some((week_year, week)),
            _ => None,
        })
        .collect()
}

/// The target of the ISO week `(week_year, week)` from a plan year's months, counting only the
/// week's days inside that plan year.
pub fn plan_week_amount(plan_year: i32, (week_year, week): (i32, u8), months: &[i64; 12]) -> i64 {
    let (monday, _) = Period::Week(week_year, week).bounds();
    (0..7)
        .map(|offset| monday + Duration::days(offset))
        .filter(|day| day.year() == plan_year)
        .map(|day| {
            day_amount(
                months[day.month0() as usize],
                plan_year,
                day.month() as u8,
                day.day(),
            )
        })
        .sum()
}

/// How a period is going against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Light {
    /// On course: the run rate reaches the target.
    Green,
    /// Within 10% of the target at the current run rate.
    Amber,
    Red,
    /// The period has not started.
    NotStarted,
}

/// What the progress figures are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressInput {
    pub target: i64,
    pub actual: i64,
    pub period_days: i64,
    /// Days of the period up to and including today (0 before it starts).
    pub elapsed_days: i64,
    /// Open deals expected to close in the rest of the period, weighted by stage probability.
    pub weighted_pipeline: i64,
    /// Won ÷ closed deals of the last twelve months, in permille; None without closed deals.
    pub win_rate_permille: Option<i64>,
    /// Average won amount of the last twelve months.
    pub average_deal: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub target: i64,
    pub actual: i64,
    /// Actual ÷ target in permille (None without a target).
    pub achievement_permille: Option<i64>,
    pub elapsed_permille: i64,
    /// The actual extended at its pace so far to the end of the period.
    pub projection: i64,
    /// What is still missing to the target (0 once reached).
    pub gap: i64,
    pub light: Light,
    /// Weighted pipeline expected in the rest of the period.
    pub weighted_pipeline: i64,
    /// The gap the weighted pipeline does not cover.
    pub pipeline_needed: i64,
    /// New opportunities it takes to close `pipeline_needed` at this win rate and average deal
    /// (money metrics) or to win the missing customers (new customers); None when unknown.
    pub deals_needed: Option<i64>,
}

fn ceil_div(a: i128, b: i128) -> i64 {
    if b <= 0 {
        return 0;
    }
    ((a + b - 1) / b) as i64
}

pub fn progress(metric: Metric, input: ProgressInput) -> Progress {
    let ProgressInput {
        target,
        actual,
        period_days,
        elapsed_days,
        weighted_pipeline,
        win_rate_permille,
        average_deal,
    } = input;
    let elapsed_days = elapsed_days.clamp(0, period_days.max(0));
    let projection = if elapsed_days == 0 {
        actual
    } else {
        (actual as i128 * period_days as i128 / elapsed_days as i128) as i64
    };
    let gap = (target - actual).max(0);
    let light = if elapsed_days == 0 {
        Light::NotStarted
    } else if projection >= target {
        Light::Green
    } else if projection as i128 * 10 >= target as i128 * 9 {
        Light::Amber
    } else {
        Light::Red
    };
    let pipeline_needed = if metric.is_money() {
        (gap - weighted_pipeline).max(0)
    } else {
        gap
    };
    let deals_needed = match (
        metric,
        win_rate_permille.filter(|&w| w > 0),
        average_deal.filter(|&a| a > 0),
    ) {
        (_, _, _) if pipeline_needed == 0 => Some(0),
        (Metric::NewCustomers, Some(rate), _) => {
            Some(ceil_div(pipeline_needed as i128 * 1000, rate as i128))
        }
        (m, Some(rate), Some(average)) if m.is_money() => Some(ceil_div(
            pipeline_needed as i128 * 1000,
            rate as i128 * average as i128,
        )),
        _ => None,
    };
    Progress {
        target,
        actual,
        achievement_permille: (target > 0).then(|| (actual as i128 * 1000 / target as i128) as i64),
        elapsed_permille: if period_days > 0 {
            elapsed_days * 1000 / period_days
        } else {
            0
        },
        projection,
        gap,
        light,
        weighted_pipeline,
        pipeline_needed,
        deals_needed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn largest_remainder_gives_leftover_units_to_the_largest_remainders() {
        assert_eq!(split(100, &[1, 1, 1]), [34, 33, 33]);
        assert_eq!(split(10, &[1, 2, 3, 4]), [1, 2, 3, 4]);
        assert_eq!(split(7, &[0, 0]), [4, 3], "no weights: even");
        assert_eq!(split(1_000_000, &[31, 28, 31]), [344_445, 311_111, 344_444]);
        assert_eq!(split(-5, &[1, 1]), [-3, -2]);
        assert!(split(5, &[]).is_empty());
    }

    fn share(value: i64) -> Share {
        Share {
            value,
            floor: 0,
            fixed: false,
        }
    }

    #[test]
    fn a_changed_quarter_is_absorbed_by_the_unlocked_others() {
        // Q1 from 300 to 450; Q2 is locked; Q3 and Q4 give up 150 in proportion 1:2.
        let quarters = [
            share(300),
            Share {
                value: 300,
                floor: 300,
                fixed: true,
            },
            share(100),
            share(200),
        ];
        assert_eq!(rebalance(&quarters, 0, 450), Ok(vec![450, 300, 50, 100]));
        assert_eq!(
            rebalance(&quarters, 0, 700),
            Err(BreakdownError::LockedExceedTotal),
            "Q3 and Q4 cannot go below zero"
        );
        assert_eq!(rebalance(&quarters, 1, 10), Err(BreakdownError::Locked));
        let partly_locked = [
            Share {
                value: 300,
                floor: 120,
                fixed: false,
            },
            share(300),
        ];
        assert_eq!(
            rebalance(&partly_locked, 0, 100),
            Err(BreakdownError::BelowLocked { floor: 120 }),
            "its locked March holds 120"
        );
        assert_eq!(
            rebalance(&[share(5), share(5)], 0, -1),
            Err(BreakdownError::Negative)
        );
    }

    #[test]
    fn locked_reps_keep_their_month() {
        assert_eq!(
            fill(1000, &[None, Some(400), None], &[1, 1, 3]),
            Ok(vec![150, 400, 450])
        );
        assert_eq!(
            fill(300, &[Some(400), None], &[1, 1]),
            Err(BreakdownError::LockedExceedTotal)
        );
        assert_eq!(fill(400, &[Some(400)], &[1]), Ok(vec![400]));
    }

    #[test]
    fn a_year_spreads_over_months_and_reps() {
        // Two reps, three months by pattern 1:1:2; rep B's second month is locked at 100.
        let locked = vec![vec![None, None, None], vec![None, Some(100), None]];
        let grid = spread(1100, &[1, 1, 2], &[1, 1], &locked).unwrap();
        // The 1000 the lock leaves goes 250:250:500 over the months; B's locked 100 comes on top.
        assert_eq!(grid, vec![vec![125, 250, 250], vec![125, 100, 250]]);
        assert_eq!(grid.iter().flatten().sum::<i64>(), 1100);
    }

    #[test]
    fn calendar_levels() {
        assert_eq!(
            children(Period::Year(2026)),
            [Period::Half(2026, 1), Period::Half(2026, 2)]
        );
        assert_eq!(
            children(Period::Half(2026, 2)),
            [Period::Quarter(2026, 3), Period::Quarter(2026, 4)]
        );
        assert_eq!(
            children(Period::Quarter(2026, 1)),
            [
                Period::Month(2026, 1),
                Period::Month(2026, 2),
                Period::Month(2026, 3)
            ]
        );
        assert_eq!(
            parent(Period::Month(2026, 3)),
            Some(Period::Quarter(2026, 1))
        );
        assert_eq!(
            parent(Period::Quarter(2026, 3)),
            Some(Period::Half(2026, 2))
        );
        assert_eq!(months_of(Period::Half(2026, 2)), [7, 8, 9, 10, 11, 12]);
        assert_eq!(working_days(2026, 2), 20);
        assert_eq!(working_days(2024, 2), 21, "29 February 2024 was a Thursday");
    }

    #[test]
    fn weeks_crossing_a_month_take_their_days_from_each() {
        let mut months = [0i64; 12];
        months[0] = 3100; // January 2026: 100 a day
        months[1] = 2800; // February 2026: 100 a day
                          // ISO week 5 of 2026: Monday 26 January to Sunday 1 February.
        assert_eq!(plan_week_amount(2026, (2026, 5), &months), 700);
        months[1] = 28; // 1 a day
        assert_eq!(plan_week_amount(2026, (2026, 5), &months), 6 * 100 + 1);
        // Week 1 of 2026 starts on 29 December 2025: only its four January days count.
        assert_eq!(plan_week_amount(2026, (2026, 1), &months), 400);
        // 2026 has 53 ISO weeks; 2020's plan year touches week 53 of 2020 and week 1 of 2020 starts in 2019.
        assert_eq!(weeks_touching(2026).len(), 53);
        assert_eq!(weeks_touching(2026).last(), Some(&(2026, 53)));
        assert_eq!(
            weeks_touching(2021).first(),
            Some(&(2020, 53)),
            "1 January 2021 is in week 53 of 2020"
        );
    }

    #[test]
    fn progress_translates_the_gap_into_deals() {
        // 1,000,000 target, 400,000 done half-way: the run rate reaches 800,000 (red).
        let input = ProgressInput {
            target: 1_000_000,
            actual: 400_000,
            period_days: 30,
            elapsed_days: 15,
            weighted_pipeline: 200_000,
            win_rate_permille: Some(250),
            average_deal: Some(100_000),
        };
        let p = progress(Metric::Sales, input);
        assert_eq!(
            (
                p.achievement_permille,
                p.elapsed_permille,
                p.projection,
                p.gap
            ),
            (Some(400), 500, 800_000, 600_000)
        );
        assert_eq!(p.light, Light::Red);
        // 400,000 not covered by the pipeline, at 25% and 100,000 a deal: 16 more opportunities.
        assert_eq!((p.pipeline_needed, p.deals_needed), (400_000, Some(16)));
        let on_course = progress(
            Metric::Sales,
            ProgressInput {
                actual: 520_000,
                ..input
            },
        );
        assert_eq!(on_course.light, Light::Green);
        assert_eq!(
            progress(
                Metric::Sales,
                ProgressInput {
                    actual: 460_000,
                    ..input
                }
            )
            .light,
            Light::Amber
        );
        assert_eq!(
            progress(
                Metric::Sales,
                ProgressInput {
                    elapsed_days: 0,
                    actual: 0,
                    ..input
                }
            )
            .light,
            Light::NotStarted
        );
        let customers = progress(
            Metric::NewCustomers,
            ProgressInput {
                target: 10,
                actual: 4,
                period_days: 30,
                elapsed_days: 20,
                weighted_pipeline: 0,
                win_rate_permille: Some(300),
                average_deal: None,
            },
        );
        assert_eq!(
            (customers.gap, customers.deals_needed),
            (6, Some(20)),
            "six more customers at a 30% win rate"
        );
        assert_eq!(
            progress(
                Metric::Sales,
                ProgressInput {
                    win_rate_permille: None,
                    ..input
                }
            )
            .deals_needed,
            None
        );
    }

    proptest! {
        #[test]
        fn parts_always_sum_to_the_whole(total in -10_000_000_000i64..10_000_000_000, weights in proptest::collection::vec(0u64..1_000_000, 1..60)) {
            let parts = split(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            if total >= 0 {
                prop_assert!(parts.iter().all(|&p| p >= 0));
            }
            // Exact to one unit of the ideal share.
            let sum: u64 = weights.iter().sum();
            if sum > 0 {
                for (part, weight) in parts.iter().zip(&weights) {
                    let ideal = total as f64 * *weight as f64 / sum as f64;
                    prop_assert!((*part as f64 - ideal).abs() < 1.000_001);
                }
            }
        }

        #[test]
        fn rebalancing_keeps_the_parent_and_the_locks(
            values in proptest::collection::vec(0i64..10_000_000, 2..14),
            locks in proptest::collection::vec(any::<bool>(), 14),
            changed_seed in any::<usize>(),
            new_value in 0i64..20_000_000,
        ) {
            let changed = changed_seed % values.len();
            let shares: Vec<Share> = values.iter().enumerate().map(|(i, &v)| Share { value: v, floor: 0, fixed: locks[i] && i != changed }).collect();
            match rebalance(&shares, changed, new_value) {
                Ok(result) => {
                    prop_assert_eq!(result.iter().sum::<i64>(), values.iter().sum::<i64>());
                    prop_assert_eq!(result[changed], new_value);
                    for (i, share) in shares.iter().enumerate() {
                        if share.fixed { prop_assert_eq!(result[i], share.value); }
                    }
                    prop_assert!(result.iter().all(|&v| v >= 0));
                }
                Err(error) => {
                    let held: i64 = shares.iter().enumerate().filter(|(i, s)| *i != changed && s.fixed).map(|(_, s)| s.value).sum();
                    prop_assert_eq!(error, BreakdownError::LockedExceedTotal);
                    let total: i64 = values.iter().sum();
                    let movable = shares.iter().enumerate().any(|(i, s)| i != changed && !s.fixed);
                    prop_assert!(total - new_value - held < 0 || (!movable && total - new_value - held != 0));
                }
            }
        }

        #[test]
        fn spreading_keeps_locked_cells_and_the_total(
            total in 0i64..100_000_000,
            reps in 1usize..8,
            month_weights in proptest::collection::vec(0u64..1000, 12),
            lock_seed in proptest::collection::vec((any::<bool>(), 0i64..100_000), 96),
        ) {
            let locked: Vec<Vec<Option<i64>>> = (0..reps).map(|r| (0..12).map(|m| { let (lock, v) = lock_seed[r * 12 + m]; lock.then_some(v) }).collect()).collect();
            let rep_weights = vec![1; reps];
            match spread(total, &month_weights, &rep_weights, &locked) {
                Ok(grid) => {
                    prop_assert_eq!(grid.iter().flatten().sum::<i64>(), total);
                    for r in 0..reps {
                        for m in 0..12 {
                            if let Some(v) = locked[r][m] { prop_assert_eq!(grid[r][m], v); }
                            prop_assert!(grid[r][m] >= 0);
                        }
                    }
                }
                Err(error) => {
                    prop_assert_eq!(error, BreakdownError::LockedExceedTotal);
                    let held: i64 = locked.iter().flatten().flatten().sum();
                    let all_locked = locked.iter().flatten().all(Option::is_some);
                    prop_assert!(held > total || (all_locked && held != total));
                }
            }
        }

        #[test]
        fn weeks_add_up_to_the_year(year in 1990i32..2100, months in proptest::array::uniform12(0i64..10_000_000)) {
            let weeks: i64 = weeks_touching(year).into_iter().map(|week| plan_week_amount(year, week, &months)).sum();
            prop_assert_eq!(weeks, months.iter().sum::<i64>());
            let count = weeks_touching(year).len();
            prop_assert!(count == 53 || count == 54, "a year touches 53 or 54 ISO weeks, not {}", count);
        }
    }
}
