//! The pipeline through the real HTTP stack: the board and its totals, lazy columns, versioned
//! moves with stage history, positions under many moves, winning (the sales order), payments, the
//! live feed, and allowed and denied access for every server function.
mod common;

use app::domain::forms::ErrorCode;
use app::error::AppError;
use app::pipeline::{Board, Card, ColumnTotals, DealDetail, CARDS_PER_PAGE};
use common::{fields, Client, TestApp};
use sea_orm::{ConnectionTrait, Statement};

/// The demo company with a small book of customers, deals and two years of orders.
async fn company() -> TestApp {
    let app = TestApp::demo().await;
    let now = chrono::Utc::now();
    app::seed_customers::seed_customers(&app.db, now, 240, 2)
        .await
        .unwrap();
    let plan = app::seed_pipeline::DealPlan {
        open: 400,
        lost: 60,
        history: true,
    };
    assert!(
        app::seed_pipeline::seed_pipeline(&app.db, now, plan)
            .await
            .unwrap()
            > 460
    );
    app
}

async fn board(client: &Client, query: &[(&str, &str)]) -> Result<Board, AppError> {
    client.call("pipeline/board", query).await
}

struct Move<'a> {
    card: &'a Card,
    to_stage: i64,
    after: Option<i64>,
    before: Option<i64>,
    extra: Vec<(&'a str, String)>,
}

async fn move_card(client: &Client, m: Move<'_>) -> Result<Card, AppError> {
    let mut form = vec![
        ("request[id]", m.card.id.to_string()),
        ("request[version]", m.card.version.to_string()),
        ("request[to_stage_id]", m.to_stage.to_string()),
    ];
    if let Some(after) = m.after {
        form.push(("request[after_card]", after.to_string()));
    }
    if let Some(before) = m.before {
        form.push(("request[before_card]", before.to_string()));
    }
    form.extend(m.extra);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.call("pipeline/move", &form).await
}

fn to_top(card: &Card, to_stage: i64) -> Move<'_> {
    Move {
        card,
        to_stage,
        after: None,
        before: None,
        extra: Vec::new(),
    }
}

