//! Quotes and contracts. A quote belongs to a deal and lists products with quantity, price and
//! discount. Only a draft can be edited; a quote that went out is changed by revising it, which
//! keeps every earlier revision as it was. Before a price goes out that differs from the price the
//! customer last accepted for the product, the rep must confirm it. An accepted quote sets the
//! deal's amount and lines, and can become a contract.
use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuoteLineForm {
    pub product_id: Option<i64>,
    pub quantity: String,
    pub unit_price: String,
    /// Percent, up to two decimals ("12.5").
    pub discount: String,
}

impl QuoteLineForm {
    #[cfg(feature = "ssr")]
    fn is_blank(&self) -> bool {
        self.product_id.is_none()
            && self.quantity.trim().is_empty()
            && self.unit_price.trim().is_empty()
            && self.discount.trim().is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuoteForm {
    /// Some: edit this draft.
    pub id: Option<i64>,
    pub version: i32,
    pub opportunity_id: i64,
    pub valid_until: String,
    pub notes: String,
    pub lines: Vec<QuoteLineForm>,
    /// The rep has seen that a price differs from the customer's last accepted one and means it.
    pub confirm_prices: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub list_price_fen: i64,
}

/// What the customer last accepted for a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedPrice {
    pub product_id: i64,
    pub unit_price_fen: i64,
    pub discount_bp: u16,
    pub quote_number: String,
}

/// Everything the quote editor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDraft {
    pub form: QuoteForm,
    pub deal_title: String,
    pub customer_name: String,
    pub products: Vec<ProductChoice>,
    pub accepted: Vec<AcceptedPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineView {
    pub product_id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub discount_bp: u16,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSummary {
    pub id: i64,
    pub number: String,
    pub revision: i32,
    pub status: String,
    pub total_fen: i64,
    pub valid_until: Option<chrono::NaiveDate>,
    pub created_on: chrono::NaiveDate,
    pub deal_id: i64,
    pub deal_title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractView {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub signed_on: Option<chrono::NaiveDate>,
    pub starts_on: Option<chrono::NaiveDate>,
    pub ends_on: Option<chrono::NaiveDate>,
    pub amount_fen: i64,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteView {
    pub summary: QuoteSummary,
    pub version: i32,
    pub notes: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_name: String,
    pub lines: Vec<QuoteLineView>,
    /// Every revision of this quote number, newest first.
    pub revisions: Vec<QuoteSummary>,
    pub contract: Option<ContractView>,
}

/// A customer's quotes with their lines, for the customer file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerQuote {
    pub summary: QuoteSummary,
    pub lines: Vec<QuoteLineView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContractForm {
    pub quote_id: i64,
    pub quote_version: i32,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: String,
}

mod api;
pub use api::*;
#[cfg(feature = "ssr")]
pub mod service;
