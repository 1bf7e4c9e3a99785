use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub short_name: String,
    pub phone: String,
    pub phone_key: String,
    pub tax_id: String,
    pub tax_key: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub street: String,
    pub website: String,
    pub industry: String,
    pub source: String,
    pub ladder_stage: String,
    /// None: the customer is in the lead pool (公海).
    pub owner_id: Option<i64>,
    pub owned_since: Option<DateTimeUtc>,
    /// The owner's last follow-up (others' follow-ups do not keep a customer from the pool).
    pub last_follow_up_at: Option<DateTimeUtc>,
    pub notes: String,
    /// Descriptive fields of the customer file as a JSON object keyed by `ProfileField`.
    pub profile: String,
    /// Comma-separated.
    pub tags: String,
    /// Pinyin initials of the name, for search ("bjht" finds 北京华通).
    pub name_initials: String,
    /// Set by the first won order; drives new/old customer.
    pub first_order_on: Option<Date>,
    /// Lower-cased names, initials, phone digits and contacts, for `LIKE` search (see
    /// `customers::service::search_text`).
    pub search_text: String,
    /// The customer's id in the system it was imported from (matches re-imports).
    pub external_id: Option<String>,
    /// ABC class ("A", "B", "C") by company-wide sales over the last twelve months; derived,
    /// kept by `analytics::service::refresh_customer_classes`, None without sales in that time.
    pub abc_class: Option<String>,
    /// Where the customer is, in millionths of a degree, for the suggested visit order.
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    /// The import batch still staging this customer (invisible until it is published, see
    /// `imports::staging`); None for every published customer.
    pub import_batch: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
