//! Pipeline rules (groundwork for the Pipeline issue): where a dropped card goes in its column,
//! weighted amounts, when a card turns amber or red, and the default funnel.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Gap between neighbouring cards when a column is numbered afresh: room for many drops between
/// two cards before the column needs numbering again.
pub const POSITION_STEP: i64 = 1 << 16;

/// The position for a card dropped between `before` (the card above, if any) and `after` (the card
/// below). None when the two are adjacent: the column must be renumbered (`renumbered`) first.
pub fn position_between(before: Option<i64>, after: Option<i64>) -> Option<i64> {
    match (before, after) {
        (None, None) => Some(POSITION_STEP),
        (Some(above), None) => above.checked_add(POSITION_STEP),
        (None, Some(below)) => {
            Some(below.checked_sub(POSITION_STEP).unwrap_or(below / 2)).filter(|p| *p < below)
        }
        (Some(above), Some(below)) if below > above + 1 => Some(above + (below - above) / 2),
        (Some(_), Some(_)) => None,
    }
}

/// Fresh, evenly spaced positions for a column of `count` cards, in their current order.
pub fn renumbered(count: usize) -> Vec<i64> {
    (1..=count as i64).map(|n| n * POSITION_STEP).collect()
}

/// `amount_fen` × `probability_percent` / 100, rounded half away from zero to the fen, computed in
/// integers so a column's weighted sum is exact.
pub fn weighted_fen(amount_fen: i64, probability_percent: u8) -> i64 {
    let product = i128::from(amount_fen) * i128::from(probability_percent.min(100));
    let rounded = if product >= 0 {
        (product + 50) / 100
    } else {
        (product - 50) / 100
    };
    rounded as i64
}

/// How a card warns: amber when it has sat in its stage too long, red when its expected close date
/// has passed (red wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardAlert {
    None,
    Stale,
    Overdue,
}

pub fn card_alert(
    days_in_stage: i64,
    stale_after_days: Option<u32>,
    expected_close: Option<NaiveDate>,
    today: NaiveDate,
    closed: bool,
) -> CardAlert {
    if closed {
        return CardAlert::None;
    }
    if expected_close.is_some_and(|date| date < today) {
        return CardAlert::Overdue;
    }
    match stale_after_days {
        Some(limit) if days_in_stage > i64::from(limit) => CardAlert::Stale,
        _ => CardAlert::None,
    }
}

/// One stage of a pipeline as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSpec {
    pub key: &'static str,
    pub probability_percent: u8,
    pub won: bool,
    pub lost: bool,
    pub stale_after_days: Option<u32>,
}

/// The funnel users know: lead → first visit → needs confirmed → proposal/quote → negotiation →
/// won / lost.
pub fn default_stages() -> Vec<StageSpec> {
    let open = |key, probability_percent, stale| StageSpec {
        key,
        probability_percent,
        won: false,
        lost: false,
        stale_after_days: Some(stale),
    };
    vec![
        open("lead", 10, 14),
        open("first_visit", 20, 14),
        open("needs_confirmed", 40, 21),
        open("proposal", 60, 21),
        open("negotiation", 80, 14),
        StageSpec {
            key: "won",
            probability_percent: 100,
            won: true,
            lost: false,
            stale_after_days: None,
        },
        StageSpec {
            key: "lost",
            probability_percent: 0,
            won: false,
            lost: true,
            stale_after_days: None,
        },
    ]
}

/// The reasons a deal is lost, as shipped; admins add their own.
pub const DEFAULT_LOST_REASONS: [&str; 6] = [
    "price",
    "competitor",
    "no_budget",
    "timing",
    "no_decision",
    "other",
];

text_enum! {
    pub enum QuoteStatus {
        Draft => "draft",
        Sent => "sent",
        Accepted => "accepted",
        Rejected => "rejected",
        Expired => "expired",
    }
}

text_enum! {
    pub enum ContractStatus {
        Draft => "draft",
        Signed => "signed",
        Active => "active",
        Ended => "ended",
    }
}

text_enum! {
    /// The columns the deal table sorts by.
    pub enum DealSort {
        Updated => "updated",
        Title => "title",
        Stage => "stage",
        Amount => "amount",
        Close => "close",
        DaysInStage => "days",
    }
}

text_enum! {
    pub enum DeliveryStatus {
        Pending => "pending",
        Partial => "partial",
        Delivered => "delivered",
    }
}