#[tokio::test]
async fn column_totals_cover_the_whole_filtered_set_and_columns_load_a_page_at_a_time() {
    let app = company().await;
    let admin = app.signed_in("admin").await;
    let b = board(&admin, &[]).await.unwrap();
    assert_eq!(b.columns.len(), 7);
    let open_stages: Vec<i64> = b
        .columns
        .iter()
        .filter(|c| !c.stage.won && !c.stage.lost)
        .map(|c| c.stage.id)
        .collect();
    let open_in_db = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM opportunities WHERE stage_id IN ({})",
            open_stages
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ))
        .await;
    let open_on_board: u64 = b
        .columns
        .iter()
        .filter(|c| open_stages.contains(&c.stage.id))
        .map(|c| c.totals.count)
        .sum();
    assert_eq!(open_on_board as i64, open_in_db);
    for column in &b.columns {
        assert!(column.cards.len() as u64 <= CARDS_PER_PAGE.min(column.totals.count));
        assert!(
            column
                .cards
                .windows(2)
                .all(|w| w[0].sort_key() < w[1].sort_key()),
            "cards in position order"
        );
        let sum = app.scalar(&format!("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM opportunities WHERE stage_id = {}", column.stage.id)).await;
        if !column.stage.won && !column.stage.lost {
            assert_eq!(
                column.totals.sum_fen, sum,
                "sum of {} from the database",
                column.stage.key
            );
            assert_eq!(
                column.totals.weighted_fen,
                app::domain::pipeline::weighted_fen(sum, column.stage.probability_percent)
            );
        }
    }

    // The next page continues exactly where the first ended.
    let busiest = b.columns.iter().max_by_key(|c| c.totals.count).unwrap();
    assert!(busiest.totals.count > CARDS_PER_PAGE);
    let last = busiest.cards.last().unwrap();
    let more: Vec<Card> = admin
        .call(
            "pipeline/more",
            &[
                ("stage_id", &busiest.stage.id.to_string()),
                ("after_position", &last.position.to_string()),
                ("after_id", &last.id.to_string()),
            ],
        )
        .await
        .unwrap();
    assert!(!more.is_empty() && more[0].sort_key() > last.sort_key());
    assert!(more.iter().all(
        |c| c.stage_id == busiest.stage.id && !busiest.cards.iter().any(|seen| seen.id == c.id)
    ));

    // Filters narrow the totals too, and bad filter input is reported at its field.
    let big = board(&admin, &[("filter[min_amount]", "100000")])
        .await
        .unwrap();
    assert!(big
        .columns
        .iter()
        .flat_map(|c| &c.cards)
        .all(|c| c.amount_fen >= 10_000_000));
    assert!(
        big.columns.iter().map(|c| c.totals.count).sum::<u64>()
            < b.columns.iter().map(|c| c.totals.count).sum::<u64>()
    );
    let bad = board(
        &admin,
        &[
            ("filter[min_amount]", "lots"),
            ("filter[close_month]", "2026-13"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(
        fields(&bad),
        vec![
            ("close_month".into(), ErrorCode::InvalidDate),
            ("min_amount".into(), ErrorCode::InvalidAmount)
        ]
    );
    let totals: Vec<ColumnTotals> = admin.call("pipeline/totals", &[]).await.unwrap();
    assert_eq!(
        totals,
        b.columns
            .iter()
            .map(|c| c.totals.clone())
            .collect::<Vec<_>>()
    );

    // Text search finds deals by their customer's name (three or more characters go through
    // SQLite's trigram index), and only those.
    let picked = &busiest.cards[0];
    let found = board(&admin, &[("filter[q]", &picked.customer_name)])
        .await
        .unwrap();
    let cards: Vec<&Card> = found.columns.iter().flat_map(|c| &c.cards).collect();
    assert!(
        cards.iter().any(|c| c.id == picked.id),
        "{} finds its deal",
        picked.customer_name
    );
    assert!(cards
        .iter()
        .all(|c| c.customer_name.contains(&picked.customer_name)
            || c.title.contains(&picked.customer_name)));
    assert!(
        found.columns.iter().map(|c| c.totals.count).sum::<u64>()
            < b.columns.iter().map(|c| c.totals.count).sum::<u64>()
    );
}

#[tokio::test]
async fn everyone_sees_and_moves_only_the_deals_the_visibility_rule_allows() {
    let app = company().await;
    let rep_id = app.user_id("rep").await;
    let rep = app.signed_in("rep").await;
    let rep_board = board(&rep, &[]).await.unwrap();
    let rep_cards: Vec<&Card> = rep_board.columns.iter().flat_map(|c| &c.cards).collect();
    assert!(!rep_cards.is_empty());
    assert!(
        rep_cards.iter().all(|c| c.owner_id == rep_id),
        "a rep's board holds only their deals"
    );
    assert!(
        rep_board.owners.is_empty(),
        "a rep is not offered other people to filter by"
    );

    let other_team = app.signed_in("sun.li").await;
    let theirs = board(&other_team, &[]).await.unwrap();
    let foreign = theirs
        .columns
        .iter()
        .find(|c| !c.stage.won && !c.stage.lost && !c.cards.is_empty())
        .unwrap()
        .cards[0]
        .clone();
    let next_stage = theirs
        .columns
        .iter()
        .find(|c| c.stage.id != foreign.stage_id && !c.stage.won && !c.stage.lost)
        .unwrap()
        .stage
        .id;
    let id = foreign.id.to_string();
    assert_eq!(
        rep.call::<Option<Card>>("pipeline/card", &[("id", &id)])
            .await,
        Ok(None)
    );
    assert_eq!(
        rep.call::<DealDetail>("pipeline/deal", &[("id", &id)])
            .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        move_card(&rep, to_top(&foreign, next_stage)).await,
        Err(AppError::NotFound)
    );
    let manager = app.signed_in("manager").await;
    assert_eq!(
        move_card(&manager, to_top(&foreign, next_stage)).await,
        Err(AppError::NotFound),
        "another team's manager"
    );
    // Their own manager, the director and the admin may.
    for allowed in ["liu.yang", "director", "admin"] {
        let client = app.signed_in(allowed).await;
        assert_eq!(
            client
                .call::<Option<Card>>("pipeline/card", &[("id", &id)])
                .await
                .unwrap()
                .map(|c| c.id),
            Some(foreign.id),
            "{allowed}"
        );
    }
    assert!(move_card(
        &app.signed_in("liu.yang").await,
        to_top(&foreign, next_stage)
    )
    .await
    .is_ok());

    // Nobody signed in: nothing.
    assert_eq!(
        app.client().call::<Board>("pipeline/board", &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        app.client()
            .call::<Option<Card>>("pipeline/card", &[("id", &id)])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn a_move_carries_its_version_and_writes_the_stage_history() {
    let app = company().await;
    let rep = app.signed_in("rep").await;
    let b = board(&rep, &[]).await.unwrap();
    let first = b
        .columns
        .iter()
        .find(|c| !c.cards.is_empty() && !c.stage.won && !c.stage.lost)
        .unwrap();
    let card = first.cards[0].clone();
    let next = &b.columns[b
        .columns
        .iter()
        .position(|c| c.stage.id == first.stage.id)
        .unwrap()
        + 1];
    let history_before = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM stage_history WHERE opportunity_id = {}",
            card.id
        ))
        .await;

    let moved = move_card(&rep, to_top(&card, next.stage.id)).await.unwrap();
    assert_eq!(
        (moved.stage_id, moved.version, moved.days_in_stage),
        (next.stage.id, card.version + 1, 0)
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM stage_history WHERE opportunity_id = {}",
            card.id
        ))
        .await,
        history_before + 1
    );
    let after = board(&rep, &[]).await.unwrap();
    let column = after
        .columns
        .iter()
        .find(|c| c.stage.id == next.stage.id)
        .unwrap();
    assert_eq!(
        column.cards[0].id, card.id,
        "dropped at the top, still there on reload"
    );
    assert_eq!(column.totals.count, next.totals.count + 1);

    // A second move from the same (now stale) view is refused; the fresh card moves.
    assert_eq!(
        move_card(&rep, to_top(&card, first.stage.id)).await,
        Err(AppError::Conflict)
    );
    let detail: DealDetail = rep
        .call("pipeline/deal", &[("id", &card.id.to_string())])
        .await
        .unwrap();
    assert_eq!(detail.history[0].to_stage, next.stage.id);
    assert_eq!(detail.history[0].from_stage, Some(first.stage.id));
    assert_eq!(detail.history[0].actor_name.as_deref(), Some("张伟"));
    assert!(move_card(&rep, to_top(&moved, first.stage.id))
        .await
        .is_ok());

    // A stage of no pipeline is refused at the field.
    let fresh: Option<Card> = rep
        .call("pipeline/card", &[("id", &card.id.to_string())])
        .await
        .unwrap();
    assert_eq!(
        fields(
            &move_card(&rep, to_top(&fresh.unwrap(), 999_999))
                .await
                .unwrap_err()
        ),
        vec![("to_stage".into(), ErrorCode::UnknownChoice)]
    );
}

#[tokio::test]
async fn positions_stay_ordered_after_many_drops_into_the_same_gap() {
    let app = company().await;
    let admin = app.signed_in("admin").await;
    let b = board(&admin, &[]).await.unwrap();
    let column = b
        .columns
        .iter()
        .filter(|c| !c.stage.won && !c.stage.lost)
        .max_by_key(|c| c.cards.len())
        .unwrap();
    let (top, second) = (column.cards[0].clone(), column.cards[1].clone());
    // Forty cards from elsewhere, each dropped right below the top card: the gap halves every
    // time, so the column must be renumbered along the way.
    let movers: Vec<Card> = b
        .columns
        .iter()
        .filter(|c| c.stage.id != column.stage.id && !c.stage.won && !c.stage.lost)
        .flat_map(|c| c.cards.clone())
        .take(40)
        .collect();
    assert_eq!(movers.len(), 40);
    let mut below = second.id;
    for card in &movers {
        let moved = move_card(
            &admin,
            Move {
                card,
                to_stage: column.stage.id,
                after: Some(top.id),
                before: Some(below),
                extra: Vec::new(),
            },
        )
        .await
        .unwrap();
        below = moved.id;
    }
    let after = board(&admin, &[]).await.unwrap();
    let cards = &after
        .columns
        .iter()
        .find(|c| c.stage.id == column.stage.id)
        .unwrap()
        .cards;
    let mut expected = vec![top.id];
    expected.extend(
        movers
            .iter()
            .rev()
            .map(|c| c.id)
            .take(CARDS_PER_PAGE as usize - 1),
    );
    assert_eq!(cards.iter().map(|c| c.id).collect::<Vec<_>>(), expected);
    let duplicates = app
        .scalar(&format!(
            "SELECT COUNT(*) - COUNT(DISTINCT position) FROM opportunities WHERE stage_id = {}",
            column.stage.id
        ))
        .await;
    assert_eq!(duplicates, 0, "every position in the column is distinct");
}

/// The ids of a whole column in board order, everyone's cards.
async fn column_ids(app: &TestApp, stage_id: i64) -> Vec<i64> {
    let backend = app.db.get_database_backend();
    let sql =
        format!("SELECT id FROM opportunities WHERE stage_id = {stage_id} ORDER BY position, id");
    let rows = app
        .db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            row.try_get_by_index::<i64>(0)
                .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn a_reps_drop_lands_next_to_the_card_aimed_at_though_others_cards_sit_around_it() {
    let app = company().await;
    let rep = app.signed_in("rep").await;
    let b = board(&rep, &[]).await.unwrap();
    // A column where the rep's first card is not the column's first card: someone else's card
    // sits right above it, out of the rep's sight.
    let open: Vec<_> = b
        .columns
        .iter()
        .filter(|c| !c.stage.won && !c.stage.lost)
        .collect();
    let mut target = None;
    for column in &open {
        if column.cards.len() < 2 {
            continue;
        }
        let all = column_ids(&app, column.stage.id).await;
        if all
            .iter()
            .position(|id| *id == column.cards[0].id)
            .is_some_and(|i| i > 0)
        {
            target = Some((column, all));
            break;
        }
    }
    let (column, all) = target.expect("a column where other people's cards come before the rep's");
    let movers: Vec<Card> = open
        .iter()
        .filter(|c| c.stage.id != column.stage.id)
        .flat_map(|c| c.cards.clone())
        .take(2)
        .collect();
    let (aimed_below, aimed_above) = (column.cards[0].id, column.cards[1].id);

    // Dropped above the rep's first card (as the board sends it: no card above, that one below).
    let first = move_card(
        &rep,
        Move {
            card: &movers[0],
            to_stage: column.stage.id,
            after: None,
            before: Some(aimed_below),
            extra: Vec::new(),
        },
    )
    .await
    .unwrap();
    let ids = column_ids(&app, column.stage.id).await;
    let at = ids.iter().position(|id| *id == aimed_below).unwrap();
    assert_eq!(ids[at - 1], first.id, "right above the card aimed at");
    assert_eq!(ids.len(), all.len() + 1);

    // Dropped between the rep's first and second cards: right below the first, whoever's cards
    // follow it in the whole column.
    let second = move_card(
        &rep,
        Move {
            card: &movers[1],
            to_stage: column.stage.id,
            after: Some(aimed_below),
            before: Some(aimed_above),
            extra: Vec::new(),
        },
    )
    .await
    .unwrap();
    let ids = column_ids(&app, column.stage.id).await;
    let at = ids.iter().position(|id| *id == aimed_below).unwrap();
    assert_eq!(ids[at + 1], second.id, "right below the card aimed at");
    let after = board(&rep, &[]).await.unwrap();
    let rep_ids: Vec<i64> = after
        .columns
        .iter()
        .find(|c| c.stage.id == column.stage.id)
        .unwrap()
        .cards
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        &rep_ids[..4],
        &[first.id, aimed_below, second.id, aimed_above],
        "the rep's board shows the order they made"
    );
}

#[tokio::test]
async fn winning_a_deal_creates_its_sales_order_and_payments_reduce_the_balance() {
    let app = company().await;
    let rep = app.signed_in("rep").await;
    let b = board(&rep, &[]).await.unwrap();
    let won = b.columns.iter().find(|c| c.stage.won).unwrap().stage.id;
    let lost = b.columns.iter().find(|c| c.stage.lost).unwrap().stage.id;
    let open: Vec<Card> = b
        .columns
        .iter()
        .filter(|c| !c.stage.won && !c.stage.lost)
        .flat_map(|c| c.cards.clone())
        .collect();
    let (deal, other) = (&open[0], &open[1]);

    let refused = move_card(
        &rep,
        Move {
            extra: vec![
                ("request[won_amount]", "".into()),
                ("request[won_on]", "2026-02-30".into()),
            ],
            ..to_top(deal, won)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![
            ("won_amount".into(), ErrorCode::Required),
            ("won_on".into(), ErrorCode::InvalidDate)
        ]
    );
    let closed = move_card(
        &rep,
        Move {
            extra: vec![("request[won_amount]", "12,345.67".into())],
            ..to_top(deal, won)
        },
    )
    .await
    .unwrap();
    assert_eq!((closed.stage_id, closed.amount_fen), (won, 1_234_567));
    let detail: DealDetail = rep
        .call("pipeline/deal", &[("id", &deal.id.to_string())])
        .await
        .unwrap();
    assert_eq!(detail.orders.len(), 1);
    let order = &detail.orders[0];
    assert_eq!(
        (order.amount_fen, order.paid_fen, order.balance_fen),
        (1_234_567, 0, 1_234_567)
    );
    assert!(order.number.starts_with("SO"));
    assert!(
        !order.lines.is_empty() && order.cost_fen > 0,
        "lines carry cost, so gross profit is known"
    );
    assert_eq!(
        move_card(&rep, to_top(&closed, b.columns[0].stage.id))
            .await
            .map_err(|e| fields(&e)),
        Err(vec![("to_stage".into(), ErrorCode::WonDealHasOrder)])
    );

    // Payments: more than the balance is refused, a stale order version is a conflict.
    let pay = |amount: &'static str, version: i32| {
        let order_id = order.id.to_string();
        let rep = &rep;
        async move {
            rep.call::<i64>(
                "pipeline/payment",
                &[
                    ("form[order_id]", order_id.as_str()),
                    ("form[order_version]", &version.to_string()),
                    ("form[amount]", amount),
                    ("form[received_on]", "2026-11-20"),
                    ("form[method]", "bank_transfer"),
                    ("form[note]", ""),
                ],
            )
            .await
        }
    };
    assert_eq!(
        fields(&pay("20000", order.version).await.unwrap_err()),
        vec![(
            "amount".into(),
            ErrorCode::Overpaid {
                balance_fen: 1_234_567
            }
        )]
    );
    assert!(pay("2345.67", order.version).await.is_ok());
    assert_eq!(
        pay("100", order.version).await,
        Err(AppError::Conflict),
        "someone recorded a payment meanwhile"
    );
    let detail: DealDetail = rep
        .call("pipeline/deal", &[("id", &deal.id.to_string())])
        .await
        .unwrap();
    assert_eq!(
        (detail.orders[0].paid_fen, detail.orders[0].balance_fen),
        (234_567, 1_000_000)
    );
    assert_eq!(detail.orders[0].payments.len(), 1);
    // Someone else's rep cannot pay into this order.
    let outsider = app.signed_in("sun.li").await;
    let stranger = outsider
        .call::<i64>(
            "pipeline/payment",
            &[
                ("form[order_id]", &order.id.to_string()),
                ("form[order_version]", &detail.orders[0].version.to_string()),
                ("form[amount]", "1"),
                ("form[received_on]", ""),
                ("form[method]", ""),
                ("form[note]", ""),
            ],
        )
        .await;
    assert_eq!(stranger, Err(AppError::NotFound));

    // Losing needs a reason from the list.
    let no_reason = move_card(&rep, to_top(other, lost)).await.unwrap_err();
    assert_eq!(
        fields(&no_reason),
        vec![("lost_reason".into(), ErrorCode::Required)]
    );
    let reason = b.lost_reasons[0].id.to_string();
    assert!(move_card(
        &rep,
        Move {
            extra: vec![("request[lost_reason]", reason)],
            ..to_top(other, lost)
        }
    )
    .await
    .is_ok());
}

#[tokio::test]
async fn deals_are_created_for_visible_customers_and_owners_only() {
    let app = company().await;
    let rep = app.signed_in("rep").await;
    let rep_id = app.user_id("rep").await;
    let own_customer = app
        .scalar(&format!(
            "SELECT MIN(id) FROM customers WHERE owner_id = {rep_id}"
        ))
        .await
        .to_string();
    let foreign_customer = app
        .scalar(&format!(
            "SELECT MIN(id) FROM customers WHERE owner_id <> {rep_id}"
        ))
        .await
        .to_string();
    let create = |customer: String, amount: &'static str, owner: String| {
        let rep = &rep;
        async move {
            rep.call::<i64>(
                "pipeline/save",
                &[
                    ("form[customer_id]", customer.as_str()),
                    ("form[title]", "二期产线改造"),
                    ("form[amount]", amount),
                    ("form[expected_close_on]", "2026-12-31"),
                    ("form[owner_id]", owner.as_str()),
                    ("form[version]", "0"),
                ],
            )
            .await
        }
    };
    assert_eq!(
        fields(
            &create(own_customer.clone(), "12.345", String::new())
                .await
                .unwrap_err()
        ),
        vec![("amount".into(), ErrorCode::InvalidAmount)]
    );
    assert_eq!(
        fields(
            &create(foreign_customer, "100", String::new())
                .await
                .unwrap_err()
        ),
        vec![("customer_id".into(), ErrorCode::UnknownChoice)]
    );
    let other_rep = app.user_id("wang.fang").await.to_string();
    assert_eq!(
        fields(
            &create(own_customer.clone(), "100", other_rep)
                .await
                .unwrap_err()
        ),
        vec![("owner_id".into(), ErrorCode::UnknownChoice)],
        "a rep gives no deals away"
    );
    let id = create(own_customer, "80000", String::new()).await.unwrap();
    let b = board(&rep, &[]).await.unwrap();
    assert_eq!(
        b.columns[0].cards[0].id, id,
        "a new deal starts at the top of the first stage"
    );
    assert_eq!(b.columns[0].cards[0].amount_fen, 8_000_000);
}

