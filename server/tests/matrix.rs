//! Every server function, called by everyone with hostile input. The table below names each one
//! with who may call it at all; the test fails when a server function exists without a row (so a
//! new one cannot ship unlisted) or a row names one that no longer exists. For each function:
//!
//! - anonymous callers are refused (401) before anything else, or the request is refused as
//!   malformed (400) before it reaches the function; only the public ones answer;
//! - a fixed set of bad inputs (empty, overlong, wrong type, negative, far-future dates, unknown
//!   ids, huge numbers) from a signed-in rep, manager and admin never gets a 500, never hangs,
//!   and leaves the server answering.
mod common;

use common::{Client, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Answers without a session (sign-in, language, who am I).
    Public,
    /// Needs a session; the function checks the role and the record's scope itself (tested per
    /// feature, allowed and denied, in that feature's test file).
    SignedIn,
}

use Access::{Public, SignedIn};

const ENDPOINTS: &[(&str, Access)] = &[
    ("account/password", SignedIn),
    ("account/sign_out_others", SignedIn),
    ("analytics/abc", SignedIn),
    ("analytics/alert_rules", SignedIn),
    ("analytics/alert_task", SignedIn),
    ("analytics/alerts", SignedIn),
    ("analytics/customer_trend", SignedIn),
    ("analytics/customers", SignedIn),
    ("analytics/funnel", SignedIn),
    ("analytics/products", SignedIn),
    ("analytics/recent_stock", SignedIn),
    ("analytics/reps", SignedIn),
    ("analytics/save_inventory", SignedIn),
    ("audit/people", SignedIn),
    ("audit/search", SignedIn),
    ("customers/agenda", SignedIn),
    ("customers/claim", SignedIn),
    ("customers/delete_contact", SignedIn),
    ("customers/delete_filter", SignedIn),
    ("customers/detail", SignedIn),
    ("customers/filter_options", SignedIn),
    ("customers/follow_up", SignedIn),
    ("customers/handover", SignedIn),
    ("customers/ladder", SignedIn),
    ("customers/ladder_confirm", SignedIn),
    ("customers/ladder_rules_save", SignedIn),
    ("customers/ladder_suggestions", SignedIn),
    ("customers/list", SignedIn),
    ("customers/merge", SignedIn),
    ("customers/merge_preview", SignedIn),
    ("customers/reassign", SignedIn),
    ("customers/save", SignedIn),
    ("customers/save_contact", SignedIn),
    ("customers/save_filter", SignedIn),
    ("customers/stage_counts", SignedIn),
    ("dashboard", SignedIn),
    ("fieldwork/add_expense", SignedIn),
    ("fieldwork/add_visit", SignedIn),
    ("fieldwork/check_in", SignedIn),
    ("fieldwork/day", SignedIn),
    ("fieldwork/efficiency", SignedIn),
    ("fieldwork/remove_visit", SignedIn),
    ("fieldwork/reorder", SignedIn),
    ("fieldwork/review", SignedIn),
    ("fieldwork/rules", SignedIn),
    ("fieldwork/save_report", SignedIn),
    ("fieldwork/submit_plan", SignedIn),
    ("fieldwork/team", SignedIn),
    ("first_run", Public),
    ("imports/preview", SignedIn),
    ("imports/progress", SignedIn),
    ("imports/run", SignedIn),
    ("login", Public),
    ("logout", Public),
    ("me", Public),
    ("notifications/list", SignedIn),
    ("notifications/read", SignedIn),
    ("org/create_department", SignedIn),
    ("org/overview", SignedIn),
    ("org/people", SignedIn),
    ("org/save_team", SignedIn),
    ("org/save_user", SignedIn),
    ("org/set_team_active", SignedIn),
    ("org/set_user_active", SignedIn),
    ("org/time_zone", SignedIn),
    ("org/time_zone_current", SignedIn),
    ("pipeline/board", SignedIn),
    ("pipeline/card", SignedIn),
    ("pipeline/contract_create", SignedIn),
    ("pipeline/contract_status", SignedIn),
    ("pipeline/customer_deals", SignedIn),
    ("pipeline/customer_quotes", SignedIn),
    ("pipeline/deal", SignedIn),
    ("pipeline/deal_quotes", SignedIn),
    ("pipeline/forecast", SignedIn),
    ("pipeline/lost_reason_save", SignedIn),
    ("pipeline/more", SignedIn),
    ("pipeline/move", SignedIn),
    ("pipeline/payment", SignedIn),
    ("pipeline/pipeline_create", SignedIn),
    ("pipeline/product_save", SignedIn),
    ("pipeline/quote", SignedIn),
    ("pipeline/quote_draft", SignedIn),
    ("pipeline/quote_revise", SignedIn),
    ("pipeline/quote_save", SignedIn),
    ("pipeline/quote_status", SignedIn),
    ("pipeline/save", SignedIn),
    ("pipeline/settings", SignedIn),
    ("pipeline/stage_delete", SignedIn),
    ("pipeline/stage_move", SignedIn),
    ("pipeline/stage_save", SignedIn),
    ("pipeline/table", SignedIn),
    ("pipeline/totals", SignedIn),
    ("set_locale", Public),
    ("targets/grid", SignedIn),
    ("targets/history", SignedIn),
    ("targets/lock", SignedIn),
    ("targets/progress", SignedIn),
    ("targets/publish", SignedIn),
    ("targets/set", SignedIn),
    ("targets/split", SignedIn),
];

