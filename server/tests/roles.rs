//! The role × endpoint matrix. Every server function and every HTTP route (exports, `/api/v1`
//! reports, the upload, the live board) is called with well-formed arguments naming one team's
//! records — `rep`'s, in 上海一组 of the demo department — by eight callers: nobody, that rep, a rep
//! and the manager of another team, that team's manager, the department's director, the director
//! of another department and an administrator. Each cell is the status that caller must get:
//!
//! - 200: allowed (the call did what it says);
//! - 401: not signed in; 403: the role may not do this at all; 404: the record is outside what
//!   the caller may see (answered like a record that does not exist, so ids cannot be probed);
//! - 409 or 422 where the allowed call is refused for a reason that comes after the access check
//!   (a stage that deals passed through, a day sheet already reviewed).
//!
//! Each caller runs through the table on a company of its own, in table order (the rows that
//! change who owns what come last), so one caller's changes never decide another's cells. A
//! server function without a row fails the test, as does a row whose function is gone.
mod common;

use common::{Client, TestApp};
use std::collections::HashMap;

/// The columns, in order.
const CALLERS: [&str; 8] = [
    "anonymous",
    "rep",
    "sun.li",
    "manager",
    "liu.yang",
    "director",
    "south.director",
    "admin",
];

/// Any signed-in caller, on their own view of the data.
const EVERYONE: [u16; 8] = [401, 200, 200, 200, 200, 200, 200, 200];
/// Records of `rep`: visible to them, their manager, their director and administrators.
const TEAM: [u16; 8] = [401, 200, 404, 200, 404, 200, 404, 200];
/// Administrators only.
const ADMIN: [u16; 8] = [401, 403, 403, 403, 403, 403, 403, 200];
/// Those who lead people (managers, directors, administrators), each over their own people.
const LEADERS: [u16; 8] = [401, 403, 403, 200, 200, 200, 200, 200];
/// In a cell: 200 with nothing in it (`null` or `[]`), where the answer is "nothing you may see".
const NOTHING: u16 = 0;

