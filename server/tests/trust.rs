//! Trust: the findings of the trust review, each replayed and held. Nothing recorded is lost by a
//! merge or a handover, one file cannot take the server down, sign-in cannot be raced or turned
//! against its owner, moves keep a total order, jobs run once per slot, and the audit log keeps
//! what changed (and cannot be changed itself). On SQLite and on PostgreSQL.
mod common;

use app::error::AppError;
use common::{fields, Client, TestApp};
use sea_orm::{ConnectionTrait, Statement};

async fn execute(app: &TestApp, sql: &str) -> Result<u64, sea_orm::DbErr> {
    let backend = app.db.get_database_backend();
    app.db
        .execute_raw(Statement::from_string(backend, sql.to_string()))
        .await
        .map(|r| r.rows_affected())
}

/// The demo company with deals, quotes, orders and payments.
async fn company() -> TestApp {
    let app = TestApp::demo().await;
    let now = chrono::Utc::now();
    app::seed_customers::seed_customers(&app.db, now, 120, 2)
        .await
        .unwrap();
    let plan = app::seed_pipeline::DealPlan {
        open: 200,
        lost: 30,
        history: true,
    };
    app::seed_pipeline::seed_pipeline(&app.db, now, plan)
        .await
        .unwrap();
    app
}

/// The company's books as sums a merge must leave alone.
async fn books(app: &TestApp) -> [i64; 7] {
    [
        app.scalar("SELECT COUNT(*) FROM sales_orders").await,
        app.scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM sales_orders")
            .await,
        app.scalar("SELECT COUNT(*) FROM payments").await,
        app.scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM payments")
            .await,
        app.scalar("SELECT COUNT(*) FROM opportunities").await,
        app.scalar("SELECT COUNT(*) FROM quotes").await,
        app.scalar("SELECT COUNT(*) FROM follow_ups").await,
    ]
}

async fn abc_total(client: &Client) -> String {
    let (status, _, body) = client
        .get("/api/v1/reports/abc?from=2020-01-01&to=2029-12-31", &[])
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap().parse::<f64>().unwrap())
        .sum::<f64>()
        .to_string()
}

async fn version_of(client: &Client, id: i64) -> String {
    let file: app::customers::CustomerDetail = client
        .call("customers/detail", &[("id", &id.to_string())])
        .await
        .unwrap();
    file.version.to_string()
}

#[tokio::test]
async fn merging_two_customers_with_sales_keeps_every_sale_payment_and_deal() {
    let app = company().await;
    let rep = app.user_id("rep").await;
    // Two of rep's customers that both bought and paid.
    let with_orders = |skip: i64| {
        format!("SELECT customer_id FROM sales_orders WHERE owner_id = {rep} AND customer_id IN (SELECT customer_id FROM payments) GROUP BY customer_id ORDER BY customer_id LIMIT 1 OFFSET {skip}")
    };
    let (keep, gone) = (
        app.scalar(&with_orders(0)).await,
        app.scalar(&with_orders(1)).await,
    );
    assert!(keep > 0 && gone > 0 && keep != gone);
    let gone_orders = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM sales_orders WHERE customer_id = {gone}"
        ))
        .await;
    let gone_sales = app
        .scalar(&format!(
            "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM sales_orders WHERE customer_id = {gone}"
        ))
        .await;
    let keep_sales = app
        .scalar(&format!(
            "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM sales_orders WHERE customer_id = {keep}"
        ))
        .await;
    let sellers_before = app.scalar(&format!("SELECT COUNT(DISTINCT owner_id) FROM sales_orders WHERE customer_id IN ({keep}, {gone})")).await;
    let admin = app.signed_in("admin").await;
    let (before, abc_before) = (books(&app).await, abc_total(&admin).await);

    let manager = app.signed_in("manager").await;
    let form = [
        ("form[keep_id]", keep.to_string()),
        ("form[keep_version]", version_of(&manager, keep).await),
        ("form[merge_id]", gone.to_string()),
        ("form[merge_version]", version_of(&manager, gone).await),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        manager.call::<i64>("customers/merge", &pairs).await,
        Ok(keep)
    );

    assert_eq!(
        books(&app).await,
        before,
        "orders, payments, deals, quotes and follow-ups are all still there"
    );
    assert_eq!(
        abc_total(&admin).await,
        abc_before,
        "and every report adds up to the same"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM sales_orders WHERE customer_id = {keep}"
        ))
        .await,
        keep_sales + gone_sales
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM sales_orders WHERE customer_id = {gone}"
        ))
        .await,
        0
    );
    assert!(gone_orders > 0);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(DISTINCT owner_id) FROM sales_orders WHERE customer_id = {keep}"
        ))
        .await,
        sellers_before,
        "who sold what is kept"
    );
    for table in [
        "opportunities",
        "quotes",
        "contracts",
        "payments",
        "check_ins",
        "visit_stops",
    ] {
        assert_eq!(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE customer_id = {gone}"
            ))
            .await,
            0,
            "{table} left on the merged customer"
        );
    }

    // The audit log names both customers as they were, and what moved.
    let (action, subject, before_json, after_json): (String, i64, String, String) = {
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT action, subject_id, before, after FROM audit_log ORDER BY id DESC LIMIT 1"
                    .to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
            row.try_get_by_index(2).unwrap(),
            row.try_get_by_index(3).unwrap(),
        )
    };
    assert_eq!((action.as_str(), subject), ("customer_merged", keep));
    let before_json: serde_json::Value = serde_json::from_str(&before_json).unwrap();
    assert_eq!(before_json["merged"]["id"], gone);
    assert_eq!(before_json["kept"]["id"], keep);
    let after_json: serde_json::Value = serde_json::from_str(&after_json).unwrap();
    assert_eq!(after_json["moved"]["orders"], gone_orders);

    // The log is append-only, whatever the application or a careless script tries.
    assert!(execute(&app, "UPDATE audit_log SET actor_name = 'x'")
        .await
        .is_err());
    assert!(execute(&app, "DELETE FROM audit_log").await.is_err());
    // A customer with sales cannot be deleted at all (the cascades never run).
    assert!(
        execute(&app, &format!("DELETE FROM customers WHERE id = {keep}"))
            .await
            .is_err()
    );
    assert_eq!(books(&app).await, before);
}

