//! The sales forecast for a period: what is already won, what the open deals promise weighted by
//! their stage's probability, the best case, and how often deals that reached each stage were
//! actually won (measured from stage history, to check the configured probabilities against).
use super::pipeline::weighted_fen;
use serde::{Deserialize, Serialize};

/// How far a closed deal got before it was decided: the index of the furthest open stage it
/// entered (in funnel order), and whether it was won. A won deal passed every open stage, even
/// one it was dragged over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Journey {
    pub furthest_open_stage: usize,
    pub won: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    /// Closed deals that reached the stage (or went past it).
    pub reached: u32,
    /// Of those, the ones won.
    pub won: u32,
}

impl Conversion {
    /// Whole percent, rounded half up; None before any deal reached the stage.
    pub fn percent(self) -> Option<u8> {
        (self.reached > 0).then(|| {
            ((self.won as u64 * 200 + self.reached as u64) / (self.reached as u64 * 2)) as u8
        })
    }
}

/// Conversion per open stage (`open_stages` in funnel order).
pub fn stage_conversion(
    open_stages: usize,
    journeys: impl IntoIterator<Item = Journey>,
) -> Vec<Conversion> {
    let mut conversions = vec![Conversion::default(); open_stages];
    for journey in journeys {
        let furthest = if journey.won {
            open_stages.saturating_sub(1)
        } else {
            journey
                .furthest_open_stage
                .min(open_stages.saturating_sub(1))
        };
        for conversion in conversions.iter_mut().take(furthest + 1) {
            conversion.reached += 1;
            conversion.won += journey.won as u32;
        }
    }
    conversions
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Won in the period.
    pub won_fen: i64,
    /// Open deals expected to close in the period, at full amount.
    pub open_fen: i64,
    /// Won plus open deals weighted by their stage's configured probability.
    pub weighted_fen: i64,
    /// Won plus open deals weighted by their stage's measured conversion (configured probability
    /// where nothing was measured yet).
    pub historical_fen: i64,
    /// Won plus every open deal expected in the period.
    pub best_case_fen: i64,
    pub open_deals: u32,
    pub won_deals: u32,
}

/// Open deals of one stage expected to close in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenDeals {
    pub deals: u32,
    pub amount_fen: i64,
    pub probability_percent: u8,
    pub measured_percent: Option<u8>,
}

impl Figures {
    pub fn add_won(&mut self, deals: u32, amount_fen: i64) {
        self.won_fen += amount_fen;
        self.weighted_fen += amount_fen;
        self.historical_fen += amount_fen;
        self.best_case_fen += amount_fen;
        self.won_deals += deals;
    }

    pub fn add_open(&mut self, deal: OpenDeals) {
        self.open_fen += deal.amount_fen;
        self.weighted_fen += weighted_fen(deal.amount_fen, deal.probability_percent);
        self.historical_fen += weighted_fen(
            deal.amount_fen,
            deal.measured_percent.unwrap_or(deal.probability_percent),
        );
        self.best_case_fen += deal.amount_fen;
        self.open_deals += deal.deals;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn conversion_counts_deals_that_went_past_a_stage() {
        let journeys = [
            Journey {
                furthest_open_stage: 0,
                won: false,
            },
            Journey {
                furthest_open_stage: 2,
                won: false,
            },
            // Dragged straight from the first stage to won: it passed every stage.
            Journey {
                furthest_open_stage: 0,
                won: true,
            },
            Journey {
                furthest_open_stage: 3,
                won: true,
            },
        ];
        let conversions = stage_conversion(4, journeys);
        assert_eq!(
            conversions,
            vec![
                Conversion { reached: 4, won: 2 },
                Conversion { reached: 3, won: 2 },
                Conversion { reached: 3, won: 2 },
                Conversion { reached: 2, won: 2 },
            ]
        );
        assert_eq!(conversions[0].percent(), Some(50));
        assert_eq!(conversions[1].percent(), Some(67));
        assert_eq!(Conversion::default().percent(), None);
    }

    #[test]
    fn figures_add_up() {
        let mut figures = Figures::default();
        figures.add_won(1, 100_00);
        figures.add_open(OpenDeals {
            deals: 3,
            amount_fen: 1_000_00,
            probability_percent: 40,
            measured_percent: Some(10),
        });
        figures.add_open(OpenDeals {
            deals: 1,
            amount_fen: 500_00,
            probability_percent: 80,
            measured_percent: None,
        });
        assert_eq!(figures.won_fen, 100_00);
        assert_eq!(figures.open_fen, 1_500_00);
        assert_eq!(figures.weighted_fen, 100_00 + 400_00 + 400_00);
        assert_eq!(figures.historical_fen, 100_00 + 100_00 + 400_00);
        assert_eq!(figures.best_case_fen, 1_600_00);
        assert_eq!((figures.won_deals, figures.open_deals), (1, 4));
    }

    proptest! {
        /// Further stages are reached by no more deals than earlier ones, nobody is won more often
        /// than reached, and the first stage sees every closed deal.
        #[test]
        fn conversion_is_a_funnel(journeys in proptest::collection::vec((0usize..8, any::<bool>()), 0..200), stages in 1usize..8) {
            let journeys: Vec<Journey> = journeys.into_iter().map(|(furthest_open_stage, won)| Journey { furthest_open_stage, won }).collect();
            let conversions = stage_conversion(stages, journeys.iter().copied());
            prop_assert_eq!(conversions[0].reached as usize, journeys.len());
            prop_assert_eq!(conversions[0].won as usize, journeys.iter().filter(|j| j.won).count());
            for pair in conversions.windows(2) {
                prop_assert!(pair[1].reached <= pair[0].reached);
                prop_assert_eq!(pair[1].won, pair[0].won);
            }
            for c in &conversions {
                prop_assert!(c.won <= c.reached);
                prop_assert!(c.percent().unwrap_or(0) <= 100);
            }
        }

        /// Weighted never exceeds the best case and never falls below what is already won.
        #[test]
        fn weighted_lies_between_won_and_best_case(won in proptest::collection::vec(0i64..10_000_000_00, 0..20), open in proptest::collection::vec((0i64..10_000_000_00, 0u8..=100, proptest::option::of(0u8..=100)), 0..40)) {
            let mut figures = Figures::default();
            won.iter().for_each(|amount| figures.add_won(1, *amount));
            open.iter().for_each(|(amount_fen, probability_percent, measured_percent)| figures.add_open(OpenDeals { deals: 1, amount_fen: *amount_fen, probability_percent: *probability_percent, measured_percent: *measured_percent }));
            prop_assert!(figures.won_fen <= figures.weighted_fen && figures.weighted_fen <= figures.best_case_fen);
            prop_assert!(figures.won_fen <= figures.historical_fen && figures.historical_fen <= figures.best_case_fen);
            prop_assert_eq!(figures.best_case_fen, figures.won_fen + figures.open_fen);
        }
    }
}