/// The fixed bad inputs: each argument name a server function here takes, with values of every
/// kind of wrong.
fn bad_inputs() -> Vec<Vec<(&'static str, String)>> {
    let long = "长".repeat(5_000);
    let names = [
        "id",
        "version",
        "customer_id",
        "deal_id",
        "stage_id",
        "upload_id",
        "year",
        "status",
        "kind",
        "query[from]",
        "filter[q]",
        "form[name]",
        "form[keep_id]",
        "request[id]",
        "request[version]",
        "request[to_stage_id]",
        "day",
        "rep",
        "period",
        "after_position",
        "after_id",
        "amount",
        "form[amount]",
    ];
    let values = [
        "",
        "-1",
        "0",
        "99999999999999999999999",
        "NaN",
        "abc",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "<script>alert(1)</script>",
        "%00",
        "' OR 1=1 --",
        "1e308",
    ];
    let mut inputs = vec![Vec::new()];
    for value in values {
        inputs.push(names.iter().map(|n| (*n, value.to_string())).collect());
    }
    inputs.push(names.iter().map(|n| (*n, long.clone())).collect());
    inputs
}

async fn post(client: &Client, endpoint: &str, form: &[(&str, String)]) -> u16 {
    let request = client
        .http
        .post(format!("{}/api/{endpoint}", client.base))
        .form(form)
        .timeout(std::time::Duration::from_secs(20));
    match request.send().await {
        Ok(response) => response.status().as_u16(),
        Err(error) => panic!("{endpoint} did not answer: {error}"),
    }
}

#[tokio::test]
async fn every_server_function_has_a_row_and_refuses_anonymous_callers() {
    let app = TestApp::demo().await;
    let listed: Vec<String> = {
        let mut names: Vec<String> = ENDPOINTS.iter().map(|(name, _)| name.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(
        common::server_functions(),
        listed,
        "every server function needs a row in ENDPOINTS (and every row a function)"
    );
    let anonymous = app.client();
    for (endpoint, access) in ENDPOINTS {
        for input in bad_inputs().iter().take(3) {
            let status = post(&anonymous, endpoint, input).await;
            match access {
                Access::Public => assert!(status < 500, "{endpoint}: {status}"),
                Access::SignedIn => assert!(
                    status == 401 || status == 400,
                    "{endpoint} answered {status} to an anonymous caller"
                ),
            }
        }
    }
}

#[tokio::test]
async fn bad_input_to_any_server_function_never_gets_a_500() {
    let app = TestApp::demo().await;
    let callers = [
        app.signed_in("rep").await,
        app.signed_in("manager").await,
        app.signed_in("admin").await,
    ];
    let inputs = bad_inputs();
    for (endpoint, _) in ENDPOINTS {
        // Signing out would end the callers' sessions for the rest of the run.
        if matches!(
            *endpoint,
            "logout" | "account/sign_out_others" | "account/password"
        ) {
            continue;
        }
        for caller in &callers {
            for input in &inputs {
                let status = post(caller, endpoint, input).await;
                assert!(
                    status < 500,
                    "{endpoint} answered {status} to {:?}",
                    input
                        .first()
                        .map(|(_, v)| v.chars().take(20).collect::<String>())
                );
            }
        }
    }
    for caller in &callers {
        assert!(caller.me().await.is_some(), "still signed in and answered");
    }
}

/// The records of one team (`rep`'s, 上海一组) as they stand: a call that changed any of them bumps
/// a version or a count.
async fn team_books(app: &TestApp, team_owners: &str) -> Vec<i64> {
    let mut books = Vec::new();
    for table in [
        "customers",
        "opportunities",
        "quotes",
        "contracts",
        "sales_orders",
    ] {
        books.push(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE owner_id IN ({team_owners})"
            ))
            .await,
        );
        books.push(app.scalar(&format!("SELECT CAST(SUM(version) AS BIGINT) FROM {table} WHERE owner_id IN ({team_owners})")).await);
    }
    for table in ["payments", "follow_ups", "contacts"] {
        books.push(app.scalar(&format!("SELECT COUNT(*) FROM {table} WHERE customer_id IN (SELECT id FROM customers WHERE owner_id IN ({team_owners}))")).await);
    }
    books
}

