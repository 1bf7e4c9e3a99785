//! The funnel of a cohort of deals: how many reached each open stage, what share of them went on
//! to the next stage (the last open stage's next step is a win), how long a deal stays in each
//! stage, and where a rep falls furthest behind their team.
use serde::{Deserialize, Serialize};
use std::ops::AddAssign;

/// A cohort counted by how far each deal got (summed per owner by the database).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    /// Deals not won, by the index of the furthest open stage they entered (open deals still
    /// there, lost deals that left the funnel there).
    pub stopped_at: Vec<u64>,
    /// Won deals: they passed every open stage, even one they were dragged over.
    pub won: u64,
}

impl Reach {
    pub fn new(open_stages: usize) -> Reach {
        Reach {
            stopped_at: vec![0; open_stages],
            won: 0,
        }
    }

    pub fn deals(&self) -> u64 {
        self.stopped_at.iter().sum::<u64>() + self.won
    }
}

impl AddAssign<&Reach> for Reach {
    fn add_assign(&mut self, other: &Reach) {
        if self.stopped_at.len() < other.stopped_at.len() {
            self.stopped_at.resize(other.stopped_at.len(), 0);
        }
        for (mine, theirs) in self.stopped_at.iter_mut().zip(&other.stopped_at) {
            *mine += theirs;
        }
        self.won += other.won;
    }
}

/// Completed stays in one stage: their count and total length in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTime {
    pub stays: u64,
    pub seconds: i64,
}

impl AddAssign for StageTime {
    fn add_assign(&mut self, other: StageTime) {
        self.stays += other.stays;
        self.seconds += other.seconds;
    }
}

impl StageTime {
    /// Average days per stay in tenths (35 = 3.5 days), rounded half up; None without stays.
    pub fn average_tenths(&self) -> Option<i64> {
        (self.stays > 0).then(|| {
            let (numerator, denominator) = (self.seconds as i128 * 10, self.stays as i128 * 86_400);
            ((numerator * 2 + denominator) / (denominator * 2)) as i64
        })
    }
}

/// One open stage of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Deals that entered the stage or went past it.
    pub reached: u64,
    /// Of those, the ones that went on to the next stage (for the last open stage: were won).
    pub advanced: u64,
    /// advanced ÷ reached in basis points, rounded half up; None when nothing reached the stage.
    pub conversion_bp: Option<i64>,
    pub average_days_tenths: Option<i64>,
}

/// The funnel's steps from a cohort's reach and its time per stage (`times` by open stage).
pub fn steps(reach: &Reach, times: &[StageTime]) -> Vec<Step> {
    let stages = reach.stopped_at.len();
    // reached[k] = won + deals that stopped at k or later.
    let mut reached = vec![0u64; stages + 1];
    reached[stages] = reach.won;
    for k in (0..stages).rev() {
        reached[k] = reached[k + 1] + reach.stopped_at[k];
    }
    (0..stages)
        .map(|k| Step {
            reached: reached[k],
            advanced: reached[k + 1],
            conversion_bp: (reached[k] > 0).then(|| {
                ((reached[k + 1] as u128 * 20_000 + reached[k] as u128) / (reached[k] as u128 * 2))
                    as i64
            }),
            average_days_tenths: times.get(k).and_then(StageTime::average_tenths),
        })
        .collect()
}

