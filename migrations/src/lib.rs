//! Schema migrations, one file per change. A landed migration is never edited; entities are not
//! imported here, so old migrations keep compiling as the entities evolve.
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_organisation_and_auth;
mod m20261122_000002_customers;
mod m20261122_000003_team_active;
mod m20261123_000004_customer_file;
mod m20261123_000005_customer_search;
mod m20261124_000006_pipeline;
mod m20261125_000007_company_settings;
mod m20261125_000008_neglected_order;
mod m20261126_000009_imports;
mod m20261127_000010_targets;
mod m20261201_000011_customer_abc;
mod m20261202_000012_alerts;
mod m20261203_000013_fieldwork;
mod m20261204_000014_inventory;
mod m20261205_000015_customer_search_fts;
mod m20261206_000016_sales_data_version;
mod m20261207_000017_orders_by_customer_cover;
mod m20261208_000018_trust;
mod m20261209_000019_restrict_deletes;
mod m20261210_000020_staged_imports;

/// Foreign keys that no longer cascade: (table, column, parent).
pub use m20261209_000019_restrict_deletes::RESTRICTED as RESTRICTED_FOREIGN_KEYS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_organisation_and_auth::Migration),
            Box::new(m20261122_000002_customers::Migration),
            Box::new(m20261122_000003_team_active::Migration),
            Box::new(m20261123_000004_customer_file::Migration),
            Box::new(m20261123_000005_customer_search::Migration),
            Box::new(m20261124_000006_pipeline::Migration),
            Box::new(m20261125_000007_company_settings::Migration),
            Box::new(m20261125_000008_neglected_order::Migration),
            Box::new(m20261126_000009_imports::Migration),
            Box::new(m20261127_000010_targets::Migration),
            Box::new(m20261201_000011_customer_abc::Migration),
            Box::new(m20261202_000012_alerts::Migration),
            Box::new(m20261203_000013_fieldwork::Migration),
            Box::new(m20261204_000014_inventory::Migration),
            Box::new(m20261205_000015_customer_search_fts::Migration),
            Box::new(m20261206_000016_sales_data_version::Migration),
            Box::new(m20261207_000017_orders_by_customer_cover::Migration),
            Box::new(m20261208_000018_trust::Migration),
            Box::new(m20261209_000019_restrict_deletes::Migration),
            Box::new(m20261210_000020_staged_imports::Migration),
        ]
    }
}