/// (call, arguments, expected status per caller). A call is a server function's endpoint, or
/// `GET /path` for a route. Arguments are `name=value` pairs joined by `&`, not URL-encoded;
/// `{name}` is replaced by a record of the caller's company (see `Company::value`).
const MATRIX: &[(&str, &str, [u16; 8])] = &[
    // Public: sign-in and what the sign-in page needs.
    ("first_run", "", [200; 8]),
    ("me", "", [200; 8]),
    ("set_locale", "locale=zh-CN", [200; 8]),
    ("login", "username=nobody&password=wrong-password", [422; 8]),
    // The caller's own account.
    ("account/password", "current_password=not-my-password&new_password=another-password-1", [401, 422, 422, 422, 422, 422, 422, 422]),
    ("account/sign_out_others", "", EVERYONE),
    ("notifications/list", "", EVERYONE),
    ("notifications/read", "", EVERYONE),
    ("dashboard", "", EVERYONE),
    // Customers.
    ("customers/list", "", EVERYONE),
    ("customers/stage_counts", "", EVERYONE),
    ("customers/filter_options", "", EVERYONE),
    ("customers/agenda", "", EVERYONE),
    ("customers/ladder", "", LEADERS),
    ("customers/ladder_suggestions", "", LEADERS),
    // No suggestion stands for this customer, so nothing is applied: 409.
    ("customers/ladder_confirm", "choices={customer}:vip", [401, 403, 403, 409, 409, 409, 409, 409]),
    ("customers/ladder_rules_save", "form[version]={setting:ladder_rules}&form[vip_threshold]=500000.00&form[dormant_after_months]=6&form[new_customer_months]=3", ADMIN),
    ("customers/detail", "id={customer}", TEAM),
    ("customers/save", "form[id]={customer}&form[version]={customer.version}&form[name]={customer.name}&form[stage]={customer.ladder_stage}", TEAM),
    ("customers/follow_up", "form[customer_id]={customer}&form[kind]=call&form[summary]=矩阵回访&form[intent]=medium", TEAM),
    ("customers/save_contact", "form[customer_id]={customer}&form[name]=矩阵联系人", TEAM),
    ("customers/delete_contact", "id={contact}", TEAM),
    ("customers/save_filter", "filter_name=矩阵&query=tag=重点", EVERYONE),
    ("customers/delete_filter", "id={filter}", [401, 200, 404, 404, 404, 404, 404, 404]),
    ("customers/claim", "id={pool_customer}", EVERYONE),
    ("customers/merge_preview", "id={merged}", [401, 403, 403, 200, 404, 200, 404, 200]),
    // The pipeline.
    ("pipeline/board", "", EVERYONE),
    ("pipeline/table", "", EVERYONE),
    ("pipeline/totals", "", EVERYONE),
    ("pipeline/more", "stage_id={deal.stage_id}&after_position=0&after_id=0", EVERYONE),
    ("pipeline/forecast", "", EVERYONE),
    // The live board asks for a card after every move: `null` tells it to drop a card it may not see.
    ("pipeline/card", "id={deal}", [401, 200, NOTHING, 200, NOTHING, 200, NOTHING, 200]),
    ("pipeline/deal", "id={deal}", TEAM),
    ("pipeline/customer_deals", "customer_id={customer}", [401, 200, NOTHING, 200, NOTHING, 200, NOTHING, 200]),
    ("pipeline/customer_quotes", "customer_id={customer}", [401, 200, NOTHING, 200, NOTHING, 200, NOTHING, 200]),
    ("pipeline/deal_quotes", "deal_id={deal}", TEAM),
    ("pipeline/save", "form[id]={deal}&form[version]={deal.version}&form[customer_id]={deal.customer_id}&form[title]=矩阵商机&form[amount]=1000.00&form[expected_close_on]={next_month}&form[stage_id]={deal.stage_id}&form[owner_id]={rep_id}&form[next_step]=&form[competitor]=&form[source]=", [401, 200, 422, 200, 422, 200, 422, 200]),
    ("pipeline/move", "request[id]={deal}&request[version]={deal.version}&request[to_stage_id]={deal.next_stage}", TEAM),
    ("pipeline/quote_draft", "deal={deal}", TEAM),
    ("pipeline/quote_save", "form[version]=0&form[opportunity_id]={deal}&form[valid_until]={next_month}&form[notes]=&form[lines][0][product_id]={product}&form[lines][0][quantity]=1&form[lines][0][unit_price]=100.00&form[lines][0][discount]=0&form[confirm_prices]=true", TEAM),
    ("pipeline/quote", "id={quote}", TEAM),
    ("pipeline/quote_status", "id={quote}&version={quote.version}&status=sent", TEAM),
    ("pipeline/quote_revise", "id={quote}&version={quote.version}", TEAM),
    ("pipeline/contract_create", "form[quote_id]={accepted_quote}&form[quote_version]={accepted_quote.version}&form[signed_on]={today}&form[starts_on]={today}&form[ends_on]={next_month}", TEAM),
    ("pipeline/contract_status", "id={contract}&version={contract.version}&status=signed", TEAM),
    ("pipeline/payment", "form[order_id]={order}&form[order_version]={order.version}&form[amount]=0.01&form[received_on]={today}&form[method]=bank&form[note]=", TEAM),
    // Sales settings.
    ("pipeline/settings", "", ADMIN),
    ("pipeline/stage_save", "form[id]={deal.stage_id}&form[pipeline_id]={deal.pipeline_id}&form[name]=矩阵阶段&form[probability]=30&form[stale_after_days]=14", ADMIN),
    ("pipeline/stage_move", "id={deal.stage_id}&up=false", ADMIN),
    ("pipeline/stage_delete", "id={deal.stage_id}", [401, 403, 403, 403, 403, 403, 403, 422]),
    ("pipeline/pipeline_create", "name=矩阵流程&copy_from={deal.pipeline_id}", ADMIN),
    ("pipeline/lost_reason_save", "form[name]=矩阵原因&form[active]=true", ADMIN),
    ("pipeline/product_save", "form[version]=0&form[code]=MX-1&form[name]=矩阵产品&form[category]=&form[unit]=台&form[list_price]=10.00&form[cost_price]=5.00&form[active]=true", ADMIN),
    // Targets.
    ("targets/grid", "year={year}&metric=sales", EVERYONE),
    ("targets/history", "year={year}&metric=sales", EVERYONE),
    // A department without teams has no place in the target tree (see targets::service::load_org).
    ("targets/progress", "year={year}&metric=sales", [401, 200, 200, 200, 200, 200, 404, 200]),
    ("targets/set", "year={year}&metric=sales&node=user:{rep_id}&period={year}-03&amount=100000.00&version={plan.version}", [401, 403, 403, 200, 403, 200, 403, 200]),
    ("targets/split", "year={year}&metric=sales&node=team:{team_id}&period={year}&method=even&version={plan.version}", [401, 403, 403, 200, 403, 200, 403, 200]),
    ("targets/lock", "year={year}&metric=sales&user_id={rep_id}&month=4&locked=true&version={plan.version}", [401, 403, 403, 200, 403, 200, 403, 200]),
    ("targets/publish", "year={year}&metric=sales&version={plan.version}", [401, 403, 403, 403, 403, 403, 403, 200]),
    // Analytics.
    ("analytics/abc", "", EVERYONE),
    ("analytics/reps", "", EVERYONE),
    ("analytics/funnel", "", EVERYONE),
    ("analytics/alerts", "", EVERYONE),
    ("analytics/customers", "", EVERYONE),
    ("analytics/products", "", EVERYONE),
    ("analytics/recent_stock", "", [401, NOTHING, NOTHING, NOTHING, NOTHING, NOTHING, NOTHING, NOTHING]),
    ("analytics/customer_trend", "customer_id={customer}", TEAM),
    ("analytics/alert_task", "form[alert_id]={alert}&form[note]=矩阵任务", [401, 403, 403, 200, 404, 200, 404, 200]),
    ("analytics/alert_rules", "form[version]={setting:alert_rules}&form[rep_drop_percent]=30&form[customer_drop_percent]=40&form[overdue_multiple]=2", ADMIN),
    ("analytics/save_inventory", "form[product]={product.code}&form[month]={month}&form[quantity]=5&form[version]=0", [401, 403, 403, 403, 403, 200, 200, 200]),
    // Field work.
    ("fieldwork/day", "", EVERYONE),
    ("fieldwork/team", "", [401, 403, 403, 200, 200, 200, 200, 200]),
    ("fieldwork/efficiency", "", EVERYONE),
    ("fieldwork/add_visit", "form[day]={tomorrow}&form[customer_id]={visited}&form[time_slot]=am&form[purpose]=service&form[note]=", [401, 200, 422, 200, 422, 200, 422, 200]),
    ("fieldwork/remove_visit", "stop_id={stop}", [401, 200, 404, 403, 404, 403, 404, 403]),
    // Each on their own plan for tomorrow: outsiders could not add a visit, so they have none.
    ("fieldwork/reorder", "day={tomorrow}&version={sheet:plan:tomorrow}", [401, 200, 409, 200, 409, 200, 409, 200]),
    ("fieldwork/submit_plan", "form[day]={tomorrow}&form[version]={sheet:plan:tomorrow}&form[area]=浦东", [401, 200, 422, 200, 422, 200, 422, 200]),
    ("fieldwork/check_in", "form[customer_id]={customer}&form[stop_id]=&form[latitude]=31.23&form[longitude]=121.47", [401, 200, 422, 200, 422, 200, 422, 200]),
    ("fieldwork/add_expense", "form[day]={today}&form[customer_id]={customer}&form[kind]=travel&form[amount]=12.50&form[note]=", [401, 200, 422, 200, 422, 200, 422, 200]),
    ("fieldwork/save_report", "form[day]={today}&form[version]={sheet:report:today}&form[attendance]=present&form[complaints]=&form[competitors]=&form[feedback]=&form[lessons]=&form[intent]=", EVERYONE),
    ("fieldwork/review", "form[sheet_id]={rep_plan}&form[version]={rep_plan.version}&form[action]=approve&form[comment]=", [401, 422, 404, 200, 404, 200, 404, 200]),
    ("fieldwork/rules", "form[version]={setting:field_rules}&form[report_due]=20:00", ADMIN),
    // Imports (the upload was made by `manager`).
    ("imports/preview", "upload_id={upload}&kind=customers", [401, 403, 403, 200, 404, 404, 404, 404]),
    ("imports/progress", "upload_id={upload}", [401, 404, 404, 200, 404, 404, 404, 404]),
    ("imports/run", "upload_id={upload}&kind=customers&match_by=name&choices=name,phone&commit=false", [401, 403, 403, 200, 404, 404, 404, 404]),
    // Administration.
    ("org/overview", "", ADMIN),
    ("org/people", "", EVERYONE),
    ("org/time_zone_current", "", ADMIN),
    ("org/time_zone", "name=Asia/Shanghai&version={setting:time_zone}", ADMIN),
    ("org/create_department", "name=矩阵部{caller}", ADMIN),
    ("org/save_team", "form[id]={team_id}&form[version]={team.version}&form[name]=上海一组&form[department_id]={department_id}&form[manager_id]={manager_id}", ADMIN),
    ("org/set_team_active", "id={team_id}&active=true&version={team.version}", ADMIN),
    ("org/save_user", "form[id]={zhou_id}&form[version]={zhou.version}&form[username]=zhou.jie&form[display_name]=周杰&form[role]=rep&form[team_id]={team_id}&form[department_id]={department_id}&form[password]=", ADMIN),
    ("audit/search", "", ADMIN),
    ("audit/people", "", ADMIN),
    // Exports and reports, as files and as JSON.
    ("GET /api/export/customers.csv", "", EVERYONE),
    ("GET /api/export/deals.xlsx", "", EVERYONE),
    ("GET /api/export/follow-ups.csv", "", EVERYONE),
    ("GET /api/export/ladder.csv", "", LEADERS),
    ("GET /api/export/forecast.csv", "", EVERYONE),
    ("GET /api/export/forecast-people.csv", "", EVERYONE),
    ("GET /api/export/abc.csv", "", EVERYONE),
    ("GET /api/export/reps.csv", "", EVERYONE),
    ("GET /api/export/funnel.csv", "", EVERYONE),
    ("GET /api/export/alerts.csv", "", EVERYONE),
    ("GET /api/export/composition.csv", "", EVERYONE),
    ("GET /api/export/product-analysis.csv", "", EVERYONE),
    ("GET /api/export/monthly.csv", "", EVERYONE),
    ("GET /api/export/users.csv", "", ADMIN),
    ("GET /api/export/products.csv", "", ADMIN),
    ("GET /api/export/audit.csv", "", ADMIN),
    ("GET /api/v1/reports/abc", "", EVERYONE),
    ("GET /api/v1/reports/reps", "", EVERYONE),
    ("GET /api/v1/reports/funnel", "", EVERYONE),
    ("GET /api/v1/reports/alerts", "", EVERYONE),
    ("GET /api/v1/reports/field", "", EVERYONE),
    ("GET /api/v1/reports/monthly", "", EVERYONE),
    ("GET /api/v1/reports/product-analysis", "", EVERYONE),
    ("GET /api/v1/reports/composition", "", EVERYONE),
    ("GET /api/pipeline/events", "", EVERYONE),
    ("UPLOAD customers.csv", "", [401, 403, 403, 303, 303, 303, 303, 303]),
    // What changes who owns what, last.
    ("customers/merge", "form[keep_id]={kept}&form[keep_version]={kept.version}&form[merge_id]={merged}&form[merge_version]={merged.version}", [401, 403, 403, 200, 404, 200, 404, 200]),
    // To a rep the caller leads: only the customers are out of reach.
    ("customers/reassign", "customer_ids={reassigned}&to={own_rep}", [401, 403, 403, 200, 404, 200, 404, 200]),
    ("customers/handover", "from={rep_id}&to={own_rep}", [401, 403, 403, 200, 404, 200, 404, 200]),
    ("org/set_user_active", "id={zhou_id}&active=false&version={zhou.version}&successor=pool", ADMIN),
    ("logout", "", [200; 8]),
];

