//! Customer queries and changes. Every read of customers goes through `visible` (or the explicit
//! pool / across-owners views); every change records a timeline event in the same transaction.
use super::*;
use crate::auth::names_of;
use crate::auth::scope::{across_owners, in_pool, visible};
use crate::auth::Actor;
use crate::db::update_versioned;
use crate::domain::customer::{
    self as rules, BuyingRole, CustomerSort, FollowUpKind, Intent, LadderStage, ProfileField,
    Source,
};
use crate::domain::forms::{self, Checks, ErrorCode, FieldError};
use crate::domain::visibility::Role;
use crate::entities::{contact, customer, customer_event, follow_up, saved_filter, user};
use crate::error::{AppError, AppResult};
use crate::state::Settings;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, NullOrdering, Order, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TransactionSession,
    TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

pub async fn record_event(
    db: &impl ConnectionTrait,
    customer_id: i64,
    actor_id: Option<i64>,
    kind: &str,
    detail: String,
) -> AppResult<()> {
    customer_event::ActiveModel {
        customer_id: Set(customer_id),
        actor_id: Set(actor_id),
        kind: Set(kind.to_string()),
        detail: Set(detail),
        at: Set(crate::clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Moves a customer to `owner` (None: the lead pool), restarting the ownership clock and bumping
/// the version. Callers add the row filter.
fn change_owner(
    owner: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> sea_orm::UpdateMany<customer::Entity> {
    customer::Entity::update_many()
        .col_expr(customer::Column::OwnerId, Expr::value(owner))
        .col_expr(
            customer::Column::OwnedSince,
            Expr::value(owner.map(|_| now)),
        )
        .col_expr(
            customer::Column::Version,
            Expr::col(customer::Column::Version).add(1),
        )
}

/// Above this many candidates (counted per trigram, so a customer may count twice) the trigram
/// index costs more than it saves: reading the ids from it and sorting them grows slower than
/// testing the text of every row. Measured at 100,000 customers: 8,400 matches counted in 14 ms
/// through the index against 43 ms row by row, but all 100,000 in 60 against 38 (and a page
/// sorted from them in 65 ms against a few through the list's index).
const INDEX_CANDIDATE_LIMIT: i64 = 25_000;

/// Customers whose search text contains `needle`. On SQLite the trigram index (migration 15)
/// finds the candidates first instead of testing every row: a needle of three or more characters
/// as a phrase, one of two characters as any of the indexed trigrams that begin with it. The
/// index's vocabulary says how many customers each trigram has, so a needle too common to gain
/// from the index is tested row by row instead. The `LIKE` keeps the exact meaning, and alone
/// serves one-character needles and PostgreSQL (with its pg_trgm index).
pub(crate) async fn search_text_matches(
    db: &impl ConnectionTrait,
    needle: &str,
) -> AppResult<Condition> {
    let like = Condition::all().add(crate::db::contains_literally(
        customer::Column::SearchText,
        needle,
    ));
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(like);
    }
    let quoted = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    let chars: Vec<char> = needle.chars().collect();
    let vocabulary = |condition: SimpleExpr| {
        Query::select()
            .column(Alias::new("term"))
            .column(Alias::new("doc"))
            .from(Alias::new("customer_search_terms"))
            .and_where(condition)
            .to_owned()
    };
    let term = || Expr::col(Alias::new("term"));
    let query = match chars.len() {
        0 | 1 => return Ok(like),
        2 => {
            let terms: Vec<(String, i64)> = tuples(
                db,
                vocabulary(
                    term()
                        .gte(needle)
                        .and(term().lt(format!("{needle}{}", char::MAX))),
                ),
            )
            .await?;
            if terms.iter().map(|(_, doc)| doc).sum::<i64>() > INDEX_CANDIDATE_LIMIT {
                return Ok(like);
            }
            // No trigram begins with the needle: the needle itself, a phrase too short to match.
            if terms.is_empty() {
                quoted(needle)
            } else {
                terms
                    .iter()
                    .map(|(t, _)| quoted(t))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            }
        }
        _ => {
            let trigrams: std::collections::BTreeSet<String> =
                chars.windows(3).map(|w| w.iter().collect()).collect();
            let found: Vec<(String, i64)> =
                tuples(db, vocabulary(term().is_in(trigrams.iter().cloned()))).await?;
            // A trigram nobody has means no match at all: the index answers that at once.
            if found.len() == trigrams.len()
                && found.iter().all(|(_, doc)| *doc > INDEX_CANDIDATE_LIMIT)
            {
                return Ok(like);
            }
            quoted(needle)
        }
    };
    Ok(like.add(Expr::cust_with_values(
        r#""customers"."id" IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?)"#,
        [query],
    )))
}

async fn tuples(
    db: &impl ConnectionTrait,
    query: sea_orm::sea_query::SelectStatement,
) -> AppResult<Vec<(String, i64)>> {
    let rows = db.query_all(&query).await?;
    Ok(rows
        .iter()
        .map(|row| {
            Ok((
                row.try_get_by_index::<String>(0)?,
                row.try_get_by_index::<i64>(1)?,
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()?)
}

/// A search typed into a list: the needle, and what finds it among customers (looked up before
/// the list's query is built).
pub(crate) struct CustomerSearch {
    pub needle: String,
    pub matches: Condition,
}

/// The search in a list's query text, if it holds one.
pub(crate) async fn customer_search(
    db: &impl ConnectionTrait,
    query: &str,
) -> AppResult<Option<CustomerSearch>> {
    match rules::search_needle(query) {
        Some(needle) => Ok(Some(CustomerSearch {
            matches: search_text_matches(db, &needle).await?,
            needle,
        })),
        None => Ok(None),
    }
}

/// Recomputes a customer's `search_text` from its current names and contacts; every write that
/// changes either calls this in its transaction.
pub(crate) async fn refresh_search_text(
    db: &impl ConnectionTrait,
    customer_id: i64,
) -> AppResult<()> {
    let Some(c) = crate::auth::scope::with_staged::<customer::Entity>()
        .filter(customer::Column::Id.eq(customer_id))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let contacts = contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(customer_id))
        .all(db)
        .await?;
    let text = search_text_of(&c, &c.name_initials, &contacts);
    customer::Entity::update_many()
        .col_expr(customer::Column::SearchText, Expr::value(text))
        .filter(customer::Column::Id.eq(customer_id))
        .exec(db)
        .await?;
    Ok(())
}

fn search_text_of(c: &customer::Model, initials: &str, contacts: &[contact::Model]) -> String {
    let people: Vec<(&str, &str)> = contacts
        .iter()
        .map(|p| (p.name.as_str(), p.phone.as_str()))
        .collect();
    rules::search_text(&c.name, &c.short_name, initials, &c.phone, &people)
}

/// Fills `search_text` for customers that have none yet (rows written before the column existed,
/// or imported by other means), in batches. Run at start-up after the migrations.
pub async fn fill_missing_search_text(
    db: &(impl ConnectionTrait + TransactionTrait),
) -> AppResult<u64> {
    let mut filled = 0;
    loop {
        let batch = across_owners::<customer::Entity>()
            .filter(customer::Column::SearchText.eq(""))
            .order_by_asc(customer::Column::Id)
            .limit(500)
            .all(db)
            .await?;
        if batch.is_empty() {
            return Ok(filled);
        }
        let mut contacts: HashMap<i64, Vec<contact::Model>> = HashMap::new();
        for p in contact::Entity::find()
            .filter(contact::Column::CustomerId.is_in(batch.iter().map(|c| c.id)))
            .all(db)
            .await?
        {
            contacts.entry(p.customer_id).or_default().push(p);
        }
        let txn = crate::db::begin_write(db).await?;
        for c in &batch {
            let initials = if c.name_initials.is_empty() {
                name_initials(&c.name)
            } else {
                c.name_initials.clone()
            };
            // A customer without any searchable text still gets a marker, so the loop ends.
            let text = Some(search_text_of(
                c,
                &initials,
                contacts.get(&c.id).map(Vec::as_slice).unwrap_or(&[]),
            ))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "\n".into());
            customer::Entity::update_many()
                .col_expr(customer::Column::SearchText, Expr::value(text))
                .col_expr(customer::Column::NameInitials, Expr::value(initials))
                .filter(customer::Column::Id.eq(c.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        filled += batch.len() as u64;
    }
}

/// Pinyin initials of a name ("北京华通科技" → "bjhtkj"); Latin letters and digits kept.
pub fn name_initials(name: &str) -> String {
    use pinyin::ToPinyin;
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(pinyin) => pinyin.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .take(100)
        .collect()
}

/// The customers a filter selects, within what the actor may see. `with_stage` is false for the
/// per-stage counts, which show every stage of the otherwise filtered set.
async fn filtered(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &CustomerFilter,
    with_stage: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Select<customer::Entity>> {
    let search = customer_search(db, &filter.q).await?;
    Ok(filtered_with(
        actor,
        filter,
        search.as_ref(),
        with_stage,
        now,
    ))
}

/// `filtered` with the filter's search looked up already.
fn filtered_with(
    actor: &Actor,
    filter: &CustomerFilter,
    search: Option<&CustomerSearch>,
    with_stage: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Select<customer::Entity> {
    let mut select = if filter.view == "pool" {
        in_pool::<customer::Entity>()
    } else {
        visible::<customer::Entity>(&actor.scope())
    };
    if let Some(search) = search {
        select = select.filter(search.matches.clone());
    }
    if let Some(stage) = LadderStage::parse(&filter.stage).filter(|_| with_stage) {
        select = select.filter(customer::Column::LadderStage.eq(stage.as_str()));
    }
    if let Ok(owner) = filter.owner.trim().parse::<i64>() {
        select = select.filter(customer::Column::OwnerId.eq(owner));
    }
    if let Ok(team) = filter.team.trim().parse::<i64>() {
        let members = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .and_where(user::Column::TeamId.eq(team))
            .to_owned();
        select = select.filter(customer::Column::OwnerId.in_subquery(members));
    }
    for (column, value) in [
        (customer::Column::Industry, &filter.industry),
        (customer::Column::Province, &filter.province),
    ] {
        if !value.trim().is_empty() {
            select = select.filter(column.eq(value.trim()));
        }
    }
    if !filter.tag.trim().is_empty() {
        select = select.filter(crate::db::contains_literally(
            customer::Column::Tags,
            filter.tag.trim(),
        ));
    }
    if let Ok(days) = filter.quiet_days.trim().parse::<u32>() {
        let cutoff = now - chrono::Duration::days(i64::from(days));
        select = select.filter(
            Condition::any()
                .add(customer::Column::LastFollowUpAt.is_null())
                .add(customer::Column::LastFollowUpAt.lte(cutoff)),
        );
    }
    select
}

fn tags_of(c: &customer::Model) -> Vec<String> {
    rules::normalise_tags(&c.tags)
}

/// A search that matches at most this many customers is answered from one pass collecting ids and
/// sort keys: the database cannot tell how selective a `LIKE` is, and would otherwise walk the sort
/// index over the whole table for one page and then scan again to count. Broader searches use the
/// indexed page and count.
const SEARCH_COLLECT_LIMIT: u64 = 5_000;

type SortKeys = (
    i64,
    chrono::DateTime<chrono::Utc>,
    String,
    String,
    Option<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
);

/// The list's order on collected keys (id, updated, initials, name, last follow-up, created); the
/// same order as `order_page`, ties broken by the newest id.
fn compare_keys(sort: CustomerSort, a: &SortKeys, b: &SortKeys) -> std::cmp::Ordering {
    let order = match sort {
        CustomerSort::Updated => b.1.cmp(&a.1),
        CustomerSort::Name => a.2.cmp(&b.2).then_with(|| a.3.cmp(&b.3)),
        // Never followed up comes first (None < Some), then the longest ago; among equals the
        // oldest record first, so the database serves the page straight from the index.
        CustomerSort::Neglected => return a.4.cmp(&b.4).then_with(|| a.0.cmp(&b.0)),
        CustomerSort::Created => b.5.cmp(&a.5),
    };
    order.then_with(|| b.0.cmp(&a.0))
}

fn order_page(select: Select<customer::Entity>, sort: CustomerSort) -> Select<customer::Entity> {
    let select = match sort {
        CustomerSort::Updated => select.order_by_desc(customer::Column::UpdatedAt),
        CustomerSort::Name => select
            .order_by_asc(customer::Column::NameInitials)
            .order_by_asc(customer::Column::Name),
        // The index on last_follow_up_at (with the id) yields this order directly; a newest-id
        // tie-break would make the database sort every quiet customer for one page (100+ ms at
        // 100,000 customers).
        CustomerSort::Neglected => {
            return select
                .order_by_with_nulls(
                    customer::Column::LastFollowUpAt,
                    Order::Asc,
                    NullOrdering::First,
                )
                .order_by_asc(customer::Column::Id);
        }
        CustomerSort::Created => select.order_by_desc(customer::Column::CreatedAt),
    };
    select.order_by_desc(customer::Column::Id)
}

/// For a search: (total, ids of the requested page in order), or None when the search is broad.
async fn collect_search_page(
    db: &impl ConnectionTrait,
    select: &Select<customer::Entity>,
    sort: CustomerSort,
    page: u64,
) -> AppResult<Option<(u64, Vec<i64>)>> {
    let mut keys: Vec<SortKeys> = select
        .clone()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::UpdatedAt)
        .column(customer::Column::NameInitials)
        .column(customer::Column::Name)
        .column(customer::Column::LastFollowUpAt)
        .column(customer::Column::CreatedAt)
        .limit(SEARCH_COLLECT_LIMIT + 1)
        .into_tuple()
        .all(db)
        .await?;
    if keys.len() as u64 > SEARCH_COLLECT_LIMIT {
        return Ok(None);
    }
    keys.sort_by(|a, b| compare_keys(sort, a, b));
    let ids = keys
        .iter()
        .skip((page * PAGE_SIZE) as usize)
        .take(PAGE_SIZE as usize)
        .map(|k| k.0)
        .collect();
    Ok(Some((keys.len() as u64, ids)))
}

pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &CustomerFilter,
) -> AppResult<CustomerPage> {
    let sort = CustomerSort::parse(&filter.sort).unwrap_or(CustomerSort::Updated);
    let search = customer_search(db, &filter.q).await?;
    let select = filtered_with(actor, filter, search.as_ref(), true, crate::clock::now());
    let collected = match search {
        Some(_) => collect_search_page(db, &select, sort, filter.page).await?,
        None => None,
    };
    let (total, rows) = match collected {
        Some((total, ids)) => {
            let mut rows = across_owners::<customer::Entity>()
                .filter(customer::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?;
            rows.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
            (total, rows)
        }
        None => {
            let total = select.clone().count(db).await?;
            (
                total,
                order_page(select, sort)
                    .offset(filter.page * PAGE_SIZE)
                    .limit(PAGE_SIZE)
                    .all(db)
                    .await?,
            )
        }
    };
    let owners = names_of(db, rows.iter().filter_map(|c| c.owner_id)).await?;
    let ladder_rules = super::ladder::service::rules(db).await?;
    let today = crate::clock::today();
    Ok(CustomerPage {
        total,
        page: filter.page,
        rows: rows
            .into_iter()
            .map(|c| CustomerRow {
                id: c.id,
                stage: stage_of(&c),
                tags: tags_of(&c),
                is_new: newness(&c, &ladder_rules, today),
                owner_name: c.owner_id.and_then(|id| owners.get(&id).cloned()),
                abc_class: c
                    .abc_class
                    .as_deref()
                    .and_then(crate::domain::abc::AbcClass::parse),
                name: c.name,
                city: c.city,
                phone: c.phone,
                last_follow_up_on: c.last_follow_up_at.map(crate::clock::local_day),
            })
            .collect(),
    })
}

pub async fn stage_counts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &CustomerFilter,
) -> AppResult<StageCounts> {
    let counted: Vec<(String, i64)> = filtered(db, actor, filter, false, crate::clock::now())
        .await?
        .select_only()
        .column(customer::Column::LadderStage)
        .column_as(Expr::col(customer::Column::Id).count(), "n")
        .group_by(customer::Column::LadderStage)
        .into_tuple()
        .all(db)
        .await?;
    Ok(StageCounts {
        counts: LadderStage::ALL
            .iter()
            .map(|&stage| {
                (
                    stage,
                    counted
                        .iter()
                        .find(|(s, _)| s == stage.as_str())
                        .map_or(0, |(_, n)| *n as u64),
                )
            })
            .collect(),
    })
}

/// Each visible owner's customers per ladder stage, for managers and above.
pub async fn ladder_breakdown(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<LadderBreakdown> {
    actor.require(&Role::LEADERS)?;
    let counted: Vec<(Option<i64>, String, i64)> = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::OwnerId.is_not_null())
        .select_only()
        .column(customer::Column::OwnerId)
        .column(customer::Column::LadderStage)
        .column_as(Expr::col(customer::Column::Id).count(), "n")
        .group_by(customer::Column::OwnerId)
        .group_by(customer::Column::LadderStage)
        .into_tuple()
        .all(db)
        .await?;
    let people = crate::auth::visible_people(db, actor).await?;
    let mut rows: Vec<LadderRow> = people
        .into_iter()
        .map(|p| LadderRow {
            owner_id: p.id,
            owner_name: p.display_name,
            team_name: p.team_name,
            counts: vec![0; LadderStage::ALL.len()],
        })
        .collect();
    for (owner, stage, n) in counted {
        let (Some(owner), Some(stage)) = (owner, LadderStage::parse(&stage)) else {
            continue;
        };
        if let Some(row) = rows.iter_mut().find(|r| r.owner_id == owner) {
            row.counts[stage.index()] = n as u64;
        }
    }
    rows.retain(|r| r.counts.iter().any(|&n| n > 0));
    Ok(LadderBreakdown { rows })
}

pub async fn filter_options(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<FilterOptions> {
    let people = crate::auth::visible_people(db, actor).await?;
    let teams = crate::auth::visible_teams(db, actor).await?;
    let distinct = |column: customer::Column| {
        visible::<customer::Entity>(&actor.scope())
            .select_only()
            .column(column)
            .distinct()
            .filter(column.ne(""))
            .order_by_asc(column)
            .limit(200)
            .into_tuple::<String>()
            .all(db)
    };
    let industries = distinct(customer::Column::Industry).await?;
    let provinces = distinct(customer::Column::Province).await?;
    let saved = saved_filter::Entity::find()
        .filter(saved_filter::Column::UserId.eq(actor.user.id))
        .order_by_asc(saved_filter::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|f| SavedFilter {
            id: f.id,
            name: f.name,
            query: f.query,
        })
        .collect();
    Ok(FilterOptions {
        people: people.into_iter().map(|p| (p.id, p.display_name)).collect(),
        teams,
        industries,
        provinces,
        saved,
        can_assign: actor.role().leads_people(),
    })
}

/// Saves the current list filter under a name (the same name replaces the old one).
pub async fn save_filter(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: &str,
    query: &str,
) -> AppResult<i64> {
    let name = forms::parse_name(name).map_err(|code| AppError::field("filter_name", code))?;
    let name: String = name.chars().take(40).collect();
    let query = CustomerFilter::parse_query_string(query).query_string();
    saved_filter::Entity::delete_many()
        .filter(saved_filter::Column::UserId.eq(actor.user.id))
        .filter(saved_filter::Column::Name.eq(name.as_str()))
        .exec(db)
        .await?;
    let saved = saved_filter::ActiveModel {
        user_id: Set(actor.user.id),
        name: Set(name),
        query: Set(query.chars().take(500).collect()),
        created_at: Set(crate::clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(saved.id)
}

/// Only one's own saved filters can be deleted; another user's id is `NotFound`.
pub async fn delete_filter(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<()> {
    let deleted = saved_filter::Entity::delete_many()
        .filter(saved_filter::Column::Id.eq(id))
        .filter(saved_filter::Column::UserId.eq(actor.user.id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        Err(AppError::NotFound)
    } else {
        Ok(())
    }
}

/// New (first order within the rules' window) or old; None for a customer that never ordered.
fn newness(
    c: &customer::Model,
    ladder_rules: &rules::LadderRules,
    today: chrono::NaiveDate,
) -> Option<bool> {
    c.first_order_on
        .map(|first| rules::is_new_customer(Some(first), ladder_rules, today))
}

fn stage_of(c: &customer::Model) -> LadderStage {
    LadderStage::parse(&c.ladder_stage).unwrap_or(LadderStage::Target)
}

/// A customer the actor may see (or one in the pool); anything else is `NotFound`, so guessing
/// ids reveals nothing.
pub(crate) async fn find_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<customer::Model> {
    if let Some(found) = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
    {
        return Ok(found);
    }
    in_pool::<customer::Entity>()
        .filter(customer::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) fn may_edit(actor: &Actor, c: &customer::Model) -> bool {
    c.owner_id.is_some() || actor.role() == Role::Admin
}

/// Only the owner's side may change a customer: pool customers must be claimed first.
pub(crate) async fn find_owned_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<customer::Model> {
    let found = find_for(db, actor, id).await?;
    if !may_edit(actor, &found) {
        return Err(AppError::Forbidden);
    }
    Ok(found)
}

fn profile_of(c: &customer::Model) -> Vec<(ProfileField, String)> {
    let stored: BTreeMap<String, String> = serde_json::from_str(&c.profile).unwrap_or_default();
    ProfileField::ALL
        .iter()
        .filter_map(|&field| {
            stored
                .get(field.as_str())
                .filter(|v| !v.is_empty())
                .map(|v| (field, v.clone()))
        })
        .collect()
}

fn contact_view(p: contact::Model) -> ContactView {
    ContactView {
        id: p.id,
        buying_role: BuyingRole::parse(&p.buying_role),
        name: p.name,
        title: p.title,
        phone: p.phone,
        email: p.email,
        wechat: p.wechat,
        birthday: p.birthday,
        interests: p.interests,
        is_primary: p.is_primary,
    }
}

pub async fn detail(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<CustomerDetail> {
    let c = find_for(db, actor, id).await?;
    let contacts = contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(id))
        .order_by_desc(contact::Column::IsPrimary)
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await?;
    // The whole history stays with the customer, whoever wrote it.
    let follow_ups = across_owners::<follow_up::Entity>()
        .filter(follow_up::Column::CustomerId.eq(id))
        .order_by_desc(follow_up::Column::HappenedAt)
        .limit(200)
        .all(db)
        .await?;
    let events = customer_event::Entity::find()
        .filter(customer_event::Column::CustomerId.eq(id))
        .order_by_desc(customer_event::Column::At)
        .limit(200)
        .all(db)
        .await?;
    let people = names_of(
        db,
        follow_ups
            .iter()
            .map(|f| f.author_id)
            .chain(events.iter().filter_map(|e| e.actor_id))
            .chain(c.owner_id),
    )
    .await?;
    let mut timeline: Vec<TimelineEntry> = follow_ups
        .into_iter()
        .map(|f| TimelineEntry {
            at: f.happened_at,
            day: crate::clock::local_day(f.happened_at),
            actor_name: people.get(&f.author_id).cloned(),
            kind: TimelineKind::FollowUp {
                kind: FollowUpKind::parse(&f.kind).unwrap_or(FollowUpKind::Other),
                intent: Intent::parse(&f.intent).unwrap_or(Intent::None),
                next_date: f.next_date,
                next_action: f.next_action,
            },
            text: f.summary,
        })
        .chain(events.into_iter().map(|e| TimelineEntry {
            day: crate::clock::local_day(e.at),
            at: e.at,
            actor_name: e.actor_id.and_then(|id| people.get(&id).cloned()),
            kind: TimelineKind::Event { kind: e.kind },
            text: e.detail,
        }))
        .collect();
    timeline.sort_by_key(|entry| std::cmp::Reverse(entry.at));
    let ladder_rules = super::ladder::service::rules(db).await?;
    Ok(CustomerDetail {
        is_new: newness(&c, &ladder_rules, crate::clock::today()),
        id: c.id,
        version: c.version,
        abc_class: c
            .abc_class
            .as_deref()
            .and_then(crate::domain::abc::AbcClass::parse),
        stage: stage_of(&c),
        tags: tags_of(&c),
        profile: profile_of(&c),
        can_edit: may_edit(actor, &c),
        owner_name: c.owner_id.and_then(|id| people.get(&id).cloned()),
        owner_id: c.owner_id,
        source: Source::parse(&c.source),
        first_order_on: c.first_order_on,
        created_on: crate::clock::local_day(c.created_at),
        name: c.name,
        short_name: c.short_name,
        phone: c.phone,
        tax_id: c.tax_id,
        province: c.province,
        city: c.city,
        district: c.district,
        street: c.street,
        website: c.website,
        industry: c.industry,
        notes: c.notes,
        contacts: contacts.into_iter().map(contact_view).collect(),
        timeline,
    })
}

#[derive(Clone)]
pub(crate) struct CheckedCustomer {
    name: String,
    short_name: String,
    phone: String,
    tax_id: String,
    province: String,
    city: String,
    district: String,
    street: String,
    website: String,
    industry: String,
    source: String,
    stage: LadderStage,
    stage_reason: String,
    tags: String,
    profile: String,
    notes: String,
}

pub(crate) fn check_customer(form: &CustomerForm) -> Result<CheckedCustomer, Vec<FieldError>> {
    let mut checks = Checks::default();
    let mut text = |field: &str, raw: &str, max: usize| {
        checks
            .check(field, forms::parse_optional_text(raw, max))
            .unwrap_or_default()
    };
    let short_name = text("short_name", &form.short_name, 50);
    let phone = text("phone", &form.phone, 40);
    let tax_id = text("tax_id", &form.tax_id, 30);
    let province = text("province", &form.province, 20);
    let city = text("city", &form.city, 20);
    let district = text("district", &form.district, 20);
    let street = text("street", &form.street, 100);
    let website = text("website", &form.website, 100);
    let industry = text("industry", &form.industry, 40);
    let notes = text("notes", &form.notes, 2000);
    let stage_reason = text("stage_reason", &form.stage_reason, 200);
    let mut profile = BTreeMap::new();
    for &field in ProfileField::ALL {
        let raw = form
            .profile
            .get(field.as_str())
            .map(String::as_str)
            .unwrap_or("");
        let value = text(field.as_str(), raw, ProfileField::MAX_CHARS);
        if !value.is_empty() {
            profile.insert(field.as_str(), value);
        }
    }
    let tags = rules::normalise_tags(&form.tags).join(",");
    if tags.chars().count() > 200 {
        checks.check::<()>("tags", Err(ErrorCode::TooLong { max: 200 }));
    }
    let source = if form.source.trim().is_empty() {
        Some(String::new())
    } else {
        checks
            .check("source", forms::parse_choice(&form.source, Source::parse))
            .map(|s| s.as_str().to_string())
    };
    let name = checks.check(
        "name",
        forms::parse_name(&form.name).and_then(|n| {
            if n.chars().count() < 2 {
                Err(ErrorCode::TooShort { min: 2 })
            } else {
                Ok(n)
            }
        }),
    );
    let stage = if form.stage.trim().is_empty() {
        Some(LadderStage::Target)
    } else {
        checks.check(
            "stage",
            forms::parse_choice(&form.stage, LadderStage::parse),
        )
    };
    checks.check(
        "contact_name",
        forms::parse_optional_text(&form.contact_name, 50),
    );
    checks.check(
        "contact_phone",
        forms::parse_optional_text(&form.contact_phone, 40),
    );
    checks.into_result()?;
    Ok(CheckedCustomer {
        name: name.unwrap_or_default(),
        stage: stage.unwrap_or(LadderStage::Target),
        source: source.unwrap_or_default(),
        profile: serde_json::to_string(&profile).unwrap_or_else(|_| "{}".into()),
        short_name,
        phone,
        tax_id,
        province,
        city,
        district,
        street,
        website,
        industry,
        tags,
        notes,
        stage_reason,
    })
}

/// Names of existing customers that look like this one (same normalised name, phone or tax id).
async fn likely_duplicates(
    db: &impl ConnectionTrait,
    checked: &CheckedCustomer,
    except: Option<i64>,
) -> AppResult<Vec<String>> {
    let mut any =
        Condition::any().add(customer::Column::NameKey.eq(rules::company_name_key(&checked.name)));
    let phone = rules::phone_key(&checked.phone);
    if phone.len() >= 7 {
        any = any.add(customer::Column::PhoneKey.eq(phone));
    }
    let tax = rules::tax_id_key(&checked.tax_id);
    if !tax.is_empty() {
        any = any.add(customer::Column::TaxKey.eq(tax));
    }
    let mut select = across_owners::<customer::Entity>().filter(any);
    if let Some(id) = except {
        select = select.filter(customer::Column::Id.ne(id));
    }
    Ok(select
        .limit(5)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect())
}

/// The columns a checked customer sets (everything but owner, version and creation), for the
/// form and for imports alike.
pub(crate) fn customer_columns(
    checked: &CheckedCustomer,
    now: chrono::DateTime<chrono::Utc>,
) -> customer::ActiveModel {
    let checked = checked.clone();
    customer::ActiveModel {
        name_key: Set(rules::company_name_key(&checked.name)),
        name_initials: Set(name_initials(&checked.name)),
        phone_key: Set(rules::phone_key(&checked.phone)),
        tax_key: Set(rules::tax_id_key(&checked.tax_id)),
        name: Set(checked.name.clone()),
        short_name: Set(checked.short_name),
        phone: Set(checked.phone),
        tax_id: Set(checked.tax_id),
        province: Set(checked.province),
        city: Set(checked.city),
        district: Set(checked.district),
        street: Set(checked.street),
        website: Set(checked.website),
        industry: Set(checked.industry),
        source: Set(checked.source),
        ladder_stage: Set(checked.stage.as_str().to_string()),
        tags: Set(checked.tags),
        profile: Set(checked.profile),
        notes: Set(checked.notes),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn save(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: CustomerForm,
) -> AppResult<i64> {
    let id = forms::parse_optional_id(&form.id).map_err(|_| AppError::NotFound)?;
    let existing = match id {
        Some(id) => Some(find_owned_for(db, actor, id).await?),
        None => None,
    };
    let checked = check_customer(&form).map_err(AppError::Validation)?;
    if form.confirm_duplicate != "yes" {
        let names = likely_duplicates(db, &checked, id).await?;
        if !names.is_empty() {
            return Err(AppError::field(
                "name",
                ErrorCode::PossibleDuplicate { names },
            ));
        }
    }
    let now = crate::clock::now();
    let mut row = customer_columns(&checked, now);
    let txn = crate::db::begin_write(db).await?;
    let id = match existing {
        None => {
            row.owner_id = Set(Some(actor.user.id));
            row.owned_since = Set(Some(now));
            row.created_at = Set(now);
            row.version = Set(1);
            let created = row.insert(&txn).await?;
            record_event(
                &txn,
                created.id,
                Some(actor.user.id),
                "created",
                String::new(),
            )
            .await?;
            let contact_name = form.contact_name.trim();
            if !contact_name.is_empty() {
                contact::ActiveModel {
                    customer_id: Set(created.id),
                    name: Set(contact_name.to_string()),
                    phone: Set(form.contact_phone.trim().to_string()),
                    is_primary: Set(true),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            created.id
        }
        Some(before) => {
            let version = form
                .version
                .trim()
                .parse()
                .map_err(|_| AppError::Conflict)?;
            update_versioned::<customer::Entity>(
                &txn,
                row,
                (customer::Column::Id, before.id),
                (customer::Column::Version, version),
                "name",
            )
            .await?;
            let before_stage = stage_of(&before);
            if before_stage != checked.stage {
                let reason = (!checked.stage_reason.is_empty())
                    .then(|| rules::LadderReason::Note(checked.stage_reason.clone()));
                let change = rules::StageChange {
                    from: before_stage,
                    to: checked.stage,
                    reason,
                };
                record_event(
                    &txn,
                    before.id,
                    Some(actor.user.id),
                    "stage",
                    change.encode(),
                )
                .await?;
            } else {
                record_event(
                    &txn,
                    before.id,
                    Some(actor.user.id),
                    "updated",
                    String::new(),
                )
                .await?;
            }
            before.id
        }
    };
    refresh_search_text(&txn, id).await?;
    txn.commit().await?;
    Ok(id)
}

/// Adds or edits a contact of a customer the actor may change; one primary contact at most.
pub async fn save_contact(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: ContactForm,
) -> AppResult<i64> {
    let customer_id: i64 = form
        .customer_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    find_owned_for(db, actor, customer_id).await?;
    let existing = match forms::parse_optional_id(&form.id).map_err(|_| AppError::NotFound)? {
        Some(id) => Some(
            contact::Entity::find()
                .filter(contact::Column::Id.eq(id))
                .filter(contact::Column::CustomerId.eq(customer_id))
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let mut checks = Checks::default();
    let name = checks.check("contact_name", forms::parse_name(&form.name));
    let mut text = |field: &str, raw: &str, max: usize| {
        checks
            .check(field, forms::parse_optional_text(raw, max))
            .unwrap_or_default()
    };
    let title = text("title", &form.title, 50);
    let phone = text("contact_phone", &form.phone, 40);
    let email = text("email", &form.email, 100);
    let wechat = text("wechat", &form.wechat, 50);
    let interests = text("interests", &form.interests, 200);
    if !email.is_empty() && !forms::looks_like_email(&email) {
        checks.check::<()>("email", Err(ErrorCode::InvalidEmail));
    }
    let birthday = checks
        .check("birthday", forms::parse_optional_date(&form.birthday))
        .flatten();
    let buying_role = if form.buying_role.trim().is_empty() {
        Some(String::new())
    } else {
        checks
            .check(
                "buying_role",
                forms::parse_choice(&form.buying_role, BuyingRole::parse),
            )
            .map(|r| r.as_str().to_string())
    };
    checks.into_result().map_err(AppError::Validation)?;
    let is_primary = form.is_primary == "on" || form.is_primary == "true";
    let txn = crate::db::begin_write(db).await?;
    if is_primary {
        contact::Entity::update_many()
            .col_expr(contact::Column::IsPrimary, Expr::value(false))
            .filter(contact::Column::CustomerId.eq(customer_id))
            .exec(&txn)
            .await?;
    }
    let name = name.unwrap_or_default();
    let row = contact::ActiveModel {
        customer_id: Set(customer_id),
        name: Set(name.clone()),
        title: Set(title),
        phone: Set(phone),
        email: Set(email),
        wechat: Set(wechat),
        birthday: Set(birthday),
        interests: Set(interests),
        buying_role: Set(buying_role.unwrap_or_default()),
        is_primary: Set(is_primary),
        ..Default::default()
    };
    let id = match existing {
        Some(before) => {
            contact::Entity::update_many()
                .set(row)
                .filter(contact::Column::Id.eq(before.id))
                .exec(&txn)
                .await?;
            before.id
        }
        None => {
            let mut row = row;
            row.created_at = Set(crate::clock::now());
            let created = row.insert(&txn).await?;
            record_event(&txn, customer_id, Some(actor.user.id), "contact", name).await?;
            created.id
        }
    };
    touch_customer(&txn, customer_id).await?;
    refresh_search_text(&txn, customer_id).await?;
    txn.commit().await?;
    Ok(id)
}

pub async fn delete_contact(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    contact_id: i64,
) -> AppResult<()> {
    let found = contact::Entity::find()
        .filter(contact::Column::Id.eq(contact_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_owned_for(db, actor, found.customer_id).await?;
    let txn = crate::db::begin_write(db).await?;
    // Follow-ups keep their text; they only lose the link to the person.
    follow_up::Entity::update_many()
        .col_expr(
            follow_up::Column::ContactId,
            Expr::value(Option::<i64>::None),
        )
        .filter(follow_up::Column::ContactId.eq(contact_id))
        .exec(&txn)
        .await?;
    contact::Entity::delete_many()
        .filter(contact::Column::Id.eq(contact_id))
        .exec(&txn)
        .await?;
    record_event(
        &txn,
        found.customer_id,
        Some(actor.user.id),
        "contact_removed",
        found.name,
    )
    .await?;
    touch_customer(&txn, found.customer_id).await?;
    refresh_search_text(&txn, found.customer_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Contact changes bump the customer's version, so an open edit form notices them.
async fn touch_customer(db: &impl ConnectionTrait, customer_id: i64) -> AppResult<()> {
    customer::Entity::update_many()
        .col_expr(
            customer::Column::UpdatedAt,
            Expr::value(crate::clock::now()),
        )
        .col_expr(
            customer::Column::Version,
            Expr::col(customer::Column::Version).add(1),
        )
        .filter(customer::Column::Id.eq(customer_id))
        .exec(db)
        .await?;
    Ok(())
}

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
    record_event(&txn, keep.id, Some(actor.user.id), "merged", gone.name).await?;
    refresh_search_text(&txn, keep.id).await?;
    txn.commit().await?;
    Ok(keep.id)
}

/// A follow-up form's values, checked.
pub struct CheckedFollowUp {
    pub kind: FollowUpKind,
    pub summary: String,
    pub intent: Intent,
    pub next_date: Option<chrono::NaiveDate>,
    pub next_action: String,
}

pub fn check_follow_up(
    form: &FollowUpForm,
) -> Result<CheckedFollowUp, Vec<crate::domain::forms::FieldError>> {
    let mut checks = Checks::default();
    let kind = checks.check("kind", forms::parse_choice(&form.kind, FollowUpKind::parse));
    let summary = checks.check(
        "summary",
        forms::parse_optional_text(&form.summary, 2000).and_then(|s| {
            if s.is_empty() {
                Err(ErrorCode::Required)
            } else {
                Ok(s)
            }
        }),
    );
    let intent = checks.check("intent", forms::parse_choice(&form.intent, Intent::parse));
    let next_date = checks
        .check("next_date", forms::parse_optional_date(&form.next_date))
        .flatten();
    let next_action = checks
        .check(
            "next_action",
            forms::parse_optional_text(&form.next_action, 200),
        )
        .unwrap_or_default();
    checks.into_result()?;
    Ok(CheckedFollowUp {
        kind: kind.unwrap_or(FollowUpKind::Other),
        summary: summary.unwrap_or_default(),
        intent: intent.unwrap_or(Intent::None),
        next_date,
        next_action,
    })
}

pub async fn log_follow_up(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    form: FollowUpForm,
) -> AppResult<i64> {
    let customer_id: i64 = form
        .customer_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let customer = find_owned_for(db, actor, customer_id).await?;
    let checked = check_follow_up(&form).map_err(AppError::Validation)?;
    let txn = crate::db::begin_write(db).await?;
    let created =
        insert_follow_up(&txn, &customer, actor.user.id, checked, crate::clock::now()).await?;
    txn.commit().await?;
    Ok(created.id)
}

/// Stores a follow-up by `author_id` that happened at `happened_at` (now, or earlier for an
/// imported history). It settles the author's open next steps on this customer planned before it.
pub async fn insert_follow_up(
    txn: &impl ConnectionTrait,
    customer: &customer::Model,
    author_id: i64,
    checked: CheckedFollowUp,
    happened_at: chrono::DateTime<chrono::Utc>,
) -> AppResult<follow_up::Model> {
    follow_up::Entity::update_many()
        .col_expr(follow_up::Column::NextDone, Expr::value(true))
        .filter(follow_up::Column::CustomerId.eq(customer.id))
        .filter(follow_up::Column::AuthorId.eq(author_id))
        .filter(follow_up::Column::NextDone.eq(false))
        .filter(follow_up::Column::HappenedAt.lte(happened_at))
        .exec(txn)
        .await?;
    let created = follow_up::ActiveModel {
        customer_id: Set(customer.id),
        author_id: Set(author_id),
        kind: Set(checked.kind.as_str().to_string()),
        contact_id: Set(None),
        summary: Set(checked.summary),
        intent: Set(checked.intent.as_str().to_string()),
        next_done: Set(checked.next_date.is_none()),
        next_date: Set(checked.next_date),
        next_action: Set(checked.next_action),
        happened_at: Set(happened_at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let now = crate::clock::now();
    let mut touch =
        customer::Entity::update_many().col_expr(customer::Column::UpdatedAt, Expr::value(now));
    // The lead pool's clock counts from the owner's latest follow-up, never moved backwards.
    if customer.owner_id == Some(author_id)
        && customer
            .last_follow_up_at
            .is_none_or(|last| last < happened_at)
    {
        touch = touch.col_expr(customer::Column::LastFollowUpAt, Expr::value(happened_at));
    }
    touch
        .filter(customer::Column::Id.eq(customer.id))
        .exec(txn)
        .await?;
    Ok(created)
}

pub async fn agenda(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: chrono::NaiveDate,
) -> AppResult<Agenda> {
    let horizon = today + chrono::Duration::days(7);
    let mut select = visible::<follow_up::Entity>(&actor.scope())
        .filter(follow_up::Column::NextDone.eq(false))
        .filter(follow_up::Column::NextDate.lte(horizon));
    if actor.role() == Role::Rep {
        select = select.filter(follow_up::Column::AuthorId.eq(actor.user.id));
    }
    let items = select
        .order_by_asc(follow_up::Column::NextDate)
        .limit(500)
        .all(db)
        .await?;
    let customer_names: HashMap<i64, String> = across_owners::<customer::Entity>()
        .filter(customer::Column::Id.is_in(items.iter().map(|f| f.customer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let authors = names_of(db, items.iter().map(|f| f.author_id)).await?;
    let mut agenda = Agenda::default();
    for f in items {
        let Some(next_date) = f.next_date else {
            continue;
        };
        let item = AgendaItem {
            follow_up_id: f.id,
            customer_id: f.customer_id,
            customer_name: customer_names
                .get(&f.customer_id)
                .cloned()
                .unwrap_or_default(),
            next_date,
            next_action: f.next_action,
            author_name: authors.get(&f.author_id).cloned().unwrap_or_default(),
        };
        match next_date.cmp(&today) {
            std::cmp::Ordering::Less => agenda.overdue.push(item),
            std::cmp::Ordering::Equal => agenda.today.push(item),
            std::cmp::Ordering::Greater => agenda.upcoming.push(item),
        }
    }
    Ok(agenda)
}

pub async fn claim(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    settings: &Settings,
    id: i64,
) -> AppResult<()> {
    if actor.role() == Role::Rep {
        let held = visible::<customer::Entity>(&actor.scope())
            .count(db)
            .await?;
        if held >= u64::from(settings.max_customers_per_rep) {
            return Err(AppError::field(
                "claim",
                ErrorCode::CustomerCap {
                    max: settings.max_customers_per_rep,
                },
            ));
        }
    }
    let now = crate::clock::now();
    let txn = crate::db::begin_write(db).await?;
    let taken = change_owner(Some(actor.user.id), now)
        .col_expr(customer::Column::UpdatedAt, Expr::value(now))
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::OwnerId.is_null())
        .exec(&txn)
        .await?;
    if taken.rows_affected == 0 {
        // Someone claimed it first, or it is not in the pool.
        return Err(AppError::Conflict);
    }
    // Open deals, quotes and contracts left with the former owner follow the customer.
    super::records::hand_open_work(&txn, &[id], actor.user.id).await?;
    record_event(
        &txn,
        id,
        Some(actor.user.id),
        "claimed",
        actor.user.display_name.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves customers to other reps (assignment from the pool, handover when someone leaves),
/// spreading them round-robin over `to_user_ids`. All or nothing.
pub async fn reassign(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    customer_ids: &[i64],
    to_user_ids: &[i64],
) -> AppResult<u64> {
    actor.require(&Role::LEADERS)?;
    if to_user_ids.is_empty() {
        return Err(AppError::field("to", ErrorCode::Required));
    }
    let targets = visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Id.is_in(to_user_ids.iter().copied()))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?;
    if targets.len() != to_user_ids.len() {
        return Err(AppError::field("to", ErrorCode::UnknownChoice));
    }
    let names: HashMap<i64, String> = targets
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let txn = crate::db::begin_write(db).await?;
    let now = crate::clock::now();
    let mut moved = 0;
    for (index, &customer_id) in customer_ids.iter().enumerate() {
        let customer = find_for(&txn, actor, customer_id).await?;
        let to = to_user_ids[index % to_user_ids.len()];
        if customer.owner_id == Some(to) {
            continue;
        }
        let from = match customer.owner_id {
            Some(id) => names_of(&txn, [id]).await?.remove(&id).unwrap_or_default(),
            None => String::new(),
        };
        let deals = super::records::hand_open_work(&txn, &[customer_id], to).await?;
        let change = OwnerChange {
            to: Some(to),
            at: now,
            recorded: serde_json::json!({ "owner_id": to, "open_deals_moved": deals }),
            event: ("owner", format!("{from}→{}", names[&to])),
        };
        change_owner_of(&txn, actor, &customer, change).await?;
        moved += 1;
    }
    txn.commit().await?;
    Ok(moved)
}

/// A customer's new owner (none: the lead pool), what the audit log records as the new state,
/// and the customer's timeline entry (kind, text).
struct OwnerChange {
    to: Option<i64>,
    at: chrono::DateTime<chrono::Utc>,
    recorded: serde_json::Value,
    event: (&'static str, String),
}

/// Changes one customer's owner by hand (a reassignment, a handover, a deactivation): the row,
/// the audit log and the customer's timeline, in the caller's transaction.
async fn change_owner_of(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    customer: &customer::Model,
    change: OwnerChange,
) -> AppResult<()> {
    change_owner(change.to, change.at)
        .col_expr(customer::Column::UpdatedAt, Expr::value(change.at))
        .filter(customer::Column::Id.eq(customer.id))
        .exec(txn)
        .await?;
    let before = serde_json::json!({ "owner_id": customer.owner_id });
    crate::audit::record(
        txn,
        actor,
        crate::audit::Action::CustomerReassigned,
        crate::audit::Subject::Customer(customer.id),
        before,
        change.recorded,
    )
    .await?;
    record_event(
        txn,
        customer.id,
        Some(actor.user.id),
        change.event.0,
        change.event.1,
    )
    .await
}

/// Hands every customer of `from_user_id` over to `to_user_ids` (a rep leaving).
pub async fn handover_all(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    from_user_id: i64,
    to_user_ids: &[i64],
) -> AppResult<u64> {
    actor.require(&Role::LEADERS)?;
    require_led(db, actor, from_user_id).await?;
    let ids: Vec<i64> = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::OwnerId.eq(from_user_id))
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    reassign(db, actor, &ids, to_user_ids).await
}

/// Someone else's people are not there to hand over: the same answer as for nobody (404), not
/// "done, nothing moved".
async fn require_led(db: &impl ConnectionTrait, actor: &Actor, user_id: i64) -> AppResult<()> {
    visible::<user::Entity>(&actor.scope())
        .filter(user::Column::Id.eq(user_id))
        .one(db)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

/// Returns every customer of `from_user_id` to the lead pool (someone leaving whose customers
/// nobody takes over yet). Their open work follows whoever claims or is assigned each customer.
pub async fn return_all_to_pool(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    from_user_id: i64,
) -> AppResult<u64> {
    actor.require(&Role::LEADERS)?;
    require_led(db, actor, from_user_id).await?;
    let owned = visible::<customer::Entity>(&actor.scope())
        .filter(customer::Column::OwnerId.eq(from_user_id))
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?;
    let from = names_of(db, [from_user_id])
        .await?
        .remove(&from_user_id)
        .unwrap_or_default();
    let now = crate::clock::now();
    let txn = crate::db::begin_write(db).await?;
    for c in &owned {
        let change = OwnerChange {
            to: None,
            at: now,
            recorded: serde_json::json!({ "owner_id": null }),
            event: ("left_to_pool", from.clone()),
        };
        change_owner_of(&txn, actor, c, change).await?;
    }
    txn.commit().await?;
    Ok(owned.len() as u64)
}

/// The scheduled job: customers whose owner logged no follow-up for `days` days go back to the
/// pool. `now` comes from the caller so tests control the clock.
pub async fn return_neglected_to_pool(
    db: &(impl ConnectionTrait + TransactionTrait),
    now: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> AppResult<u64> {
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let txn = crate::db::begin_write(db).await?;
    let due = across_owners::<customer::Entity>()
        .filter(customer::Column::OwnerId.is_not_null())
        .filter(
            Condition::any()
                .add(customer::Column::OwnedSince.is_null())
                .add(customer::Column::OwnedSince.lte(cutoff)),
        )
        .filter(
            Condition::any()
                .add(customer::Column::LastFollowUpAt.is_null())
                .add(customer::Column::LastFollowUpAt.lte(cutoff)),
        )
        .order_by_asc(customer::Column::Id)
        .all(&txn)
        .await?;
    let worked = worked_in_the_field(&txn, cutoff, crate::clock::local_day(now)).await?;
    let due: Vec<customer::Model> = due
        .into_iter()
        .filter(|c| {
            c.owner_id
                .is_none_or(|owner| !worked.contains(&(owner, c.id)))
        })
        .collect();
    let owners = names_of(&txn, due.iter().filter_map(|c| c.owner_id)).await?;
    let mut lost_by_owner: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for c in &due {
        if let Some(owner) = c.owner_id {
            lost_by_owner.entry(owner).or_default().push(&c.name);
        }
    }
    for c in &due {
        debug_assert!(rules::pool_return_due(
            c.last_follow_up_at,
            c.owned_since.unwrap_or(c.created_at),
            now,
            days
        ));
        change_owner(None, now)
            .filter(customer::Column::Id.eq(c.id))
            .exec(&txn)
            .await?;
        let owner = c
            .owner_id
            .and_then(|id| owners.get(&id).cloned())
            .unwrap_or_default();
        record_event(&txn, c.id, None, "pool", owner).await?;
    }
    // The rep is told which customers they lost and why, once per run.
    for (owner, names) in lost_by_owner {
        // A long list would bury the message: the first ten names and the count.
        let body = format!(
            "{}|{}|{}",
            days,
            names.len(),
            names
                .iter()
                .take(10)
                .copied()
                .collect::<Vec<_>>()
                .join("、")
        );
        crate::notifications::notify(&txn, owner, "pool_return", body, "/customers?view=pool")
            .await?;
    }
    txn.commit().await?;
    Ok(due.len() as u64)
}

/// (owner, customer) pairs the owner is working in the field: checked in there since `cutoff`,
/// or planned a visit for `today` or later. Taking such a customer away would strand the rep at
/// the door with a visit they cannot log, so the pool waits until the plan is behind them.
async fn worked_in_the_field(
    db: &impl ConnectionTrait,
    cutoff: chrono::DateTime<chrono::Utc>,
    today: chrono::NaiveDate,
) -> AppResult<std::collections::HashSet<(i64, i64)>> {
    use crate::entities::{check_in, day_sheet, visit_stop};
    let plans: HashMap<i64, i64> = day_sheet::Entity::find()
        .filter(day_sheet::Column::Kind.eq(crate::domain::fieldwork::SheetKind::Plan.as_str()))
        .filter(day_sheet::Column::Day.gte(today))
        .all(db)
        .await?
        .into_iter()
        .map(|sheet| (sheet.id, sheet.owner_id))
        .collect();
    let planned = visit_stop::Entity::find()
        .filter(visit_stop::Column::SheetId.is_in(plans.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|stop| Some((*plans.get(&stop.sheet_id)?, stop.customer_id)));
    let visited = check_in::Entity::find()
        .filter(check_in::Column::At.gt(cutoff))
        .all(db)
        .await?
        .into_iter()
        .map(|visit| (visit.owner_id, visit.customer_id));
    Ok(planned.chain(visited).collect())
}

/// The filtered list as a table for export (every matching customer the actor may see, in the
/// list's order, up to `exports::EXPORT_LIMIT`), headed in `locale`.
pub async fn export(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &CustomerFilter,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let sort = CustomerSort::parse(&filter.sort).unwrap_or(CustomerSort::Updated);
    let rows = order_page(
        filtered(db, actor, filter, true, crate::clock::now()).await?,
        sort,
    )
    .limit(crate::exports::EXPORT_LIMIT)
    .all(db)
    .await?;
    let owners = names_of(db, rows.iter().filter_map(|c| c.owner_id)).await?;
    let t = crate::i18n::texts(locale);
    let c = &t.customers;
    let headers = [
        c.name,
        c.short_name,
        c.stage,
        c.owner,
        c.phone,
        c.province,
        c.city,
        c.street,
        c.industry,
        c.source,
        c.tags,
        c.last_follow_up,
        t.imports.match_choices[0],
    ];
    let local_day = |at: Option<chrono::DateTime<chrono::Utc>>| at.map(crate::clock::local_day);
    Ok(crate::exports::ExportTable {
        sheet: t.nav_customers.to_string(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .into_iter()
            .map(|row| {
                let source = Source::parse(&row.source)
                    .map(|s| c.sources[s.index()].to_string())
                    .unwrap_or_default();
                vec![
                    Cell::Text(row.name.clone()),
                    Cell::Text(row.short_name.clone()),
                    Cell::Text(c.stages[stage_of(&row).index()].to_string()),
                    Cell::Text(
                        row.owner_id
                            .and_then(|id| owners.get(&id).cloned())
                            .unwrap_or_else(|| c.no_owner.to_string()),
                    ),
                    Cell::Text(row.phone.clone()),
                    Cell::Text(row.province.clone()),
                    Cell::Text(row.city.clone()),
                    Cell::Text(row.street.clone()),
                    Cell::Text(row.industry.clone()),
                    Cell::Text(source),
                    Cell::Text(tags_of(&row).join("，")),
                    Cell::Date(local_day(row.last_follow_up_at)),
                    Cell::Text(row.external_id.clone().unwrap_or_default()),
                ]
            })
            .collect(),
    })
}

/// Open next steps (overdue, today, the coming week) as a table for export.
pub async fn export_agenda(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: chrono::NaiveDate,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let found = agenda(db, actor, today).await?;
    let t = crate::i18n::texts(locale);
    let c = &t.customers;
    let sections = [
        (c.overdue, found.overdue),
        (c.due_today, found.today),
        (c.upcoming, found.upcoming),
    ];
    Ok(crate::exports::ExportTable {
        sheet: c.follow_ups.to_string(),
        headers: [t.status, c.next_date, c.name, c.next_action, c.owner]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: sections
            .into_iter()
            .flat_map(|(section, items)| {
                items.into_iter().map(move |item| {
                    vec![
                        Cell::Text(section.to_string()),
                        Cell::Date(Some(item.next_date)),
                        Cell::Text(item.customer_name),
                        Cell::Text(item.next_action),
                        Cell::Text(item.author_name),
                    ]
                })
            })
            .collect(),
    })
}

/// Customers per ladder stage for each person, as a table for export.
pub async fn export_ladder(
    db: &impl ConnectionTrait,
    actor: &Actor,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let breakdown = ladder_breakdown(db, actor).await?;
    let t = crate::i18n::texts(locale);
    let c = &t.customers;
    let mut headers = vec![c.rep.to_string(), t.team.to_string()];
    headers.extend(
        LadderStage::ALL
            .iter()
            .map(|s| c.stages[s.index()].to_string()),
    );
    headers.push(c.all.to_string());
    Ok(crate::exports::ExportTable {
        sheet: c.ladder.to_string(),
        headers,
        rows: breakdown
            .rows
            .into_iter()
            .map(|row| {
                let mut cells = vec![
                    Cell::Text(row.owner_name),
                    Cell::Text(row.team_name.unwrap_or_default()),
                ];
                cells.extend(row.counts.iter().map(|&n| Cell::Number(n as i64)));
                cells.push(Cell::Number(row.counts.iter().sum::<u64>() as i64));
                cells
            })
            .collect(),
    })
}