async fn post_for_body(client: &Client, endpoint: &str, form: &[(&str, String)]) -> (u16, String) {
    let request = client
        .http
        .post(format!("{}/api/{endpoint}", client.base))
        .form(form)
        .timeout(std::time::Duration::from_secs(20));
    let response = request
        .send()
        .await
        .unwrap_or_else(|error| panic!("{endpoint} did not answer: {error}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// People outside a team — a rep and the manager of another team, and the director of another
/// department — call every server function with that team's record ids (and with none: the lists
/// and reports). No answer names one of the team's customers, no call changes one of its
/// records, and none gets a 500.
#[tokio::test]
async fn no_server_function_shows_or_changes_another_teams_records() {
    let app = TestApp::demo().await;
    let now = chrono::Utc::now();
    app::seed_customers::seed_customers(&app.db, now, 120, 2)
        .await
        .unwrap();
    app::seed_pipeline::seed_pipeline(
        &app.db,
        now,
        app::seed_pipeline::DealPlan {
            open: 200,
            lost: 20,
            history: true,
        },
    )
    .await
    .unwrap();
    let admin = app.signed_in("admin").await;
    let south: i64 = admin
        .call("org/create_department", &[("name", "华南销售部")])
        .await
        .unwrap();
    let south = south.to_string();
    let form = [
        ("form[username]", "south.director"),
        ("form[display_name]", "华南总监"),
        ("form[role]", "director"),
        ("form[department_id]", south.as_str()),
        ("form[password]", "password123"),
    ];
    admin.call::<i64>("org/save_user", &form).await.unwrap();
    let outsiders = [
        app.signed_in("sun.li").await,
        app.signed_in("liu.yang").await,
        {
            let client = app.client();
            client.login("south.director", "password123").await.unwrap();
            client
        },
    ];

    let team_owners =
        "SELECT id FROM users WHERE team_id = (SELECT team_id FROM users WHERE username = 'rep')";
    // The team's customers whose names no other customer shares, and with whom nobody outside
    // the team sells (someone else's deal shows its customer's name to its owner): seeing one is
    // a leak.
    let backend = sea_orm::ConnectionTrait::get_database_backend(&app.db);
    let sold_by_others: String = ["opportunities", "quotes", "contracts", "sales_orders"]
        .iter()
        .map(|table| format!(" AND id NOT IN (SELECT customer_id FROM {table} WHERE owner_id NOT IN ({team_owners}))"))
        .collect();
    let sql = format!("SELECT name FROM customers WHERE owner_id IN ({team_owners}){sold_by_others} AND name IN (SELECT name FROM customers GROUP BY name HAVING COUNT(*) = 1)");
    let rows = sea_orm::ConnectionTrait::query_all_raw(
        &app.db,
        sea_orm::Statement::from_string(backend, sql),
    )
    .await
    .unwrap();
    let secrets: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect();
    assert!(secrets.len() > 20, "the team owns customers to look for");
    let rep = app.user_id("rep").await;
    let mut ids = Vec::new();
    for sql in [
        format!("SELECT MIN(id) FROM customers WHERE owner_id = {rep}"),
        format!("SELECT MIN(id) FROM opportunities WHERE owner_id = {rep}"),
        format!("SELECT MIN(id) FROM quotes WHERE owner_id = {rep}"),
        format!("SELECT MIN(id) FROM contracts WHERE owner_id = {rep}"),
        format!("SELECT MIN(id) FROM sales_orders WHERE owner_id = {rep}"),
        format!("SELECT MIN(id) FROM follow_ups WHERE customer_id IN (SELECT id FROM customers WHERE owner_id = {rep})"),
        format!("SELECT MIN(id) FROM contacts WHERE customer_id IN (SELECT id FROM customers WHERE owner_id = {rep})"),
    ] {
        let id = app.scalar(&sql).await;
        if id > 0 {
            ids.push(id.to_string());
        }
    }
    assert!(
        ids.len() >= 5,
        "the team has customers, deals, quotes and orders: {ids:?}"
    );
    let id_names = [
        "id",
        "customer_id",
        "deal_id",
        "opportunity_id",
        "quote_id",
        "order_id",
        "rep",
        "user",
        "request[id]",
        "form[id]",
        "form[customer_id]",
        "form[keep_id]",
        "form[merge_id]",
        "form[deal_id]",
        "form[opportunity_id]",
    ];
    let mut forms: Vec<Vec<(&str, String)>> = vec![Vec::new()];
    for id in &ids {
        let mut form: Vec<(&str, String)> = id_names.iter().map(|n| (*n, id.clone())).collect();
        form.extend([
            ("version", "1".to_string()),
            ("request[version]", "1".to_string()),
            ("form[version]", "1".to_string()),
        ]);
        forms.push(form);
    }

    let before = team_books(&app, team_owners).await;
    let mut calls = 0;
    for (endpoint, _) in ENDPOINTS {
        if matches!(
            *endpoint,
            "logout" | "account/sign_out_others" | "account/password" | "login"
        ) {
            continue;
        }
        for outsider in &outsiders {
            for form in &forms {
                let (status, body) = post_for_body(outsider, endpoint, form).await;
                assert!(status < 500, "{endpoint} answered {status}");
                if let Some(secret) = secrets.iter().find(|s| body.contains(s.as_str())) {
                    panic!(
                        "{endpoint} showed another team's customer {secret} ({status}, form {:?})",
                        form.first()
                    );
                }
                calls += 1;
            }
        }
    }
    assert!(calls > 1_000, "{calls} calls");
    assert_eq!(
        team_books(&app, team_owners).await,
        before,
        "no call changed the team's records"
    );
    for outsider in &outsiders {
        assert!(outsider.me().await.is_some());
    }
}