/// Reads server-sent events until one carries `id` or `wait` passes.
async fn sees_change(response: &mut reqwest::Response, id: i64, wait: std::time::Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    let mut text = String::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if text.contains(&format!("event: change\ndata: {id}\n")) {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn open_boards_hear_of_moves_they_may_see_and_only_those() {
    let app = company().await;
    let events = |client: &Client| {
        client
            .http
            .get(format!("{}/api/pipeline/events", client.base))
            .send()
    };
    assert_eq!(events(&app.client()).await.unwrap().status(), 401);
    let manager = app.signed_in("manager").await;
    let stranger = app.signed_in("sun.li").await;
    let mut manager_stream = events(&manager).await.unwrap();
    let mut stranger_stream = events(&stranger).await.unwrap();
    assert_eq!(manager_stream.status(), 200);

    let rep = app.signed_in("rep").await;
    let b = board(&rep, &[]).await.unwrap();
    let card = b.columns[0].cards[0].clone();
    move_card(&rep, to_top(&card, b.columns[1].stage.id))
        .await
        .unwrap();
    assert!(
        sees_change(
            &mut manager_stream,
            card.id,
            std::time::Duration::from_secs(3)
        )
        .await,
        "the rep's manager sees the move within seconds"
    );
    assert!(
        !sees_change(
            &mut stranger_stream,
            card.id,
            std::time::Duration::from_millis(1500)
        )
        .await,
        "a rep of another team is never told"
    );
}

#[tokio::test]
async fn the_forecast_adds_up_won_weighted_and_best_case_within_what_each_person_may_see() {
    use app::domain::period::Period;
    use app::pipeline::forecast::Forecast;
    let app = company().await;
    let (first, last) = Period::quarter_of(app::clock::today()).bounds();
    let sum_sql = |column: &str, stage: &str, date: &str, owner: Option<i64>| {
        let owner = owner
            .map(|id| format!(" AND o.owner_id = {id}"))
            .unwrap_or_default();
        format!(
            "SELECT CAST(COALESCE(SUM(o.{column}), 0) AS BIGINT) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id \
             WHERE {stage} AND o.{date} BETWEEN '{first}' AND '{last}'{owner}"
        )
    };
    let won_sql = |owner| sum_sql("won_amount_fen", "s.won = true", "closed_on", owner);
    let open_sql = |owner| {
        sum_sql(
            "amount_fen",
            "s.won = false AND s.lost = false",
            "expected_close_on",
            owner,
        )
    };

    let admin = app.signed_in("admin").await;
    let company: Forecast = admin.call("pipeline/forecast", &[]).await.unwrap();
    assert_eq!(
        company.period,
        Period::quarter_of(app::clock::today()).as_text(),
        "this quarter by default"
    );
    let won = app.scalar(&won_sql(None)).await;
    assert!(won > 0, "the demo wins deals every quarter");
    assert_eq!(company.figures.won_fen, won);
    assert_eq!(
        company.figures.best_case_fen,
        won + app.scalar(&open_sql(None)).await
    );
    assert!(
        company.figures.won_fen < company.figures.weighted_fen
            && company.figures.weighted_fen < company.figures.best_case_fen
    );
    assert_eq!(
        company
            .people
            .iter()
            .map(|p| p.figures.won_fen)
            .sum::<i64>(),
        won,
        "the people's rows add up to the company"
    );
    assert_eq!(
        company
            .people
            .iter()
            .map(|p| p.figures.weighted_fen)
            .sum::<i64>(),
        company.figures.weighted_fen
    );
    let first_stage = company.stages[0].measured;
    assert!(
        first_stage.reached > 0 && first_stage.won > 0 && first_stage.won < first_stage.reached,
        "{first_stage:?}"
    );
    assert!(
        company
            .stages
            .windows(2)
            .all(|w| w[1].measured.reached <= w[0].measured.reached),
        "a funnel narrows"
    );
    assert_eq!(
        company.stages.iter().map(|s| s.open_fen).sum::<i64>(),
        company.figures.open_fen
    );

    // A rep sees their own forecast only; naming someone else's deals gives nothing away.
    let rep = app.signed_in("rep").await;
    let rep_id = app.user_id("rep").await;
    let own: Forecast = rep.call("pipeline/forecast", &[]).await.unwrap();
    assert_eq!(
        own.figures.won_fen,
        app.scalar(&won_sql(Some(rep_id))).await
    );
    assert_eq!(
        own.figures.best_case_fen - own.figures.won_fen,
        app.scalar(&open_sql(Some(rep_id))).await
    );
    assert!(own.figures.best_case_fen < company.figures.best_case_fen);
    assert!(
        own.people.is_empty() && own.owners.is_empty(),
        "a rep gets no per-person breakdown"
    );
    let manager_id = app.user_id("manager").await.to_string();
    let someone_else: Forecast = rep
        .call("pipeline/forecast", &[("filter[owner]", &manager_id)])
        .await
        .unwrap();
    assert_eq!(someone_else.figures, Default::default());

    // A year works as well as a quarter; nonsense is refused at the field.
    let year = Period::year_of(app::clock::today()).as_text();
    let whole_year: Forecast = admin
        .call("pipeline/forecast", &[("filter[period]", &year)])
        .await
        .unwrap();
    assert!(whole_year.figures.won_fen >= company.figures.won_fen);
    let refused = admin
        .call::<Forecast>("pipeline/forecast", &[("filter[period]", "2026-13")])
        .await
        .unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![("period".to_string(), ErrorCode::InvalidDate)]
    );
    assert_eq!(
        app.client()
            .call::<Forecast>("pipeline/forecast", &[])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn the_deal_table_sorts_and_pages_the_same_deals_the_board_counts() {
    use app::pipeline::{DealTable, TABLE_ROWS_PER_PAGE};
    let app = company().await;
    let manager = app.signed_in("manager").await;
    let board = board(&manager, &[]).await.unwrap();
    let on_board: u64 = board.columns.iter().map(|c| c.totals.count).sum();
    let table: DealTable = manager
        .call(
            "pipeline/table",
            &[("order[sort]", "amount"), ("order[descending]", "true")],
        )
        .await
        .unwrap();
    assert_eq!(
        table.total, on_board,
        "the table holds exactly the board's deals"
    );
    assert_eq!(table.rows.len() as u64, TABLE_ROWS_PER_PAGE);
    assert!(
        table
            .rows
            .windows(2)
            .all(|w| w[0].amount_fen >= w[1].amount_fen),
        "largest first"
    );

    // Pages neither overlap nor skip: walking all of them sees every deal once.
    let mut seen = std::collections::HashSet::new();
    let pages = table.total.div_ceil(TABLE_ROWS_PER_PAGE);
    for page in 0..pages {
        let page = page.to_string();
        let rows: DealTable = manager
            .call(
                "pipeline/table",
                &[("order[sort]", "amount"), ("order[page]", &page)],
            )
            .await
            .unwrap();
        for row in rows.rows {
            assert!(seen.insert(row.id), "deal {} on two pages", row.id);
        }
    }
    assert_eq!(seen.len() as u64, on_board);

    // Funnel order follows the stages' positions, not their ids.
    let by_stage: DealTable = manager
        .call(
            "pipeline/table",
            &[("order[sort]", "stage"), ("order[descending]", "true")],
        )
        .await
        .unwrap();
    let position = |stage_id: i64| {
        by_stage
            .stages
            .iter()
            .position(|s| s.id == stage_id)
            .unwrap()
    };
    assert!(by_stage
        .rows
        .windows(2)
        .all(|w| position(w[0].stage_id) >= position(w[1].stage_id)));

    // A rep's table holds their own deals only; filters are checked as on the board.
    let rep = app.signed_in("rep").await;
    let rep_id = app.user_id("rep").await;
    let own: DealTable = rep.call("pipeline/table", &[]).await.unwrap();
    assert!(own.total > 0 && own.rows.iter().all(|r| r.owner_id == rep_id));
    let refused = rep
        .call::<DealTable>("pipeline/table", &[("filter[min_amount]", "lots")])
        .await
        .unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![("min_amount".to_string(), ErrorCode::InvalidAmount)]
    );
    assert_eq!(
        app.client().call::<DealTable>("pipeline/table", &[]).await,
        Err(AppError::Unauthorized)
    );
}

/// An open deal of `owner` with its version.
async fn open_deal_of(app: &TestApp, owner: &str) -> (i64, i64) {
    let owner = app.user_id(owner).await;
    let deal = app.scalar(&format!("SELECT MIN(o.id) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE s.won = false AND s.lost = false AND o.owner_id = {owner}")).await;
    let customer = app
        .scalar(&format!(
            "SELECT customer_id FROM opportunities WHERE id = {deal}"
        ))
        .await;
    (deal, customer)
}

#[tokio::test]
async fn quotes_keep_their_revisions_warn_of_changed_prices_and_become_contracts() {
    use app::pipeline::quotes::{CustomerQuote, QuoteDraft, QuoteView};
    let app = company().await;
    let rep = app.signed_in("rep").await;
    let (deal, customer) = open_deal_of(&app, "rep").await;
    let deal_s = deal.to_string();
    let draft: QuoteDraft = rep
        .call("pipeline/quote_draft", &[("deal", &deal_s)])
        .await
        .unwrap();
    // A product this customer has no accepted price for yet (the demo seed accepted some).
    let product = draft
        .products
        .iter()
        .find(|p| !draft.accepted.iter().any(|a| a.product_id == p.id))
        .unwrap()
        .id
        .to_string();
    let seeded: Vec<CustomerQuote> = rep
        .call(
            "pipeline/customer_quotes",
            &[("customer_id", &customer.to_string())],
        )
        .await
        .unwrap();
    let line = |price: &str, discount: &str| {
        vec![
            ("form[opportunity_id]", deal_s.clone()),
            ("form[lines][0][product_id]", product.clone()),
            ("form[lines][0][quantity]", "10".to_string()),
            ("form[lines][0][unit_price]", price.to_string()),
            ("form[lines][0][discount]", discount.to_string()),
            // A blank row, as the editor always offers some, is skipped.
            ("form[lines][1][quantity]", String::new()),
        ]
    };
    let call = |form: Vec<(&'static str, String)>| {
        let rep = &rep;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            rep.call::<i64>("pipeline/quote_save", &form).await
        }
    };

    // Every bad line value is reported at its own field, and nothing is written.
    let before = app.scalar("SELECT COUNT(*) FROM quotes").await;
    let mut bad = line("abc", "120");
    bad[2].1 = "0".into();
    let refused = call(bad).await.unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![
            (
                "lines.0.quantity".to_string(),
                ErrorCode::OutOfRange {
                    min: 1,
                    max: 1_000_000
                }
            ),
            ("lines.0.unit_price".to_string(), ErrorCode::InvalidAmount),
            (
                "lines.0.discount".to_string(),
                ErrorCode::OutOfRange { min: 0, max: 100 }
            ),
        ]
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM quotes").await, before);

    // 10 × ¥1,000.00 less 12.5 % = ¥8,750.00; sent, then accepted: the deal takes the amount.
    let first = call(line("1000", "12.5")).await.unwrap();
    let quote: QuoteView = rep
        .call("pipeline/quote", &[("id", &first.to_string())])
        .await
        .unwrap();
    assert_eq!(
        (
            quote.summary.total_fen,
            quote.summary.status.as_str(),
            quote.summary.revision
        ),
        (875_000, "draft", 1)
    );
    let set = |id: i64, version: i32, status: &'static str| {
        let rep = &rep;
        async move {
            rep.call::<i64>(
                "pipeline/quote_status",
                &[
                    ("id", &id.to_string()),
                    ("version", &version.to_string()),
                    ("status", status),
                ],
            )
            .await
        }
    };
    assert_eq!(
        fields(&set(first, 1, "accepted").await.unwrap_err()),
        vec![("status".to_string(), ErrorCode::UnknownChoice)],
        "a draft is sent before it is accepted"
    );
    set(first, 1, "sent").await.unwrap();
    assert_eq!(
        set(first, 1, "accepted").await,
        Err(AppError::Conflict),
        "a stale version is refused"
    );
    set(first, 2, "accepted").await.unwrap();
    assert_eq!(
        app.scalar(&format!(
            "SELECT amount_fen FROM opportunities WHERE id = {deal}"
        ))
        .await,
        875_000
    );

    // A revision keeps the accepted one as it was.
    let revised = rep
        .call::<i64>(
            "pipeline/quote_revise",
            &[("id", &first.to_string()), ("version", "3")],
        )
        .await
        .unwrap();
    let revision: QuoteView = rep
        .call("pipeline/quote", &[("id", &revised.to_string())])
        .await
        .unwrap();
    assert_eq!(
        (
            revision.summary.number.as_str(),
            revision.summary.revision,
            revision.summary.status.as_str()
        ),
        (quote.summary.number.as_str(), 2, "draft")
    );
    assert_eq!(revision.revisions.len(), 2);
    assert_eq!(revision.lines, quote.lines);

    // A new quote at another price for the same product must be confirmed.
    let warned = call(line("1100", "")).await.unwrap_err();
    assert_eq!(
        fields(&warned),
        vec![(
            "lines.0.unit_price".to_string(),
            ErrorCode::PriceDiffersFromAccepted {
                accepted_fen: 87_500,
                quote: quote.summary.number.clone()
            }
        )]
    );
    let mut confirmed = line("1100", "");
    confirmed.push(("form[confirm_prices]", "true".into()));
    call(confirmed).await.unwrap();
    call(line("875", ""))
        .await
        .expect("the same net price needs no confirmation");

    // The customer file lists every quote with its prices.
    let listed: Vec<CustomerQuote> = rep
        .call(
            "pipeline/customer_quotes",
            &[("customer_id", &customer.to_string())],
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), seeded.len() + 4);
    assert!(listed.iter().any(|q| q.summary.id == first
        && q.lines[0].unit_price_fen == 100_000
        && q.lines[0].discount_bp == 1250));

    // Only the accepted quote becomes a contract, once.
    let contract_form = |quote: i64, version: &'static str| {
        vec![
            ("form[quote_id]", quote.to_string()),
            ("form[quote_version]", version.to_string()),
            ("form[signed_on]", "2026-11-20".to_string()),
            ("form[starts_on]", "2026-12-01".to_string()),
            ("form[ends_on]", "2027-11-30".to_string()),
        ]
    };
    let contract = |form: Vec<(&'static str, String)>| {
        let rep = &rep;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            rep.call::<i64>("pipeline/contract_create", &form).await
        }
    };
    assert_eq!(
        fields(&contract(contract_form(revised, "1")).await.unwrap_err()),
        vec![("quote_id".to_string(), ErrorCode::QuoteNotAccepted)]
    );
    let mut backwards = contract_form(first, "3");
    backwards[4].1 = "2026-01-01".into();
    assert_eq!(
        fields(&contract(backwards).await.unwrap_err()),
        vec![("ends_on".to_string(), ErrorCode::InvalidDate)]
    );
    let made = contract(contract_form(first, "3")).await.unwrap();
    assert_eq!(
        fields(&contract(contract_form(first, "3")).await.unwrap_err()),
        vec![("quote_id".to_string(), ErrorCode::Taken)]
    );
    let with_contract: QuoteView = rep
        .call("pipeline/quote", &[("id", &first.to_string())])
        .await
        .unwrap();
    let c = with_contract
        .contract
        .expect("the contract shows on its quote");
    assert_eq!(
        (c.id, c.status.as_str(), c.amount_fen),
        (made, "signed", 875_000)
    );
    assert!(c.number.starts_with("HT2026"));
    rep.call::<i64>(
        "pipeline/contract_status",
        &[
            ("id", &made.to_string()),
            ("version", "1"),
            ("status", "active"),
        ],
    )
    .await
    .unwrap();
    let refused = rep
        .call::<i64>(
            "pipeline/contract_status",
            &[
                ("id", &made.to_string()),
                ("version", "2"),
                ("status", "draft"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![("status".to_string(), ErrorCode::UnknownChoice)],
        "contracts only move forward"
    );

    // Another rep neither sees nor changes any of it; a manager of the team does; nobody signed out.
    let other = app.signed_in("wang.fang").await;
    assert_eq!(
        other
            .call::<QuoteView>("pipeline/quote", &[("id", &first.to_string())])
            .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        other
            .call::<QuoteDraft>("pipeline/quote_draft", &[("deal", &deal_s)])
            .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        other
            .call::<i64>(
                "pipeline/quote_revise",
                &[("id", &first.to_string()), ("version", "3")]
            )
            .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        other
            .call::<i64>(
                "pipeline/contract_status",
                &[
                    ("id", &made.to_string()),
                    ("version", "2"),
                    ("status", "ended")
                ]
            )
            .await,
        Err(AppError::NotFound)
    );
    assert!(other
        .call::<Vec<CustomerQuote>>(
            "pipeline/customer_quotes",
            &[("customer_id", &customer.to_string())]
        )
        .await
        .unwrap()
        .is_empty());
    let other_form: Vec<(&str, String)> = line("1", "");
    let other_form: Vec<(&str, &str)> = other_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        other.call::<i64>("pipeline/quote_save", &other_form).await,
        Err(AppError::NotFound)
    );
    let manager = app.signed_in("manager").await;
    assert!(manager
        .call::<QuoteView>("pipeline/quote", &[("id", &first.to_string())])
        .await
        .is_ok());
    assert_eq!(
        app.client()
            .call::<QuoteView>("pipeline/quote", &[("id", &first.to_string())])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn admins_edit_stages_and_products_and_a_stage_in_use_stays() {
    use app::pipeline::admin::SalesSettings;
    let app = company().await;
    let admin = app.signed_in("admin").await;
    let settings: SalesSettings = admin.call("pipeline/settings", &[]).await.unwrap();
    let pipeline = settings.pipeline_id.to_string();
    let used = settings
        .stages
        .iter()
        .find(|s| !s.stage.closed() && s.deals > 0)
        .unwrap();
    let refused = admin
        .call::<()>(
            "pipeline/stage_delete",
            &[("id", &used.stage.id.to_string())],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![(
            "stage".to_string(),
            ErrorCode::StageInUse { deals: used.deals }
        )]
    );

    // A new stage lands before the closing stages; bad numbers are reported at their fields.
    let bad = admin
        .call::<i64>(
            "pipeline/stage_save",
            &[
                ("form[pipeline_id]", &pipeline),
                ("form[name]", "技术评审"),
                ("form[probability]", "120"),
                ("form[stale_after_days]", "x"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&bad),
        vec![
            (
                "probability".to_string(),
                ErrorCode::OutOfRange { min: 0, max: 100 }
            ),
            (
                "stale_after_days".to_string(),
                ErrorCode::OutOfRange { min: 1, max: 365 }
            ),
        ]
    );
    let added = admin
        .call::<i64>(
            "pipeline/stage_save",
            &[
                ("form[pipeline_id]", &pipeline),
                ("form[name]", "技术评审"),
                ("form[probability]", "70"),
                ("form[stale_after_days]", "10"),
            ],
        )
        .await
        .unwrap();
    let after: SalesSettings = admin.call("pipeline/settings", &[]).await.unwrap();
    let index = after
        .stages
        .iter()
        .position(|s| s.stage.id == added)
        .unwrap();
    assert!(
        after.stages[index + 1].stage.won,
        "just before won: {:?}",
        after
            .stages
            .iter()
            .map(|s| &s.stage.key)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        (
            after.stages[index].stage.probability_percent,
            after.stages[index].stage.stale_after_days
        ),
        (70, Some(10))
    );
    // The board shows the new column, and an unused stage can be deleted again.
    let board = board(&admin, &[]).await.unwrap();
    assert!(board
        .columns
        .iter()
        .any(|c| c.stage.id == added && c.stage.name == "技术评审"));
    admin
        .call::<()>("pipeline/stage_delete", &[("id", &added.to_string())])
        .await
        .unwrap();
    // A stage a deal has passed through keeps its history: the funnel review reads it.
    let passed = admin
        .call::<i64>(
            "pipeline/stage_save",
            &[
                ("form[pipeline_id]", &pipeline),
                ("form[name]", "样品确认"),
                ("form[probability]", "60"),
            ],
        )
        .await
        .unwrap();
    let card = board
        .columns
        .iter()
        .find(|c| !c.stage.closed() && !c.cards.is_empty())
        .map(|c| (c.stage.id, c.cards[0].clone()))
        .unwrap();
    let there = move_card(&admin, to_top(&card.1, passed)).await.unwrap();
    move_card(&admin, to_top(&there, card.0)).await.unwrap();
    let history = app.scalar("SELECT COUNT(*) FROM stage_history").await;
    let refused = admin
        .call::<()>("pipeline/stage_delete", &[("id", &passed.to_string())])
        .await
        .unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![("stage".to_string(), ErrorCode::StageHasHistory { moves: 1 })]
    );
    let backend = app.db.get_database_backend();
    let direct = app
        .db
        .execute_raw(Statement::from_string(
            backend,
            format!("DELETE FROM pipeline_stages WHERE id = {passed}"),
        ))
        .await;
    assert!(
        direct.is_err(),
        "the database refuses it too: the history does not cascade away"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM stage_history").await,
        history
    );

    // Renaming a built-in stage to its own label keeps it translated; a real rename sticks.
    let first = &after.stages[0].stage;
    admin
        .call::<i64>(
            "pipeline/stage_save",
            &[
                ("form[id]", &first.id.to_string()),
                ("form[pipeline_id]", &pipeline),
                ("form[name]", "线索"),
                ("form[probability]", "15"),
            ],
        )
        .await
        .unwrap();
    admin
        .call::<i64>(
            "pipeline/stage_save",
            &[
                ("form[id]", &after.stages[1].stage.id.to_string()),
                ("form[pipeline_id]", &pipeline),
                ("form[name]", "上门拜访"),
                ("form[probability]", "25"),
            ],
        )
        .await
        .unwrap();
    let renamed: SalesSettings = admin.call("pipeline/settings", &[]).await.unwrap();
    assert_eq!(
        (
            renamed.stages[0].stage.name.as_str(),
            renamed.stages[0].stage.probability_percent
        ),
        ("", 15)
    );
    assert_eq!(renamed.stages[1].stage.name, "上门拜访");

    // Products: codes are unique, prices exact, edits versioned.
    let product = |code: &str, price: &str| {
        vec![
            ("form[code]", code.to_string()),
            ("form[name]", "工业网关 X1".to_string()),
            ("form[unit]", "台".to_string()),
            ("form[list_price]", price.to_string()),
            ("form[cost_price]", "800.50".to_string()),
        ]
    };
    let call = |form: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.call::<i64>("pipeline/product_save", &form).await
        }
    };
    let id = call(product("GW-X1", "1,299.90")).await.unwrap();
    assert_eq!(
        fields(&call(product("GW-X1", "1")).await.unwrap_err()),
        vec![("code".to_string(), ErrorCode::Taken)]
    );
    assert_eq!(
        fields(&call(product("GW-X2", "1.999")).await.unwrap_err()),
        vec![("list_price".to_string(), ErrorCode::InvalidAmount)]
    );
    let listed: SalesSettings = admin.call("pipeline/settings", &[]).await.unwrap();
    let row = listed.products.iter().find(|p| p.id == id).unwrap();
    assert_eq!(
        (row.list_price_fen, row.cost_price_fen, row.active),
        (129_990, 80_050, true)
    );
    let mut edit = product("GW-X1", "1399");
    edit.extend([
        ("form[id]", id.to_string()),
        ("form[version]", "1".to_string()),
    ]);
    call(edit.clone()).await.unwrap();
    assert_eq!(
        call(edit).await,
        Err(AppError::Conflict),
        "a stale edit is refused"
    );

    // Only administrators; nobody signed out.
    for who in ["manager", "rep"] {
        let client = app.signed_in(who).await;
        assert_eq!(
            client.call::<SalesSettings>("pipeline/settings", &[]).await,
            Err(AppError::Forbidden)
        );
        assert_eq!(
            client
                .call::<()>("pipeline/stage_delete", &[("id", &first.id.to_string())])
                .await,
            Err(AppError::Forbidden)
        );
        let form: Vec<(&str, String)> = product("GW-X9", "1");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            client.call::<i64>("pipeline/product_save", &form).await,
            Err(AppError::Forbidden)
        );
        assert_eq!(
            client
                .call::<i64>(
                    "pipeline/stage_save",
                    &[
                        ("form[pipeline_id]", &pipeline),
                        ("form[name]", "x"),
                        ("form[probability]", "1")
                    ]
                )
                .await,
            Err(AppError::Forbidden)
        );
    }
    assert_eq!(
        app.client()
            .call::<SalesSettings>("pipeline/settings", &[])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn admins_reorder_stages_add_a_pipeline_and_edit_lost_reasons() {
    use app::pipeline::admin::SalesSettings;
    let app = company().await;
    let admin = app.signed_in("admin").await;
    let settings: SalesSettings = admin.call("pipeline/settings", &[]).await.unwrap();
    let open: Vec<i64> = settings
        .stages
        .iter()
        .filter(|s| !s.stage.closed())
        .map(|s| s.stage.id)
        .collect();
    let won = settings
        .stages
        .iter()
        .find(|s| s.stage.won)
        .unwrap()
        .stage
        .id;

    // Reordering: the second open stage moves up; the first cannot move further; closing stages stay.
    let move_stage = |id: i64, up: bool| {
        let admin = &admin;
        async move {
            admin
                .call::<()>(
                    "pipeline/stage_move",
                    &[
                        ("id", id.to_string().as_str()),
                        ("up", if up { "true" } else { "false" }),
                    ],
                )
                .await
        }
    };
    move_stage(open[1], true).await.unwrap();
    move_stage(open[1], true).await.unwrap();
    move_stage(*open.last().unwrap(), false).await.unwrap();
    assert_eq!(
        fields(&move_stage(won, true).await.unwrap_err()),
        vec![("stage".into(), ErrorCode::UnknownChoice)]
    );
    let order: Vec<i64> = board(&admin, &[])
        .await
        .unwrap()
        .columns
        .iter()
        .map(|c| c.stage.id)
        .collect();
    let mut expected = open.clone();
    expected.swap(0, 1);
    assert_eq!(
        &order[..open.len()],
        &expected[..],
        "the board shows the new order; moving past either end changes nothing"
    );
    assert!(order[open.len()..].iter().all(|id| !open.contains(id)));

    // A second pipeline copies the stages and has a board of its own.
    let create = |name: &'static str| {
        let (admin, from) = (&admin, settings.pipeline_id.to_string());
        async move {
            admin
                .call::<i64>(
                    "pipeline/pipeline_create",
                    &[("name", name), ("copy_from", from.as_str())],
                )
                .await
        }
    };
    assert_eq!(
        fields(&create(" ").await.unwrap_err()),
        vec![("name".into(), ErrorCode::Required)]
    );
    let renewals = create("续约").await.unwrap();
    assert_eq!(
        fields(&create("续约").await.unwrap_err()),
        vec![("name".into(), ErrorCode::Taken)]
    );
    let copied: SalesSettings = admin
        .call("pipeline/settings", &[("pipeline", &renewals.to_string())])
        .await
        .unwrap();
    assert_eq!(copied.pipeline_id, renewals);
    assert_eq!(copied.stages.len(), settings.stages.len());
    assert!(copied
        .stages
        .iter()
        .all(|s| s.deals == 0 && !open.contains(&s.stage.id)));
    assert_eq!(
        copied
            .pipelines
            .iter()
            .map(|p| p.label.as_str())
            .collect::<Vec<_>>(),
        vec!["", "续约"]
    );
    let renewal_board = board(&admin, &[("filter[pipeline]", &renewals.to_string())])
        .await
        .unwrap();
    assert_eq!(
        (renewal_board.pipeline_id, renewal_board.pipelines.len()),
        (renewals, 2)
    );
    assert!(renewal_board.columns.iter().all(|c| c.cards.is_empty()));

    // Lost reasons: renamed, added, switched off (not offered any more), never all of them.
    let save_reason = |id: Option<i64>, name: &'static str, active: bool| {
        let admin = &admin;
        async move {
            let id = id.map(|id| id.to_string()).unwrap_or_default();
            let mut form = vec![("form[name]", name)];
            if !id.is_empty() {
                form.push(("form[id]", id.as_str()));
            }
            if active {
                form.push(("form[active]", "true"));
            }
            admin.call::<i64>("pipeline/lost_reason_save", &form).await
        }
    };
    let reasons = settings.lost_reasons.clone();
    assert!(
        reasons.iter().any(|r| r.deals > 0),
        "the demo has lost deals with reasons"
    );
    let added = save_reason(None, "项目取消", true).await.unwrap();
    save_reason(Some(reasons[0].reason.id), "报价偏高", false)
        .await
        .unwrap();
    let offered = board(&admin, &[]).await.unwrap().lost_reasons;
    assert!(offered
        .iter()
        .any(|r| r.id == added && r.name == "项目取消"));
    assert!(
        offered.iter().all(|r| r.id != reasons[0].reason.id),
        "switched off: not offered"
    );
    for r in &reasons[1..] {
        save_reason(Some(r.reason.id), "停用", false).await.unwrap();
    }
    assert_eq!(
        fields(
            &save_reason(Some(added), "项目取消", false)
                .await
                .unwrap_err()
        ),
        vec![("active".into(), ErrorCode::LastOne)]
    );
    let listed: SalesSettings = admin.call("pipeline/settings", &[]).await.unwrap();
    let first = listed
        .lost_reasons
        .iter()
        .find(|r| r.reason.id == reasons[0].reason.id)
        .unwrap();
    assert_eq!(
        (first.reason.name.as_str(), first.active, first.deals),
        ("报价偏高", false, reasons[0].deals),
        "its deals keep it"
    );

    for who in ["manager", "rep"] {
        let client = app.signed_in(who).await;
        assert_eq!(
            client
                .call::<()>(
                    "pipeline/stage_move",
                    &[("id", &open[0].to_string()), ("up", "false")]
                )
                .await,
            Err(AppError::Forbidden)
        );
        assert_eq!(
            client
                .call::<i64>(
                    "pipeline/pipeline_create",
                    &[("name", "x"), ("copy_from", &renewals.to_string())]
                )
                .await,
            Err(AppError::Forbidden)
        );
        assert_eq!(
            client
                .call::<i64>("pipeline/lost_reason_save", &[("form[name]", "x")])
                .await,
            Err(AppError::Forbidden)
        );
    }
}