#[tokio::test]
async fn a_handover_moves_open_deals_and_their_quotes_and_the_old_rep_cannot_act_on_them() {
    let app = company().await;
    let (rep, wang) = (app.user_id("rep").await, app.user_id("wang.fang").await);
    let open_deals = format!("SELECT COUNT(*) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE s.won = false AND s.lost = false AND o.owner_id = {rep} AND o.customer_id IN (SELECT id FROM customers WHERE owner_id = {rep})");
    let moving = app.scalar(&open_deals).await;
    assert!(moving > 0);
    let won_orders = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM sales_orders WHERE owner_id = {rep}"
        ))
        .await;
    let a_sent_quote = app.scalar(&format!("SELECT MIN(q.id) FROM quotes q JOIN opportunities o ON o.id = q.opportunity_id JOIN pipeline_stages s ON s.id = o.stage_id JOIN customers c ON c.id = o.customer_id WHERE c.owner_id = {rep} AND s.won = false AND s.lost = false AND q.owner_id = {rep} AND q.status = 'sent'")).await;
    // An open deal of a customer the rep owns (a rep may also sell to a customer someone else owns).
    let deal = app.scalar(&format!("SELECT MIN(o.id) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id JOIN customers c ON c.id = o.customer_id WHERE s.won = false AND s.lost = false AND o.owner_id = {rep} AND c.owner_id = {rep}")).await;

    let manager = app.signed_in("manager").await;
    let moved: u64 = manager
        .call(
            "customers/handover",
            &[("from", &rep.to_string()), ("to", &wang.to_string())],
        )
        .await
        .unwrap();
    assert!(moved > 0);
    assert_eq!(
        app.scalar(&open_deals).await,
        0,
        "no open deal of a handed-over customer stays with the old rep"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM sales_orders WHERE owner_id = {rep}"
        ))
        .await,
        won_orders,
        "won orders keep their seller"
    );

    let wang_client = app.signed_in("wang.fang").await;
    let detail: Result<app::pipeline::DealDetail, AppError> = wang_client
        .call("pipeline/deal", &[("id", &deal.to_string())])
        .await;
    assert!(
        detail.is_ok(),
        "the new owner opens the deal of her customer: {detail:?}"
    );
    let old = app.signed_in("rep").await;
    let stale: Result<app::pipeline::DealDetail, AppError> = old
        .call("pipeline/deal", &[("id", &deal.to_string())])
        .await;
    assert_eq!(
        stale.unwrap_err(),
        AppError::NotFound,
        "the old rep no longer acts on it"
    );
    if a_sent_quote > 0 {
        assert_eq!(
            app.scalar(&format!(
                "SELECT owner_id FROM quotes WHERE id = {a_sent_quote}"
            ))
            .await,
            wang,
            "a sent quote goes with its deal"
        );
        let version = app
            .scalar(&format!(
                "SELECT version FROM quotes WHERE id = {a_sent_quote}"
            ))
            .await
            .to_string();
        assert_eq!(
            old.call::<i64>(
                "pipeline/quote_revise",
                &[("id", &a_sent_quote.to_string()), ("version", &version)]
            )
            .await,
            Err(AppError::NotFound)
        );
    }
    let audit = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'customer_reassigned'")
        .await;
    assert_eq!(
        audit as u64, moved,
        "every reassignment is in the audit log"
    );
}

