//! Field work through the real HTTP stack, on both databases: a rep plans a day, the manager
//! approves, the rep checks in, logs the visit, records a cost and reports; the manager sends the
//! report back and signs it off; the team view and the efficiency report count it. Every step is
//! also tried by someone who may not take it.
mod common;

use app::domain::events::Notice;
use app::domain::fieldwork::SheetStatus;
use app::domain::forms::ErrorCode;
use app::entities::{customer, user};
use app::error::AppError;
use app::fieldwork::{Efficiency, FieldDay, TeamDay};
use common::{fields, Client, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

async fn person(app: &TestApp, username: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn day(client: &Client, day: &str, rep: &str) -> Result<FieldDay, AppError> {
    client
        .call("fieldwork/day", &[("day", day), ("rep", rep)])
        .await
}

async fn add(
    client: &Client,
    day: &str,
    customer: i64,
    purpose: &str,
    slot: &str,
) -> Result<(), AppError> {
    client
        .call(
            "fieldwork/add_visit",
            &[
                ("form[day]", day),
                ("form[customer_id]", &customer.to_string()),
                ("form[purpose]", purpose),
                ("form[time_slot]", slot),
            ],
        )
        .await
}

async fn review(
    client: &Client,
    sheet: &app::fieldwork::SheetState,
    action: &str,
    comment: &str,
) -> Result<SheetStatus, AppError> {
    let (id, version) = (sheet.id.unwrap().to_string(), sheet.version.to_string());
    client
        .call(
            "fieldwork/review",
            &[
                ("form[sheet_id]", &id),
                ("form[version]", &version),
                ("form[action]", action),
                ("form[comment]", comment),
            ],
        )
        .await
}

async fn report(
    client: &Client,
    day: &FieldDay,
    attendance: &str,
    intent: &str,
) -> Result<SheetStatus, AppError> {
    let (date, version) = (day.day.to_string(), day.report.version.to_string());
    client
        .call(
            "fieldwork/save_report",
            &[
                ("form[day]", &date),
                ("form[version]", &version),
                ("form[attendance]", attendance),
                ("form[competitors]", "汇川报价低 8%"),
                ("form[lessons]", "先约技术负责人"),
                ("form[intent]", intent),
            ],
        )
        .await
}

fn one_field(result: Result<impl std::fmt::Debug, AppError>) -> (String, ErrorCode) {
    let error = result.expect_err("refused");
    let mut found = fields(&error);
    assert_eq!(found.len(), 1, "{error:?}");
    found.remove(0)
}

#[tokio::test]
async fn a_day_goes_from_plan_to_signed_off_report_and_every_step_is_guarded() {
    let app = TestApp::demo().await;
    let (rep, manager, admin) = (
        app.signed_in("rep").await,
        app.signed_in("manager").await,
        app.signed_in("admin").await,
    );
    let other_manager = app.signed_in("liu.yang").await;
    let other_rep = app.signed_in("sun.li").await;
    let zhang = person(&app, "rep").await;
    let mut customers = Vec::new();
    for name in [
        "浦东精密机械有限公司",
        "闵行自动化设备厂",
        "徐汇电气工程有限公司",
    ] {
        customers.push(
            rep.call::<i64>("customers/save", &[("form[name]", name)])
                .await
                .unwrap(),
        );
    }
    let foreign = other_rep
        .call::<i64>(
            "customers/save",
            &[("form[name]", "杭州别人的客户有限公司")],
        )
        .await
        .unwrap();
    let today = app::clock::today().to_string();
    let yesterday = (app::clock::today() - chrono::Duration::days(1)).to_string();

    // The plan: three visits; the same customer twice, a past day and another rep's customer are refused.
    add(&rep, &today, customers[0], "take_order", "09:00-10:00")
        .await
        .unwrap();
    add(&rep, &today, customers[1], "collection", "10:30-11:30")
        .await
        .unwrap();
    add(&rep, &today, customers[2], "service", "")
        .await
        .unwrap();
    assert_eq!(
        one_field(add(&rep, &today, customers[0], "service", "").await),
        ("customer_id".into(), ErrorCode::Taken)
    );
    assert_eq!(
        one_field(add(&rep, &yesterday, customers[0], "service", "").await),
        ("day".into(), ErrorCode::PastDay)
    );
    assert_eq!(
        one_field(add(&rep, &today, foreign, "service", "").await),
        ("customer_id".into(), ErrorCode::UnknownChoice)
    );
    assert_eq!(
        one_field(add(&rep, &today, customers[0], "sightseeing", "").await),
        ("purpose".into(), ErrorCode::UnknownChoice)
    );
    let planned = day(&rep, &today, "").await.unwrap();
    assert_eq!(
        planned
            .stops
            .iter()
            .map(|s| s.customer_id)
            .collect::<Vec<_>>(),
        customers
    );
    assert_eq!(
        (planned.plan.status, planned.mine, planned.can_review),
        (SheetStatus::Draft, true, false)
    );

    // Nobody approves their own plan; the rep submits it and it is locked.
    assert_eq!(
        one_field(review(&rep, &planned.plan, "approve", "").await),
        ("action".into(), ErrorCode::OwnSheet)
    );
    let version = planned.plan.version.to_string();
    rep.call::<()>(
        "fieldwork/submit_plan",
        &[
            ("form[day]", &today),
            ("form[version]", &version),
            ("form[area]", "浦东 闵行"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        one_field(add(&rep, &today, customers[0], "service", "").await),
        ("status".into(), ErrorCode::SheetLocked)
    );
    let (_, locked) = one_field(
        rep.call::<()>(
            "fieldwork/remove_visit",
            &[("stop_id", &planned.stops[0].id.to_string())],
        )
        .await,
    );
    assert_eq!(locked, ErrorCode::SheetLocked);
    let notes: Vec<app::notifications::NotificationView> =
        manager.call("notifications/list", &[]).await.unwrap();
    assert!(
        notes.iter().any(|n| n.notice
            == Notice::SheetSubmitted {
                who: "张伟".into(),
                sheet: "plan".into(),
                day: today.to_string()
            }),
        "{notes:?}"
    );

    // Another team's manager and rep cannot see it; the rep's own manager sees it waiting.
    assert!(matches!(
        day(&other_manager, &today, &zhang.id.to_string()).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        day(&other_rep, &today, &zhang.id.to_string()).await,
        Err(AppError::NotFound)
    ));
    let seen = day(&manager, &today, &zhang.id.to_string()).await.unwrap();
    assert_eq!(
        (
            seen.plan.status,
            seen.mine,
            seen.can_review,
            seen.area.as_str()
        ),
        (SheetStatus::Submitted, false, true, "浦东 闵行")
    );
    assert!(matches!(
        review(&other_manager, &seen.plan, "approve", "").await,
        Err(AppError::NotFound)
    ));
    let team: TeamDay = manager
        .call("fieldwork/team", &[("day", &today)])
        .await
        .unwrap();
    let row = team
        .rows
        .iter()
        .find(|r| r.user_id == zhang.id)
        .expect("张伟 in the team view");
    assert_eq!(
        (row.plan.status, row.planned, row.report.id),
        (SheetStatus::Submitted, 3, None)
    );
    let sun = person(&app, "sun.li").await;
    assert!(
        team.rows.iter().all(|r| r.user_id != sun.id),
        "another team's rep"
    );
    assert!(matches!(
        rep.call::<TeamDay>("fieldwork/team", &[]).await,
        Err(AppError::Forbidden)
    ));

    // Approving an older view of the plan conflicts; the current one is approved with a comment.
    let stale = app::fieldwork::SheetState {
        version: seen.plan.version - 1,
        ..seen.plan.clone()
    };
    assert!(matches!(
        review(&manager, &stale, "approve", "").await,
        Err(AppError::Conflict)
    ));
    assert_eq!(
        review(&manager, &seen.plan, "approve", "注意回款")
            .await
            .unwrap(),
        SheetStatus::Approved
    );
    let approved = day(&rep, &today, "").await.unwrap();
    assert_eq!(
        (
            approved.plan.status,
            approved.plan.reviewer_name.as_deref(),
            approved.plan.review_comment.as_str()
        ),
        (SheetStatus::Approved, Some("陈志强"), "注意回款")
    );
    let notes: Vec<app::notifications::NotificationView> =
        rep.call("notifications/list", &[]).await.unwrap();
    assert!(
        notes.iter().any(|n| n.notice
            == Notice::SheetReviewed {
                who: "陈志强".into(),
                sheet: "plan".into(),
                approved: true,
                comment: "注意回款".into()
            }),
        "{notes:?}"
    );

    // Check-in at the first customer with a location; a location off the globe and another rep's
    // customer are refused. The visit's follow-up and a cost follow.
    let stop = approved.stops[0].id.to_string();
    let first = customers[0].to_string();
    let check_in = |customer: String, stop: String, lat: &'static str, lon: &'static str| {
        let rep = &rep;
        async move {
            rep.call::<i64>(
                "fieldwork/check_in",
                &[
                    ("form[customer_id]", customer.as_str()),
                    ("form[stop_id]", stop.as_str()),
                    ("form[latitude]", lat),
                    ("form[longitude]", lon),
                ],
            )
            .await
        }
    };
    assert_eq!(
        one_field(check_in(first.clone(), stop.clone(), "95", "121.47").await),
        ("location".into(), ErrorCode::InvalidLocation)
    );
    assert_eq!(
        one_field(check_in(foreign.to_string(), String::new(), "", "").await),
        ("customer_id".into(), ErrorCode::UnknownChoice)
    );
    assert!(
        matches!(
            check_in(customers[1].to_string(), stop.clone(), "", "").await,
            Err(AppError::NotFound)
        ),
        "a stop of another customer"
    );
    check_in(first.clone(), stop, "31.2304", "121.4737")
        .await
        .unwrap();
    rep.call::<i64>(
        "customers/follow_up",
        &[
            ("form[customer_id]", first.as_str()),
            ("form[kind]", "visit"),
            ("form[summary]", "拜访：接单。谈妥两台伺服"),
            ("form[intent]", "high"),
        ],
    )
    .await
    .unwrap();
    let expense = |amount: &'static str| {
        let (rep, today, first) = (&rep, today.clone(), first.clone());
        async move {
            rep.call::<()>(
                "fieldwork/add_expense",
                &[
                    ("form[day]", today.as_str()),
                    ("form[kind]", "travel"),
                    ("form[amount]", amount),
                    ("form[customer_id]", first.as_str()),
                ],
            )
            .await
        }
    };
    assert_eq!(one_field(expense("-3").await).0, "amount");
    expense("35.50").await.unwrap();

    let visited = day(&rep, &today, "").await.unwrap();
    assert!(visited.stops[0].checked_in_at.is_some());
    assert_eq!(visited.visits.len(), 1);
    let visit = &visited.visits[0];
    assert!(visit.planned && visit.located);
    assert_eq!(
        visit.result.as_ref().map(|r| r.0.as_str()),
        Some("拜访：接单。谈妥两台伺服")
    );
    let f = &visited.figures;
    assert_eq!(
        (
            f.planned,
            f.planned_done,
            f.visits,
            f.follow_ups,
            f.cost_fen
        ),
        (3, 1, 1, 1, 35_50)
    );

    // The report: attendance is needed to submit; the manager sends it back (with a reason), the
    // rep submits again and the manager signs it off.
    assert_eq!(
        one_field(report(&rep, &visited, "", "submit").await),
        ("attendance".into(), ErrorCode::Required)
    );
    assert_eq!(
        report(&rep, &visited, "", "save").await.unwrap(),
        SheetStatus::Draft
    );
    let drafted = day(&rep, &today, "").await.unwrap();
    assert_eq!(
        report(&rep, &drafted, "present", "submit").await.unwrap(),
        SheetStatus::Submitted
    );
    let waiting = day(&manager, &today, &zhang.id.to_string()).await.unwrap();
    assert_eq!(
        one_field(review(&manager, &waiting.report, "send_back", "").await),
        ("comment".into(), ErrorCode::Required)
    );
    assert_eq!(
        review(&manager, &waiting.report, "send_back", "写清楚竞品的交期")
            .await
            .unwrap(),
        SheetStatus::SentBack
    );
    let sent_back = day(&rep, &today, "").await.unwrap();
    assert_eq!(
        (
            sent_back.report.status,
            sent_back.report.review_comment.as_str()
        ),
        (SheetStatus::SentBack, "写清楚竞品的交期")
    );
    assert_eq!(
        report(&rep, &sent_back, "present", "submit").await.unwrap(),
        SheetStatus::Submitted
    );
    let again = day(&manager, &today, &zhang.id.to_string()).await.unwrap();
    assert_eq!(
        review(&manager, &again.report, "approve", "")
            .await
            .unwrap(),
        SheetStatus::Approved
    );
    let signed = day(&rep, &today, "").await.unwrap();
    assert_eq!(
        (
            signed.report.status,
            signed.report_fields.competitors.as_str()
        ),
        (SheetStatus::Approved, "汇川报价低 8%")
    );
    assert_eq!(
        one_field(report(&rep, &signed, "present", "save").await),
        ("status".into(), ErrorCode::SheetLocked)
    );

    // Efficiency: the manager sees 张伟's day; the rep only themself.
    let period = [
        ("query[from]", today.as_str()),
        ("query[to]", today.as_str()),
    ];
    let team: Efficiency = manager.call("fieldwork/efficiency", &period).await.unwrap();
    let mine = team
        .rows
        .iter()
        .find(|r| r.user_id == zhang.id)
        .unwrap()
        .figures;
    assert_eq!(
        (
            mine.days,
            mine.visits,
            mine.planned_visits,
            mine.planned_done,
            mine.cost_fen
        ),
        (1, 1, 3, 1, 35_50)
    );
    assert_eq!(mine.plan_completion_bp(), Some(3333));
    assert!(team.total.visits >= 1);
    // The same figures as data: JSON and CSV.
    let (status, _, body) = manager
        .get(
            &format!(
                "/api/v1/reports/field?from={today}&to={today}&rep={}",
                zhang.id
            ),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let row = &json["rows"][0];
    assert_eq!(
        (
            row["user_id"].as_i64(),
            row["visits"].as_i64(),
            row["planned_visits"].as_i64(),
            row["cost"].as_str(),
            row["plan_completion"].as_str()
        ),
        (
            Some(zhang.id),
            Some(1),
            Some(3),
            Some("35.50"),
            Some("0.3333")
        )
    );
    assert_eq!(
        (
            json["roll_up_by"].as_str(),
            json["roll_up"][0]["visits"].as_i64()
        ),
        (Some("week"), Some(1))
    );
    let (_, _, csv) = manager
        .get(
            &format!(
                "/api/v1/reports/field?from={today}&to={today}&rep={}&format=csv",
                zhang.id
            ),
            &[],
        )
        .await;
    let csv = csv.trim_start_matches('\u{feff}');
    assert!(csv.starts_with("user_id,name,team,days,visits,visits_per_day,planned_visits,planned_done,plan_completion,cost,cost_per_visit"), "{csv}");
    assert!(
        csv.contains(&format!(
            "{},张伟,上海一组,1,1,1.0,3,1,0.3333,35.50,35.50",
            zhang.id
        )),
        "{csv}"
    );
    let (_, _, body) = other_manager
        .get(
            &format!(
                "/api/v1/reports/field?from={today}&to={today}&rep={}",
                zhang.id
            ),
            &[],
        )
        .await;
    let foreign: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            foreign["rows"].as_array().map(Vec::len),
            foreign["total"]["visits"].as_i64()
        ),
        (Some(0), Some(0)),
        "another team's rep shows nothing: {body}"
    );
    let own: Efficiency = rep.call("fieldwork/efficiency", &period).await.unwrap();
    assert_eq!(
        own.rows.iter().map(|r| r.user_id).collect::<Vec<_>>(),
        [zhang.id]
    );

    // Rules: administrators only, a time of day.
    assert_eq!(
        one_field(
            admin
                .call::<()>(
                    "fieldwork/rules",
                    &[("form[version]", "0"), ("form[report_due]", "25:00")]
                )
                .await
        ),
        ("report_due".into(), ErrorCode::InvalidTime)
    );
    assert!(matches!(
        manager
            .call::<()>(
                "fieldwork/rules",
                &[("form[version]", "0"), ("form[report_due]", "18:30")]
            )
            .await,
        Err(AppError::Forbidden)
    ));
    admin
        .call::<()>(
            "fieldwork/rules",
            &[("form[version]", "0"), ("form[report_due]", "18:30")],
        )
        .await
        .unwrap();
    assert!(matches!(
        admin
            .call::<()>(
                "fieldwork/rules",
                &[("form[version]", "0"), ("form[report_due]", "18:00")]
            )
            .await,
        Err(AppError::Conflict)
    ));
    let team: TeamDay = admin
        .call("fieldwork/team", &[("day", &today)])
        .await
        .unwrap();
    assert_eq!(team.rules.report_due_minutes, 18 * 60 + 30);

    // Signed out, nothing.
    assert!(matches!(
        day(&app.client(), &today, "").await,
        Err(AppError::Unauthorized)
    ));
}

#[tokio::test]
async fn the_suggested_order_groups_by_place_and_a_missing_report_is_late() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let tomorrow = (app::clock::today() + chrono::Duration::days(1)).to_string();
    // Entered as 上海, 杭州, 上海: the suggestion puts the two 上海 customers together.
    let mut ids = Vec::new();
    for (name, city) in [
        ("上海甲有限公司", "上海"),
        ("杭州乙有限公司", "杭州"),
        ("上海丙有限公司", "上海"),
    ] {
        ids.push(
            rep.call::<i64>(
                "customers/save",
                &[("form[name]", name), ("form[city]", city)],
            )
            .await
            .unwrap(),
        );
    }
    for id in &ids {
        add(&rep, &tomorrow, *id, "develop", "").await.unwrap();
    }
    let planned = day(&rep, &tomorrow, "").await.unwrap();
    let stop_of = |customer: i64| {
        planned
            .stops
            .iter()
            .find(|s| s.customer_id == customer)
            .unwrap()
            .id
    };
    assert_eq!(
        planned.suggested,
        [stop_of(ids[0]), stop_of(ids[2]), stop_of(ids[1])]
    );
    assert!(!planned.report.late, "tomorrow's report is not due");
    let version = planned.plan.version;
    assert!(matches!(
        rep.call::<()>(
            "fieldwork/reorder",
            &[
                ("day", tomorrow.as_str()),
                ("version", &(version - 1).to_string())
            ]
        )
        .await,
        Err(AppError::Conflict)
    ));
    rep.call::<()>(
        "fieldwork/reorder",
        &[
            ("day", tomorrow.as_str()),
            ("version", &version.to_string()),
        ],
    )
    .await
    .unwrap();
    let reordered = day(&rep, &tomorrow, "").await.unwrap();
    assert_eq!(
        reordered
            .stops
            .iter()
            .map(|s| s.customer_id)
            .collect::<Vec<_>>(),
        [ids[0], ids[2], ids[1]]
    );
    assert!(
        reordered.suggested.is_empty(),
        "the plan follows the suggestion now"
    );
    // Reports are for days that have come; one never written is late once its day has passed.
    let form = [
        ("form[day]", tomorrow.as_str()),
        ("form[attendance]", "present"),
        ("form[intent]", "submit"),
    ];
    assert_eq!(
        one_field(
            rep.call::<SheetStatus>("fieldwork/save_report", &form)
                .await
        ),
        ("day".into(), ErrorCode::FutureDay)
    );
    let last_week = (app::clock::today() - chrono::Duration::days(7)).to_string();
    assert!(day(&rep, &last_week, "").await.unwrap().report.late);
}

#[tokio::test]
async fn the_pool_waits_for_a_planned_visit_and_a_pool_visit_is_claimed_before_it_is_logged() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let zhang = person(&app, "rep").await;
    let save = |name: &'static str| {
        let rep = &rep;
        async move {
            rep.call::<i64>("customers/save", &[("form[name]", name)])
                .await
                .unwrap()
        }
    };
    let planned = save("宁波港城机电设备有限公司").await;
    let idle = save("绍兴柯桥纺机配件厂").await;
    let today = app::clock::today().to_string();
    add(&rep, &today, planned, "take_order", "09:00-10:00")
        .await
        .unwrap();
    let owner = |id: i64| {
        let db = &app.db;
        async move {
            customer::Entity::find_by_id(id)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .owner_id
        }
    };

    // Two customers owned for 40 days without a follow-up are due under a 30-day rule; the rep
    // walks in on one unplanned and checks in, so that one waits for the visit to be logged.
    let now = app::clock::now();
    let (stale, walked_in) = (
        save("嘉兴南湖电缆厂").await,
        save("温州瓯海阀门有限公司").await,
    );
    customer::Entity::update_many()
        .col_expr(
            customer::Column::OwnedSince,
            sea_orm::sea_query::Expr::value(now - chrono::Duration::days(40)),
        )
        .filter(customer::Column::Id.is_in([stale, walked_in]))
        .exec(&app.db)
        .await
        .unwrap();
    rep.call::<i64>(
        "fieldwork/check_in",
        &[("form[customer_id]", walked_in.to_string().as_str())],
    )
    .await
    .unwrap();
    app::customers::service::return_neglected_to_pool(&app.db, now, 30)
        .await
        .unwrap();
    assert_eq!(owner(stale).await, None);
    assert_eq!(owner(walked_in).await, Some(zhang.id), "checked in today");

    // A rule of zero days takes every customer not worked on, but not one on today's plan.
    app::customers::service::return_neglected_to_pool(&app.db, now, 0)
        .await
        .unwrap();
    assert_eq!(owner(planned).await, Some(zhang.id), "planned for today");
    assert_eq!(owner(idle).await, None);

    // The rep plans the pool customer too and checks in: the visit asks for a claim, logging
    // before it is refused, and after it the visit is logged as usual.
    add(&rep, &today, idle, "develop", "10:30-11:30")
        .await
        .unwrap();
    let plan = day(&rep, &today, "").await.unwrap();
    let stop = plan.stops.iter().find(|s| s.customer_id == idle).unwrap();
    rep.call::<i64>(
        "fieldwork/check_in",
        &[
            ("form[customer_id]", idle.to_string().as_str()),
            ("form[stop_id]", stop.id.to_string().as_str()),
        ],
    )
    .await
    .unwrap();
    let visit_of = |day: &FieldDay| day.visits.iter().find(|v| v.customer_id == idle).cloned();
    let visit = visit_of(&day(&rep, &today, "").await.unwrap()).unwrap();
    assert!(visit.in_pool && visit.result.is_none());
    let idle_id = idle.to_string();
    let form = [
        ("form[customer_id]", idle_id.as_str()),
        ("form[kind]", "visit"),
        ("form[summary]", "拜访：开发。对方有扩产计划"),
        ("form[intent]", "high"),
    ];
    let log = || rep.call::<i64>("customers/follow_up", &form);
    assert_eq!(log().await, Err(AppError::Forbidden));
    rep.call::<()>("customers/claim", &[("id", &idle.to_string())])
        .await
        .unwrap();
    log().await.unwrap();
    let visit = visit_of(&day(&rep, &today, "").await.unwrap()).unwrap();
    assert!(!visit.in_pool);
    assert_eq!(
        visit.result.map(|r| r.0),
        Some("拜访：开发。对方有扩产计划".to_string())
    );

    // Once the planned day is behind the rep, the rule applies to that customer again.
    let later = now + chrono::Duration::days(2);
    app::customers::service::return_neglected_to_pool(&app.db, later, 0)
        .await
        .unwrap();
    assert_eq!(owner(planned).await, None);
    assert_eq!(owner(idle).await, None);
}
