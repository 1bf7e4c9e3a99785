//! The forecast for a period and a rep, a team or the company: won so far, the weighted pipeline,
//! the best case, and beside every stage's configured probability the conversion measured from
//! stage history.
use super::{Choice, StageView};
use crate::domain::forecast::{Conversion, Figures};
use crate::domain::period::Period;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForecastFilter {
    pub pipeline: Option<i64>,
    pub owner: Option<i64>,
    pub team: Option<i64>,
    /// `2026`, `2026-H2`, `2026-Q4`, `2026-11` or `2026-W47`; empty: this quarter.
    pub period: String,
}

impl ForecastFilter {
    /// The filter as the page's query string (for links that keep it, such as the exports).
    pub fn query_string(&self) -> String {
        let mut pairs = vec![format!("period={}", self.period)];
        for (key, id) in [
            ("pipeline", self.pipeline),
            ("owner", self.owner),
            ("team", self.team),
        ] {
            if let Some(id) = id {
                pairs.push(format!("{key}={id}"));
            }
        }
        pairs.join("&")
    }

    pub fn from_pairs(get: impl Fn(&str) -> Option<String>) -> ForecastFilter {
        let id = |key: &str| get(key).and_then(|v| v.parse().ok());
        ForecastFilter {
            pipeline: id("pipeline"),
            owner: id("owner"),
            team: id("team"),
            period: get("period").unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageForecast {
    pub stage: StageView,
    /// Closed deals of the last twelve months that reached this stage, and how many were won.
    pub measured: Conversion,
    pub open_deals: u32,
    pub open_fen: i64,
    pub weighted_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerForecast {
    pub owner: Choice,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub period: String,
    /// Periods offered in the picker (this and next month, quarter, half and year).
    pub period_choices: Vec<String>,
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    pub pipelines: Vec<Choice>,
    pub pipeline_id: i64,
    pub figures: Figures,
    pub stages: Vec<StageForecast>,
    /// One row per person with won or expected deals in the period (for people who lead others).
    pub people: Vec<OwnerForecast>,
    /// Open deals whose expected close date has passed: they count in no period until moved.
    pub overdue_deals: u32,
    pub overdue_fen: i64,
    pub owners: Vec<Choice>,
    pub teams: Vec<Choice>,
}

mod api;
pub use api::*;
mod page;
pub use page::ForecastPage;
#[cfg(feature = "ssr")]
pub mod service;