#[tokio::test]
async fn moves_that_name_no_neighbour_go_to_the_top_and_positions_stay_unique_under_concurrency() {
    let app = company().await;
    let admin = app.signed_in("admin").await;
    let board: app::pipeline::Board = admin.call("pipeline/board", &[]).await.unwrap();
    let target = board.columns[1].stage.id;
    let cards: Vec<app::pipeline::Card> = board
        .columns
        .iter()
        .filter(|c| c.stage.id != target && !c.stage.won && !c.stage.lost)
        .flat_map(|c| c.cards.clone())
        .take(24)
        .collect();
    assert!(cards.len() >= 12);
    let moves = cards.iter().map(|card| {
        let client = admin.clone();
        let form = [
            ("request[id]", card.id.to_string()),
            ("request[version]", card.version.to_string()),
            ("request[to_stage_id]", target.to_string()),
        ];
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            client
                .call::<app::pipeline::Card>("pipeline/move", &pairs)
                .await
        }
    });
    let results = futures::future::join_all(moves).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let duplicates = app.scalar("SELECT COUNT(*) FROM (SELECT stage_id, position FROM opportunities GROUP BY stage_id, position HAVING COUNT(*) > 1) d").await;
    assert_eq!(duplicates, 0, "every column has a total order");
    // Each moved card sits above every card that was there before the burst (the top, as the
    // move request documents for no neighbour), none on another's position.
    let ids = cards
        .iter()
        .map(|c| c.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let highest_moved = app
        .scalar(&format!(
            "SELECT MAX(position) FROM opportunities WHERE id IN ({ids})"
        ))
        .await;
    let lowest_stayed = app.scalar(&format!("SELECT MIN(position) FROM opportunities WHERE stage_id = {target} AND id NOT IN ({ids})")).await;
    assert!(
        highest_moved < lowest_stayed,
        "{highest_moved} vs {lowest_stayed}"
    );
}

#[tokio::test]
async fn parallel_wrong_passwords_are_counted_and_never_lock_the_owner_out_from_elsewhere() {
    let settings = app::state::Settings {
        trust_proxy: true,
        ..Default::default()
    };
    let app = TestApp::start(settings, true).await;
    let attempt = |address: &'static str, password: &'static str| {
        let http = reqwest::Client::new();
        let url = format!("{}/api/login", app.base);
        async move {
            let response = http
                .post(url)
                .header("x-forwarded-for", address)
                .form(&[("username", "admin"), ("password", password)])
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            (status, body)
        }
    };
    let burst =
        futures::future::join_all((0..40).map(|_| attempt("203.0.113.9", "wrong-password"))).await;
    let checked = burst.iter().filter(|(status, _)| *status == 422).count();
    let refused = burst.iter().filter(|(status, _)| *status == 429).count();
    assert_eq!(checked + refused, 40, "{burst:?}");
    assert!(
        checked <= app::domain::throttle::MAX_FAILURES_PER_ACCOUNT as usize,
        "{checked} passwords were checked"
    );
    // From the attacking address the pair stays locked, even with the right password...
    let (status, _) = attempt("203.0.113.9", app::seed::DEMO_PASSWORD).await;
    assert_eq!(status, 429);
    // ...while the owner, elsewhere, signs in (slowed down, never refused).
    let (status, body) = attempt("198.51.100.7", app::seed::DEMO_PASSWORD).await;
    assert!(status < 400, "{status} {body}");
    let failures = app
        .scalar("SELECT COUNT(*) FROM login_attempts WHERE succeeded = false")
        .await;
    assert_eq!(failures, 41, "every attempt counted, the refused ones too");
}

#[tokio::test]
async fn a_workbook_spanning_the_whole_grid_is_refused_at_its_field_and_the_server_lives() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "名称").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let part = reqwest::multipart::Part::bytes(bytes).file_name("bomb.xlsx");
    let response = manager
        .http
        .post(format!("{}/api/imports/upload", manager.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let upload_id = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.strip_prefix("/import/"))
        .map(|id| id.to_string());
    match upload_id {
        Some(id) => {
            let preview: Result<app::imports::UploadPreview, AppError> = manager
                .call(
                    "imports/preview",
                    &[("upload_id", &id), ("kind", "customers")],
                )
                .await;
            assert_eq!(
                fields(&preview.unwrap_err()),
                [(
                    "file".to_string(),
                    app::domain::forms::ErrorCode::TableTooLarge {
                        max_rows: 1_000_000,
                        max_columns: 256
                    }
                )]
            );
        }
        None => assert!(response.status().is_client_error(), "{}", response.status()),
    }
    assert!(manager.me().await.is_some(), "the server is still there");
}

