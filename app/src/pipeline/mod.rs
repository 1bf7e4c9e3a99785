//! The opportunity board (kanban), deals with their stage history, sales orders and payments.
pub mod admin;
pub mod api;
pub mod board;
pub mod deal_page;
pub mod forecast;
#[cfg(feature = "ssr")]
pub mod live;
pub mod quote_page;
pub mod quotes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub(crate) use service::{
    chosen_pipeline, pipeline_choices, pipelines, publish, record_on_customer, stage_view,
    stages_of, top_position,
};
#[cfg(feature = "ssr")]
pub use service::{export, record_payment, OrderColumns};
pub mod table;

use crate::domain::pipeline::CardAlert;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Cards per column page: enough to fill a tall screen, small enough that a board of 10,000 deals
/// opens at once.
pub const CARDS_PER_PAGE: u64 = 20;

/// Closed deals stay on the board this long (unless a close month is chosen).
pub const CLOSED_VISIBLE_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageView {
    pub id: i64,
    /// Built-in stages are labelled by key in the reader's language; custom ones by `name`.
    pub key: String,
    pub name: String,
    pub probability_percent: u8,
    pub won: bool,
    pub lost: bool,
    pub stale_after_days: Option<u32>,
}

impl StageView {
    pub fn closed(&self) -> bool {
        self.won || self.lost
    }
}

/// A column's figures over the whole filtered set (not just the loaded cards).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnTotals {
    pub stage_id: i64,
    pub count: u64,
    pub sum_fen: i64,
    pub weighted_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: i64,
    pub stage_id: i64,
    pub title: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub amount_fen: i64,
    pub expected_close_on: Option<NaiveDate>,
    pub owner_id: i64,
    pub owner_name: String,
    pub days_in_stage: i64,
    pub alert: CardAlert,
    pub position: i64,
    pub version: i32,
}

impl Card {
    /// Column order: by position, ties (concurrent drops into one gap) by id.
    pub fn sort_key(&self) -> (i64, i64) {
        (self.position, self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub stage: StageView,
    pub totals: ColumnTotals,
    pub cards: Vec<Card>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostReasonView {
    pub id: i64,
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub pipelines: Vec<Choice>,
    pub pipeline_id: i64,
    pub columns: Vec<Column>,
    /// People whose deals the viewer may filter by (only for those who lead people).
    pub owners: Vec<Choice>,
    pub teams: Vec<Choice>,
    pub lost_reasons: Vec<LostReasonView>,
}

/// Rows per page of the deal table.
pub const TABLE_ROWS_PER_PAGE: u64 = 50;

/// The same deals as the board, as a sortable table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealTable {
    pub rows: Vec<Card>,
    pub stages: Vec<StageView>,
    pub total: u64,
    /// Zero-based.
    pub page: u64,
    pub pipelines: Vec<Choice>,
    pub owners: Vec<Choice>,
    pub teams: Vec<Choice>,
}

/// How the table is ordered and which page it shows; `sort` is a `DealSort` text (unknown: most
/// recently changed first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableOrder {
    pub sort: String,
    pub descending: bool,
    pub page: u64,
}

/// What the board shows. Text fields come straight from the filter form (and the URL), so an
/// unusable value is reported at its field rather than silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardFilter {
    #[serde(default)]
    pub pipeline: Option<i64>,
    #[serde(default)]
    pub owner: Option<i64>,
    #[serde(default)]
    pub team: Option<i64>,
    /// `YYYY-MM`.
    #[serde(default)]
    pub close_month: String,
    #[serde(default)]
    pub min_amount: String,
    #[serde(default)]
    pub max_amount: String,
    #[serde(default)]
    pub q: String,
}

impl BoardFilter {
    /// `&owner=3&q=...` with empty fields left out, to append to a link.
    pub fn query_suffix(&self) -> String {
        self.pairs()
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("&{k}={}", crate::ui::query::urlencode(&v)))
            .collect()
    }

    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let id = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        vec![
            ("pipeline", id(self.pipeline)),
            ("owner", id(self.owner)),
            ("team", id(self.team)),
            ("close_month", self.close_month.clone()),
            ("min_amount", self.min_amount.clone()),
            ("max_amount", self.max_amount.clone()),
            ("q", self.q.clone()),
        ]
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut filter = BoardFilter::default();
        for (key, value) in pairs {
            let id = value.trim().parse().ok();
            match key {
                "pipeline" => filter.pipeline = id,
                "owner" => filter.owner = id,
                "team" => filter.team = id,
                "close_month" => filter.close_month = value.to_string(),
                "min_amount" => filter.min_amount = value.to_string(),
                "max_amount" => filter.max_amount = value.to_string(),
                "q" => filter.q = value.to_string(),
                _ => {}
            }
        }
        filter
    }
}

/// One drop: the card, the version the mover saw, where it goes (stage and the cards it lands
/// between) and, for a won or lost stage, what closing it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MoveRequest {
    pub id: i64,
    pub version: i32,
    pub to_stage_id: i64,
    /// The card that will be above it (None: top of the column).
    #[serde(default)]
    pub after_card: Option<i64>,
    /// The card that will be below it (None: bottom of the column).
    #[serde(default)]
    pub before_card: Option<i64>,
    #[serde(default)]
    pub won_amount: String,
    #[serde(default)]
    pub won_on: String,
    #[serde(default)]
    pub lost_reason: Option<i64>,
    #[serde(default)]
    pub lost_note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DealForm {
    /// None: a new deal.
    pub id: Option<i64>,
    pub version: i32,
    pub customer_id: String,
    pub title: String,
    pub amount: String,
    pub expected_close_on: String,
    pub stage_id: String,
    pub owner_id: String,
    pub next_step: String,
    pub competitor: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageStep {
    pub from_stage: Option<i64>,
    pub to_stage: i64,
    pub actor_name: Option<String>,
    /// The company's calendar day of the move.
    pub on: chrono::NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: i64,
    pub received_on: NaiveDate,
    pub amount_fen: i64,
    pub method: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub product_name: String,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub cost_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: i64,
    pub number: String,
    pub ordered_on: NaiveDate,
    pub amount_fen: i64,
    pub cost_fen: i64,
    pub paid_fen: i64,
    pub balance_fen: i64,
    pub delivery_status: String,
    pub version: i32,
    pub lines: Vec<OrderLineView>,
    pub payments: Vec<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealDetail {
    pub card: Card,
    pub stage: StageView,
    pub stages: Vec<StageView>,
    pub customer_name: String,
    pub next_step: String,
    pub competitor: String,
    pub source: String,
    pub won_amount_fen: Option<i64>,
    pub closed_on: Option<NaiveDate>,
    pub lost_reason: Option<LostReasonView>,
    pub lost_note: String,
    pub history: Vec<StageStep>,
    pub orders: Vec<OrderView>,
    pub lost_reasons: Vec<LostReasonView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentForm {
    pub order_id: i64,
    pub order_version: i32,
    pub amount: String,
    pub received_on: String,
    pub method: String,
    pub note: String,
}
