//! When a rep, a customer or a deal needs a manager's attention. Each rule takes the figures a
//! scheduled job gathered and says whether to raise an alert, with the numbers behind it.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A rep's recent sales are the last 30 days; their usual month is the average of the 180 days
/// before those, as six 30-day months.
pub const RECENT_DAYS: i64 = 30;
pub const TRAILING_MONTHS: i64 = 6;
/// A customer's recent sales are the last 90 days, against the average quarter of the 360 days
/// before.
pub const CUSTOMER_RECENT_DAYS: i64 = 90;
pub const CUSTOMER_TRAILING_QUARTERS: i64 = 4;

/// The thresholds an administrator sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertRules {
    /// A rep is flagged when the last 30 days' sales are below this share of their usual month.
    pub rep_drop_percent: u32,
    /// A customer is flagged when the last 90 days' sales are below this share of their usual quarter.
    pub customer_drop_percent: u32,
    /// A customer is overdue when the days since their last order exceed this many usual intervals.
    pub overdue_multiple: u32,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            rep_drop_percent: 50,
            customer_drop_percent: 50,
            overdue_multiple: 2,
        }
    }
}

text_enum! {
    pub enum AlertKind {
        RepDrop => "rep_drop",
        CustomerOverdue => "customer_overdue",
        CustomerDrop => "customer_drop",
        StaleDeal => "stale_deal",
    }
}

/// An alert and the figures that raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    RepDrop {
        usual_monthly_fen: i64,
        recent_fen: i64,
    },
    CustomerOverdue {
        usual_interval_days: i64,
        days_since: i64,
        last_order_on: NaiveDate,
    },
    CustomerDrop {
        usual_quarterly_fen: i64,
        recent_fen: i64,
    },
    StaleDeal {
        days_in_stage: i64,
        stale_after_days: i64,
    },
}

impl Alert {
    pub fn kind(&self) -> AlertKind {
        match self {
            Alert::RepDrop { .. } => AlertKind::RepDrop,
            Alert::CustomerOverdue { .. } => AlertKind::CustomerOverdue,
            Alert::CustomerDrop { .. } => AlertKind::CustomerDrop,
            Alert::StaleDeal { .. } => AlertKind::StaleDeal,
        }
    }
}

/// `total ÷ parts`, rounded half up (totals are never negative here).
fn average(total: i64, parts: i64) -> i64 {
    (total + parts / 2) / parts
}

/// True when `recent` is below `percent`% of `usual` (and there was a usual to fall from).
fn fell_below(recent: i64, usual: i64, percent: u32) -> bool {
    usual > 0 && i128::from(recent) * 100 < i128::from(usual) * i128::from(percent)
}

/// A rep whose last 30 days' sales fell below the rules' share of their usual month.
pub fn rep_drop(trailing_fen: i64, recent_fen: i64, rules: &AlertRules) -> Option<Alert> {
    let usual_monthly_fen = average(trailing_fen, TRAILING_MONTHS);
    fell_below(recent_fen, usual_monthly_fen, rules.rep_drop_percent).then_some(Alert::RepDrop {
        usual_monthly_fen,
        recent_fen,
    })
}

/// What the job knows of a customer's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderHistory {
    pub first_on: NaiveDate,
    pub last_on: NaiveDate,
    /// Days on which they ordered (several orders on one day are one purchase).
    pub order_days: i64,
    /// Sales in the last 90 days, and in the 360 days before them.
    pub recent_fen: i64,
    pub trailing_fen: i64,
}

/// A customer who is late for their next order, or failing that whose sales fell sharply. Both
/// need a usual interval (the mean gap between the first and last of at least three order days);
/// the drop is judged only for customers who usually order at least twice in the 90 days looked at,
/// since a quiet quarter says nothing about a customer who orders every few months.
pub fn customer_alert(
    history: &OrderHistory,
    today: NaiveDate,
    rules: &AlertRules,
) -> Option<Alert> {
    if history.order_days < 3 {
        return None;
    }
    let days_since = (today - history.last_on).num_days();
    let usual_interval_days = Ord::max(
        average(
            (history.last_on - history.first_on).num_days(),
            history.order_days - 1,
        ),
        1,
    );
    if days_since > usual_interval_days * i64::from(rules.overdue_multiple) {
        return Some(Alert::CustomerOverdue {
            usual_interval_days,
            days_since,
            last_order_on: history.last_on,
        });
    }
    if usual_interval_days * 2 > CUSTOMER_RECENT_DAYS {
        return None;
    }
    let usual_quarterly_fen = average(history.trailing_fen, CUSTOMER_TRAILING_QUARTERS);
    fell_below(
        history.recent_fen,
        usual_quarterly_fen,
        rules.customer_drop_percent,
    )
    .then_some(Alert::CustomerDrop {
        usual_quarterly_fen,
        recent_fen: history.recent_fen,
    })
}

