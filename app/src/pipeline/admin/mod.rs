//! Sales settings for administrators: the stages of each pipeline (name, win probability, stale
//! threshold; a stage that holds deals cannot be deleted) and the product catalogue.
use super::{Choice, LostReasonView, StageView};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRow {
    pub stage: StageView,
    pub deals: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub list_price_fen: i64,
    pub cost_price_fen: i64,
    pub active: bool,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostReasonRow {
    pub reason: LostReasonView,
    pub active: bool,
    /// Lost deals that give this reason.
    pub deals: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesSettings {
    /// Every active pipeline; an empty label is the built-in one.
    pub pipelines: Vec<Choice>,
    pub pipeline_id: i64,
    pub stages: Vec<StageRow>,
    pub lost_reasons: Vec<LostReasonRow>,
    pub products: Vec<ProductRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostReasonForm {
    /// None: a new reason, listed last.
    pub id: Option<i64>,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageForm {
    /// None: a new open stage, placed before the closing stages.
    pub id: Option<i64>,
    pub pipeline_id: i64,
    pub name: String,
    pub probability: String,
    pub stale_after_days: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub id: Option<i64>,
    pub version: i32,
    pub code: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub list_price: String,
    pub cost_price: String,
    pub active: bool,
}

mod api;
pub use api::*;
mod page;
pub use page::SalesSettingsPage;
#[cfg(feature = "ssr")]
pub mod service;
