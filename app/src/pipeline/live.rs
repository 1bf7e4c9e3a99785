//! Other people's moves on open boards. Every deal change writes a row to `pipeline_events` in its
//! transaction; each app server polls that table twice a second and fans new rows out to its own
//! browsers over server-sent events. Polling the database (rather than an in-process channel
//! alone) is what lets several stateless app servers share one PostgreSQL.
use crate::auth::{load_actor, AuthSession};
use crate::domain::visibility::Scope;
use crate::entities::pipeline_event;
use crate::state::AppState;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::broadcast;

const POLL_EVERY: Duration = Duration::from_millis(500);
/// PostgreSQL hands out ids before commit, so a lower id can become visible after a higher one:
/// each poll looks this many ids back and skips the ones already sent.
const LOOK_BACK_IDS: i64 = 256;
/// Feed rows older than this are deleted (boards reload their cards on reconnect anyway).
const KEEP_EVENTS_FOR: chrono::TimeDelta = chrono::TimeDelta::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub opportunity_id: i64,
    pub owner_id: i64,
    pub owner_team_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Feed {
    sender: broadcast::Sender<Change>,
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            sender: broadcast::channel(4096).0,
        }
    }
}

impl Feed {
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Starts polling the change feed (call once per server, inside the runtime).
    pub fn spawn_polling(&self, db: DatabaseConnection) {
        let sender = self.sender.clone();
        tokio::spawn(async move {
            let mut last_id = match newest_id(&db).await {
                Ok(id) => id,
                Err(error) => {
                    tracing::warn!(%error, "live board feed could not start");
                    0
                }
            };
            let mut sent = BTreeSet::new();
            let mut ticker = tokio::time::interval(POLL_EVERY);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut polls: u64 = 0;
            loop {
                ticker.tick().await;
                polls += 1;
                match poll(&db, last_id, &mut sent).await {
                    Ok(changes) => {
                        for (id, change) in changes {
                            last_id = last_id.max(id);
                            // Nobody listening is fine: the send only fails without receivers.
                            let _ = sender.send(change);
                        }
                    }
                    Err(error) => tracing::warn!(%error, "live board feed poll failed"),
                }
                if polls.is_multiple_of(7200) {
                    let cutoff = chrono::Utc::now() - KEEP_EVENTS_FOR;
                    if let Err(error) = pipeline_event::Entity::delete_many()
                        .filter(pipeline_event::Column::At.lt(cutoff))
                        .exec(&db)
                        .await
                    {
                        tracing::warn!(%error, "could not prune the live board feed");
                    }
                }
            }
        });
    }
}

async fn newest_id(db: &DatabaseConnection) -> Result<i64, sea_orm::DbErr> {
    Ok(pipeline_event::Entity::find()
        .select_only()
        .column(pipeline_event::Column::Id)
        .order_by_desc(pipeline_event::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

async fn poll(
    db: &DatabaseConnection,
    last_id: i64,
    sent: &mut BTreeSet<i64>,
) -> Result<Vec<(i64, Change)>, sea_orm::DbErr> {
    let floor = last_id - LOOK_BACK_IDS;
    let rows = pipeline_event::Entity::find()
        .filter(pipeline_event::Column::Id.gt(floor))
        .order_by_asc(pipeline_event::Column::Id)
        .limit(2000)
        .all(db)
        .await?;
    let fresh = rows
        .into_iter()
        // `insert` is false for a row already sent.
        .filter(|row| sent.insert(row.id))
        .map(|row| (row.id, Change { opportunity_id: row.opportunity_id, owner_id: row.owner_id, owner_team_id: row.owner_team_id }))
        .collect();
    let keep_from = sent.iter().next_back().copied().unwrap_or(0) - LOOK_BACK_IDS;
    *sent = sent.split_off(&keep_from);
    Ok(fresh)
}

/// `GET /api/pipeline/events`: a stream of `change` events carrying the id of a deal the signed-in
/// user may see. The browser fetches the card itself (through the visibility rule again).
/// Open live boards per user on this server: a browser opens one per tab, a script could open
/// thousands.
pub const MAX_STREAMS_PER_USER: usize = 8;
/// How often an open stream checks that its session still stands (logout, deactivation).
const RECHECK_EVERY: Duration = Duration::from_secs(20);

static OPEN_STREAMS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<i64, usize>>> =
    std::sync::LazyLock::new(Default::default);

/// One open stream counted for its user while it lives.
struct StreamSlot(i64);

impl StreamSlot {
    fn take(user_id: i64) -> Option<StreamSlot> {
        let mut open = OPEN_STREAMS.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(user_id).or_default();
        if *count >= MAX_STREAMS_PER_USER {
            return None;
        }
        *count += 1;
        Some(StreamSlot(user_id))
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = OPEN_STREAMS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.0) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.0);
            }
        }
    }
}

/// Whether the stream's session still belongs to an active user.
async fn session_stands(db: &DatabaseConnection, session_id: &str, user_id: i64) -> bool {
    use crate::entities::{session, user};
    let session = session::Entity::find_by_id(session_id.to_string())
        .one(db)
        .await;
    let user = crate::auth::scope::across_owners::<user::Entity>()
        .filter(user::Column::Id.eq(user_id))
        .one(db)
        .await;
    matches!((session, user), (Ok(Some(s)), Ok(Some(u))) if s.user_id == Some(user_id) && s.expires_at > chrono::Utc::now() && u.active)
}

pub async fn board_events(state: AppState, auth: AuthSession) -> Response {
    let Some(user) = auth.user else {
        return http::StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(session_id) = auth.session.id().map(|id| id.to_string()) else {
        return http::StatusCode::UNAUTHORIZED.into_response();
    };
    let user_id = user.0.id;
    let Some(slot) = StreamSlot::take(user_id) else {
        return http::StatusCode::TOO_MANY_REQUESTS.into_response();
    };
    let scope: Scope = match load_actor(&state.db, user.0).await {
        Ok(actor) => actor.scope(),
        Err(_) => return http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let Ok(feed) = state.part::<Feed>() else {
        return http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let receiver = feed.subscribe();
    let mut recheck =
        tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let db = state.db.clone();
    let stream = futures::stream::unfold(
        (receiver, scope, recheck, slot),
        move |(mut receiver, scope, mut recheck, slot)| {
            let (db, session_id) = (db.clone(), session_id.clone());
            async move {
                loop {
                    tokio::select! {
                        _ = recheck.tick() => {
                            // Signed out or deactivated: the stream ends (the browser's reconnect is refused).
                            if !session_stands(&db, &session_id, user_id).await {
                                return None;
                            }
                        }
                        received = receiver.recv() => match received {
                            Ok(change) if scope.allows(change.owner_id, change.owner_team_id) => {
                                let event = Event::default().event("change").data(change.opportunity_id.to_string());
                                return Some((Ok::<_, std::convert::Infallible>(event), (receiver, scope, recheck, slot)));
                            }
                            Ok(_) => continue,
                            // Fell behind: tell the board to reload rather than silently miss moves.
                            Err(broadcast::error::RecvError::Lagged(_)) => {
                                return Some((Ok(Event::default().event("reload").data("")), (receiver, scope, recheck, slot)));
                            }
                            Err(broadcast::error::RecvError::Closed) => return None,
                        },
                    }
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
