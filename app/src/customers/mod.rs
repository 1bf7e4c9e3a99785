//! Customers: company-owned customer files, the ladder, follow-ups, the lead pool and handover.
pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service;

use crate::domain::customer::{FollowUpKind, Intent, LadderStage};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub stage: LadderStage,
    pub owner_name: Option<String>,
    pub city: String,
    pub phone: String,
    pub last_follow_up_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    /// Of the whole filtered set, not just this page.
    pub total: u64,
    pub page: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub stage: String,
    /// "pool": customers without an owner.
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub page: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactView {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimelineKind {
    FollowUp { kind: FollowUpKind, intent: Intent, next_date: Option<NaiveDate>, next_action: String },
    /// created, updated, stage, owner, pool
    Event { kind: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub kind: TimelineKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub id: i64,
    pub version: i32,
    pub name: String,
    pub short_name: String,
    pub phone: String,
    pub tax_id: String,
    pub address: String,
    pub industry: String,
    pub source: String,
    pub stage: LadderStage,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub notes: String,
    pub contacts: Vec<ContactView>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub short_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub tax_id: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub notes: String,
    /// A first contact, created with a new customer.
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    /// "yes" once the user has seen the duplicate warning and still wants the customer.
    #[serde(default)]
    pub confirm_duplicate: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FollowUpForm {
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub intent: String,
    #[serde(default)]
    pub next_date: String,
    #[serde(default)]
    pub next_action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub follow_up_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub next_date: NaiveDate,
    pub next_action: String,
    pub author_name: String,
}

/// Open next steps: the user's own, or for managers their team's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agenda {
    pub overdue: Vec<AgendaItem>,
    pub today: Vec<AgendaItem>,
    pub upcoming: Vec<AgendaItem>,
}
