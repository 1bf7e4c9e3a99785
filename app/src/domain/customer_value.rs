//! What customers are worth: the buckets of the customer composition (new or returning, purchase
//! size), retention, expected remaining years and lifetime value, and a customer's trend.
//!
//! Lifetime value = average yearly gross profit × expected remaining years, where the remaining
//! years follow from the company's yearly retention r: a customer still here this year is here
//! next year with chance r, the year after with r², …, so r + r² + … = r ÷ (1 − r) years are
//! expected (capped at 20).
use super::{rounded_ratio, share_bp};

text_enum! {
    /// What a report groups customers by.
    pub enum Dimension {
        Industry => "industry",
        Region => "region",
        Size => "size",
        Stage => "stage",
        Age => "age",
    }
}

text_enum! {
    /// Whether a customer's first order fell in the period (new), before it (returning), or has
    /// not happened by its end.
    pub enum CustomerAge {
        New => "new",
        Returning => "returning",
        NoOrder => "no_order",
    }
}

text_enum! {
    /// A customer's size by what they bought in the period.
    pub enum PurchaseSize {
        Large => "large",
        Medium => "medium",
        Small => "small",
        Occasional => "occasional",
        NoPurchase => "none",
    }
}

impl PurchaseSize {
    /// The lowest purchase (fen) of each size above "occasional": ¥1,000,000, ¥100,000, ¥10,000.
    pub const FLOORS_FEN: [(PurchaseSize, i64); 3] = [
        (PurchaseSize::Large, 100_000_000),
        (PurchaseSize::Medium, 10_000_000),
        (PurchaseSize::Small, 1_000_000),
    ];

    pub fn of(sales_fen: i64) -> PurchaseSize {
        Self::FLOORS_FEN
            .iter()
            .find(|(_, floor)| sales_fen >= *floor)
            .map_or(
                if sales_fen > 0 {
                    PurchaseSize::Occasional
                } else {
                    PurchaseSize::NoPurchase
                },
                |(size, _)| *size,
            )
    }
}

/// The cap on expected remaining years, in tenths: a retention near 100% would otherwise promise
/// a customer for centuries.
pub const MAX_REMAINING_TENTHS: i64 = 200;

/// Share of one year's buyers who bought again the next year, in basis points; None when nobody
/// bought in the first year.
pub fn retention_bp(earlier_buyers: i64, kept: i64) -> Option<i64> {
    share_bp(kept, earlier_buyers)
}

/// r ÷ (1 − r) years in tenths, r given in basis points, capped at `MAX_REMAINING_TENTHS`.
pub fn remaining_years_tenths(retention_bp: i64) -> i64 {
    let retention = retention_bp.clamp(0, 10_000);
    if retention == 10_000 {
        return MAX_REMAINING_TENTHS;
    }
    rounded_ratio(retention * 10, 10_000 - retention).map_or(MAX_REMAINING_TENTHS, |tenths| {
        tenths.min(MAX_REMAINING_TENTHS)
    })
}

/// Gross profit per year of a relationship: the total ÷ the years since the first order, counting
/// at least one year so a customer of a month is not multiplied up to a year.
pub fn average_yearly_fen(total_fen: i64, relationship_days: i64) -> i64 {
    rounded_ratio(total_fen * 365, relationship_days.max(365)).unwrap_or(0)
}

/// Average yearly gross profit × expected remaining years.
pub fn lifetime_value_fen(average_yearly_fen: i64, remaining_tenths: i64) -> i64 {
    rounded_ratio(average_yearly_fen * remaining_tenths, 10).unwrap_or(0)
}

/// (after − before) ÷ before in basis points; None when there was nothing before.
pub fn change_bp(before_fen: i64, after_fen: i64) -> Option<i64> {
    (before_fen > 0)
        .then(|| share_bp(after_fen - before_fen, before_fen))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes_follow_the_floors() {
        let sizes: Vec<PurchaseSize> = [
            0,
            1,
            999_999,
            1_000_000,
            9_999_999,
            10_000_000,
            100_000_000,
            500_000_000,
        ]
        .into_iter()
        .map(PurchaseSize::of)
        .collect();
        use PurchaseSize::*;
        assert_eq!(
            sizes,
            [NoPurchase, Occasional, Occasional, Small, Small, Medium, Large, Large]
        );
    }

    #[test]
    fn remaining_years_worked_by_hand() {
        // r = 50%: 0.5 ÷ 0.5 = 1 year; r = 75%: 3 years; r = 80%: 4 years; r = 2/3: 2 years.
        assert_eq!(remaining_years_tenths(5_000), 10);
        assert_eq!(remaining_years_tenths(7_500), 30);
        assert_eq!(remaining_years_tenths(8_000), 40);
        assert_eq!(remaining_years_tenths(6_667), 20);
        assert_eq!(remaining_years_tenths(0), 0);
        // r = 96%: 24 years, capped at 20; r = 100%: the cap.
        assert_eq!(remaining_years_tenths(9_600), 200);
        assert_eq!(remaining_years_tenths(10_000), 200);
    }

    #[test]
    fn lifetime_value_worked_by_hand() {
        // ¥36,500 gross profit over two years is ¥18,250 a year; at 75% retention, 3 more years.
        let yearly = average_yearly_fen(3_650_000, 730);
        assert_eq!(yearly, 1_825_000);
        assert_eq!(
            lifetime_value_fen(yearly, remaining_years_tenths(7_500)),
            5_475_000
        );
        // A customer of 30 days counts as one year.
        assert_eq!(average_yearly_fen(100_000, 30), 100_000);
        assert_eq!(retention_bp(3, 2), Some(6_667));
        assert_eq!(retention_bp(0, 0), None);
    }

    #[test]
    fn change_against_the_year_before() {
        assert_eq!(change_bp(100_000, 150_000), Some(5_000));
        assert_eq!(change_bp(100_000, 0), Some(-10_000));
        assert_eq!(change_bp(0, 50_000), None);
    }

    proptest! {
        #[test]
        fn remaining_years_grow_with_retention(a in 0i64..=10_000, b in 0i64..=10_000) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(remaining_years_tenths(low) <= remaining_years_tenths(high));
            prop_assert!(remaining_years_tenths(high) <= MAX_REMAINING_TENTHS);
        }

        #[test]
        fn a_size_is_the_highest_floor_reached(sales in 0i64..1_000_000_000) {
            let size = PurchaseSize::of(sales);
            let floor = PurchaseSize::FLOORS_FEN.iter().find(|(s, _)| *s == size).map(|(_, f)| *f);
            match floor {
                Some(floor) => prop_assert!(sales >= floor),
                None => prop_assert!(sales < PurchaseSize::FLOORS_FEN[2].1),
            }
        }
    }
}