/// A company of one caller: the demo department with customers, deals, quotes, orders, targets,
/// alerts and a day of field work, plus a few records the rows need.
struct Company {
    app: TestApp,
    /// Records looked up once: a row after may change what a fresh lookup would find.
    ids: std::sync::Mutex<HashMap<String, String>>,
}

const REP: &str = "(SELECT id FROM users WHERE username = 'rep')";

impl Company {
    async fn new() -> Company {
        let app = TestApp::demo().await;
        let now = chrono::Utc::now();
        let today = app::clock::today();
        app::seed_customers::seed_customers(&app.db, now, 80, 2)
            .await
            .unwrap();
        app::seed_pipeline::seed_pipeline(
            &app.db,
            now,
            app::seed_pipeline::DealPlan {
                open: 80,
                lost: 10,
                history: true,
            },
        )
        .await
        .unwrap();
        app::targets::service::seed_demo_targets(&app.db, today)
            .await
            .unwrap();
        app::analytics::alerts::refresh_alerts(&app.db, now, today)
            .await
            .unwrap();
        let company = Company {
            app,
            ids: Default::default(),
        };
        company.prepare().await;
        company
    }

    /// Records made through the app by their owners before the caller starts: `rep`'s submitted
    /// plan for today (for a supervisor to review), a planned visit tomorrow, a saved filter, a
    /// contact, and an upload of `manager`'s.
    async fn prepare(&self) {
        let rep = self.app.signed_in("rep").await;
        let customer = self.value("customer", "rep").await;
        let today = self.value("today", "rep").await;
        let tomorrow = self.value("tomorrow", "rep").await;
        for day in [&today, &tomorrow] {
            let form = [
                ("form[day]", day.as_str()),
                ("form[customer_id]", customer.as_str()),
                ("form[time_slot]", "am"),
                ("form[purpose]", "service"),
                ("form[note]", ""),
            ];
            rep.call::<()>("fieldwork/add_visit", &form).await.unwrap();
        }
        let version = self.value("sheet:plan:today", "rep").await;
        rep.call::<()>(
            "fieldwork/submit_plan",
            &[
                ("form[day]", today.as_str()),
                ("form[version]", version.as_str()),
                ("form[area]", "浦东"),
            ],
        )
        .await
        .unwrap();
        rep.call::<i64>(
            "customers/save_filter",
            &[("filter_name", "我的重点"), ("query", "tag=重点")],
        )
        .await
        .unwrap();
        rep.call::<i64>(
            "customers/save_contact",
            &[
                ("form[customer_id]", customer.as_str()),
                ("form[name]", "待删联系人"),
            ],
        )
        .await
        .unwrap();
        // The rows that move or merge customers use customers of their own.
        for (name, offset) in [
            ("kept", 1),
            ("merged", 2),
            ("reassigned", 3),
            ("visited", 4),
        ] {
            let id = self.scalar(&format!("SELECT id FROM customers WHERE owner_id = {REP} ORDER BY id LIMIT 1 OFFSET {offset}")).await;
            self.remember(name, id);
        }
        // Quotes of `rep`'s: a draft, an accepted one with a contract (a draft one), and an
        // accepted one without, for the contract row. And an order with money still to come.
        let deal = self
            .scalar(&format!(
                "SELECT MAX(id) FROM opportunities WHERE owner_id = {REP} AND closed_on IS NULL"
            ))
            .await;
        let product = self.value("product", "rep").await;
        let valid_until = self.value("next_month", "rep").await;
        let form = [
            ("form[version]", "0"),
            ("form[opportunity_id]", deal.as_str()),
            ("form[valid_until]", valid_until.as_str()),
            ("form[notes]", ""),
            ("form[lines][0][product_id]", product.as_str()),
            ("form[lines][0][quantity]", "2"),
            ("form[lines][0][unit_price]", "100.00"),
            ("form[lines][0][discount]", "0"),
            ("form[confirm_prices]", "true"),
        ];
        let mut quotes = Vec::new();
        for _ in 0..3 {
            quotes.push(
                rep.call::<i64>("pipeline/quote_save", &form)
                    .await
                    .unwrap()
                    .to_string(),
            );
        }
        for quote in &quotes[1..] {
            for status in ["sent", "accepted"] {
                let version = self
                    .scalar(&format!("SELECT version FROM quotes WHERE id = {quote}"))
                    .await;
                rep.call::<i64>(
                    "pipeline/quote_status",
                    &[
                        ("id", quote.as_str()),
                        ("version", version.as_str()),
                        ("status", status),
                    ],
                )
                .await
                .unwrap();
            }
        }
        let version = self
            .scalar(&format!(
                "SELECT version FROM quotes WHERE id = {}",
                quotes[1]
            ))
            .await;
        let form = [
            ("form[quote_id]", quotes[1].as_str()),
            ("form[quote_version]", version.as_str()),
            ("form[signed_on]", ""),
            ("form[starts_on]", ""),
            ("form[ends_on]", ""),
        ];
        let contract = rep
            .call::<i64>("pipeline/contract_create", &form)
            .await
            .unwrap()
            .to_string();
        self.remember("quote", quotes[0].clone());
        self.remember("contract", contract);
        self.remember("accepted_quote", quotes[2].clone());
        let (rep_id, customer_id) = (self.app.user_id("rep").await, customer.parse().unwrap());
        let order = common::order(
            &self.app,
            rep_id,
            customer_id,
            (2026, 11, 2),
            1_000_000,
            600_000,
        )
        .await;
        self.remember("order", order.id.to_string());
        let manager = self.app.signed_in("manager").await;
        let part = reqwest::multipart::Part::bytes(
            "客户名称,电话\n矩阵导入客户,13800000000\n"
                .as_bytes()
                .to_vec(),
        )
        .file_name("customers.csv");
        let response = manager
            .http
            .post(format!("{}/api/imports/upload", manager.base))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_redirection(),
            "manager uploads: {}",
            response.status()
        );
        let upload = self.scalar("SELECT MAX(id) FROM import_uploads").await;
        self.remember("upload", upload);
    }

    async fn scalar(&self, sql: &str) -> String {
        let value = self.app.scalar(sql).await;
        assert!(value != 0, "the company has no record for {sql}");
        value.to_string()
    }

    /// The value of `{name}` now: ids are looked up once (the rows after may move the record),
    /// versions every time.
    async fn value(&self, name: &str, caller: &str) -> String {
        if let Some(id) = self.ids.lock().unwrap().get(name) {
            return id.clone();
        }
        let today = app::clock::today();
        let day = |days: i64| (today + chrono::Duration::days(days)).to_string();
        if let Some(rest) = name.strip_prefix("setting:") {
            return self
                .app
                .scalar(&format!(
                    "SELECT MAX(version) FROM company_settings WHERE key = '{rest}'"
                ))
                .await
                .to_string();
        }
        if let Some(rest) = name.strip_prefix("sheet:") {
            let (kind, when) = rest.split_once(':').unwrap();
            let on = if when == "today" { day(0) } else { day(1) };
            // The caller's own sheet (0: not started yet).
            return self.app.scalar(&format!("SELECT MAX(version) FROM day_sheets WHERE kind = '{kind}' AND day = '{on}' AND owner_id = (SELECT id FROM users WHERE username = '{caller}')")).await.to_string();
        }
        if let Some((record, column)) = name.split_once('.') {
            let id = Box::pin(self.value(record, caller)).await;
            let table = match record {
                "customer" | "kept" | "merged" => "customers",
                "deal" => "opportunities",
                "quote" | "accepted_quote" => "quotes",
                "contract" => "contracts",
                "order" => "sales_orders",
                "product" => "products",
                "team" => "teams",
                "zhou" => "users",
                "rep_plan" => "day_sheets",
                "plan" => "target_plans",
                other => panic!("no table for {other}"),
            };
            if column == "next_stage" {
                return self.scalar(&format!("SELECT MIN(s.id) FROM pipeline_stages s JOIN opportunities o ON o.pipeline_id = s.pipeline_id WHERE o.id = {id} AND s.id <> o.stage_id AND s.position > (SELECT position FROM pipeline_stages WHERE id = o.stage_id)")).await;
            }
            let row = sea_orm::ConnectionTrait::query_one_raw(
                &self.app.db,
                sea_orm::Statement::from_string(
                    sea_orm::ConnectionTrait::get_database_backend(&self.app.db),
                    format!("SELECT CAST({column} AS TEXT) FROM {table} WHERE id = {id}"),
                ),
            )
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{table} {id}"));
            return row
                .try_get_by_index::<Option<String>>(0)
                .unwrap()
                .unwrap_or_default();
        }
        let value = match name {
            "today" => day(0),
            "tomorrow" => day(1),
            "next_month" => day(30),
            "year" => chrono::Datelike::year(&today).to_string(),
            "month" => today.format("%Y-%m").to_string(),
            "rep_id" => self.scalar("SELECT id FROM users WHERE username = 'rep'").await,
            "wang_id" => self.scalar("SELECT id FROM users WHERE username = 'wang.fang'").await,
            "zhou_id" | "zhou" => self.scalar("SELECT id FROM users WHERE username = 'zhou.jie'").await,
            "own_rep" => {
                let own = match caller {
                    "sun.li" | "liu.yang" => "wu.gang",
                    "south.director" => "south.director",
                    _ => "wang.fang",
                };
                self.scalar(&format!("SELECT id FROM users WHERE username = '{own}'")).await
            }
            "manager_id" => self.scalar("SELECT id FROM users WHERE username = 'manager'").await,
            "team_id" | "team" => self.scalar(&format!("SELECT team_id FROM users WHERE id = {REP}")).await,
            "department_id" => self.scalar(&format!("SELECT department_id FROM users WHERE id = {REP}")).await,
            "customer" => self.scalar(&format!("SELECT MIN(id) FROM customers WHERE owner_id = {REP}")).await,
            "pool_customer" => self.scalar("SELECT MIN(id) FROM customers WHERE owner_id IS NULL").await,
            "contact" => self.scalar(&format!("SELECT MAX(id) FROM contacts WHERE customer_id IN (SELECT id FROM customers WHERE owner_id = {REP})")).await,
            "filter" => self.scalar(&format!("SELECT MAX(id) FROM saved_filters WHERE user_id = {REP}")).await,
            "deal" => self.scalar(&format!("SELECT MIN(id) FROM opportunities WHERE owner_id = {REP} AND closed_on IS NULL")).await,
            "quote" => self.scalar(&format!("SELECT MIN(id) FROM quotes WHERE owner_id = {REP} AND status = 'draft'")).await,
            "contract" => self.scalar(&format!("SELECT MIN(id) FROM contracts WHERE owner_id = {REP} AND status = 'draft'")).await,
            "order" => self.scalar(&format!("SELECT MIN(id) FROM sales_orders WHERE owner_id = {REP} AND paid_fen < amount_fen")).await,
            "product" => self.scalar("SELECT MIN(id) FROM products WHERE active = TRUE").await,
            "alert" => self.scalar(&format!("SELECT MIN(id) FROM alerts WHERE owner_id = {REP}")).await,
            "stop" => self.scalar(&format!("SELECT MIN(v.id) FROM visit_stops v JOIN day_sheets d ON d.id = v.sheet_id WHERE d.owner_id = {REP} AND d.day = '{}'", day(1))).await,
            "rep_plan" => self.scalar(&format!("SELECT id FROM day_sheets WHERE owner_id = {REP} AND kind = 'plan' AND day = '{}'", day(0))).await,
            "plan" => self.scalar(&format!("SELECT id FROM target_plans WHERE metric = 'sales' AND year = {}", chrono::Datelike::year(&today))).await,
            other => panic!("no value for {{{other}}}"),
        };
        if !["today", "tomorrow", "next_month", "year", "month"].contains(&name) {
            self.remember(name, value.clone());
        }
        value
    }

    fn remember(&self, name: &str, id: String) {
        self.ids.lock().unwrap().insert(name.to_string(), id);
    }

    /// `template` with every `{name}` replaced, as form pairs.
    async fn form(&self, template: &str, caller: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        for pair in template.split('&').filter(|p| !p.is_empty()) {
            let (key, raw) = pair.split_once('=').unwrap();
            let mut value = String::new();
            let mut rest = raw;
            while let Some(start) = rest.find('{') {
                let end = start + rest[start..].find('}').unwrap();
                value.push_str(&rest[..start]);
                let name = &rest[start + 1..end];
                value.push_str(&if name == "caller" {
                    caller.to_string()
                } else {
                    self.value(name, caller).await
                });
                rest = &rest[end + 1..];
            }
            value.push_str(rest);
            pairs.push((key.to_string(), value));
        }
        pairs
    }
}

