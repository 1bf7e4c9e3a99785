//! Merging a duplicate into the customer kept: everything recorded moves, nothing is lost.
use super::*;

pub async fn merge_preview(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<super::RecordCounts> {
    actor.require(&Role::LEADERS)?;
    let customer = find_owned_for(db, actor, id).await?;
    super::records::counts(db, customer.id).await
}

/// A customer's own fields as the audit log keeps them (before a merge removes one of them).
fn customer_snapshot(c: &customer::Model) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "name": c.name, "short_name": c.short_name, "owner_id": c.owner_id, "phone": c.phone, "tax_id": c.tax_id,
        "industry": c.industry, "province": c.province, "city": c.city, "tags": c.tags, "notes": c.notes, "external_id": c.external_id, "version": c.version,
    })
}

/// Combines `merge` into `keep`: contacts, follow-ups and the timeline move over, empty fields of
/// `keep` are filled from `merge`, tags are united, and `merge` is deleted. Managers and above,
/// for customers they may see; both versions must be current.
pub async fn merge(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: MergeForm,
) -> AppResult<i64> {
    actor.require(&Role::LEADERS)?;
    let id = |raw: &str| raw.trim().parse::<i64>().map_err(|_| AppError::NotFound);
    let version = |raw: &str| raw.trim().parse::<i32>().map_err(|_| AppError::Conflict);
    let (keep_id, merge_id) = (id(&form.keep_id)?, id(&form.merge_id)?);
    if keep_id == merge_id {
        return Err(AppError::field("merge_id", ErrorCode::SameRecord));
    }
    let keep = find_owned_for(db, actor, keep_id).await?;
    let gone = find_owned_for(db, actor, merge_id).await?;
    if keep.version != version(&form.keep_version)? || gone.version != version(&form.merge_version)?
    {
        return Err(AppError::Conflict);
    }
    let fill = |mine: &str, theirs: &str| {
        if mine.is_empty() {
            theirs.to_string()
        } else {
            mine.to_string()
        }
    };
    let mut profile: BTreeMap<String, String> =
        serde_json::from_str(&gone.profile).unwrap_or_default();
    profile.extend(
        serde_json::from_str::<BTreeMap<String, String>>(&keep.profile)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, v)| !v.is_empty()),
    );
    let tags = rules::normalise_tags(&format!("{},{}", keep.tags, gone.tags)).join(",");
    let changes = customer::ActiveModel {
        short_name: Set(fill(&keep.short_name, &gone.short_name)),
        phone: Set(fill(&keep.phone, &gone.phone)),
        phone_key: Set(fill(&keep.phone_key, &gone.phone_key)),
        tax_id: Set(fill(&keep.tax_id, &gone.tax_id)),
        tax_key: Set(fill(&keep.tax_key, &gone.tax_key)),
        website: Set(fill(&keep.website, &gone.website)),
        industry: Set(fill(&keep.industry, &gone.industry)),
        notes: Set(match (keep.notes.is_empty(), gone.notes.is_empty()) {
            (_, true) => keep.notes.clone(),
            (true, false) => gone.notes.clone(),
            (false, false) => format!("{}\n{}", keep.notes, gone.notes),
        }),
        tags: Set(tags.chars().take(200).collect()),
        profile: Set(serde_json::to_string(&profile).unwrap_or_else(|_| "{}".into())),
        first_order_on: Set(keep
            .first_order_on
            .into_iter()
            .chain(gone.first_order_on)
            .min()),
        last_follow_up_at: Set(Ord::max(keep.last_follow_up_at, gone.last_follow_up_at)),
        updated_at: Set(crate::clock::now()),
        ..Default::default()
    };
    let txn = crate::db::begin_write(db).await?;
    update_versioned::<customer::Entity>(
        &txn,
        changes,
        (customer::Column::Id, keep.id),
        (customer::Column::Version, keep.version),
        "name",
    )
    .await?;
    contact::Entity::update_many()
        .col_expr(contact::Column::CustomerId, Expr::value(keep.id))
        .filter(contact::Column::CustomerId.eq(gone.id))
        .exec(&txn)
        .await?;
    follow_up::Entity::update_many()
        .col_expr(follow_up::Column::CustomerId, Expr::value(keep.id))
        .filter(follow_up::Column::CustomerId.eq(gone.id))
        .exec(&txn)
        .await?;
    customer_event::Entity::update_many()
        .col_expr(customer_event::Column::CustomerId, Expr::value(keep.id))
        .filter(customer_event::Column::CustomerId.eq(gone.id))
        .exec(&txn)
        .await?;
    // Everything else recorded on the merged customer moves too: its deals, quotes, contracts,
    // orders and payments (sellers kept), visits and alerts. Only then is the empty file removed.
    let moved = super::records::counts(&txn, gone.id).await?;
    super::records::move_all(&txn, gone.id, keep.id, keep.owner_id).await?;
    let removed = customer::Entity::delete_many()
        .filter(customer::Column::Id.eq(gone.id))
        .filter(customer::Column::Version.eq(gone.version))
        .exec(&txn)
        .await?;
    if removed.rows_affected != 1 {
        return Err(AppError::Conflict);
    }
    crate::audit::record(
        &txn,
        actor,
        crate::audit::Action::CustomerMerged,
        crate::audit::Subject::Customer(keep.id),
        serde_json::json!({ "kept": customer_snapshot(&keep), "merged": customer_snapshot(&gone) }),
        serde_json::json!({ "moved": moved }),
    )
    .await?;
    record_event(
        &txn,
        keep.id,
        Some(actor.user.id),
        CustomerEvent::Merged(gone.name),
    )
    .await?;
    refresh_search_text(&txn, keep.id).await?;
    txn.commit().await?;
    Ok(keep.id)
}
