//! A rep's performance over a period: what they did (counted in SQL), the rates derived from it,
//! and the leaderboard order.
use super::{rounded_ratio, share_bp};
use serde::{Deserialize, Serialize};
use std::ops::AddAssign;

/// Activity and results of one rep (or a sum of reps) in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Customers whose first order in the company's history fell in the period, credited to the
    /// rep who took that order.
    pub new_customers: i64,
    /// Customers moved up to the prospect stage (准客户) in the period.
    pub prospects: i64,
    pub follow_ups: i64,
    /// Follow-ups of the kind "visit".
    pub visits: i64,
    /// First revisions of quotes (a revised quote is the same quote).
    pub quotes: i64,
    pub orders: i64,
    pub sales_fen: i64,
    pub gross_profit_fen: i64,
    pub payments_fen: i64,
    /// Deals closed in the period, won and lost.
    pub won: i64,
    pub lost: i64,
    pub won_value_fen: i64,
    /// Over the won deals: days from the deal's creation to its close, summed.
    pub won_cycle_days: i64,
}

impl AddAssign for Activity {
    fn add_assign(&mut self, other: Activity) {
        self.new_customers += other.new_customers;
        self.prospects += other.prospects;
        self.follow_ups += other.follow_ups;
        self.visits += other.visits;
        self.quotes += other.quotes;
        self.orders += other.orders;
        self.sales_fen += other.sales_fen;
        self.gross_profit_fen += other.gross_profit_fen;
        self.payments_fen += other.payments_fen;
        self.won += other.won;
        self.lost += other.lost;
        self.won_value_fen += other.won_value_fen;
        self.won_cycle_days += other.won_cycle_days;
    }
}

impl Activity {
    /// Won ÷ (won + lost) in basis points (5000 = 50.00%); None before any deal closed.
    pub fn win_rate_bp(&self) -> Option<i64> {
        share_bp(self.won, self.won + self.lost)
    }

    /// Won value ÷ won deals, in fen.
    pub fn average_deal_fen(&self) -> Option<i64> {
        rounded_ratio(self.won_value_fen, self.won)
    }

    /// Average days from creation to a win, in tenths of a day (125 = 12.5 days).
    pub fn sales_cycle_tenths(&self) -> Option<i64> {
        rounded_ratio(self.won_cycle_days * 10, self.won)
    }

    /// The figure the leaderboard ranks by; rates without data rank below every real rate.
    pub fn value_of(&self, metric: RankBy) -> i64 {
        match metric {
            RankBy::Sales => self.sales_fen,
            RankBy::GrossProfit => self.gross_profit_fen,
            RankBy::Payments => self.payments_fen,
            RankBy::NewCustomers => self.new_customers,
            RankBy::Prospects => self.prospects,
            RankBy::FollowUps => self.follow_ups,
            RankBy::Visits => self.visits,
            RankBy::Quotes => self.quotes,
            RankBy::Orders => self.orders,
            RankBy::WinRate => self.win_rate_bp().unwrap_or(-1),
            RankBy::AverageDeal => self.average_deal_fen().unwrap_or(-1),
        }
    }
}

text_enum! {
    /// What the leaderboard is ordered by.
    pub enum RankBy {
        Sales => "sales",
        GrossProfit => "gross_profit",
        Payments => "payments",
        NewCustomers => "new_customers",
        Prospects => "prospects",
        FollowUps => "follow_ups",
        Visits => "visits",
        Quotes => "quotes",
        Orders => "orders",
        WinRate => "win_rate",
        AverageDeal => "average_deal",
    }
}

