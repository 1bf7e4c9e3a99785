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
    let names = ["id", "version", "customer_id", "deal_id", "stage_id", "upload_id", "year", "status", "kind", "query[from]", "filter[q]", "form[name]", "form[keep_id]", "request[id]", "request[version]", "request[to_stage_id]", "day", "rep", "period", "after_position", "after_id", "amount", "form[amount]"];
    let values = ["", "-1", "0", "99999999999999999999999", "NaN", "abc", "9999-12-31", "0001-01-01", "2026-02-30", "<script>alert(1)</script>", "%00", "' OR 1=1 --", "1e308"];
    let mut inputs = vec![Vec::new()];
    for value in values {
        inputs.push(names.iter().map(|n| (*n, value.to_string())).collect());
    }
    inputs.push(names.iter().map(|n| (*n, long.clone())).collect());
    inputs
}

async fn post(client: &Client, endpoint: &str, form: &[(&str, String)]) -> u16 {
    let request = client.http.post(format!("{}/api/{endpoint}", client.base)).form(form).timeout(std::time::Duration::from_secs(20));
    match request.send().await {
        Ok(response) => response.status().as_u16(),
        Err(error) => panic!("{endpoint} did not answer: {error}"),
    }
}

fn registered() -> Vec<String> {
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths().filter_map(|(path, _)| path.strip_prefix("/api/").map(str::to_string)).collect();
    paths.sort();
    paths.dedup();
    paths
}

#[tokio::test]
async fn every_server_function_has_a_row_and_refuses_anonymous_callers() {
    let app = TestApp::demo().await;
    let listed: Vec<String> = {
        let mut names: Vec<String> = ENDPOINTS.iter().map(|(name, _)| name.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(registered(), listed, "every server function needs a row in ENDPOINTS (and every row a function)");
    let anonymous = app.client();
    for (endpoint, access) in ENDPOINTS {
        for input in bad_inputs().iter().take(3) {
            let status = post(&anonymous, endpoint, input).await;
            match access {
                Access::Public => assert!(status < 500, "{endpoint}: {status}"),
                Access::SignedIn => assert!(status == 401 || status == 400, "{endpoint} answered {status} to an anonymous caller"),
            }
        }
    }
}

#[tokio::test]
async fn bad_input_to_any_server_function_never_gets_a_500() {
    let app = TestApp::demo().await;
    let callers = [app.signed_in("rep").await, app.signed_in("manager").await, app.signed_in("admin").await];
    let inputs = bad_inputs();
    for (endpoint, _) in ENDPOINTS {
        // Signing out would end the callers' sessions for the rest of the run.
        if matches!(*endpoint, "logout" | "account/sign_out_others" | "account/password") {
            continue;
        }
        for caller in &callers {
            for input in &inputs {
                let status = post(caller, endpoint, input).await;
                assert!(status < 500, "{endpoint} answered {status} to {:?}", input.first().map(|(_, v)| v.chars().take(20).collect::<String>()));
            }
        }
    }
    for caller in &callers {
        assert!(caller.me().await.is_some(), "still signed in and answered");
    }
}
