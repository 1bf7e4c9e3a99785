//! What the imports that write in bulk share: lookups by many keys at once, and the check in the
//! writing transaction that the records a file names are still there.
use crate::auth::scope::{across_owners, Owned};
use crate::error::AppResult;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;

/// Keys per lookup: a key bound twice stays below SQLite's limit of 32,766 values.
pub(super) const KEYS_PER_LOOKUP: usize = 10_000;

/// Ids among `ids` that still name a row of `E` (checked in the writing transaction: a record
/// merged or deleted since the check would otherwise fail its foreign key).
pub(super) async fn still_there<E: Owned>(
    db: &impl ConnectionTrait,
    ids: HashSet<i64>,
    id_column: E::Column,
) -> AppResult<HashSet<i64>>
where
    E::Model: Sync,
{
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut found = HashSet::new();
    for chunk in ids.chunks(KEYS_PER_LOOKUP) {
        let rows: Vec<i64> = across_owners::<E>()
            .select_only()
            .column(id_column)
            .filter(id_column.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}