/// The stage whose conversion is furthest below the team's (index, gap in basis points); None
/// when the rep is at or above the team everywhere they can be compared.
pub fn furthest_behind(rep: &[Step], team: &[Step]) -> Option<(usize, i64)> {
    rep.iter()
        .zip(team)
        .enumerate()
        .filter_map(|(index, (mine, theirs))| Some((index, theirs.conversion_bp? - mine.conversion_bp?)))
        .filter(|(_, gap)| *gap > 0)
        // The earliest stage wins a tie: a leak early in the funnel costs every later stage.
        .fold(None, |best: Option<(usize, i64)>, candidate| match best {
            Some(best) if best.1 >= candidate.1 => Some(best),
            _ => Some(candidate),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reach_accumulates_from_the_end_of_the_funnel() {
        // 10 deals: 4 stopped at stage 0, 3 at stage 1, 1 at stage 2, 2 won.
        let reach = Reach {
            stopped_at: vec![4, 3, 1],
            won: 2,
        };
        let days = |d: i64, stays: u64| StageTime {
            stays,
            seconds: d * 86_400,
        };
        let steps = steps(&reach, &[days(30, 10), days(7, 2), StageTime::default()]);
        assert_eq!(
            steps
                .iter()
                .map(|s| (s.reached, s.advanced))
                .collect::<Vec<_>>(),
            [(10, 6), (6, 3), (3, 2)]
        );
        // 6/10 = 60.00%, 3/6 = 50.00%, 2/3 = 66.67%.
        assert_eq!(
            steps.iter().map(|s| s.conversion_bp).collect::<Vec<_>>(),
            [Some(6000), Some(5000), Some(6667)]
        );
        assert_eq!(
            steps
                .iter()
                .map(|s| s.average_days_tenths)
                .collect::<Vec<_>>(),
            [Some(30), Some(35), None]
        );
        assert_eq!(reach.deals(), 10);
    }

    #[test]
    fn an_empty_cohort_has_no_rates() {
        let steps = steps(&Reach::new(2), &[]);
        assert_eq!(
            steps
                .iter()
                .map(|s| (s.reached, s.conversion_bp))
                .collect::<Vec<_>>(),
            [(0, None), (0, None)]
        );
    }

    #[test]
    fn stays_are_averaged_in_tenths_of_a_day_rounded_half_up() {
        // 1.25 days → 12.5 tenths → 13; 36 hours → 15.
        assert_eq!(
            StageTime {
                stays: 4,
                seconds: 5 * 86_400
            }
            .average_tenths(),
            Some(13)
        );
        assert_eq!(
            StageTime {
                stays: 1,
                seconds: 36 * 3_600
            }
            .average_tenths(),
            Some(15)
        );
    }

    #[test]
    fn the_rep_falls_furthest_behind_where_the_gap_is_largest() {
        let step = |bp: Option<i64>| Step {
            reached: 1,
            advanced: 1,
            conversion_bp: bp,
            average_days_tenths: None,
        };
        let team = [step(Some(6000)), step(Some(5000)), step(Some(4000))];
        assert_eq!(
            furthest_behind(
                &[step(Some(5500)), step(Some(2000)), step(Some(3900))],
                &team
            ),
            Some((1, 3000))
        );
        assert_eq!(
            furthest_behind(&[step(Some(7000)), step(Some(5000)), step(None)], &team),
            None,
            "ahead or level everywhere"
        );
        assert_eq!(
            furthest_behind(
                &[step(Some(5000)), step(Some(4000)), step(Some(5000))],
                &team
            ),
            Some((0, 1000)),
            "a tie goes to the earlier stage"
        );
    }

    proptest! {
        #[test]
        fn every_step_keeps_what_it_passes_on(stopped in proptest::collection::vec(0u64..1_000, 1..8), won in 0u64..1_000) {
            let reach = Reach { stopped_at: stopped.clone(), won };
            let steps = steps(&reach, &[]);
            prop_assert_eq!(steps[0].reached, reach.deals());
            for pair in steps.windows(2) {
                prop_assert_eq!(pair[0].advanced, pair[1].reached);
                prop_assert!(pair[1].reached <= pair[0].reached);
            }
            prop_assert_eq!(steps.last().unwrap().advanced, won);
            for step in &steps {
                if let Some(bp) = step.conversion_bp {
                    prop_assert!((0..=10_000).contains(&bp));
                }
            }
        }

        #[test]
        fn merging_reaches_adds_every_count(a in proptest::collection::vec(0u64..100, 0..6), b in proptest::collection::vec(0u64..100, 0..6), won in (0u64..50, 0u64..50)) {
            let mut merged = Reach { stopped_at: a.clone(), won: won.0 };
            merged += &Reach { stopped_at: b.clone(), won: won.1 };
            prop_assert_eq!(merged.deals(), a.iter().sum::<u64>() + b.iter().sum::<u64>() + won.0 + won.1);
        }
    }
}