/// An open deal that has sat in its stage longer than the stage allows.
pub fn stale_deal(days_in_stage: i64, stale_after_days: Option<u32>) -> Option<Alert> {
    let limit = i64::from(stale_after_days?);
    (days_in_stage > limit).then_some(Alert::StaleDeal {
        days_in_stage,
        stale_after_days: limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_rep_usually_at_100k_a_month_with_9k_in_the_last_30_days_is_flagged() {
        let rules = AlertRules::default();
        assert_eq!(
            rep_drop(600_000_00, 9_000_00, &rules),
            Some(Alert::RepDrop {
                usual_monthly_fen: 100_000_00,
                recent_fen: 9_000_00
            })
        );
        // Exactly half is not below half.
        assert_eq!(rep_drop(600_000_00, 50_000_00, &rules), None);
        assert!(rep_drop(600_000_00, 49_999_99, &rules).is_some());
        // Nothing to fall from: a new rep is not flagged.
        assert_eq!(rep_drop(0, 0, &rules), None);
        // A stricter company flags earlier.
        assert!(rep_drop(
            600_000_00,
            70_000_00,
            &AlertRules {
                rep_drop_percent: 80,
                ..rules
            }
        )
        .is_some());
    }

    fn history(
        first: NaiveDate,
        last: NaiveDate,
        order_days: i64,
        recent_fen: i64,
        trailing_fen: i64,
    ) -> OrderHistory {
        OrderHistory {
            first_on: first,
            last_on: last,
            order_days,
            recent_fen,
            trailing_fen,
        }
    }

    #[test]
    fn a_monthly_buyer_silent_for_more_than_two_months_is_overdue() {
        let rules = AlertRules::default();
        // Seven order days from Jan 1 to Jul 1 (181 days): every 30 days (181 ÷ 6 = 30.17, rounded).
        let monthly = history(day(2026, 1, 1), day(2026, 7, 1), 7, 100_00, 0);
        assert_eq!(
            customer_alert(&monthly, day(2026, 8, 30), &rules),
            None,
            "60 days is not more than twice 30"
        );
        assert_eq!(
            customer_alert(&monthly, day(2026, 8, 31), &rules),
            Some(Alert::CustomerOverdue {
                usual_interval_days: 30,
                days_since: 61,
                last_order_on: day(2026, 7, 1)
            })
        );
        // Two order days are one interval: not enough to call it usual, so only the drop rule applies.
        let twice = history(day(2026, 1, 1), day(2026, 2, 1), 2, 0, 0);
        assert_eq!(customer_alert(&twice, day(2026, 12, 1), &rules), None);
    }

    #[test]
    fn a_customer_whose_quarter_fell_below_half_of_their_usual_quarter_is_flagged() {
        let rules = AlertRules::default();
        // Bought yesterday (not overdue), ¥1,000 a quarter usually, ¥400 in the last 90 days.
        let dropping = history(day(2025, 1, 1), day(2026, 9, 29), 20, 400_00, 4_000_00);
        assert_eq!(
            customer_alert(&dropping, day(2026, 9, 30), &rules),
            Some(Alert::CustomerDrop {
                usual_quarterly_fen: 1_000_00,
                recent_fen: 400_00
            })
        );
        let steady = OrderHistory {
            recent_fen: 900_00,
            ..dropping
        };
        assert_eq!(customer_alert(&steady, day(2026, 9, 30), &rules), None);
        // Every 86 days: a quarter without an order is their rhythm, not a drop (nor late yet).
        let quarterly = history(day(2025, 1, 1), day(2026, 6, 1), 7, 0, 4_000_00);
        assert_eq!(customer_alert(&quarterly, day(2026, 9, 30), &rules), None);
        // Too few orders to know their rhythm.
        assert_eq!(
            customer_alert(
                &OrderHistory {
                    order_days: 2,
                    ..dropping
                },
                day(2026, 9, 30),
                &rules
            ),
            None
        );
    }

    #[test]
    fn a_deal_is_stale_only_past_its_stages_limit() {
        assert_eq!(
            stale_deal(15, Some(14)),
            Some(Alert::StaleDeal {
                days_in_stage: 15,
                stale_after_days: 14
            })
        );
        assert_eq!(stale_deal(14, Some(14)), None);
        assert_eq!(
            stale_deal(400, None),
            None,
            "a stage without a limit never goes stale"
        );
    }

    #[test]
    fn alerts_round_trip_through_their_stored_json() {
        let alert = Alert::CustomerOverdue {
            usual_interval_days: 30,
            days_since: 61,
            last_order_on: day(2026, 7, 1),
        };
        let json = serde_json::to_string(&alert).unwrap();
        assert!(json.contains("\"kind\":\"customer_overdue\""), "{json}");
        assert_eq!(serde_json::from_str::<Alert>(&json).unwrap(), alert);
        assert_eq!(
            AlertKind::parse(alert.kind().as_str()),
            Some(AlertKind::CustomerOverdue)
        );
    }

    proptest! {
        #[test]
        fn a_rep_is_flagged_exactly_when_recent_sales_are_below_the_share(trailing in 0i64..1_000_000_000, recent in 0i64..1_000_000_000, percent in 1u32..100) {
            let rules = AlertRules { rep_drop_percent: percent, ..AlertRules::default() };
            let usual = (trailing + 3) / 6;
            let flagged = rep_drop(trailing, recent, &rules).is_some();
            prop_assert_eq!(flagged, usual > 0 && (recent as f64) < usual as f64 * f64::from(percent) / 100.0);
        }

        #[test]
        fn more_sales_never_raise_a_drop_alert(trailing in 0i64..1_000_000_000, recent in 0i64..1_000_000_000, more in 0i64..1_000_000) {
            let rules = AlertRules::default();
            if rep_drop(trailing, recent, &rules).is_none() {
                prop_assert!(rep_drop(trailing, recent + more, &rules).is_none());
            }
        }

        #[test]
        fn waiting_longer_never_clears_an_overdue_customer(gap in 1i64..400, days in 3i64..30, since in 0i64..2000, later in 0i64..400) {
            let first = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
            let last = first + chrono::Duration::days(gap * (days - 1));
            let h = OrderHistory { first_on: first, last_on: last, order_days: days, recent_fen: 0, trailing_fen: 0 };
            let rules = AlertRules::default();
            let today = last + chrono::Duration::days(since);
            let overdue = |day: NaiveDate| matches!(customer_alert(&h, day, &rules), Some(Alert::CustomerOverdue { .. }));
            if overdue(today) {
                prop_assert!(overdue(today + chrono::Duration::days(later)), "cleared by waiting");
            }
        }
    }
}