#[tokio::test]
async fn each_hourly_job_runs_once_per_slot_however_many_servers_ask() {
    let app = TestApp::empty().await;
    let slot = app::jobs::hour_slot(chrono::Utc::now());
    let claims = futures::future::join_all((0..8).map(|n| {
        let db = app.db.clone();
        let slot = slot.clone();
        async move {
            app::jobs::claim(&db, "pool_return_test", &slot, &format!("server-{n}"))
                .await
                .unwrap()
        }
    }))
    .await;
    assert_eq!(claims.iter().filter(|c| **c).count(), 1, "{claims:?}");
    assert!(
        app::jobs::claim(&app.db, "alerts_test", &slot, "server-0")
            .await
            .unwrap(),
        "another job has its own slot"
    );
}

#[tokio::test]
async fn errors_answer_with_the_status_that_says_what_happened() {
    let app = TestApp::demo().await;
    let anonymous = app.client();
    let raw = |client: &Client, endpoint: &str, form: Vec<(&'static str, String)>| {
        let request = client
            .http
            .post(format!("{}/api/{endpoint}", client.base))
            .form(&form);
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.headers().get("x-request-id").is_some(),
            )
        }
    };
    assert_eq!(
        raw(&anonymous, "customers/list", vec![]).await,
        (401, false)
    );
    let rep = app.signed_in("rep").await;
    assert_eq!(
        raw(&rep, "org/save_team", vec![("form[name]", "x".into())])
            .await
            .0,
        403
    );
    assert_eq!(
        raw(&rep, "customers/detail", vec![("id", "999999999".into())])
            .await
            .0,
        404
    );
    // Invalid input is 422 for every server function: `common::Client::call` checks each
    // Validation error any test meets against its status.
    assert_eq!(
        raw(&rep, "customers/detail", vec![]).await.0,
        400,
        "arguments missing: the request is malformed, not a fault"
    );
    let (status, _, body) = rep
        .get("/api/v1/reports/monthly?from=2026-13-01", &[])
        .await;
    assert_eq!(status, 422, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "validation");
    assert_eq!(json["fields"][0]["field"], "from");
}

/// Row counts and id sums of every table the restricting migration rebuilds, the money, the board
/// order, and (SQLite) the schema's objects and `AUTOINCREMENT` counters: what a rebuild must keep.
async fn fingerprint(db: &sea_orm::DatabaseConnection) -> Vec<(String, i64)> {
    let backend = db.get_database_backend();
    let mut queries: Vec<String> = Vec::new();
    let mut tables: Vec<&str> = migrations::RESTRICTED_FOREIGN_KEYS
        .iter()
        .map(|(t, _, _)| *t)
        .collect();
    tables.extend([
        "customers",
        "users",
        "order_lines",
        "pipeline_stages",
        "audit_log",
    ]);
    tables.sort_unstable();
    tables.dedup();
    for table in tables {
        queries.push(format!("SELECT COUNT(*) FROM {table}"));
        queries.push(format!(
            "SELECT CAST(COALESCE(SUM(id), 0) AS BIGINT) FROM {table}"
        ));
    }
    for (table, column) in [
        ("sales_orders", "amount_fen"),
        ("payments", "amount_fen"),
        ("opportunities", "position"),
        ("opportunities", "stage_id"),
        ("follow_ups", "author_id"),
    ] {
        queries.push(format!(
            "SELECT CAST(COALESCE(SUM({column}), 0) AS BIGINT) FROM {table}"
        ));
    }
    if backend == sea_orm::DatabaseBackend::Sqlite {
        queries.push(
            "SELECT COUNT(*) FROM sqlite_master WHERE type IN ('index', 'trigger', 'view')".into(),
        );
        queries.push("SELECT CAST(SUM(seq) AS BIGINT) FROM sqlite_sequence".into());
    } else {
        queries.push("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()".into());
        queries.push("SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal".into());
    }
    let mut out = Vec::new();
    for sql in queries {
        let row = db
            .query_one_raw(Statement::from_string(backend, sql.clone()))
            .await
            .unwrap()
            .unwrap();
        out.push((sql, row.try_get_by_index::<i64>(0).unwrap()));
    }
    out
}

