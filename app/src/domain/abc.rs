//! ABC analysis: which few customers bring most of the value.
//!
//! Customers are sorted by value, highest first (ties by id, so the result never depends on the
//! database's order). A customer is A while the cumulative share of the customers *before* it is
//! below the A threshold (80%), B while it is below the B threshold (95%), C after that. The first
//! customer is therefore always A, and a customer that crosses 80% is still A. Customers whose
//! value is zero or negative in the period (returns, loss-making deals) add nothing: they are C.
use serde::{Deserialize, Serialize};

text_enum! {
    pub enum AbcClass { A => "A", B => "B", C => "C" }
}

text_enum! {
    /// What customers are ranked by.
    pub enum AbcBasis { Sales => "sales", GrossProfit => "gross_profit" }
}

/// The thresholds in basis points of the total (8000 = 80%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AbcRule {
    pub a_bp: u32,
    pub b_bp: u32,
}

impl Default for AbcRule {
    fn default() -> Self {
        AbcRule {
            a_bp: 8000,
            b_bp: 9500,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleError {
    /// Each threshold must lie strictly between 0% and 100%.
    OutOfRange,
    /// The B threshold must be above the A threshold.
    NotIncreasing,
}

impl AbcRule {
    /// Thresholds as people type them, in whole or decimal percent ("80", "95.5").
    pub fn from_percent(a: &str, b: &str) -> Result<AbcRule, RuleError> {
        let parse = |raw: &str| -> Result<u32, RuleError> {
            let raw = raw.trim().trim_end_matches(['%', '％']);
            let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
            if whole.is_empty()
                || fraction.len() > 2
                || !whole
                    .chars()
                    .chain(fraction.chars())
                    .all(|c| c.is_ascii_digit())
            {
                return Err(RuleError::OutOfRange);
            }
            let whole: u32 = whole.parse().map_err(|_| RuleError::OutOfRange)?;
            let fraction: u32 = format!("{fraction:0<2}").parse().unwrap_or(0);
            let bp = whole
                .checked_mul(100)
                .and_then(|w| w.checked_add(fraction))
                .ok_or(RuleError::OutOfRange)?;
            if bp == 0 || bp >= 10_000 {
                Err(RuleError::OutOfRange)
            } else {
                Ok(bp)
            }
        };
        let rule = AbcRule {
            a_bp: parse(a)?,
            b_bp: parse(b)?,
        };
        if rule.b_bp <= rule.a_bp {
            return Err(RuleError::NotIncreasing);
        }
        Ok(rule)
    }

    /// "80" or "95.5": a threshold as the page shows and links it.
    pub fn percent_text(bp: u32) -> String {
        if bp.is_multiple_of(100) {
            (bp / 100).to_string()
        } else {
            format!("{}.{:02}", bp / 100, bp % 100)
                .trim_end_matches('0')
                .to_string()
        }
    }

    fn class_after(&self, cumulative_before: i64, total: i64) -> AbcClass {
        // cumulative / total < threshold / 10000, in integers.
        let before = cumulative_before as i128 * 10_000;
        if before < self.a_bp as i128 * total as i128 {
            AbcClass::A
        } else if before < self.b_bp as i128 * total as i128 {
            AbcClass::B
        } else {
            AbcClass::C
        }
    }
}

/// One customer's place in the ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub id: i64,
    pub value: i64,
    pub class: AbcClass,
    /// The value of this customer and everyone ranked before it (positive values only).
    pub cumulative: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSummary {
    pub class: AbcClass,
    pub customers: usize,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub ranked: Vec<Ranked>,
    pub classes: Vec<ClassSummary>,
    /// The sum of positive values: what the shares are shares of.
    pub total: i64,
}

/// Ranks `(customer id, value)` pairs and gives each its class.
pub fn classify(values: impl IntoIterator<Item = (i64, i64)>, rule: AbcRule) -> Classification {
    let mut values: Vec<(i64, i64)> = values.into_iter().collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: i64 = values.iter().map(|(_, v)| (*v).max(0)).sum();
    let mut cumulative = 0i64;
    let ranked: Vec<Ranked> = values
        .into_iter()
        .map(|(id, value)| {
            let class = if value > 0 {
                rule.class_after(cumulative, total)
            } else {
                AbcClass::C
            };
            cumulative += value.max(0);
            Ranked {
                id,
                value,
                class,
                cumulative,
            }
        })
        .collect();
    let classes = AbcClass::ALL
        .iter()
        .map(|&class| {
            let members = ranked.iter().filter(|r| r.class == class);
            ClassSummary {
                class,
                customers: members.clone().count(),
                value: members.map(|r| r.value).sum(),
            }
        })
        .collect();
    Classification {
        ranked,
        classes,
        total,
    }
}

/// `part ÷ whole` as a decimal with four places, rounded half away from zero ("0.7993");
/// "0.0000" when the whole is zero.
pub fn share_text(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "0.0000".into();
    }
    let scaled = part as i128 * 10_000;
    let whole = whole as i128;
    let rounded = (scaled.abs() * 2 + whole.abs()) / (whole.abs() * 2);
    let negative = (scaled < 0) != (whole < 0) && rounded != 0;
    format!(
        "{}{}.{:04}",
        if negative { "-" } else { "" },
        rounded / 10_000,
        rounded % 10_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn classes_follow_the_cumulative_share_before_each_customer() {
        // Total 1000: 500 (before 0%) A, 300 (before 50%) A, 100 (before 80%) B, 60 (before 90%)
        // B, 40 (before 96%) C.
        let result = classify(
            [(5, 40), (1, 500), (3, 100), (2, 300), (4, 60)],
            AbcRule::default(),
        );
        let shown: Vec<(i64, AbcClass)> = result.ranked.iter().map(|r| (r.id, r.class)).collect();
        assert_eq!(
            shown,
            [
                (1, AbcClass::A),
                (2, AbcClass::A),
                (3, AbcClass::B),
                (4, AbcClass::B),
                (5, AbcClass::C)
            ]
        );
        assert_eq!(result.total, 1000);
        assert_eq!(
            result.classes[0],
            ClassSummary {
                class: AbcClass::A,
                customers: 2,
                value: 800
            }
        );
        assert_eq!(
            result.classes[1],
            ClassSummary {
                class: AbcClass::B,
                customers: 2,
                value: 160
            }
        );
        assert_eq!(
            result.classes[2],
            ClassSummary {
                class: AbcClass::C,
                customers: 1,
                value: 40
            }
        );
        assert_eq!(
            result
                .ranked
                .iter()
                .map(|r| r.cumulative)
                .collect::<Vec<_>>(),
            [500, 800, 900, 960, 1000]
        );
    }

    #[test]
    fn a_customer_exactly_at_the_threshold_moves_down() {
        // Before the third customer exactly 80% is reached: it is B, not A.
        let result = classify([(1, 40), (2, 40), (3, 15), (4, 5)], AbcRule::default());
        assert_eq!(
            result.ranked.iter().map(|r| r.class).collect::<Vec<_>>(),
            [AbcClass::A, AbcClass::A, AbcClass::B, AbcClass::C]
        );
    }

    #[test]
    fn one_big_customer_is_a_and_the_rest_follow() {
        let result = classify([(1, 990), (2, 5), (3, 5)], AbcRule::default());
        assert_eq!(
            result.ranked.iter().map(|r| r.class).collect::<Vec<_>>(),
            [AbcClass::A, AbcClass::C, AbcClass::C]
        );
    }

    #[test]
    fn ties_rank_by_id_and_non_positive_values_are_c() {
        let result = classify([(9, 100), (2, 100), (7, 0), (8, -50)], AbcRule::default());
        assert_eq!(
            result
                .ranked
                .iter()
                .map(|r| (r.id, r.class))
                .collect::<Vec<_>>(),
            [
                (2, AbcClass::A),
                (9, AbcClass::A),
                (7, AbcClass::C),
                (8, AbcClass::C)
            ]
        );
        assert_eq!(result.total, 200);
        assert_eq!(result.classes[2].value, -50);
    }

    #[test]
    fn thresholds_are_read_as_percent() {
        assert_eq!(AbcRule::from_percent("80", "95"), Ok(AbcRule::default()));
        assert_eq!(
            AbcRule::from_percent("70.5%", "90"),
            Ok(AbcRule {
                a_bp: 7050,
                b_bp: 9000
            })
        );
        assert_eq!(
            AbcRule::from_percent("95", "80"),
            Err(RuleError::NotIncreasing)
        );
        assert_eq!(AbcRule::from_percent("0", "80"), Err(RuleError::OutOfRange));
        assert_eq!(
            AbcRule::from_percent("80", "100"),
            Err(RuleError::OutOfRange)
        );
        assert_eq!(
            AbcRule::from_percent("eighty", "95"),
            Err(RuleError::OutOfRange)
        );
        assert_eq!(
            AbcRule::from_percent("80.123", "95"),
            Err(RuleError::OutOfRange)
        );
        assert_eq!(
            (
                AbcRule::percent_text(8000),
                AbcRule::percent_text(7050),
                AbcRule::percent_text(9525)
            ),
            ("80".into(), "70.5".into(), "95.25".into())
        );
    }

    #[test]
    fn shares_round_half_away_from_zero() {
        assert_eq!(share_text(1, 3), "0.3333");
        assert_eq!(share_text(2, 3), "0.6667");
        assert_eq!(share_text(1, 20_000), "0.0001"); // 0.00005 rounds up
        assert_eq!(share_text(5, 5), "1.0000");
        assert_eq!(share_text(-1, 3), "-0.3333");
        assert_eq!(share_text(1, 0), "0.0000");
    }

    proptest! {
        #[test]
        fn classes_are_ordered_and_add_up(values in proptest::collection::vec(-1_000i64..1_000_000, 0..60), a in 1u32..9_000, gap in 1u32..999) {
            let rule = AbcRule { a_bp: a, b_bp: a + gap };
            let input: Vec<(i64, i64)> = values.iter().enumerate().map(|(i, v)| (i as i64, *v)).collect();
            let result = classify(input.clone(), rule);
            prop_assert_eq!(result.ranked.len(), input.len());
            prop_assert_eq!(result.classes.iter().map(|c| c.customers).sum::<usize>(), input.len());
            prop_assert_eq!(result.classes.iter().map(|c| c.value).sum::<i64>(), values.iter().sum::<i64>());
            // Ranked by value, and classes never go back up (A before B before C).
            prop_assert!(result.ranked.windows(2).all(|w| w[0].value >= w[1].value && w[0].class <= w[1].class));
            // The top customer with a positive value is A.
            if let Some(first) = result.ranked.first().filter(|r| r.value > 0) {
                prop_assert_eq!(first.class, AbcClass::A);
            }
            // A's share before its last member is below the threshold; the first B's is not.
            let positive_total = result.total as i128;
            for r in &result.ranked {
                let before = (r.cumulative - r.value.max(0)) as i128 * 10_000;
                match r.class {
                    AbcClass::A => prop_assert!(before < a as i128 * positive_total),
                    AbcClass::B => prop_assert!(before >= a as i128 * positive_total && before < (a + gap) as i128 * positive_total),
                    AbcClass::C => prop_assert!(r.value <= 0 || before >= (a + gap) as i128 * positive_total),
                }
            }
        }
    }
}
