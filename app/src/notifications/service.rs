use super::NotificationView;
use crate::auth::Actor;
use crate::domain::events::Notice;
use crate::entities::notification;
use crate::error::AppResult;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

/// The notice's kind selects the translated sentence and its parts fill it (names, numbers);
/// `link` is where the user acts on it.
pub async fn notify(
    db: &impl ConnectionTrait,
    user_id: i64,
    notice: &Notice,
    link: &str,
) -> AppResult<()> {
    notification::ActiveModel {
        user_id: Set(user_id),
        kind: Set(notice.kind().to_string()),
        body: Set(notice.body()),
        link: Set(link.to_string()),
        created_at: Set(crate::clock::now()),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn unread_count(db: &impl ConnectionTrait, user_id: i64) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// The unread count as the badge beside the user's name (registered in `jingxi::app_state`).
pub fn unread_badge<'a>(
    db: &'a sea_orm::DatabaseConnection,
    actor: &'a Actor,
) -> futures::future::BoxFuture<'a, AppResult<u64>> {
    Box::pin(unread_count(db, actor.user.id))
}

pub async fn list(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<NotificationView>> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(actor.user.id))
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            read: n.read_at.is_some(),
            notice: Notice::read(&n.kind, &n.body),
            link: n.link,
            created_on: crate::clock::local_day(n.created_at),
        })
        .collect())
}

pub async fn mark_all_read(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<u64> {
    let result = notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            Expr::value(crate::clock::now()),
        )
        .filter(notification::Column::UserId.eq(actor.user.id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
