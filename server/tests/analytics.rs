//! ABC analysis through the real HTTP stack, on both databases: orders in a year the demo data
//! never reaches, classes worked out by hand, the same numbers on the page's server function, the
//! JSON report and the CSV, and each viewer seeing only their own part of the company.
mod common;

use app::analytics::AbcView;
use app::domain::abc::AbcClass;
use app::domain::forms::ErrorCode;
use app::entities::{customer, user};
use app::error::AppError;
use common::{fields, order, Client, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const YEAR: [(&str, &str); 2] = [("query[from]", "2031-01-01"), ("query[to]", "2031-12-31")];

async fn person(app: &TestApp, username: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The demo company signed in three ways, its reps 张伟 and 王芳 (上海一组, the manager's team)
/// and 刘洋 (杭州组), and new customers with the given names.
struct Cast {
    admin: Client,
    manager: Client,
    rep: Client,
    zhang: user::Model,
    wang: user::Model,
    liu: user::Model,
    ids: Vec<i64>,
}

async fn cast(app: &TestApp, customers: &[&str]) -> Cast {
    let admin = app.signed_in("admin").await;
    let mut ids = Vec::new();
    for name in customers {
        ids.push(
            admin
                .call::<i64>("customers/save", &[("form[name]", *name)])
                .await
                .unwrap(),
        );
    }
    Cast {
        manager: app.signed_in("manager").await,
        rep: app.signed_in("rep").await,
        admin,
        zhang: person(app, "rep").await,
        wang: person(app, "wang.fang").await,
        liu: person(app, "liu.yang").await,
        ids,
    }
}

async fn abc(client: &Client, extra: &[(&str, &str)]) -> Result<AbcView, AppError> {
    let form: Vec<(&str, &str)> = YEAR
        .iter()
        .copied()
        .filter(|(key, _)| extra.iter().all(|(k, _)| k != key))
        .chain(extra.iter().copied())
        .collect();
    client.call("analytics/abc", &form).await
}

/// (name, class) of the chart's customers, best first.
fn ranking(view: &AbcView) -> Vec<(String, AbcClass)> {
    view.top.iter().map(|c| (c.name.clone(), c.class)).collect()
}

fn summary(view: &AbcView) -> Vec<(AbcClass, u64, i64, &str)> {
    view.classes
        .iter()
        .map(|c| (c.class, c.customers, c.value_fen, c.share.as_str()))
        .collect()
}

#[tokio::test]
async fn abc_classes_match_figures_worked_out_by_hand_on_the_page_the_json_and_the_csv() {
    let app = TestApp::demo().await;
    let Cast {
        admin,
        manager,
        rep,
        zhang,
        wang,
        liu,
        ids,
    } = cast(
        &app,
        &["甲方精密机械制造股份有限公司", "乙方", "丙方", "丁方"],
    )
    .await;
    // 2031 (no demo order is that late). 张伟 and 王芳 are in 上海一组, 刘洋 in 杭州组.
    order(&app, zhang.id, ids[0], (2031, 3, 1), 400_00, 300_00).await;
    order(&app, zhang.id, ids[0], (2031, 9, 1), 200_00, 100_00).await; // 甲: 600.00, profit 200.00
    order(&app, zhang.id, ids[1], (2031, 5, 2), 250_00, 50_00).await; // 乙: 250.00, profit 200.00
    order(&app, wang.id, ids[2], (2031, 6, 3), 100_00, 90_00).await; // 丙: 100.00, profit 10.00
    order(&app, liu.id, ids[3], (2031, 7, 4), 50_00, 0).await; // 丁: 50.00, profit 50.00
    order(&app, liu.id, ids[3], (2032, 1, 1), 999_00, 0).await; // outside the period

    // The company: 600 + 250 + 100 + 50 = 1000. Before 甲 0% → A; before 乙 60% → A; before 丙
    // 85% → B; before 丁 exactly 95% → C (a class holds while the share before is *below* it).
    let company = abc(&admin, &[]).await.unwrap();
    assert_eq!(company.total_fen, 1000_00);
    assert_eq!(
        ranking(&company),
        [
            ("甲方精密机械制造股份有限公司".into(), AbcClass::A),
            ("乙方".into(), AbcClass::A),
            ("丙方".into(), AbcClass::B),
            ("丁方".into(), AbcClass::C)
        ]
    );
    assert_eq!(
        summary(&company),
        [
            (AbcClass::A, 2, 850_00, "0.8500"),
            (AbcClass::B, 1, 100_00, "0.1000"),
            (AbcClass::C, 1, 50_00, "0.0500")
        ]
    );
    assert_eq!(
        company
            .top
            .iter()
            .map(|c| c.cumulative_share.as_str())
            .collect::<Vec<_>>(),
        ["0.6000", "0.8500", "0.9500", "1.0000"]
    );
    assert_eq!(
        (company.class, company.cards.len()),
        (AbcClass::A, 2),
        "the A cards by default"
    );
    assert_eq!(
        abc(&admin, &[("query[class]", "C")])
            .await
            .unwrap()
            .cards
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["丁方"]
    );

    // The class kept on each customer (lists, customer files) follows the company's last twelve
    // months of sales, written only where it changed.
    let year_end = chrono::NaiveDate::from_ymd_opt(2031, 12, 31).unwrap();
    assert_eq!(
        app::analytics::service::refresh_customer_classes(&app.db, year_end)
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        app::analytics::service::refresh_customer_classes(&app.db, year_end)
            .await
            .unwrap(),
        0
    );
    let detail: app::customers::CustomerDetail = admin
        .call("customers/detail", &[("id", &ids[3].to_string())])
        .await
        .unwrap();
    assert_eq!(detail.abc_class, Some(AbcClass::C));
    let list: app::customers::CustomerPage = admin
        .call("customers/list", &[("filter[q]", "甲方精密")])
        .await
        .unwrap();
    assert_eq!(
        list.rows.iter().map(|r| r.abc_class).collect::<Vec<_>>(),
        [Some(AbcClass::A)]
    );
    let later = chrono::NaiveDate::from_ymd_opt(2033, 6, 30).unwrap();
    assert_eq!(
        app::analytics::service::refresh_customer_classes(&app.db, later)
            .await
            .unwrap(),
        4,
        "no sales in the last twelve months: no class"
    );

    // By gross profit: 甲 200 and 乙 200 tie (the older customer first), 丁 50, 丙 10; total 460.
    // Before 乙 43.5% → A; before 丁 87.0% → B; before 丙 97.8% → C.
    let profit = abc(&admin, &[("query[basis]", "gross_profit")])
        .await
        .unwrap();
    assert_eq!(
        ranking(&profit),
        [
            ("甲方精密机械制造股份有限公司".into(), AbcClass::A),
            ("乙方".into(), AbcClass::A),
            ("丁方".into(), AbcClass::B),
            ("丙方".into(), AbcClass::C)
        ]
    );
    assert_eq!(
        summary(&profit),
        [
            (AbcClass::A, 2, 400_00, "0.8696"),
            (AbcClass::B, 1, 50_00, "0.1087"),
            (AbcClass::C, 1, 10_00, "0.0217")
        ]
    );

    // Other thresholds, A below 50% and B below 90%: 乙 (before 60%) and 丙 (85%) are B, 丁 (95%) C.
    let strict = abc(&admin, &[("query[a]", "50"), ("query[b]", "90")])
        .await
        .unwrap();
    assert_eq!(
        ranking(&strict).iter().map(|(_, c)| *c).collect::<Vec<_>>(),
        [AbcClass::A, AbcClass::B, AbcClass::B, AbcClass::C]
    );

    // Filters: one rep, one industry.
    let wangs = abc(&admin, &[("query[rep]", &wang.id.to_string())])
        .await
        .unwrap();
    assert_eq!(ranking(&wangs), [("丙方".into(), AbcClass::A)]);
    customer::Entity::update_many()
        .col_expr(
            customer::Column::Industry,
            sea_orm::sea_query::Expr::value("机械"),
        )
        .filter(customer::Column::Id.is_in([ids[1], ids[3]]))
        .exec(&app.db)
        .await
        .unwrap();
    let machinery = abc(&admin, &[("query[industry]", "机械")]).await.unwrap();
    assert_eq!(
        (machinery.total_fen, ranking(&machinery).len()),
        (300_00, 2)
    );

    // Who sees what: the manager their team (甲 乙 丙, total 950), the rep their own orders.
    let team = abc(&manager, &[]).await.unwrap();
    assert_eq!((team.total_fen, ranking(&team).len()), (950_00, 3));
    let own = abc(&rep, &[]).await.unwrap();
    assert_eq!(
        (
            own.total_fen,
            ranking(&own)
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        ),
        (
            850_00,
            vec![
                "甲方精密机械制造股份有限公司".to_string(),
                "乙方".to_string()
            ]
        )
    );
    let hangzhou = liu.team_id.unwrap().to_string();
    assert_eq!(
        abc(&manager, &[("query[team]", &hangzhou)])
            .await
            .unwrap()
            .total_fen,
        0,
        "another team's orders stay hidden"
    );
    assert_eq!(
        abc(&rep, &[("query[rep]", &liu.id.to_string())])
            .await
            .unwrap()
            .top,
        []
    );
    assert_eq!(abc(&app.client(), &[]).await, Err(AppError::Unauthorized));

    // Bad filters, at their field.
    assert_eq!(
        fields(
            &abc(&admin, &[("query[to]", "2030-12-31")])
                .await
                .unwrap_err()
        ),
        [("to".to_string(), ErrorCode::EndBeforeStart)]
    );
    assert_eq!(
        fields(&abc(&admin, &[("query[a]", "96")]).await.unwrap_err()),
        [("b".to_string(), ErrorCode::ThresholdOrder)]
    );

    // The report API: the same numbers as decimal strings.
    let (status, _, body) = admin
        .get(
            "/api/v1/reports/abc?from=2031-01-01&to=2031-12-31",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json["classes"][0],
        serde_json::json!({ "class": "A", "customers": 2, "value": "850.00", "share": "0.8500" })
    );
    assert_eq!(
        json["classes"][2],
        serde_json::json!({ "class": "C", "customers": 1, "value": "50.00", "share": "0.0500" })
    );
    assert_eq!(json["total"], "1000.00");
    assert_eq!(json["customers"][0]["customer_id"], ids[0]);
    assert_eq!(
        (
            json["customers"][0]["value"].as_str(),
            json["customers"][0]["class"].as_str()
        ),
        (Some("600.00"), Some("A"))
    );
    assert_eq!(json["customers"].as_array().unwrap().len(), 4);
    assert!(
        json["rule"].as_str().unwrap().contains("80%"),
        "{}",
        json["rule"]
    );
    let (_, _, manager_body) = manager
        .get("/api/v1/reports/abc?from=2031-01-01&to=2031-12-31", &[])
        .await;
    let manager_json: serde_json::Value = serde_json::from_str(&manager_body).unwrap();
    assert_eq!(manager_json["total"], "950.00");

    let (status, headers, csv) = admin
        .get(
            "/api/v1/reports/abc?from=2031-01-01&to=2031-12-31&format=csv",
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "rank,customer_id,external_id,name,value,share,cumulative_share,class"
    );
    assert_eq!(
        lines[1],
        format!(
            "1,{},,甲方精密机械制造股份有限公司,600.00,0.6000,0.6000,A",
            ids[0]
        )
    );
    assert_eq!(
        lines[4],
        format!("4,{},,丁方,50.00,0.0500,1.0000,C", ids[3])
    );
    let (_, _, export) = admin
        .get("/api/export/abc.csv?from=2031-01-01&to=2031-12-31", &[])
        .await;
    assert_eq!(export, csv, "the page's export link gives the same file");

    let (status, _, body) = admin
        .get("/api/v1/reports/abc?from=2031-05-01&to=2031-04-01", &[])
        .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("\"field\":\"to\"") && body.contains("结束日期早于开始日期"),
        "{body}"
    );
    let (status, _, body) = admin
        .get("/api/v1/reports/field?from=0001-01-01&to=9999-12-31", &[])
        .await;
    assert_eq!(
        status, 422,
        "a period of ten thousand years is refused, not computed: {body}"
    );
    assert!(
        body.contains("\"field\":\"to\"") && body.contains("10"),
        "{body}"
    );
    assert_eq!(app.client().get("/api/v1/reports/abc", &[]).await.0, 401);
    assert_eq!(admin.get("/api/v1/reports/nothing", &[]).await.0, 404);
}

/// A server keeps an analysis until the data under it changes: each change below is one that
/// the kept analysis would hide if the database did not raise its version for it.
#[tokio::test]
async fn a_kept_abc_analysis_follows_every_change_under_it() {
    use sea_orm::sea_query::Expr;
    let app = TestApp::demo().await;
    let Cast {
        admin,
        zhang,
        wang,
        liu,
        ids,
        ..
    } = cast(&app, &["甲方", "乙方"]).await;
    let version = || async {
        app::analytics::service::sales_data_version(&app.db)
            .await
            .unwrap()
    };
    let names_and_values = |view: &AbcView| {
        view.top
            .iter()
            .map(|c| (c.name.clone(), c.value_fen))
            .collect::<Vec<_>>()
    };
    let shanghai = [("query[team]", zhang.team_id.unwrap().to_string())];
    let shanghai: Vec<(&str, &str)> = shanghai.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let first = order(&app, zhang.id, ids[0], (2031, 3, 1), 100_00, 0).await;
    order(&app, wang.id, ids[1], (2031, 4, 1), 50_00, 0).await;
    let before = abc(&admin, &[]).await.unwrap();
    assert_eq!(
        names_and_values(&before),
        [("甲方".into(), 100_00), ("乙方".into(), 50_00)]
    );
    assert_eq!(
        abc(&admin, &[]).await.unwrap(),
        before,
        "asked again, the same analysis"
    );
    assert_eq!(abc(&admin, &shanghai).await.unwrap().total_fen, 150_00);

    // A new order.
    let at = version().await;
    order(&app, liu.id, ids[1], (2031, 5, 1), 200_00, 0).await;
    assert!(version().await > at);
    assert_eq!(
        names_and_values(&abc(&admin, &[]).await.unwrap()),
        [("乙方".into(), 250_00), ("甲方".into(), 100_00)]
    );
    // An order's amount changed, then the order removed.
    app::entities::sales_order::Entity::update_many()
        .col_expr(
            app::entities::sales_order::Column::AmountFen,
            Expr::value(300_00),
        )
        .filter(app::entities::sales_order::Column::Id.eq(first.id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        names_and_values(&abc(&admin, &[]).await.unwrap()),
        [("甲方".into(), 300_00), ("乙方".into(), 250_00)]
    );
    app::entities::sales_order::Entity::delete_by_id(first.id)
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        names_and_values(&abc(&admin, &[]).await.unwrap()),
        [("乙方".into(), 250_00)]
    );
    // A customer renamed through the form.
    let detail: app::customers::CustomerDetail = admin
        .call("customers/detail", &[("id", &ids[1].to_string())])
        .await
        .unwrap();
    let version_text = detail.version.to_string();
    admin
        .call::<i64>(
            "customers/save",
            &[
                ("form[id]", ids[1].to_string().as_str()),
                ("form[version]", version_text.as_str()),
                ("form[name]", "乙方（华东）"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        names_and_values(&abc(&admin, &[]).await.unwrap()),
        [("乙方（华东）".into(), 250_00)]
    );
    // A rep moved to another team: 王芳's order leaves 上海一组's analysis.
    assert_eq!(abc(&admin, &shanghai).await.unwrap().total_fen, 50_00);
    user::Entity::update_many()
        .col_expr(user::Column::TeamId, Expr::value(liu.team_id))
        .filter(user::Column::Id.eq(wang.id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(abc(&admin, &shanghai).await.unwrap().total_fen, 0);
    // A customer's industry changed: the industry's analysis follows.
    let machinery = [("query[industry]", "机械")];
    assert_eq!(abc(&admin, &machinery).await.unwrap().total_fen, 0);
    customer::Entity::update_many()
        .col_expr(customer::Column::Industry, Expr::value("机械"))
        .filter(customer::Column::Id.eq(ids[1]))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(abc(&admin, &machinery).await.unwrap().total_fen, 250_00);
    // Writes that do not touch what the analyses read leave them kept.
    let at = version().await;
    customer::Entity::update_many()
        .col_expr(customer::Column::Notes, Expr::value("常客"))
        .filter(customer::Column::Id.eq(ids[1]))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(version().await, at);
}

/// A deal in the first pipeline, closed won (with the amount) or lost on `closed`.
async fn closed_deal(
    app: &TestApp,
    owner: i64,
    customer: i64,
    created: (i32, u32, u32),
    closed: (i32, u32, u32),
    won_fen: Option<i64>,
) -> i64 {
    use app::entities::pipeline_stage;
    let stage = pipeline_stage::Entity::find()
        .filter(if won_fen.is_some() {
            pipeline_stage::Column::Won.eq(true)
        } else {
            pipeline_stage::Column::Lost.eq(true)
        })
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    insert_deal(
        app,
        owner,
        customer,
        &stage,
        at(created),
        Some(closed),
        won_fen,
    )
    .await
}

async fn insert_deal(
    app: &TestApp,
    owner: i64,
    customer: i64,
    stage: &app::entities::pipeline_stage::Model,
    created_at: chrono::DateTime<chrono::Utc>,
    closed: Option<(i32, u32, u32)>,
    won_fen: Option<i64>,
) -> i64 {
    use app::entities::opportunity;
    use sea_orm::{ActiveModelTrait, Set};
    let deal = opportunity::ActiveModel {
        pipeline_id: Set(stage.pipeline_id),
        stage_id: Set(stage.id),
        customer_id: Set(customer),
        contact_id: Set(None),
        owner_id: Set(owner),
        title: Set(format!("Deal {created_at}")),
        amount_fen: Set(won_fen.unwrap_or(1_000_00)),
        currency: Set("CNY".into()),
        expected_close_on: Set(None),
        source: Set(String::new()),
        next_step: Set(String::new()),
        competitor: Set(String::new()),
        // Positions are unique per stage: far below the seeded cards, one per fixture deal.
        position: Set(-1 - FIXTURE_POSITIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        stage_entered_at: Set(created_at),
        won_amount_fen: Set(won_fen),
        closed_on: Set(closed.map(day)),
        lost_reason_id: Set(None),
        lost_note: Set(String::new()),
        external_id: Set(None),
        version: Set(1),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        ..Default::default()
    };
    deal.insert(&app.db).await.unwrap().id
}

static FIXTURE_POSITIONS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn day((y, m, d): (i32, u32, u32)) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Noon UTC of a day (the same calendar day in every server time zone from UTC-11 to UTC+11).
fn at(on: (i32, u32, u32)) -> chrono::DateTime<chrono::Utc> {
    day(on).and_hms_opt(12, 0, 0).unwrap().and_utc()
}

async fn follow_up(app: &TestApp, author: i64, customer: i64, kind: &str, on: (i32, u32, u32)) {
    use sea_orm::{ActiveModelTrait, Set};
    app::entities::follow_up::ActiveModel {
        customer_id: Set(customer),
        author_id: Set(author),
        kind: Set(kind.into()),
        contact_id: Set(None),
        summary: Set("测试".into()),
        intent: Set("none".into()),
        next_date: Set(None),
        next_action: Set(String::new()),
        next_done: Set(false),
        happened_at: Set(at(on)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn reps(
    client: &Client,
    extra: &[(&str, &str)],
) -> Result<app::analytics::RepPerformance, AppError> {
    let form: Vec<(&str, &str)> = YEAR
        .iter()
        .copied()
        .filter(|(key, _)| extra.iter().all(|(k, _)| k != key))
        .chain(extra.iter().copied())
        .collect();
    client.call("analytics/reps", &form).await
}

/// (rank, name, figure) of the people with a non-zero figure, in leaderboard order.
fn board(report: &app::analytics::RepPerformance) -> Vec<(u32, String, i64)> {
    report
        .rows
        .iter()
        .filter(|r| r.activity.value_of(report.rank_by) > 0)
        .map(|r| (r.rank, r.name.clone(), r.activity.value_of(report.rank_by)))
        .collect()
}

#[tokio::test]
async fn rep_performance_counts_each_figure_as_worked_out_by_hand_for_each_viewer() {
    use app::entities::{customer_event, payment, quote};
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::demo().await;
    let Cast {
        admin,
        manager,
        rep,
        zhang,
        wang,
        liu,
        ids,
    } = cast(&app, &["甲方", "乙方", "丙方", "丁方"]).await;
    customer::Entity::update_many()
        .col_expr(
            customer::Column::OwnerId,
            sea_orm::sea_query::Expr::value(zhang.id),
        )
        .filter(customer::Column::Id.eq(ids[0]))
        .exec(&app.db)
        .await
        .unwrap();

    // Orders. 乙's first order is 王芳's (April), so 乙 is her new customer although 张伟 sold
    // more to it; 丁 first bought in 2030, so it is nobody's new customer in 2031.
    let first = order(&app, zhang.id, ids[0], (2031, 3, 1), 400_00, 300_00).await;
    order(&app, zhang.id, ids[0], (2031, 9, 1), 200_00, 100_00).await;
    order(&app, zhang.id, ids[1], (2031, 5, 2), 250_00, 50_00).await;
    order(&app, wang.id, ids[1], (2031, 4, 1), 80_00, 40_00).await;
    order(&app, wang.id, ids[2], (2031, 6, 3), 100_00, 90_00).await;
    order(&app, liu.id, ids[3], (2030, 12, 20), 999_00, 0).await;
    order(&app, liu.id, ids[3], (2031, 7, 4), 50_00, 0).await;
    // Payments: one in the period, one after it.
    for (on, fen) in [((2031, 3, 15), 300_00), ((2032, 1, 2), 100_00)] {
        payment::ActiveModel {
            order_id: Set(first.id),
            customer_id: Set(ids[0]),
            owner_id: Set(zhang.id),
            received_on: Set(day(on)),
            amount_fen: Set(fen),
            method: Set("transfer".into()),
            note: Set(String::new()),
            recorded_by: Set(None),
            created_at: Set(at(on)),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    // Follow-ups: a visit and a call in the period, a visit the day before it.
    follow_up(&app, zhang.id, ids[0], "visit", (2031, 2, 1)).await;
    follow_up(&app, zhang.id, ids[0], "call", (2031, 2, 2)).await;
    follow_up(&app, zhang.id, ids[0], "visit", (2030, 12, 31)).await;
    // Deals: 张伟 won two (20 and 5 days from creation, ¥500 and ¥300) and lost one; 王芳 lost one.
    let won = closed_deal(
        &app,
        zhang.id,
        ids[0],
        (2031, 1, 1),
        (2031, 1, 21),
        Some(500_00),
    )
    .await;
    closed_deal(
        &app,
        zhang.id,
        ids[0],
        (2031, 2, 1),
        (2031, 2, 6),
        Some(300_00),
    )
    .await;
    closed_deal(&app, zhang.id, ids[1], (2031, 1, 5), (2031, 3, 1), None).await;
    closed_deal(&app, wang.id, ids[2], (2031, 1, 5), (2031, 3, 1), None).await;
    closed_deal(
        &app,
        liu.id,
        ids[3],
        (2030, 1, 5),
        (2030, 3, 1),
        Some(700_00),
    )
    .await; // closed before the period
            // Quotes: a first revision and its second revision count once.
    for revision in [1, 2] {
        quote::ActiveModel {
            opportunity_id: Set(won),
            customer_id: Set(ids[0]),
            owner_id: Set(zhang.id),
            number: Set("Q-2031-1".into()),
            revision: Set(revision),
            status: Set("sent".into()),
            valid_until: Set(None),
            total_fen: Set(500_00),
            notes: Set(String::new()),
            version: Set(1),
            created_at: Set(at((2031, 1, 10))),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    // 甲 (张伟's) became a prospect in the period and a customer later: one prospect.
    for (detail, on) in [
        ("potential→prospect", (2031, 2, 10)),
        ("prospect→customer", (2031, 3, 1)),
    ] {
        customer_event::ActiveModel {
            customer_id: Set(ids[0]),
            actor_id: Set(Some(zhang.id)),
            kind: Set("stage".into()),
            detail: Set(detail.into()),
            at: Set(at(on)),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let company = reps(&admin, &[]).await.unwrap();
    assert_eq!(
        board(&company),
        [
            (1, "张伟".into(), 850_00),
            (2, "王芳".into(), 180_00),
            (3, "刘洋".into(), 50_00)
        ]
    );
    let zhang_row = company
        .rows
        .iter()
        .find(|r| r.user_id == zhang.id)
        .unwrap()
        .activity;
    let expected = app::domain::performance::Activity {
        new_customers: 1,
        prospects: 1,
        follow_ups: 2,
        visits: 1,
        quotes: 1,
        orders: 3,
        sales_fen: 850_00,
        gross_profit_fen: 400_00,
        payments_fen: 300_00,
        won: 2,
        lost: 1,
        won_value_fen: 800_00,
        won_cycle_days: 25,
    };
    assert_eq!(zhang_row, expected);
    assert_eq!(
        (
            zhang_row.win_rate_bp(),
            zhang_row.average_deal_fen(),
            zhang_row.sales_cycle_tenths()
        ),
        (Some(6667), Some(400_00), Some(125))
    );
    assert_eq!(
        (
            company.total.sales_fen,
            company.total.new_customers,
            company.total.lost,
            company.total.won
        ),
        (1080_00, 3, 2, 2)
    );
    let others_quiet = company
        .rows
        .iter()
        .filter(|r| ![zhang.id, wang.id, liu.id].contains(&r.user_id))
        .all(|r| r.rank == 4);
    assert!(
        others_quiet,
        "everyone without sales shares the next rank: {:?}",
        company.rows
    );

    let by_new = reps(&admin, &[("query[sort]", "new_customers")])
        .await
        .unwrap();
    assert_eq!(
        board(&by_new),
        [(1, "王芳".into(), 2), (2, "张伟".into(), 1)]
    );
    let by_win_rate = reps(&admin, &[("query[sort]", "win_rate")]).await.unwrap();
    assert_eq!(
        board(&by_win_rate),
        [(1, "张伟".into(), 6667)],
        "王芳 lost her only deal: 0%, ranked above those without deals"
    );
    assert_eq!(by_win_rate.rows[1].name, "王芳");

    // Who sees what: the manager their team (张伟, 王芳), the rep only themself.
    let team = reps(&manager, &[]).await.unwrap();
    assert!(team.rows.iter().all(|r| r.user_id != liu.id));
    assert_eq!(team.total.sales_fen, 1030_00);
    let own = reps(&rep, &[]).await.unwrap();
    assert_eq!(
        own.rows.iter().map(|r| r.user_id).collect::<Vec<_>>(),
        [zhang.id]
    );
    assert_eq!(own.total, expected);
    assert_eq!(
        reps(&rep, &[("query[rep]", &liu.id.to_string())])
            .await
            .unwrap()
            .rows,
        [],
        "another rep's figures stay hidden"
    );
    assert_eq!(
        reps(
            &manager,
            &[("query[team]", &liu.team_id.unwrap().to_string())]
        )
        .await
        .unwrap()
        .total
        .sales_fen,
        0
    );
    assert_eq!(reps(&app.client(), &[]).await, Err(AppError::Unauthorized));
    assert_eq!(
        fields(
            &reps(&admin, &[("query[sort]", "height")])
                .await
                .unwrap_err()
        ),
        [("sort".to_string(), ErrorCode::UnknownChoice)]
    );

    // The report API and the export: the same figures, money and rates as decimal strings.
    let (status, _, body) = admin
        .get("/api/v1/reports/reps?from=2031-01-01&to=2031-12-31", &[])
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let top = &json["rows"][0];
    assert_eq!(
        (
            top["name"].as_str(),
            top["sales"].as_str(),
            top["gross_profit"].as_str(),
            top["payments"].as_str()
        ),
        (Some("张伟"), Some("850.00"), Some("400.00"), Some("300.00"))
    );
    assert_eq!(
        (
            top["win_rate"].as_str(),
            top["average_deal"].as_str(),
            top["sales_cycle_days"].as_str(),
            top["new_customers"].as_i64()
        ),
        (Some("0.6667"), Some("400.00"), Some("12.5"), Some(1))
    );
    assert_eq!(json["total"]["sales"], "1080.00");
    let (status, _, csv) = manager
        .get(
            "/api/v1/reports/reps.csv?from=2031-01-01&to=2031-12-31",
            &[],
        )
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "rank,user_id,name,team,sales,gross_profit,payments,orders,new_customers,prospects,follow_ups,visits,quotes,won,lost,won_value,win_rate,average_deal,sales_cycle_days");
    assert!(
        lines[1].starts_with(&format!(
            "1,{},张伟,上海一组,850.00,400.00,300.00,3,1,1,2,1,1,2,1,800.00,0.6667,400.00,12.5",
            zhang.id
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines.last().unwrap().starts_with(",,total,,1030.00,"),
        "{csv}"
    );
    let (_, _, export) = manager
        .get("/api/export/reps.csv?from=2031-01-01&to=2031-12-31", &[])
        .await;
    assert_eq!(export, csv, "the page's export link gives the same file");
}

/// A deal that moved through `path` (stage, day) in the first pipeline and rests at its last
/// stage: its stage history as the board writes it, created on the first day.
async fn journey(
    app: &TestApp,
    owner: i64,
    customer: i64,
    path: &[(&app::entities::pipeline_stage::Model, (i32, u32, u32))],
) -> i64 {
    use app::entities::stage_history;
    use sea_orm::{ActiveModelTrait, Set};
    let (last, closed) = path[path.len() - 1];
    let closing = (last.won || last.lost).then_some(closed);
    let id = insert_deal(
        app,
        owner,
        customer,
        last,
        at(path[0].1),
        closing,
        last.won.then_some(100_00),
    )
    .await;
    let mut from = None;
    for (stage, on) in path {
        stage_history::ActiveModel {
            opportunity_id: Set(id),
            from_stage_id: Set(from),
            to_stage_id: Set(stage.id),
            actor_id: Set(Some(owner)),
            at: Set(at(*on)),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        from = Some(stage.id);
    }
    id
}

async fn funnel(
    client: &Client,
    extra: &[(&str, &str)],
) -> Result<app::analytics::FunnelReport, AppError> {
    let form: Vec<(&str, &str)> = YEAR
        .iter()
        .copied()
        .filter(|(key, _)| extra.iter().all(|(k, _)| k != key))
        .chain(extra.iter().copied())
        .collect();
    client.call("analytics/funnel", &form).await
}

fn conversions(line: &app::analytics::FunnelLine) -> Vec<Option<i64>> {
    line.steps.iter().take(3).map(|s| s.conversion_bp).collect()
}

#[tokio::test]
async fn the_funnel_finds_each_reps_leaking_stage_from_stage_history() {
    use app::entities::{pipeline, pipeline_stage};
    use sea_orm::QueryOrder;
    let app = TestApp::demo().await;
    let Cast {
        admin,
        manager,
        rep,
        zhang,
        wang,
        liu,
        ids,
    } = cast(&app, &["甲方", "乙方"]).await;
    let first = pipeline::Entity::find()
        .order_by_asc(pipeline::Column::Position)
        .order_by_asc(pipeline::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let stages = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::PipelineId.eq(first.id))
        .order_by_asc(pipeline_stage::Column::Position)
        .all(&app.db)
        .await
        .unwrap();
    let open: Vec<_> = stages.iter().filter(|s| !s.won && !s.lost).collect();
    let (won, lost) = (
        stages.iter().find(|s| s.won).unwrap(),
        stages.iter().find(|s| s.lost).unwrap(),
    );
    assert!(
        open.len() >= 3,
        "the demo pipeline has at least three open stages"
    );
    let (s0, s1, s2) = (open[0], open[1], open[2]);

    // 张伟: won (2 days in s0, 10 in s1), lost in s0 after 4 days, open in s1 (1 day in s0).
    journey(
        &app,
        zhang.id,
        ids[0],
        &[(s0, (2031, 1, 1)), (s1, (2031, 1, 3)), (won, (2031, 1, 13))],
    )
    .await;
    journey(
        &app,
        zhang.id,
        ids[0],
        &[(s0, (2031, 1, 2)), (lost, (2031, 1, 6))],
    )
    .await;
    journey(
        &app,
        zhang.id,
        ids[0],
        &[(s0, (2031, 1, 5)), (s1, (2031, 1, 6))],
    )
    .await;
    // 王芳: lost in s2 (1 day in s0, 2 in s1, 6 in s2), and one open in s0.
    journey(
        &app,
        wang.id,
        ids[1],
        &[
            (s0, (2031, 2, 1)),
            (s1, (2031, 2, 2)),
            (s2, (2031, 2, 4)),
            (lost, (2031, 2, 10)),
        ],
    )
    .await;
    journey(&app, wang.id, ids[1], &[(s0, (2031, 2, 3))]).await;
    // 刘洋 (another team): dragged from s0 straight to won after 7 days; and a deal from 2030.
    journey(
        &app,
        liu.id,
        ids[1],
        &[(s0, (2031, 3, 1)), (won, (2031, 3, 8))],
    )
    .await;
    journey(
        &app,
        liu.id,
        ids[1],
        &[(s0, (2030, 3, 1)), (won, (2030, 3, 8))],
    )
    .await;

    // Six deals: reached s0 6, s1 4 (the two won ones passed it), s2 3, won 2.
    let company = funnel(&admin, &[]).await.unwrap();
    assert_eq!((company.total.deals, company.total.won), (6, 2));
    assert_eq!(
        company
            .total
            .steps
            .iter()
            .take(3)
            .map(|s| s.reached)
            .collect::<Vec<_>>(),
        [6, 4, 3]
    );
    assert_eq!(
        conversions(&company.total),
        [Some(6667), Some(7500), Some(6667)]
    );
    // Days in s0: (2 + 4 + 1 + 1 + 7) ÷ 5 = 3.0; s1: (10 + 2) ÷ 2 = 6.0; s2: 6 ÷ 1 = 6.0.
    assert_eq!(
        company
            .total
            .steps
            .iter()
            .take(3)
            .map(|s| s.average_days_tenths)
            .collect::<Vec<_>>(),
        [Some(30), Some(60), Some(60)]
    );
    assert_eq!(
        company.total.steps.last().unwrap().advanced,
        2,
        "the last open stage's next step is a win"
    );

    // Beside 上海一组 (s0 3/5 = 60%, s1 2/3 = 66.67%, s2 1/2 = 50%): 张伟 (66.67%, 50%, 100%)
    // leaks most at s1, 16.67 points below; 王芳 (50%, 100%, 0%) at s2, 50 points below.
    let line = |report: &app::analytics::FunnelReport, id: i64| {
        report
            .people
            .iter()
            .find(|l| l.user_id == Some(id))
            .cloned()
    };
    let zhang_line = line(&company, zhang.id).unwrap();
    assert_eq!(
        conversions(&zhang_line),
        [Some(6667), Some(5000), Some(10000)]
    );
    assert_eq!(zhang_line.behind, Some((1, 1667)));
    let wang_line = line(&company, wang.id).unwrap();
    assert_eq!(conversions(&wang_line), [Some(5000), Some(10000), Some(0)]);
    assert_eq!(wang_line.behind, Some((2, 5000)));
    assert_eq!(
        line(&company, liu.id).unwrap().behind,
        None,
        "alone in his team: level with it"
    );

    // Who sees what.
    let team = funnel(&manager, &[]).await.unwrap();
    assert_eq!((team.total.deals, line(&team, liu.id)), (5, None));
    assert_eq!(line(&team, zhang.id).unwrap().behind, Some((1, 1667)));
    // One rep chosen: still measured against the whole team, while the total is theirs alone.
    let chosen = funnel(&manager, &[("query[rep]", &zhang.id.to_string())])
        .await
        .unwrap();
    assert_eq!((chosen.total.deals, chosen.people.len()), (3, 1));
    assert_eq!(chosen.people[0].behind, Some((1, 1667)));
    let own = funnel(&rep, &[]).await.unwrap();
    assert_eq!((own.total.deals, own.people.len()), (3, 1));
    assert_eq!(
        funnel(&rep, &[("query[rep]", &liu.id.to_string())])
            .await
            .unwrap()
            .total
            .deals,
        0
    );
    assert_eq!(
        funnel(&app.client(), &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        fields(
            &funnel(&admin, &[("query[pipeline]", "999999")])
                .await
                .unwrap_err()
        ),
        [("pipeline".to_string(), ErrorCode::UnknownChoice)]
    );

    // The report API and the export.
    let (status, _, body) = admin
        .get("/api/v1/reports/funnel?from=2031-01-01&to=2031-12-31", &[])
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            json["total"]["deals"].as_u64(),
            json["total"]["steps"][0]["conversion"].as_str(),
            json["total"]["steps"][1]["average_days"].as_str()
        ),
        (Some(6), Some("0.6667"), Some("6.0"))
    );
    let (status, _, csv) = manager
        .get(
            "/api/v1/reports/funnel.csv?from=2031-01-01&to=2031-12-31",
            &[],
        )
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "user_id,name,stage,reached,advanced,conversion,average_days"
    );
    assert!(
        lines[1].starts_with(",total,") && lines[1].ends_with(",5,3,0.6000,2.0"),
        "{}",
        lines[1]
    );
    let (_, _, export) = manager
        .get("/api/export/funnel.csv?from=2031-01-01&to=2031-12-31", &[])
        .await;
    assert_eq!(export, csv);
}

async fn alerts(
    client: &Client,
    extra: &[(&str, &str)],
) -> Result<app::analytics::AlertsView, AppError> {
    client.call("analytics/alerts", extra).await
}

/// The alert about `subject` of `kind` in a list, if there is one.
fn alert_on(
    view: &app::analytics::AlertsView,
    kind: app::domain::alerts::AlertKind,
    subject: i64,
) -> Option<app::analytics::AlertView> {
    view.alerts
        .iter()
        .find(|a| a.alert.kind() == kind && a.subject_id == subject)
        .cloned()
}

async fn submit<T: serde::de::DeserializeOwned>(
    client: &Client,
    endpoint: &str,
    form: Vec<(&'static str, String)>,
) -> Result<T, AppError> {
    client
        .call(
            endpoint,
            &form
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await
}

async fn give_to(app: &TestApp, customer_id: i64, owner: i64) {
    use sea_orm::{ActiveModelTrait, Set};
    let mut row: customer::ActiveModel = customer::Entity::find_by_id(customer_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.owner_id = Set(Some(owner));
    row.update(&app.db).await.unwrap();
}

#[tokio::test]
async fn alerts_flag_the_rep_the_customers_and_the_deal_worked_out_by_hand_and_a_manager_assigns_a_task(
) {
    use app::analytics::alerts::refresh_alerts;
    use app::domain::alerts::{Alert, AlertKind};
    let app = TestApp::demo().await;
    let Cast {
        admin,
        manager,
        rep,
        zhang,
        wang,
        liu,
        ids,
    } = cast(&app, &["甲方", "乙方", "丙方"]).await;
    let (jia, yi, bing) = (ids[0], ids[1], ids[2]);
    give_to(&app, jia, zhang.id).await;
    give_to(&app, yi, zhang.id).await;
    give_to(&app, bing, wang.id).await;
    let today = day((2031, 7, 1));
    let now = at((2031, 7, 1));

    // 张伟: ¥100,000 a month from January to June (his usual month over 2030-12-03…2031-06-01),
    // then only ¥9,000 in the last 30 days: flagged.
    for month in 1..=6 {
        order(&app, zhang.id, jia, (2031, month, 1), 100_000_00, 60_000_00).await;
    }
    order(&app, zhang.id, yi, (2031, 6, 20), 9_000_00, 5_000_00).await;
    // 乙方 ordered monthly from 2030-05 to 2031-04 (¥10,000 each, taken by the administrator, who
    // does not sell: ¥30,000 a quarter over the year before the last 90 days), then only ¥9,000:
    // below half. 甲方 ordered every 30 days and last 30 days ago: neither late nor down.
    let admin_user = person(&app, "admin").await;
    for (y, m) in [
        (2030, 5),
        (2030, 6),
        (2030, 7),
        (2030, 8),
        (2030, 9),
        (2030, 10),
        (2030, 11),
        (2030, 12),
        (2031, 1),
        (2031, 2),
        (2031, 3),
        (2031, 4),
    ] {
        order(&app, admin_user.id, yi, (y, m, 1), 10_000_00, 6_000_00).await;
    }
    // 丙方 (王芳's) ordered every 10 days in January and not for 152 days since: overdue. Her own
    // ¥3,000 is ¥500 a month, nothing in the last 30 days: flagged too.
    for d in [10, 20, 30] {
        order(&app, wang.id, bing, (2031, 1, d), 1_000_00, 500_00).await;
    }
    // A deal of 张伟's 30 days in a stage that allows fewer, and one of 刘洋's (another team).
    use app::entities::pipeline_stage;
    let stage = pipeline_stage::Entity::find()
        .filter(pipeline_stage::Column::StaleAfterDays.is_not_null())
        .filter(pipeline_stage::Column::Won.eq(false))
        .filter(pipeline_stage::Column::Lost.eq(false))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let limit = i64::from(stage.stale_after_days.unwrap());
    assert!(limit < 30, "the demo's stages allow less than 30 days");
    let zhang_deal = insert_deal(&app, zhang.id, jia, &stage, at((2031, 6, 1)), None, None).await;
    let liu_deal = insert_deal(&app, liu.id, jia, &stage, at((2031, 6, 1)), None, None).await;

    let (raised, _) = refresh_alerts(&app.db, now, today).await.unwrap();
    assert!(raised >= 5, "{raised}");
    let everything = alerts(&admin, &[]).await.unwrap();
    assert!(
        everything.total <= 50 || everything.alerts.len() == 50,
        "one page at a time"
    );
    let all = app::analytics::alerts::alerts(
        &app.db,
        &app::auth::service::load_actor(&app.db, person(&app, "admin").await)
            .await
            .unwrap(),
        &Default::default(),
        today,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        alert_on(&all, AlertKind::RepDrop, zhang.id).unwrap().alert,
        Alert::RepDrop {
            usual_monthly_fen: 100_000_00,
            recent_fen: 9_000_00
        }
    );
    assert_eq!(
        alert_on(&all, AlertKind::RepDrop, wang.id).unwrap().alert,
        Alert::RepDrop {
            usual_monthly_fen: 500_00,
            recent_fen: 0
        }
    );
    assert_eq!(alert_on(&all, AlertKind::RepDrop, liu.id), None);
    assert_eq!(
        alert_on(&all, AlertKind::CustomerDrop, yi).unwrap().alert,
        Alert::CustomerDrop {
            usual_quarterly_fen: 30_000_00,
            recent_fen: 9_000_00
        }
    );
    assert_eq!(
        alert_on(&all, AlertKind::CustomerOverdue, bing)
            .unwrap()
            .alert,
        Alert::CustomerOverdue {
            usual_interval_days: 10,
            days_since: 152,
            last_order_on: day((2031, 1, 30))
        }
    );
    assert!(
        all.alerts
            .iter()
            .all(|a| a.subject_id != jia || a.alert.kind() == AlertKind::StaleDeal),
        "甲方 is on course"
    );
    let stale = alert_on(&all, AlertKind::StaleDeal, zhang_deal).unwrap();
    assert_eq!(
        (
            stale.alert,
            stale.customer_id,
            stale.customer_name.as_deref()
        ),
        (
            Alert::StaleDeal {
                days_in_stage: 30,
                stale_after_days: limit
            },
            Some(jia),
            Some("甲方")
        )
    );

    // Who sees what: the manager his team, the rep his own, nobody signed out.
    let kind = |k: AlertKind| [("query[kind]", k.as_str())];
    let team = alerts(&manager, &kind(AlertKind::RepDrop)).await.unwrap();
    assert!(
        alert_on(&team, AlertKind::RepDrop, zhang.id).is_some()
            && alert_on(&team, AlertKind::RepDrop, wang.id).is_some()
    );
    assert!(team.can_assign && !team.can_edit_rules);
    let team_deals = alerts(&manager, &kind(AlertKind::StaleDeal)).await.unwrap();
    assert!(
        team_deals.alerts.iter().all(|a| a.subject_id != liu_deal),
        "刘洋's deal is another team's"
    );
    let own = alerts(&rep, &kind(AlertKind::RepDrop)).await.unwrap();
    assert_eq!(
        own.alerts.iter().map(|a| a.subject_id).collect::<Vec<_>>(),
        [zhang.id]
    );
    assert!(!own.can_assign);
    assert_eq!(
        alerts(&app.client(), &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        fields(
            &alerts(&admin, &[("query[kind]", "nonsense")])
                .await
                .unwrap_err()
        ),
        [("kind".to_string(), ErrorCode::UnknownChoice)]
    );

    // The badge counts alerts nobody has acted on; a manager's task goes to the rep.
    let badge_before = rep.me().await.unwrap().open_alerts;
    let yi_alert = alert_on(&all, AlertKind::CustomerDrop, yi).unwrap();
    let task = |id: i64, note: &'static str| {
        vec![
            ("form[alert_id]", id.to_string()),
            ("form[note]", note.to_string()),
        ]
    };
    let call_task =
        |client, form| submit::<app::analytics::AlertTask>(client, "analytics/alert_task", form);
    assert_eq!(
        call_task(&rep, task(yi_alert.id, "自己给自己"))
            .await
            .unwrap_err(),
        AppError::Forbidden,
        "a rep does not assign tasks"
    );
    assert_eq!(
        fields(
            &call_task(&manager, task(yi_alert.id, "  "))
                .await
                .unwrap_err()
        ),
        [("note".to_string(), ErrorCode::Required)]
    );
    let liu_alert = alert_on(&all, AlertKind::StaleDeal, liu_deal).unwrap();
    assert_eq!(
        call_task(&manager, task(liu_alert.id, "不是你的"))
            .await
            .unwrap_err(),
        AppError::NotFound,
        "another team's alert"
    );
    let assigned = call_task(
        &manager,
        task(yi_alert.id, "本周拜访乙方，了解采购下降的原因"),
    )
    .await
    .unwrap();
    assert_eq!(
        (assigned.note.as_str(), assigned.by_name.as_str()),
        ("本周拜访乙方，了解采购下降的原因", "陈志强")
    );
    assert_eq!(rep.me().await.unwrap().open_alerts, badge_before - 1);
    let notes: Vec<app::notifications::NotificationView> =
        rep.call("notifications/list", &[]).await.unwrap();
    assert!(
        notes.iter().any(|n| matches!(&n.notice,
                app::domain::events::Notice::Task { note, .. } if note == "本周拜访乙方，了解采购下降的原因")
            && n.link == format!("/customers/{yi}#follow-up")),
        "{notes:?}"
    );

    // A second run keeps standing alerts (their task and raise time) and clears what no longer holds.
    order(&app, wang.id, bing, (2031, 6, 30), 1_000_00, 500_00).await;
    let (_, cleared) = refresh_alerts(
        &app.db,
        at((2031, 7, 1)) + chrono::Duration::hours(1),
        today,
    )
    .await
    .unwrap();
    assert!(cleared >= 1);
    let after = alerts(&manager, &kind(AlertKind::CustomerDrop))
        .await
        .unwrap();
    let kept = alert_on(&after, AlertKind::CustomerDrop, yi).unwrap();
    assert_eq!(
        (kept.raised_on, kept.task.map(|t| t.note)),
        (
            yi_alert.raised_on,
            Some("本周拜访乙方，了解采购下降的原因".to_string())
        )
    );
    assert!(
        alert_on(
            &alerts(&manager, &kind(AlertKind::CustomerOverdue))
                .await
                .unwrap(),
            AlertKind::CustomerOverdue,
            bing
        )
        .is_none(),
        "丙方 ordered again"
    );

    // The report: JSON and CSV with the same figures; the export is the CSV.
    let (status, _, body) = manager
        .get("/api/v1/reports/alerts?kind=rep_drop", &[])
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let zhang_row = json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["subject_id"] == zhang.id)
        .unwrap()
        .clone();
    assert_eq!(
        (
            zhang_row["usual_sales"].as_str(),
            zhang_row["recent_sales"].as_str()
        ),
        (Some("100000.00"), Some("9000.00"))
    );
    assert!(
        zhang_row["text"].as_str().unwrap().contains("¥100,000.00"),
        "{zhang_row}"
    );
    let (_, _, csv) = manager
        .get("/api/v1/reports/alerts.csv?kind=rep_drop", &[])
        .await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "id,kind,subject_id,subject,customer_id,owner_id,owner,raised_on,usual_sales,recent_sales,usual_interval_days,days_since_last_order,last_order_on,days_in_stage,stale_after_days,text,task,task_by");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!(",rep_drop,{},", zhang.id))
                && l.contains(",100000.00,9000.00,")),
        "{csv}"
    );
    let (_, _, export) = manager
        .get("/api/export/alerts.csv?kind=rep_drop", &[])
        .await;
    assert_eq!(export, csv);

    // The rules: only an administrator sets them, checked at the field, with a version check.
    let rules_form = |version: &str, rep_drop: &str| {
        vec![
            ("form[version]", version.to_string()),
            ("form[rep_drop_percent]", rep_drop.to_string()),
            ("form[customer_drop_percent]", "50".into()),
            ("form[overdue_multiple]", "2".into()),
        ]
    };
    let save = |client, form| submit::<()>(client, "analytics/alert_rules", form);
    assert_eq!(
        save(&manager, rules_form("0", "5")).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        fields(&save(&admin, rules_form("0", "0")).await.unwrap_err()),
        [(
            "rep_drop_percent".to_string(),
            ErrorCode::OutOfRange { min: 1, max: 99 }
        )]
    );
    save(&admin, rules_form("0", "5")).await.unwrap();
    assert_eq!(
        save(&admin, rules_form("0", "6")).await,
        Err(AppError::Conflict),
        "saved meanwhile by someone else"
    );
    refresh_alerts(&app.db, now, today).await.unwrap();
    let strict = alerts(&admin, &kind(AlertKind::RepDrop)).await.unwrap();
    assert_eq!(strict.rules.rep_drop_percent, 5);
    assert!(
        alert_on(&strict, AlertKind::RepDrop, zhang.id).is_none(),
        "¥9,000 is 9% of his usual month, not below 5%"
    );
}

async fn load(client: &Client) -> Result<app::dashboard::DashboardView, AppError> {
    client.call("dashboard", &[]).await
}

#[tokio::test]
async fn each_role_gets_its_dashboard_and_the_trend_counts_what_they_see_by_month() {
    use app::dashboard::DashboardView;
    use chrono::Datelike;
    let app = TestApp::demo().await;
    let Cast {
        admin,
        manager,
        rep,
        zhang,
        liu,
        ids,
        ..
    } = cast(&app, &["趋势客户"]).await;
    let before = (
        load(&rep).await.unwrap(),
        load(&manager).await.unwrap(),
        load(&admin).await.unwrap(),
    );

    // 张伟 sells this month and three months ago, 刘洋 (another team) this month.
    let today = app::clock::today();
    let this_month = today.with_day(1).unwrap();
    let earlier = this_month
        .checked_sub_months(chrono::Months::new(3))
        .unwrap();
    let ymd = |d: chrono::NaiveDate| (d.year(), d.month(), d.day());
    order(&app, zhang.id, ids[0], ymd(today), 1_234_56, 1_000_00).await;
    order(&app, zhang.id, ids[0], ymd(earlier), 500_00, 100_00).await;
    order(&app, liu.id, ids[0], ymd(today), 7_000_00, 0).await;
    let after = (
        load(&rep).await.unwrap(),
        load(&manager).await.unwrap(),
        load(&admin).await.unwrap(),
    );

    // (sales, gross profit, orders) added to a month of a viewer's trend.
    let added = |before: &DashboardView, after: &DashboardView, month: chrono::NaiveDate| {
        let figures = |view: &DashboardView| {
            view.trend
                .iter()
                .find(|m| m.month == month)
                .map(|m| (m.sales_fen, m.gross_profit_fen, m.orders))
                .unwrap()
        };
        let (b, a) = (figures(before), figures(after));
        (a.0 - b.0, a.1 - b.1, a.2 - b.2)
    };
    for (who, before, after, now) in [
        ("rep", &before.0, &after.0, 1_234_56),
        ("manager", &before.1, &after.1, 1_234_56),
        ("admin", &before.2, &after.2, 1_234_56 + 7_000_00),
    ] {
        assert_eq!(after.trend.len(), 12, "{who}");
        assert_eq!(
            after.trend.last().unwrap().month,
            this_month,
            "{who}: the trend ends with this month"
        );
        assert_eq!(added(before, after, this_month).0, now, "{who}");
        assert_eq!(added(before, after, earlier), (500_00, 400_00, 1), "{who}");
    }
    assert_eq!(
        added(&before.0, &after.0, this_month),
        (1_234_56, 234_56, 1)
    );

    // What each role's dashboard holds.
    let (rep_view, manager_view, admin_view) = after;
    assert!(
        rep_view.agenda.is_some()
            && rep_view.leaderboard.is_none()
            && rep_view.funnel.is_none()
            && rep_view.abc.is_none()
    );
    assert!(
        manager_view.agenda.is_some()
            && manager_view.funnel.is_some()
            && manager_view.abc.is_none()
    );
    let board = manager_view.leaderboard.unwrap();
    assert_eq!(board.from, this_month, "this month's ranking");
    assert!(
        board
            .rows
            .iter()
            .any(|r| r.user_id == zhang.id && r.activity.sales_fen >= 1_234_56)
            && board.rows.iter().all(|r| r.user_id != liu.id)
    );
    assert!(
        admin_view.abc.is_some()
            && admin_view.agenda.is_none()
            && admin_view
                .leaderboard
                .unwrap()
                .rows
                .iter()
                .any(|r| r.user_id == liu.id)
    );
    assert_eq!(load(&app.client()).await, Err(AppError::Unauthorized));
}

/// Sets a test customer's owner, province and industry.
async fn place(app: &TestApp, id: i64, owner: &user::Model, province: &str, industry: &str) {
    use sea_orm::sea_query::Expr;
    customer::Entity::update_many()
        .col_expr(customer::Column::OwnerId, Expr::value(owner.id))
        .col_expr(customer::Column::Province, Expr::value(province))
        .col_expr(customer::Column::Industry, Expr::value(industry))
        .filter(customer::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn composition(
    client: &Client,
    by: &str,
    extra: &[(&str, &str)],
) -> Result<app::analytics::CustomerComposition, AppError> {
    let mut form = vec![
        ("query[from]", "2031-01-01"),
        ("query[to]", "2031-12-31"),
        ("query[region]", "测试省"),
        ("query[by]", by),
    ];
    form.extend_from_slice(extra);
    client.call("analytics/customers", &form).await
}

/// (key, customers, buyers, sales, gross profit) per group, in the report's order.
fn groups(report: &app::analytics::CustomerComposition) -> Vec<(&str, i64, i64, i64, i64)> {
    report
        .lines
        .iter()
        .map(|l| {
            (
                l.key.as_str(),
                l.customers,
                l.buyers,
                l.sales_fen,
                l.gross_profit_fen,
            )
        })
        .collect()
}

#[tokio::test]
async fn customer_composition_retention_and_lifetime_value_match_figures_worked_out_by_hand() {
    let app = TestApp::demo().await;
    let Cast {
        admin,
        manager,
        rep,
        zhang,
        wang,
        liu,
        ids,
    } = cast(
        &app,
        &[
            "甲方精密机械制造股份有限公司",
            "乙方",
            "丙方",
            "丁方",
            "戊方",
            "己方",
        ],
    )
    .await;
    let (jia, yi, bing, ding, wu, ji) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);
    place(&app, jia, &zhang, "测试省", "机械").await;
    place(&app, yi, &zhang, "测试省", "机械").await;
    place(&app, bing, &wang, "测试省", "电子").await;
    place(&app, ding, &liu, "测试省", "").await;
    place(&app, wu, &zhang, "测试省", "电子").await;
    place(&app, ji, &liu, "别省", "电子").await;
    // 2030 (the earlier twelve months): 甲 and 乙 buy. 2031: 甲 again, 丙 丁 己 for the first time.
    order(&app, zhang.id, jia, (2030, 3, 1), 1_000_00, 500_00).await;
    order(&app, zhang.id, yi, (2030, 5, 2), 500_00, 0).await;
    order(&app, zhang.id, jia, (2031, 3, 1), 40_000_00, 30_000_00).await;
    order(&app, zhang.id, jia, (2031, 9, 1), 20_000_00, 10_000_00).await; // 甲 2031: 60,000.00, profit 20,000.00
    order(&app, wang.id, bing, (2031, 6, 3), 150_000_00, 135_000_00).await; // 丙: 150,000.00, profit 15,000.00
    order(&app, liu.id, ding, (2031, 7, 4), 5_000_00, 0).await; // 丁: 5,000.00
    order(&app, liu.id, ji, (2031, 8, 5), 10_000_00, 0).await; // 己, in another province

    // 测试省 in 2031: five customers, three bought, 215,000.00 in sales, 40,000.00 gross profit.
    let by_industry = composition(&admin, "industry", &[]).await.unwrap();
    assert_eq!(
        groups(&by_industry),
        [
            ("电子", 2, 1, 150_000_00, 15_000_00),
            ("机械", 2, 1, 60_000_00, 20_000_00),
            ("", 1, 1, 5_000_00, 5_000_00)
        ]
    );
    assert_eq!(
        (
            by_industry.total.customers,
            by_industry.total.buyers,
            by_industry.total.sales_fen,
            by_industry.total.gross_profit_fen
        ),
        (5, 3, 215_000_00, 40_000_00)
    );
    let by_size = composition(&admin, "size", &[]).await.unwrap();
    assert_eq!(
        groups(&by_size),
        [
            ("medium", 1, 1, 150_000_00, 15_000_00),
            ("small", 1, 1, 60_000_00, 20_000_00),
            ("occasional", 1, 1, 5_000_00, 5_000_00),
            ("none", 2, 0, 0, 0)
        ]
    );
    let by_age = composition(&admin, "age", &[]).await.unwrap();
    assert_eq!(
        groups(&by_age),
        [
            ("new", 2, 2, 155_000_00, 20_000_00),
            ("returning", 2, 1, 60_000_00, 20_000_00),
            ("no_order", 1, 0, 0, 0)
        ]
    );
    let by_stage = composition(&admin, "stage", &[]).await.unwrap();
    assert_eq!(by_stage.lines.iter().map(|l| l.customers).sum::<i64>(), 5);

    // Retention over 2030 → 2031 (the whole company): of 甲 and 乙 only 甲 came back, 50%, so
    // 0.5 ÷ 0.5 = 1 more year is expected. 2031's gross profit per buyer: (20,000 + 15,000 +
    // 5,000 + 10,000) ÷ 4 = 12,500.00; lifetime value 12,500.00 × 1.
    let value = &by_industry.value;
    assert_eq!(
        (
            value.earlier_buyers,
            value.kept,
            value.retention_bp,
            value.remaining_tenths
        ),
        (2, 1, Some(5_000), Some(10))
    );
    assert_eq!(
        (value.average_yearly_gp_fen, value.lifetime_value_fen),
        (Some(12_500_00), Some(12_500_00))
    );

    // The same numbers as data.
    let query = format!(
        "from=2031-01-01&to=2031-12-31&region={}",
        app::customers::urlencode("测试省")
    );
    let (status, _, body) = admin
        .get(
            &format!("/api/v1/reports/composition?{query}"),
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let first = &json["groups"][0];
    assert_eq!(
        (
            first["key"].as_str(),
            first["sales"].as_str(),
            first["share"].as_str(),
            first["margin"].as_str()
        ),
        (
            Some("电子"),
            Some("150000.00"),
            Some("0.6977"),
            Some("0.1000")
        )
    );
    assert_eq!(
        json["groups"][2]["label"].as_str(),
        Some("未填写"),
        "the label in the reader's language"
    );
    assert_eq!(
        (
            json["value"]["retention"].as_str(),
            json["value"]["remaining_years"].as_str(),
            json["value"]["lifetime_value"].as_str()
        ),
        (Some("0.5000"), Some("1.0"), Some("12500.00"))
    );
    let (status, _, csv) = admin
        .get(
            &format!("/api/v1/reports/composition?{query}&by=size&format=csv"),
            &[],
        )
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "key,label,customers,buyers,sales,share,gross_profit,margin"
    );
    assert!(
        lines[1].starts_with("medium,")
            && lines[1].contains(",1,1,150000.00,0.6977,15000.00,0.1000"),
        "{}",
        lines[1]
    );
    assert!(
        *lines.last().unwrap() == ",total,5,3,215000.00,1.0000,40000.00,0.1860",
        "{csv}"
    );

    // Sales by month of the same orders: March 40,000.00, June 150,000.00, and so on.
    let (status, _, body) = admin
        .get(
            &format!("/api/v1/reports/monthly?{query}"),
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let monthly: serde_json::Value = serde_json::from_str(&body).unwrap();
    let months: Vec<(&str, &str)> = monthly["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["month"].as_str().unwrap(), m["sales"].as_str().unwrap()))
        .collect();
    assert_eq!(
        (months.len(), months[2], months[5], months[11]),
        (
            12,
            ("2031-03", "40000.00"),
            ("2031-06", "150000.00"),
            ("2031-12", "0.00")
        )
    );
    assert_eq!(
        (
            monthly["total"]["sales"].as_str(),
            monthly["total"]["gross_profit"].as_str(),
            monthly["total"]["orders"].as_u64()
        ),
        (Some("215000.00"), Some("40000.00"), Some(4))
    );
    let (_, _, csv) = rep
        .get(&format!("/api/v1/reports/monthly?{query}&format=csv"), &[])
        .await;
    let csv: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        (csv[0], csv[3], csv.len()),
        (
            "month,sales,gross_profit,orders",
            "2031-03,40000.00,10000.00,1",
            13
        ),
        "the rep's own orders by month"
    );

    // Who sees what: the rep their own customers and orders (甲 乙 戊), the manager their team's.
    let own = composition(&rep, "industry", &[]).await.unwrap();
    assert_eq!(
        (own.total.customers, own.total.buyers, own.total.sales_fen),
        (3, 1, 60_000_00)
    );
    let team = composition(&manager, "industry", &[]).await.unwrap();
    assert_eq!(
        (team.total.customers, team.total.sales_fen),
        (4, 210_000_00)
    );
    assert_eq!(
        composition(&rep, "industry", &[("query[rep]", &liu.id.to_string())])
            .await
            .unwrap()
            .total
            .customers,
        0,
        "another rep's customers stay hidden"
    );
    assert_eq!(
        composition(&app.client(), "industry", &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        fields(&composition(&admin, "colour", &[]).await.unwrap_err()),
        [("by".to_string(), ErrorCode::UnknownChoice)]
    );

    // One customer's trend seen at the end of 2031: 甲 bought 1,000.00 in 2030 and 60,000.00 in
    // 2031 (+5900%); 60,000 of the company's 225,000.00 in 2031 (26.67%) and of 测试省's 215,000.00
    // (27.91%). Gross profit since the first order 20,500.00 over 671 days is 11,151.27 a year.
    let year_end = chrono::NaiveDate::from_ymd_opt(2031, 12, 31).unwrap();
    let admin_actor = app::auth::service::load_actor(&app.db, person(&app, "admin").await)
        .await
        .unwrap();
    let trend =
        app::analytics::customers::trend(&app.db, &Default::default(), &admin_actor, jia, year_end)
            .await
            .unwrap();
    assert_eq!(
        (
            trend.months.len(),
            trend.months[0].clone(),
            trend.months[2].clone(),
            trend.months[23].clone()
        ),
        (
            24,
            ("2030-01".to_string(), 0),
            ("2030-03".to_string(), 1_000_00),
            ("2031-12".to_string(), 0)
        )
    );
    assert_eq!(
        (trend.last_12_fen, trend.previous_12_fen, trend.change_bp),
        (60_000_00, 1_000_00, Some(590_000))
    );
    let years: Vec<(i32, i64, i64, i64)> = trend
        .years
        .iter()
        .map(|y| (y.year, y.sales_fen, y.company_fen, y.region_fen))
        .collect();
    assert_eq!(
        years,
        [
            (2031, 60_000_00, 225_000_00, 215_000_00),
            (2030, 1_000_00, 1_500_00, 1_500_00),
            (2029, 0, 0, 0)
        ]
    );
    assert_eq!(
        (trend.average_yearly_gp_fen, trend.lifetime_value_fen),
        (Some(1_115_127), Some(1_115_127))
    );
    let never =
        app::analytics::customers::trend(&app.db, &Default::default(), &admin_actor, wu, year_end)
            .await
            .unwrap();
    assert_eq!(
        (never.first_order_on, never.lifetime_value_fen),
        (None, None)
    );

    // The file's panel through the server function: the owner sees it, another rep does not.
    assert!(rep
        .call::<app::analytics::CustomerTrend>(
            "analytics/customer_trend",
            &[("customer_id", &jia.to_string())]
        )
        .await
        .is_ok());
    assert!(
        rep.call::<app::analytics::CustomerTrend>(
            "analytics/customer_trend",
            &[("customer_id", &bing.to_string())]
        )
        .await
        .is_err(),
        "王芳's customer is not 张伟's to see"
    );

    // The company-wide figures are kept for an hour: an order entered meanwhile counts once they
    // are computed again. 2031's gross profit per buyer becomes (50,000 + 1,000) ÷ 4 = 12,750.00.
    use app::analytics::customers::CompanyFigures;
    let (kept, recomputed) = (
        CompanyFigures::default(),
        CompanyFigures::fresh_for(std::time::Duration::ZERO),
    );
    let company_2031 = |figures: &app::analytics::customers::RegionYears| {
        (
            figures.company.clone(),
            figures.regions.get("别省").cloned(),
        )
    };
    assert_eq!(
        company_2031(&kept.years(&app.db, 2031, year_end).await.unwrap()),
        (vec![225_000_00], Some(vec![10_000_00]))
    );
    assert_eq!(
        kept.value(&app.db, year_end)
            .await
            .unwrap()
            .average_yearly_gp_fen,
        Some(12_500_00)
    );
    order(&app, liu.id, ji, (2031, 10, 6), 1_000_00, 0).await;
    assert_eq!(
        company_2031(&kept.years(&app.db, 2031, year_end).await.unwrap()),
        (vec![225_000_00], Some(vec![10_000_00])),
        "kept"
    );
    assert_eq!(
        kept.value(&app.db, year_end)
            .await
            .unwrap()
            .average_yearly_gp_fen,
        Some(12_500_00),
        "kept"
    );
    assert_eq!(
        company_2031(&recomputed.years(&app.db, 2031, year_end).await.unwrap()),
        (vec![226_000_00], Some(vec![11_000_00]))
    );
    assert_eq!(
        recomputed
            .value(&app.db, year_end)
            .await
            .unwrap()
            .average_yearly_gp_fen,
        Some(12_750_00)
    );
}

/// A catalogue product written straight to the database.
async fn catalogue(app: &TestApp, code: &str, name: &str, cost_price_fen: i64) -> i64 {
    use sea_orm::{ActiveModelTrait, Set};
    let row = app::entities::product::ActiveModel {
        code: Set(code.into()),
        name: Set(name.into()),
        category: Set(String::new()),
        unit: Set("件".into()),
        list_price_fen: Set(cost_price_fen * 2),
        cost_price_fen: Set(cost_price_fen),
        active: Set(true),
        version: Set(1),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    row.insert(&app.db).await.unwrap().id
}

/// An order with its lines: (product, quantity, amount, cost) each.
async fn order_with_lines(
    app: &TestApp,
    owner: i64,
    customer: i64,
    on: (i32, u32, u32),
    lines: &[(i64, i64, i64, i64)],
) {
    use sea_orm::{ActiveModelTrait, Set};
    let (amount, cost) = lines
        .iter()
        .fold((0, 0), |(a, c), line| (a + line.2, c + line.3));
    let order = order(app, owner, customer, on, amount, cost).await;
    for &(product_id, quantity, amount_fen, cost_fen) in lines {
        app::entities::order_line::ActiveModel {
            order_id: Set(order.id),
            product_id: Set(product_id),
            quantity: Set(quantity),
            unit_price_fen: Set(amount_fen / quantity),
            unit_cost_fen: Set(cost_fen / quantity),
            amount_fen: Set(amount_fen),
            cost_fen: Set(cost_fen),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

async fn stock(
    client: &Client,
    product: &str,
    month: &str,
    quantity: &str,
    value: &str,
    version: &str,
) -> Result<(), AppError> {
    client
        .call(
            "analytics/save_inventory",
            &[
                ("form[product]", product),
                ("form[month]", month),
                ("form[quantity]", quantity),
                ("form[value]", value),
                ("form[version]", version),
            ],
        )
        .await
}

#[tokio::test]
async fn product_margin_turnover_cross_ratio_and_contribution_match_figures_worked_out_by_hand() {
    let app = TestApp::demo().await;
    let Cast {
        admin,
        manager,
        rep,
        zhang,
        liu,
        ids,
        ..
    } = cast(&app, &["甲方", "乙方"]).await;
    let (jia, yi) = (ids[0], ids[1]);
    let a = catalogue(&app, "T-A", "测试产品甲", 70_00).await;
    let b = catalogue(&app, "T-B", "测试产品乙", 150_00).await;
    let c = catalogue(&app, "T-C", "测试产品丙", 60_00).await;
    // 2031: A sells 90 for 9,000.00 at a cost of 6,300.00; B 10 for 3,000.00 at 2,700.00.
    order_with_lines(
        &app,
        zhang.id,
        jia,
        (2031, 3, 1),
        &[(a, 60, 6_000_00, 4_200_00), (b, 10, 3_000_00, 2_700_00)],
    )
    .await;
    order_with_lines(
        &app,
        liu.id,
        yi,
        (2031, 4, 1),
        &[(a, 30, 3_000_00, 2_100_00)],
    )
    .await;
    order_with_lines(&app, zhang.id, jia, (2029, 5, 1), &[(c, 5, 500_00, 300_00)]).await;

    // Month-end stock, entered by an administrator: A 2,000.00 in March and 4,000.00 in June; B 20
    // pieces in January at its cost price of 150.00.
    stock(&admin, "T-A", "2031-03", "20", "2000.00", "0")
        .await
        .unwrap();
    stock(&admin, "T-A", "2031-06", "40", "4000", "0")
        .await
        .unwrap();
    stock(&admin, "T-B", "2031/01", "20", "", "0")
        .await
        .unwrap();
    assert_eq!(
        stock(&admin, "T-A", "2031-06", "41", "4100", "0").await,
        Err(AppError::Conflict),
        "a month already entered is changed only at the version seen"
    );
    assert_eq!(
        fields(
            &stock(&admin, "T-Z", "2031-06", "1", "", "0")
                .await
                .unwrap_err()
        ),
        [("product".to_string(), ErrorCode::UnknownReference)]
    );
    assert_eq!(
        fields(
            &stock(&admin, "T-A", "2031-13", "-1", "", "0")
                .await
                .unwrap_err()
        )
        .len(),
        2,
        "month and quantity at their fields"
    );
    assert_eq!(
        stock(&manager, "T-A", "2031-07", "1", "", "0").await,
        Err(AppError::Forbidden),
        "stock is entered by administrators and directors"
    );
    assert_eq!(
        stock(&rep, "T-A", "2031-07", "1", "", "0").await,
        Err(AppError::Forbidden)
    );

    let report: app::analytics::ProductReport = admin
        .call(
            "analytics/products",
            &[("query[from]", "2031-01-01"), ("query[to]", "2031-12-31")],
        )
        .await
        .unwrap();
    assert!(report.may_enter_stock);
    assert_eq!(report.total_sales_fen, 12_000_00);
    let rows: Vec<(
        &str,
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    )> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.code.as_str(),
                r.figures.quantity,
                r.figures.gross_margin_fen(),
                r.figures.margin_bp(),
                r.figures.average_inventory_fen,
                r.figures.turnover_hundredths(),
                r.figures.cross_ratio_bp(),
                r.figures.contribution_bp(report.total_sales_fen),
            )
        })
        .collect();
    // A: margin 2,700 ÷ 9,000 = 30%; stock (2,000 + 4,000) ÷ 2 = 3,000; turnover 9,000 ÷ 3,000 = 3;
    // cross ratio 30% × 3 = 0.90; share 75%, contribution 0.675. B: margin 10%, stock 3,000,
    // turnover 1, cross ratio 0.10, share 25%, contribution 0.025.
    assert_eq!(
        rows,
        [
            (
                "T-A",
                90,
                2_700_00,
                Some(3_000),
                Some(3_000_00),
                Some(300),
                Some(9_000),
                Some(6_750)
            ),
            (
                "T-B",
                10,
                300_00,
                Some(1_000),
                Some(3_000_00),
                Some(100),
                Some(1_000),
                Some(250)
            )
        ]
    );
    assert_eq!(
        report
            .rows
            .iter()
            .map(|r| r.cumulative_fen)
            .collect::<Vec<_>>(),
        [9_000_00, 12_000_00]
    );

    // The same as data.
    let (status, _, body) = admin
        .get(
            "/api/v1/reports/product-analysis?from=2031-01-01&to=2031-12-31&format=csv",
            &[],
        )
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "rank,product_id,code,name,category,quantity,sales,share,cost,gross_margin,margin,average_inventory,turnover,cross_ratio,contribution,cumulative_share,class");
    assert!(lines[1].ends_with(",T-A,测试产品甲,,90,9000.00,0.7500,6300.00,2700.00,0.3000,3000.00,3.00,0.9000,0.6750,0.7500,A"), "{}", lines[1]);

    // The rep sees what they sold, the manager their team's (张伟's order only: 刘洋 is elsewhere).
    let own: app::analytics::ProductReport = rep
        .call(
            "analytics/products",
            &[("query[from]", "2031-01-01"), ("query[to]", "2031-12-31")],
        )
        .await
        .unwrap();
    assert_eq!(
        (own.total_sales_fen, own.rows.len(), own.may_enter_stock),
        (9_000_00, 2, false)
    );
    let team: app::analytics::ProductReport = manager
        .call(
            "analytics/products",
            &[("query[from]", "2031-01-01"), ("query[to]", "2031-12-31")],
        )
        .await
        .unwrap();
    assert_eq!(team.total_sales_fen, 9_000_00);
    assert_eq!(
        app.client()
            .call::<app::analytics::ProductReport>("analytics/products", &[])
            .await,
        Err(AppError::Unauthorized)
    );

    // 甲's file at the end of 2031: A and B bought in the last twelve months, C (2029) no longer.
    let year_end = chrono::NaiveDate::from_ymd_opt(2031, 12, 31).unwrap();
    let admin_actor = app::auth::service::load_actor(&app.db, person(&app, "admin").await)
        .await
        .unwrap();
    let trend =
        app::analytics::customers::trend(&app.db, &Default::default(), &admin_actor, jia, year_end)
            .await
            .unwrap();
    assert_eq!(
        trend
            .products
            .iter()
            .map(|p| (p.code.as_str(), p.sales_fen))
            .collect::<Vec<_>>(),
        [("T-A", 6_000_00), ("T-B", 3_000_00)]
    );
    assert_eq!(
        trend
            .lapsed
            .iter()
            .map(|p| (p.code.as_str(), p.last_bought_on))
            .collect::<Vec<_>>(),
        [("T-C", chrono::NaiveDate::from_ymd_opt(2029, 5, 1))]
    );
}