/// A discount typed as a percent with up to two decimals ("12.5") → basis points; empty is none.
pub fn parse_discount_bp(raw: &str) -> Result<u16, super::forms::ErrorCode> {
    let raw = raw.trim().trim_end_matches(['%', '％']);
    if raw.is_empty() {
        return Ok(0);
    }
    match super::forms::parse_money(raw) {
        Ok(bp) if (0..=10_000).contains(&bp) => Ok(bp as u16),
        _ => Err(super::forms::ErrorCode::OutOfRange { min: 0, max: 100 }),
    }
}

/// What one unit costs after the discount, to the fen.
pub fn net_unit_price_fen(unit_price_fen: i64, discount_bp: u16) -> i64 {
    line_amount_fen(1, unit_price_fen, discount_bp)
}

/// A quote goes out from draft; once out it is accepted, rejected or expires; an expired or
/// rejected quote may still be accepted late (the customer changed their mind) but nothing
/// returns to draft: that is what revisions are for.
pub fn quote_status_may_change(from: QuoteStatus, to: QuoteStatus) -> bool {
    use QuoteStatus::*;
    matches!(
        (from, to),
        (Draft, Sent) | (Sent, Accepted | Rejected | Expired) | (Rejected | Expired, Accepted)
    )
}

/// Contracts move forward only: draft → signed → active → ended (a signed one may end early).
pub fn contract_status_may_change(from: ContractStatus, to: ContractStatus) -> bool {
    use ContractStatus::*;
    matches!(
        (from, to),
        (Draft, Signed) | (Signed, Active | Ended) | (Active, Ended)
    )
}

