//! Product analysis: gross margin, stock turnover, cross ratio and contribution of a product in a
//! period, each written once here.
//!
//! - gross margin = sales − cost; margin % = gross margin ÷ sales
//! - average inventory = the mean of the month-end stock values (at cost) of the period's months
//!   that have a snapshot
//! - stock turnover = sales ÷ average inventory
//! - cross ratio = margin % × turnover (= gross margin ÷ average inventory)
//! - contribution = cross ratio × the product's share of sales
//!
//! Each ratio is worked out from the raw sums and rounded once.
use super::{rounded_ratio, share_bp};

/// What a product did in a period, summed from order lines, and its average stock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProductFigures {
    pub quantity: i64,
    pub sales_fen: i64,
    pub cost_fen: i64,
    /// None without any snapshot in the period.
    pub average_inventory_fen: Option<i64>,
}

impl ProductFigures {
    pub fn gross_margin_fen(&self) -> i64 {
        self.sales_fen - self.cost_fen
    }

    /// Gross margin ÷ sales in basis points.
    pub fn margin_bp(&self) -> Option<i64> {
        share_bp(self.gross_margin_fen(), self.sales_fen)
    }

    fn inventory(&self) -> Option<i64> {
        self.average_inventory_fen.filter(|fen| *fen > 0)
    }

    /// Sales ÷ average inventory, in hundredths (450 = 4.50 times).
    pub fn turnover_hundredths(&self) -> Option<i64> {
        self.inventory()
            .and_then(|inventory| rounded_ratio(self.sales_fen * 100, inventory))
    }

    /// Margin % × turnover, in basis points of one (13500 = 1.35).
    pub fn cross_ratio_bp(&self) -> Option<i64> {
        self.inventory()
            .and_then(|inventory| rounded_ratio(self.gross_margin_fen() * 10_000, inventory))
    }

    /// Cross ratio × share of the period's sales (`total_sales_fen`), in basis points of one.
    pub fn contribution_bp(&self, total_sales_fen: i64) -> Option<i64> {
        let inventory = self.inventory()? as i128;
        let denominator = inventory * total_sales_fen as i128;
        if denominator == 0 {
            return None;
        }
        let numerator = self.gross_margin_fen() as i128 * self.sales_fen as i128 * 10_000;
        let magnitude = (numerator.abs() * 2 + denominator) / (denominator * 2);
        Some(if numerator < 0 { -magnitude } else { magnitude } as i64)
    }
}

/// The mean of month-end stock values (their sum over `months` snapshots), rounded; None without any.
pub fn average_inventory(total_fen: i64, months: i64) -> Option<i64> {
    rounded_ratio(total_fen, months)
}

/// A month as people write it ("2026-11", "2026/11", "2026年11月", or any day in it), as its first day.
pub fn parse_month(raw: &str) -> Result<chrono::NaiveDate, super::forms::ErrorCode> {
    use super::forms::ErrorCode;
    let text = raw
        .trim()
        .trim_end_matches('月')
        .replace(['/', '年', '.'], "-");
    if text.is_empty() {
        return Err(ErrorCode::Required);
    }
    let first_of = |year: &str, month: &str| -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
    };
    let parts: Vec<&str> = text.split('-').collect();
    let found = match parts.as_slice() {
        [year, month] if year.len() == 4 => first_of(year, month),
        _ => super::import::parse_import_date(raw)
            .ok()
            .flatten()
            .and_then(|day| chrono::Datelike::with_day(&day, 1)),
    };
    found.ok_or(ErrorCode::InvalidDate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn figures_worked_out_by_hand() {
        // ¥9,000 sales at ¥6,300 cost over stock worth ¥2,000 and ¥4,000 at two month ends.
        let product = ProductFigures {
            quantity: 90,
            sales_fen: 9_000_00,
            cost_fen: 6_300_00,
            average_inventory_fen: average_inventory(6_000_00, 2),
        };
        assert_eq!(product.average_inventory_fen, Some(3_000_00));
        assert_eq!(product.gross_margin_fen(), 2_700_00);
        assert_eq!(product.margin_bp(), Some(3_000)); // 30%
        assert_eq!(product.turnover_hundredths(), Some(300)); // 3 times
        assert_eq!(product.cross_ratio_bp(), Some(9_000)); // 30% × 3 = 0.90
                                                           // Half of the period's ¥18,000 sales: 0.90 × 50% = 0.45.
        assert_eq!(product.contribution_bp(18_000_00), Some(4_500));
    }

    #[test]
    fn without_stock_there_is_no_turnover() {
        let product = ProductFigures {
            quantity: 1,
            sales_fen: 100,
            cost_fen: 50,
            average_inventory_fen: None,
        };
        assert_eq!(
            (
                product.turnover_hundredths(),
                product.cross_ratio_bp(),
                product.contribution_bp(100)
            ),
            (None, None, None)
        );
        assert_eq!(
            ProductFigures {
                average_inventory_fen: Some(0),
                ..product
            }
            .turnover_hundredths(),
            None
        );
        assert_eq!(average_inventory(0, 0), None);
        assert_eq!(ProductFigures::default().margin_bp(), None);
    }

    #[test]
    fn months_as_people_write_them() {
        let november = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        for raw in [
            "2026-11",
            "2026/11",
            "2026年11月",
            " 2026-11-30 ",
            "2026/11/5",
        ] {
            assert_eq!(parse_month(raw), Ok(november), "{raw}");
        }
        use crate::domain::forms::ErrorCode;
        assert_eq!(parse_month(""), Err(ErrorCode::Required));
        for raw in ["2026-13", "November", "26-11"] {
            assert_eq!(parse_month(raw), Err(ErrorCode::InvalidDate), "{raw}");
        }
    }

    proptest! {
        #[test]
        fn the_cross_ratio_is_the_margin_times_the_turnover(sales in 1i64..1_000_000_000, cost_share in 0i64..150, inventory in 1i64..1_000_000_000) {
            let product = ProductFigures { quantity: 1, sales_fen: sales, cost_fen: sales * cost_share / 100, average_inventory_fen: Some(inventory) };
            let exact = product.gross_margin_fen() as f64 / inventory as f64 * 10_000.0;
            let cross = product.cross_ratio_bp().unwrap() as f64;
            prop_assert!((cross - exact).abs() <= 0.5 + exact.abs() * 1e-12);
            // All of the sales: the contribution is the cross ratio itself.
            prop_assert_eq!(product.contribution_bp(sales), product.cross_ratio_bp());
        }
    }
}
