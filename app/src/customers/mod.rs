//! Customers: company-owned customer files, the ladder, follow-ups, the lead pool and handover.
pub mod api;
pub mod file_page;
pub mod ladder;
pub mod page;
#[cfg(feature = "ssr")]
pub mod records;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub use service::{
    agenda, check_follow_up, event_row, export, export_agenda, export_ladder, handover_all,
    insert_follow_up, insert_follow_ups, list, name_initials, record_event, return_all_to_pool,
    save_contact, PastFollowUp,
};
#[cfg(feature = "ssr")]
pub(crate) use service::{
    check_customer, customer_columns, customer_search, find_for, find_owned_for, may_edit,
    refresh_search_text, CustomerSearch,
};
pub mod team_pages;

pub use crate::ui::query::{urldecode, urlencode};
pub use file_page::{FilePanel, FilePanels, FollowUpForm};

use crate::domain::customer::{
    BuyingRole, FollowUpKind, Intent, LadderStage, ProfileField, Source,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub tags: Vec<String>,
    pub stage: LadderStage,
    /// New or old customer; None until the first order.
    pub is_new: Option<bool>,
    pub owner_name: Option<String>,
    /// Company-wide ABC class by the last twelve months' sales.
    pub abc_class: Option<crate::domain::abc::AbcClass>,
    pub city: String,
    pub phone: String,
    /// The company's calendar day of the last follow-up.
    pub last_follow_up_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    /// Of the whole filtered set, not just this page.
    pub total: u64,
    pub page: u64,
}

/// The list's filters exactly as they travel in the URL's query string, so a filtered list can be
/// bookmarked, shared, saved by name and rendered without JavaScript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub stage: String,
    /// "pool": customers without an owner.
    #[serde(default)]
    pub view: String,
    /// A user id.
    #[serde(default)]
    pub owner: String,
    /// A team id: customers owned by its members.
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub industry: String,
    /// Province (region).
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub tag: String,
    /// Only customers without an owner's follow-up for at least this many days.
    #[serde(default)]
    pub quiet_days: String,
    /// A `CustomerSort`; empty is most recently updated first.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: u64,
}

