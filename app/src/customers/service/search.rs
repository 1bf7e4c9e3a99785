//! Finding customers: the search text and its index, the filtered and sorted list, stage and
//! ladder counts, filter menus and saved filters.
use super::*;

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
pub(super) async fn filtered(
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

pub(super) fn tags_of(c: &customer::Model) -> Vec<String> {
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

pub(super) fn order_page(
    select: Select<customer::Entity>,
    sort: CustomerSort,
) -> Select<customer::Entity> {
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