/// Ranks people by a metric, highest first. Equal figures share a rank and the next rank skips
/// (1, 2, 2, 4); within a rank, the given order (e.g. by name) is kept.
pub fn leaderboard<T>(people: Vec<(T, Activity)>, metric: RankBy) -> Vec<(u32, T, Activity)> {
    let mut people = people;
    people.sort_by_key(|(_, activity)| std::cmp::Reverse(activity.value_of(metric)));
    let mut ranked = Vec::with_capacity(people.len());
    let mut previous: Option<(i64, u32)> = None;
    for (index, (person, activity)) in people.into_iter().enumerate() {
        let value = activity.value_of(metric);
        let rank = match previous {
            Some((last, rank)) if last == value => rank,
            _ => index as u32 + 1,
        };
        previous = Some((value, rank));
        ranked.push((rank, person, activity));
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sales(fen: i64) -> Activity {
        Activity {
            sales_fen: fen,
            ..Activity::default()
        }
    }

    #[test]
    fn rates_are_rounded_half_away_from_zero() {
        let activity = Activity {
            won: 2,
            lost: 1,
            won_value_fen: 1_000_01,
            won_cycle_days: 25,
            ..Activity::default()
        };
        // 2 of 3 = 66.666…% → 6667 bp; 100001 ÷ 2 = 50000.5 → 50001; 25 days ÷ 2 = 12.5 days.
        assert_eq!(activity.win_rate_bp(), Some(6667));
        assert_eq!(activity.average_deal_fen(), Some(50_001));
        assert_eq!(activity.sales_cycle_tenths(), Some(125));
        let one_of_eight = Activity {
            won: 1,
            lost: 7,
            ..Activity::default()
        };
        assert_eq!(one_of_eight.win_rate_bp(), Some(1250));
    }

    #[test]
    fn rates_without_deals_are_unknown_and_rank_last() {
        let none = Activity::default();
        assert_eq!(
            (
                none.win_rate_bp(),
                none.average_deal_fen(),
                none.sales_cycle_tenths()
            ),
            (None, None, None)
        );
        let lost_only = Activity {
            lost: 3,
            ..Activity::default()
        };
        assert_eq!(lost_only.win_rate_bp(), Some(0));
        let ranked = leaderboard(vec![("none", none), ("lost", lost_only)], RankBy::WinRate);
        assert_eq!(
            ranked
                .iter()
                .map(|(rank, who, _)| (*rank, *who))
                .collect::<Vec<_>>(),
            [(1, "lost"), (2, "none")]
        );
    }

    #[test]
    fn equal_figures_share_a_rank_and_keep_their_order() {
        let ranked = leaderboard(
            vec![
                ("b", sales(5)),
                ("a", sales(9)),
                ("c", sales(5)),
                ("d", sales(1)),
            ],
            RankBy::Sales,
        );
        assert_eq!(
            ranked
                .iter()
                .map(|(rank, who, _)| (*rank, *who))
                .collect::<Vec<_>>(),
            [(1, "a"), (2, "b"), (2, "c"), (4, "d")]
        );
    }

    #[test]
    fn negative_gross_profit_ranks_below_zero() {
        let loss = Activity {
            gross_profit_fen: -500,
            ..Activity::default()
        };
        let ranked = leaderboard(
            vec![("loss", loss), ("nothing", Activity::default())],
            RankBy::GrossProfit,
        );
        assert_eq!(ranked[0].1, "nothing");
    }

    fn activity() -> impl Strategy<Value = Activity> {
        (0i64..1_000, 0i64..50, 0i64..50, -1_000_000i64..100_000_000).prop_map(
            |(sales_fen, won, lost, gross)| Activity {
                sales_fen,
                won,
                lost,
                gross_profit_fen: gross,
                won_value_fen: won * 1_000,
                ..Activity::default()
            },
        )
    }

    proptest! {
        #[test]
        fn leaderboards_are_ordered_and_complete(people in proptest::collection::vec(activity(), 0..40), metric_index in 0usize..RankBy::ALL.len()) {
            let metric = RankBy::ALL[metric_index];
            let ranked = leaderboard(people.iter().copied().enumerate().collect(), metric);
            prop_assert_eq!(ranked.len(), people.len());
            for pair in ranked.windows(2) {
                prop_assert!(pair[0].2.value_of(metric) >= pair[1].2.value_of(metric));
                prop_assert!(pair[0].0 <= pair[1].0);
                prop_assert_eq!(pair[0].0 == pair[1].0, pair[0].2.value_of(metric) == pair[1].2.value_of(metric));
            }
            // Each rank is one more than the number of people strictly ahead.
            for (rank, _, a) in &ranked {
                let ahead = people.iter().filter(|b| b.value_of(metric) > a.value_of(metric)).count();
                prop_assert_eq!(*rank as usize, ahead + 1);
            }
        }

        #[test]
        fn win_rates_stay_between_zero_and_one(won in 0i64..10_000, lost in 0i64..10_000) {
            let rate = Activity { won, lost, ..Activity::default() }.win_rate_bp();
            prop_assert_eq!(rate.is_none(), won + lost == 0);
            if let Some(bp) = rate {
                prop_assert!((0..=10_000).contains(&bp));
                // Within half a basis point of the exact ratio.
                prop_assert!(((bp * (won + lost)) - won * 10_000).abs() * 2 <= won + lost);
            }
        }
    }
}