impl CustomerFilter {
    /// The filter fields in URL order, page excluded: one list serves the query string, the pager
    /// links, saved filters and parsing back.
    pub fn fields(&self) -> [(&'static str, &str); 10] {
        [
            ("view", &self.view),
            ("q", &self.q),
            ("stage", &self.stage),
            ("owner", &self.owner),
            ("team", &self.team),
            ("industry", &self.industry),
            ("province", &self.province),
            ("tag", &self.tag),
            ("quiet_days", &self.quiet_days),
            ("sort", &self.sort),
        ]
    }

    pub fn from_pairs(mut get: impl FnMut(&str) -> Option<String>) -> CustomerFilter {
        let mut text = |key: &str| get(key).unwrap_or_default();
        CustomerFilter {
            view: text("view"),
            q: text("q"),
            stage: text("stage"),
            owner: text("owner"),
            team: text("team"),
            industry: text("industry"),
            province: text("province"),
            tag: text("tag"),
            quiet_days: text("quiet_days"),
            sort: text("sort"),
            page: text("page").parse().unwrap_or(0),
        }
    }

    /// `view=pool&q=...` with empty fields left out.
    pub fn query_string(&self) -> String {
        self.fields()
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| format!("{key}={}", urlencode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn parse_query_string(query: &str) -> CustomerFilter {
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| (key.to_string(), urldecode(value)))
            .collect();
        CustomerFilter::from_pairs(|key| {
            pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        })
    }

    /// Whether anything beyond the view is set (for "clear filters" and saving).
    pub fn is_filtered(&self) -> bool {
        self.fields()
            .iter()
            .skip(1)
            .any(|(_, value)| !value.is_empty())
    }
}

/// Counts of the filtered list per ladder stage (the stage filter itself left out), computed in
/// the database for the whole set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageCounts {
    pub counts: Vec<(LadderStage, u64)>,
}

/// Customers per owner and ladder stage, for managers: the ladder of each rep, grouped by team.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LadderBreakdown {
    pub rows: Vec<LadderRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderRow {
    pub owner_id: i64,
    pub owner_name: String,
    pub team_name: Option<String>,
    /// In `LadderStage::ALL` order.
    pub counts: Vec<u64>,
}

/// Choices for the list's filter and assignment menus, limited to what the user may see.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub people: Vec<(i64, String)>,
    pub teams: Vec<(i64, String)>,
    pub industries: Vec<String>,
    pub provinces: Vec<String>,
    pub saved: Vec<SavedFilter>,
    /// Whether the user may assign and hand over customers.
    pub can_assign: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedFilter {
    pub id: i64,
    pub name: String,
    pub query: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactView {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    pub wechat: String,
    pub birthday: Option<NaiveDate>,
    pub interests: String,
    pub buying_role: Option<BuyingRole>,
    pub is_primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    pub customer_id: String,
    /// Empty for a new contact.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub wechat: String,
    #[serde(default)]
    pub birthday: String,
    #[serde(default)]
    pub interests: String,
    #[serde(default)]
    pub buying_role: String,
    /// "on" when checked.
    #[serde(default)]
    pub is_primary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimelineKind {
    FollowUp {
        kind: FollowUpKind,
        intent: Intent,
        next_date: Option<NaiveDate>,
        next_action: String,
    },
    /// A change to the customer (created, stage, owner, deal won, …); the entry's text is empty.
    Event(crate::domain::events::CustomerEvent),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// The company's calendar day of `at`.
    pub day: NaiveDate,
    pub actor_name: Option<String>,
    pub kind: TimelineKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub id: i64,
    pub version: i32,
    pub abc_class: Option<crate::domain::abc::AbcClass>,
    pub name: String,
    pub short_name: String,
    pub phone: String,
    pub tax_id: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub street: String,
    pub website: String,
    pub industry: String,
    pub source: Option<Source>,
    pub tags: Vec<String>,
    pub profile: Vec<(ProfileField, String)>,
    pub first_order_on: Option<NaiveDate>,
    /// New or old customer; None until the first order.
    pub is_new: Option<bool>,
    /// The company's calendar day it was created.
    pub created_on: NaiveDate,
    pub stage: LadderStage,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub notes: String,
    /// Whether the user may edit the file, log follow-ups and manage contacts (owner's side).
    pub can_edit: bool,
    pub contacts: Vec<ContactView>,
    pub timeline: Vec<TimelineEntry>,
}

impl CustomerDetail {
    pub fn address(&self) -> String {
        [
            self.province.as_str(),
            self.city.as_str(),
            self.district.as_str(),
            self.street.as_str(),
        ]
        .concat()
    }

    pub fn profile_value(&self, field: ProfileField) -> &str {
        self.profile
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// A customer as submitted by the new and edit forms: text, parsed on the server.
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
    pub district: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub stage: String,
    /// Why the stage changed, kept in the history with the change.
    #[serde(default)]
    pub stage_reason: String,
    #[serde(default)]
    pub tags: String,
    /// `ProfileField` key → value.
    #[serde(default)]
    pub profile: BTreeMap<String, String>,
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

impl CustomerForm {
    /// The edit form starts from what is saved.
    pub fn from_detail(c: &CustomerDetail) -> CustomerForm {
        CustomerForm {
            id: c.id.to_string(),
            version: c.version.to_string(),
            name: c.name.clone(),
            short_name: c.short_name.clone(),
            phone: c.phone.clone(),
            tax_id: c.tax_id.clone(),
            province: c.province.clone(),
            city: c.city.clone(),
            district: c.district.clone(),
            street: c.street.clone(),
            website: c.website.clone(),
            industry: c.industry.clone(),
            source: c.source.map(|s| s.as_str().to_string()).unwrap_or_default(),
            stage: c.stage.as_str().to_string(),
            tags: c.tags.join(", "),
            profile: c
                .profile
                .iter()
                .map(|(f, v)| (f.as_str().to_string(), v.clone()))
                .collect(),
            notes: c.notes.clone(),
            ..Default::default()
        }
    }
}

/// Two customer files combined into one (`keep` survives); both versions guard against merging
/// a file someone is editing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    pub keep_id: String,
    #[serde(default)]
    pub keep_version: String,
    #[serde(default)]
    pub merge_id: String,
    #[serde(default)]
    pub merge_version: String,
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

pub use crate::domain::customer::RecordCounts;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_survives_the_query_string_round_trip() {
        let filter = CustomerFilter {
            q: "华通 & 50%".into(),
            stage: "vip".into(),
            province: "广东".into(),
            quiet_days: "30".into(),
            sort: "neglected".into(),
            ..Default::default()
        };
        let query = filter.query_string();
        assert!(!query.contains(' ') && !query.contains('华'));
        assert_eq!(CustomerFilter::parse_query_string(&query), filter);
        assert!(filter.is_filtered());
        assert!(!CustomerFilter {
            view: "pool".into(),
            ..Default::default()
        }
        .is_filtered());
    }
}
