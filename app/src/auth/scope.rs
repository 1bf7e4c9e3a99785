//! The only way services read owned records: `visible::<E>(&actor.scope())` turns the domain's
//! visibility rule into a query filter. A test below keeps raw `find()` calls on owned entities
//! out of the rest of the code.
use crate::domain::visibility::Scope;
use crate::entities::{
    alert, check_in, contract, customer, day_sheet, field_expense, follow_up, opportunity, payment,
    quote, sales_order, user,
};
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

/// A table whose rows belong to a user (the owner) and so fall under the visibility rule.
pub trait Owned: EntityTrait {
    fn owner_column() -> Self::Column;

    /// What a row must meet to be part of the company's records (not one a customer import is
    /// still staging): no read through this module sees the others.
    fn published() -> Option<SimpleExpr> {
        None
    }
}

/// `E::find()` without the rows still being staged.
fn published<E: Owned>() -> Select<E> {
    match E::published() {
        Some(condition) => E::find().filter(condition),
        None => E::find(),
    }
}

/// Users are visible like records they own: themselves.
impl Owned for user::Entity {
    fn owner_column() -> user::Column {
        user::Column::Id
    }
}

/// Customers belong to their owner; without one they are in the lead pool.
impl Owned for customer::Entity {
    fn owner_column() -> customer::Column {
        customer::Column::OwnerId
    }

    fn published() -> Option<SimpleExpr> {
        Some(customer::Column::ImportBatch.is_null())
    }
}

/// Follow-ups are visible like records their author owns.
impl Owned for follow_up::Entity {
    fn owner_column() -> follow_up::Column {
        follow_up::Column::AuthorId
    }
}

/// Deals, orders, payments, alerts and field work belong to the rep who owns (or answers for) them.
macro_rules! owned_by_owner_id {
    ($($entity:ident),+) => {$(
        impl Owned for $entity::Entity {
            fn owner_column() -> $entity::Column {
                $entity::Column::OwnerId
            }
        }
    )+};
}
owned_by_owner_id!(
    opportunity,
    sales_order,
    payment,
    quote,
    contract,
    alert,
    day_sheet,
    check_in,
    field_expense
);

/// Records without an owner (the lead pool): open to every signed-in user, so anyone can claim.
pub fn in_pool<E: Owned>() -> Select<E> {
    published::<E>().filter(E::owner_column().is_null())
}

/// Every record regardless of owner, for checks that must look across the company and reveal no
/// more than a name: duplicate detection, scheduled jobs, labels of already-visible references.
pub fn across_owners<E: Owned>() -> Select<E> {
    published::<E>()
}

/// Every row, the ones a running import is still staging included: only for the import that
/// writes them (and the sweep that removes a dead one's).
pub fn with_staged<E: Owned>() -> Select<E> {
    E::find()
}

pub fn visible<E: Owned>(scope: &Scope) -> Select<E> {
    let owner = E::owner_column();
    match scope {
        Scope::Everything => published::<E>(),
        Scope::OwnRecords { user_id } => published::<E>().filter(owner.eq(*user_id)),
        Scope::Teams {
            team_ids,
            own_user_id,
        } => {
            let team_members = Query::select()
                .column(user::Column::Id)
                .from(user::Entity)
                .and_where(user::Column::TeamId.is_in(team_ids.iter().copied()))
                .to_owned();
            published::<E>().filter(
                Condition::any()
                    .add(owner.eq(*own_user_id))
                    .add(owner.in_subquery(team_members)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Files allowed to look up users without a scope, and why.
    const UNSCOPED_USER_LOOKUPS: &[(&str, &str)] = &[
        ("auth/scope.rs", "builds the scoped queries"),
        (
            "auth/directory.rs",
            "names_of labels user ids already read from a visible record",
        ),
        (
            "auth/service.rs",
            "sign-in finds the account before anyone is known",
        ),
        (
            "org/service.rs",
            "the admin-only settings check the role first and need id lookups for edits",
        ),
        (
            "seed.rs",
            "the demo seed runs from the command line, not for a user",
        ),
        (
            "seed_customers.rs",
            "the demo seed runs from the command line, not for a user",
        ),
        (
            "seed_pipeline.rs",
            "the demo seed runs from the command line, not for a user",
        ),
        (
            "seed_fieldwork.rs",
            "the demo seed runs from the command line, not for a user",
        ),
    ];

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn owned_records_are_only_read_through_the_scope() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        let mut offenders = Vec::new();
        for file in files {
            let relative = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if relative.starts_with("entities/")
                || UNSCOPED_USER_LOOKUPS
                    .iter()
                    .any(|(allowed, _)| *allowed == relative)
            {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for needle in [
                "user::Entity::find",
                "customer::Entity::find",
                "follow_up::Entity::find",
                "opportunity::Entity::find",
                "sales_order::Entity::find",
                "payment::Entity::find",
            ] {
                if text.contains(needle) {
                    offenders.push(format!("{relative}: {needle}"));
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "read owned records through auth::scope::visible: {offenders:?}"
        );
    }
}