/// A line's amount: quantity × unit price, less a discount in basis points (1250 = 12.5 %),
/// rounded half away from zero to the fen, in integers.
pub fn line_amount_fen(quantity: i64, unit_price_fen: i64, discount_bp: u16) -> i64 {
    let gross = i128::from(quantity) * i128::from(unit_price_fen);
    let net = gross * i128::from(10_000 - discount_bp.min(10_000));
    let rounded = if net >= 0 {
        (net + 5_000) / 10_000
    } else {
        (net - 5_000) / 10_000
    };
    rounded.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// What is still owed on an order. Never negative: an overpayment is refused before it is stored.
pub fn balance_fen(amount_fen: i64, paid_fen: i64) -> i64 {
    amount_fen.saturating_sub(paid_fen).max(0)
}

/// Whole days a card has sat in its stage (a card entered today has been there 0 days).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn discounts_are_percent_with_two_decimals() {
        assert_eq!(parse_discount_bp(""), Ok(0));
        assert_eq!(parse_discount_bp("12.5"), Ok(1250));
        assert_eq!(parse_discount_bp(" 5% "), Ok(500));
        assert_eq!(parse_discount_bp("100"), Ok(10_000));
        for bad in ["100.01", "-1", "abc", "1.234"] {
            assert_eq!(
                parse_discount_bp(bad),
                Err(super::super::forms::ErrorCode::OutOfRange { min: 0, max: 100 }),
                "{bad}"
            );
        }
        assert_eq!(net_unit_price_fen(100_000, 1250), 87_500);
    }

    #[test]
    fn quotes_and_contracts_only_move_forward() {
        use QuoteStatus::*;
        assert!(quote_status_may_change(Draft, Sent));
        assert!(
            quote_status_may_change(Sent, Accepted) && quote_status_may_change(Expired, Accepted)
        );
        for status in QuoteStatus::ALL {
            assert!(
                !quote_status_may_change(*status, Draft),
                "nothing returns to draft"
            );
            assert!(
                !quote_status_may_change(Accepted, *status),
                "accepted is final"
            );
        }
        assert!(
            !quote_status_may_change(Draft, Accepted),
            "a quote goes out before it is accepted"
        );
        assert!(contract_status_may_change(
            ContractStatus::Draft,
            ContractStatus::Signed
        ));
        assert!(!contract_status_may_change(
            ContractStatus::Ended,
            ContractStatus::Active
        ));
    }

    #[test]
    fn drops_land_between_their_neighbours_or_ask_for_renumbering() {
        assert_eq!(position_between(None, None), Some(POSITION_STEP));
        assert_eq!(position_between(Some(100), None), Some(100 + POSITION_STEP));
        assert_eq!(position_between(None, Some(POSITION_STEP)), Some(0));
        assert_eq!(position_between(Some(10), Some(20)), Some(15));
        assert_eq!(position_between(Some(10), Some(11)), None);
        assert_eq!(
            position_between(Some(i64::MAX), None),
            None,
            "no overflow at the end of a column"
        );
        assert_eq!(
            renumbered(3),
            vec![POSITION_STEP, 2 * POSITION_STEP, 3 * POSITION_STEP]
        );
    }

    #[test]
    fn weighted_amounts_round_half_away_from_zero_to_the_fen() {
        assert_eq!(weighted_fen(1_000_000, 35), 350_000);
        assert_eq!(weighted_fen(333, 50), 167);
        assert_eq!(weighted_fen(-333, 50), -167);
        assert_eq!(weighted_fen(999, 0), 0);
        assert_eq!(weighted_fen(999, 150), 999, "probability is capped at 100%");
        assert_eq!(
            weighted_fen(i64::MAX, 100),
            i64::MAX,
            "no overflow for huge amounts"
        );
    }

    #[test]
    fn overdue_beats_stale_and_closed_cards_never_warn() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let yesterday = today.pred_opt();
        assert_eq!(
            card_alert(3, Some(14), yesterday, today, false),
            CardAlert::Overdue
        );
        assert_eq!(
            card_alert(30, Some(14), yesterday, today, false),
            CardAlert::Overdue
        );
        assert_eq!(
            card_alert(15, Some(14), Some(today), today, false),
            CardAlert::Stale
        );
        assert_eq!(
            card_alert(14, Some(14), None, today, false),
            CardAlert::None
        );
        assert_eq!(card_alert(99, None, None, today, false), CardAlert::None);
        assert_eq!(
            card_alert(99, Some(1), yesterday, today, true),
            CardAlert::None
        );
    }

    #[test]
    fn the_default_funnel_rises_in_probability_and_ends_won_and_lost() {
        let stages = default_stages();
        let open: Vec<u8> = stages
            .iter()
            .filter(|s| !s.won && !s.lost)
            .map(|s| s.probability_percent)
            .collect();
        assert!(open.windows(2).all(|w| w[0] < w[1]), "{open:?}");
        assert_eq!(stages.iter().filter(|s| s.won).count(), 1);
        assert_eq!(stages.iter().filter(|s| s.lost).count(), 1);
    }

    proptest! {
        #[test]
        fn a_position_between_two_cards_is_strictly_between_them(above in -1_000_000_000i64..1_000_000_000, gap in 0i64..1_000_000) {
            let below = above + gap;
            match position_between(Some(above), Some(below)) {
                Some(p) => prop_assert!(above < p && p < below),
                None => prop_assert!(gap <= 1),
            }
        }

        #[test]
        fn repeated_drops_at_the_top_stay_ordered(drops in 1usize..200) {
            let mut top = POSITION_STEP;
            for _ in 0..drops {
                match position_between(None, Some(top)) {
                    Some(p) => { prop_assert!(p < top); top = p; }
                    None => break,
                }
            }
        }

        #[test]
        fn weighted_never_exceeds_the_amount(amount in 0i64..i64::MAX / 2, probability in 0u8..=100) {
            let weighted = weighted_fen(amount, probability);
            prop_assert!((0..=amount).contains(&weighted));
        }
    }

    #[test]
    fn line_amounts_apply_the_discount_exactly() {
        assert_eq!(line_amount_fen(3, 10_000, 0), 30_000);
        assert_eq!(line_amount_fen(3, 10_000, 1_250), 26_250);
        assert_eq!(
            line_amount_fen(1, 333, 5_000),
            167,
            "half a fen rounds away from zero"
        );
        assert_eq!(
            line_amount_fen(2, 999, 10_000),
            0,
            "a full discount is free"
        );
        assert_eq!(
            line_amount_fen(1, 100, 20_000),
            0,
            "discounts are capped at 100%"
        );
        assert_eq!(
            line_amount_fen(-2, 500, 0),
            -1_000,
            "a return line is negative"
        );
    }

    #[test]
    fn balances_never_go_negative() {
        assert_eq!(balance_fen(10_000, 2_500), 7_500);
        assert_eq!(balance_fen(10_000, 10_000), 0);
        assert_eq!(balance_fen(10_000, 12_000), 0);
    }

    proptest! {
        #[test]
        fn a_discounted_line_never_exceeds_the_undiscounted_one(quantity in 0i64..100_000, price in 0i64..100_000_000, discount in 0u16..=10_000) {
            let full = line_amount_fen(quantity, price, 0);
            let discounted = line_amount_fen(quantity, price, discount);
            prop_assert!((0..=full).contains(&discounted));
        }
    }
}