/// What `caller` gets for one row, and the body.
async fn call(
    company: &Company,
    client: &Client,
    caller: &str,
    target: &str,
    template: &str,
) -> (u16, String) {
    let form = company.form(template, caller).await;
    let timeout = std::time::Duration::from_secs(30);
    let request = if let Some(path) = target.strip_prefix("GET ") {
        client.http.get(format!("{}{path}", client.base))
    } else if let Some(file) = target.strip_prefix("UPLOAD ") {
        let part = reqwest::multipart::Part::bytes("客户名称\n矩阵客户\n".as_bytes().to_vec())
            .file_name(file.to_string());
        client
            .http
            .post(format!("{}/api/imports/upload", client.base))
            .multipart(reqwest::multipart::Form::new().part("file", part))
    } else {
        client
            .http
            .post(format!("{}/api/{target}", client.base))
            .form(&form)
    };
    let response = request
        .timeout(timeout)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{target} did not answer {caller}: {error}"));
    let status = response.status().as_u16();
    // The live board is a stream: its status is the answer.
    let body = if target.ends_with("/events") {
        String::new()
    } else {
        response.text().await.unwrap_or_default()
    };
    (status, body)
}

#[tokio::test]
async fn every_endpoint_answers_every_role_as_the_matrix_says() {
    let mut listed: Vec<String> = MATRIX
        .iter()
        .map(|(target, _, _)| target.to_string())
        .filter(|t| !t.contains(' '))
        .collect();
    listed.sort();
    assert_eq!(
        common::server_functions(),
        listed,
        "every server function has exactly one row"
    );
    let mut exports: Vec<&str> = MATRIX
        .iter()
        .filter_map(|(target, _, _)| target.strip_prefix("GET /api/export/"))
        .map(|file| file.rsplit_once('.').map_or(file, |(list, _)| list))
        .collect();
    exports.sort_unstable();
    let mut lists = jingxi::exports::LISTS.to_vec();
    lists.sort_unstable();
    assert_eq!(exports, lists, "every export list has exactly one row");
    let mut reports: Vec<&str> = MATRIX
        .iter()
        .filter_map(|(target, _, _)| target.strip_prefix("GET /api/v1/reports/"))
        .collect();
    reports.sort_unstable();
    let mut known = jingxi::reports::REPORTS.to_vec();
    known.sort_unstable();
    assert_eq!(reports, known, "every /api/v1 report has exactly one row");

    let mut wrong = Vec::new();
    let mut actual: Vec<[u16; 8]> = vec![[0; 8]; MATRIX.len()];
    for (column, caller) in CALLERS.iter().enumerate() {
        let company = Company::new().await;
        let client = match *caller {
            "anonymous" => company.app.client(),
            "south.director" => {
                let admin = company.app.signed_in("admin").await;
                let south: i64 = admin
                    .call("org/create_department", &[("name", "华南销售部")])
                    .await
                    .unwrap();
                let form = [
                    ("form[username]", "south.director"),
                    ("form[display_name]", "华南总监"),
                    ("form[role]", "director"),
                    ("form[department_id]", &south.to_string()),
                    ("form[password]", "password123"),
                ];
                admin.call::<i64>("org/save_user", &form).await.unwrap();
                let client = company.app.client();
                client.login("south.director", "password123").await.unwrap();
                client
            }
            name => company.app.signed_in(name).await,
        };
        for (row, (target, template, expected)) in MATRIX.iter().enumerate() {
            let (status, body) = call(&company, &client, caller, target, template).await;
            let empty = matches!(body.trim(), "null" | "[]");
            let status = if expected[column] == NOTHING && status == 200 && empty {
                NOTHING
            } else {
                status
            };
            actual[row][column] = status;
            if status != expected[column] {
                wrong.push(format!(
                    "{target} as {caller}: {status}, expected {} ({})",
                    expected[column],
                    body.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    if !wrong.is_empty() {
        let table: Vec<String> = MATRIX
            .iter()
            .zip(&actual)
            .map(|((target, _, _), statuses)| format!("{target:40} {statuses:?}"))
            .collect();
        panic!(
            "{} cells differ:\n{}\n\nas answered:\n{}",
            wrong.len(),
            wrong.join("\n"),
            table.join("\n")
        );
    }
}