/// The `ON DELETE` action of each foreign key the migration changes, as the database reports it.
async fn delete_actions(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let mut actions = Vec::new();
    for (table, column, _) in migrations::RESTRICTED_FOREIGN_KEYS {
        let sql = if backend == sea_orm::DatabaseBackend::Sqlite {
            format!("SELECT on_delete FROM pragma_foreign_key_list('{table}') WHERE \"from\" = '{column}'")
        } else {
            format!(
                "SELECT CASE con.confdeltype WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' ELSE con.confdeltype::text END FROM pg_constraint con \
                 JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey) \
                 WHERE con.contype = 'f' AND con.conrelid = '{table}'::regclass AND att.attname = '{column}'"
            )
        };
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{table}.{column} has no foreign key"));
        actions.push(row.try_get_by_index::<String>(0).unwrap());
    }
    actions
}

#[tokio::test]
async fn the_restricting_migration_keeps_every_row_of_a_full_demo_and_stops_the_cascades() {
    use migrations::MigratorTrait;
    let (url, _dir) = common::fresh_database().await;
    let db = jingxi::connect(&url).await.unwrap();
    let before_restrict = migrations::Migrator::migrations()
        .iter()
        .position(|m| m.name().contains("restrict_deletes"))
        .unwrap() as u32;
    migrations::Migrator::up(&db, Some(before_restrict))
        .await
        .unwrap();
    // The seed writes through today's entities, which know the columns later migrations add:
    // they are there while it runs and gone again before the migration under test.
    let later_columns = [("customers", "import_batch")];
    for (table, column) in later_columns {
        db.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN {column} BIGINT"))
            .await
            .unwrap();
    }
    app::pipeline::service::ensure_defaults(&db).await.unwrap();
    app::seed::seed_demo(&db, false).await.unwrap();
    let now = chrono::Utc::now();
    app::seed_customers::seed_customers(&db, now, 120, 2)
        .await
        .unwrap();
    app::seed_pipeline::seed_pipeline(
        &db,
        now,
        app::seed_pipeline::DealPlan {
            open: 200,
            lost: 30,
            history: true,
        },
    )
    .await
    .unwrap();
    for (table, column) in later_columns {
        db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN {column}"))
            .await
            .unwrap();
    }
    let before = fingerprint(&db).await;
    assert!(
        before
            .iter()
            .any(|(sql, n)| sql.contains("FROM payments") && *n > 0),
        "the demo has payments to keep"
    );
    assert!(delete_actions(&db).await.iter().all(|a| a == "CASCADE"));

    migrations::Migrator::up(&db, Some(1)).await.unwrap();
    assert_eq!(
        fingerprint(&db).await,
        before,
        "every row, sum and index is still there"
    );
    assert!(
        delete_actions(&db).await.iter().all(|a| a == "RESTRICT"),
        "{:?}",
        delete_actions(&db).await
    );
    // Every pooled connection has its foreign keys on again (SQLite turns them off to rebuild).
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        let checks = (0..8).map(|_| {
            db.query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "PRAGMA foreign_keys".to_string(),
            ))
        });
        for row in futures::future::join_all(checks).await {
            assert_eq!(row.unwrap().unwrap().try_get_by_index::<i32>(0).unwrap(), 1);
        }
    }
    // And back: the cascades return, nothing else changes.
    migrations::Migrator::down(&db, Some(1)).await.unwrap();
    assert!(delete_actions(&db).await.iter().all(|a| a == "CASCADE"));
    assert_eq!(fingerprint(&db).await, before);
    migrations::Migrator::up(&db, None).await.unwrap();

    // Without migration 18's guard trigger the database itself still refuses to delete a
    // customer's sales: the foreign keys no longer cascade.
    let backend = db.get_database_backend();
    let drop_guard = if backend == sea_orm::DatabaseBackend::Sqlite {
        "DROP TRIGGER customers_keep_records"
    } else {
        "DROP TRIGGER customers_keep_records ON customers"
    };
    db.execute_unprepared(drop_guard).await.unwrap();
    let seller: i64 = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT MIN(customer_id) FROM payments".to_string(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert!(db
        .execute_raw(Statement::from_string(
            backend,
            format!("DELETE FROM customers WHERE id = {seller}")
        ))
        .await
        .is_err());
    let payments = before
        .iter()
        .find(|(sql, _)| sql == "SELECT COUNT(*) FROM payments")
        .unwrap()
        .1;
    assert_eq!(
        db.query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM payments".to_string()
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap(),
        payments
    );
}
