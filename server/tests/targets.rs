//! Targets through the real HTTP stack and on both databases: a company target spread to every
//! rep and month, a team's year split by last year's pattern, a locked March surviving an edit
//! of the team's Q1, who may change what, and progress computed from orders and payments and
//! checked against figures worked out by hand.
mod common;

use app::domain::forms::ErrorCode;
use app::domain::targets::{Light, Metric};
use app::entities::{payment, user};
use app::error::AppError;
use app::targets::{ProgressReport, TargetChange, TargetGrid};
use chrono::Datelike;
use common::{fields, order, Client, TestApp};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

async fn grid(client: &Client) -> TargetGrid {
    client
        .call("targets/grid", &[("year", "2026"), ("metric", "sales")])
        .await
        .unwrap()
}

async fn set(
    client: &Client,
    node: &str,
    period: &str,
    amount: &str,
    version: i32,
) -> Result<i32, AppError> {
    client
        .call(
            "targets/set",
            &[
                ("year", "2026"),
                ("metric", "sales"),
                ("node", node),
                ("period", period),
                ("amount", amount),
                ("version", &version.to_string()),
            ],
        )
        .await
}

async fn history(client: &Client) -> Result<Vec<TargetChange>, AppError> {
    client
        .call("targets/history", &[("year", "2026"), ("metric", "sales")])
        .await
}

async fn person(app: &TestApp, username: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

fn row<'a>(grid: &'a TargetGrid, node: &str) -> &'a [i64] {
    &grid
        .rows
        .iter()
        .find(|r| r.node == node)
        .unwrap_or_else(|| panic!("no row {node}"))
        .months
}

/// Every row equals the sum of the rows one level below it, month by month.
fn assert_levels_add_up(grid: &TargetGrid) {
    for (i, parent) in grid.rows.iter().enumerate() {
        let children: Vec<_> = grid.rows[i + 1..]
            .iter()
            .take_while(|r| r.depth > parent.depth)
            .filter(|r| r.depth == parent.depth + 1)
            .collect();
        if children.is_empty() {
            continue;
        }
        for month in 0..12 {
            assert_eq!(
                parent.months[month],
                children.iter().map(|c| c.months[month]).sum::<i64>(),
                "{} month {}",
                parent.node,
                month + 1
            );
        }
    }
}

#[tokio::test]
async fn a_team_target_splits_by_last_years_pattern_and_keeps_a_locked_march_when_q1_changes() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let manager = app.signed_in("manager").await;
    let rep = app.signed_in("rep").await;
    let (rep_user, wang, manager_user) = (
        person(&app, "rep").await,
        person(&app, "wang.fang").await,
        person(&app, "manager").await,
    );
    let team = format!("team:{}", manager_user.team_id.unwrap());
    let (rep_node, wang_node) = (format!("user:{}", rep_user.id), format!("user:{}", wang.id));

    // The company's year, spread evenly over every rep and month.
    let version = set(&admin, "company", "2026", "1080000", 0).await.unwrap();
    let shown = grid(&admin).await;
    assert_eq!(row(&shown, "company").iter().sum::<i64>(), 108_000_000);
    assert_levels_add_up(&shown);
    let reps = shown
        .rows
        .iter()
        .filter(|r| r.node.starts_with("user:"))
        .count() as i64;
    assert_eq!(reps, 15);
    assert_eq!(row(&shown, &rep_node), [600_000; 12], "even");

    // The administrator gives the Shanghai team 400,000; the other teams share the rest.
    let version = set(&admin, &team, "2026", "400000", version).await.unwrap();
    let shown = grid(&admin).await;
    assert_eq!(row(&shown, &team).iter().sum::<i64>(), 40_000_000);
    assert_eq!(
        row(&shown, "company").iter().sum::<i64>(),
        108_000_000,
        "the company's year stays"
    );
    assert_levels_add_up(&shown);

    // Last year: 张伟 sold 300 in March, 王芳 100 in June; nobody else in the team sold anything.
    let customer: i64 = rep
        .call("customers/save", &[("form[name]", "目标测试客户有限公司")])
        .await
        .unwrap();
    order(&app, rep_user.id, customer, (2025, 3, 10), 30_000, 0).await;
    order(&app, wang.id, customer, (2025, 6, 10), 10_000, 0).await;
    let split = |method: &str, version: i32| {
        let (manager, team) = (&manager, team.clone());
        let method = method.to_string();
        async move {
            manager
                .call::<i32>(
                    "targets/split",
                    &[
                        ("year", "2026"),
                        ("metric", "sales"),
                        ("node", &team),
                        ("period", "2026"),
                        ("method", &method),
                        ("version", &version.to_string()),
                    ],
                )
                .await
        }
    };
    assert_eq!(
        split("pattern", version - 1).await,
        Err(AppError::Conflict),
        "a stale plan is refused"
    );
    let version = split("pattern", version).await.unwrap();
    let shown = grid(&manager).await;
    // March takes 3/4 of 400,000 and June 1/4; within each month 张伟 3/4 and 王芳 1/4.
    let mut expected_rep = [0i64; 12];
    expected_rep[2] = 22_500_000;
    expected_rep[5] = 7_500_000;
    let mut expected_wang = [0i64; 12];
    expected_wang[2] = 7_500_000;
    expected_wang[5] = 2_500_000;
    assert_eq!(row(&shown, &rep_node), expected_rep);
    assert_eq!(row(&shown, &wang_node), expected_wang);
    assert_levels_add_up(&shown);
    assert!(
        shown.rows.iter().all(|r| r.node != "company"),
        "a manager's grid is their team"
    );

    // Lock 张伟's March, then raise the team's Q1 from 300,000 to 360,000: Q2 gives up 60,000,
    // the locked March stays, 王芳's March takes the rest of Q1.
    let version = manager
        .call::<i32>(
            "targets/lock",
            &[
                ("year", "2026"),
                ("metric", "sales"),
                ("user_id", &rep_user.id.to_string()),
                ("month", "3"),
                ("locked", "true"),
                ("version", &version.to_string()),
            ],
        )
        .await
        .unwrap();
    let version = set(&manager, &team, "2026-Q1", "360000", version)
        .await
        .unwrap();
    let shown = grid(&manager).await;
    let team_months = row(&shown, &team);
    assert_eq!(
        (
            team_months[..3].iter().sum::<i64>(),
            team_months[3..6].iter().sum::<i64>(),
            team_months.iter().sum::<i64>()
        ),
        (36_000_000, 4_000_000, 40_000_000)
    );
    assert_eq!(
        (row(&shown, &rep_node)[2], row(&shown, &wang_node)[2]),
        (22_500_000, 13_500_000)
    );
    assert_eq!(
        (row(&shown, &rep_node)[5], row(&shown, &wang_node)[5]),
        (3_000_000, 1_000_000)
    );
    assert!(
        shown
            .rows
            .iter()
            .find(|r| r.node == rep_node)
            .unwrap()
            .locked[2]
    );
    assert_levels_add_up(&shown);
    assert_levels_add_up(&grid(&admin).await);

    // What cannot be done, at the field that caused it.
    let error = set(&manager, &rep_node, "2026-Q1", "100", version)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [(
            "amount".to_string(),
            ErrorCode::TargetBelowLocked {
                floor: "225000.00".into()
            }
        )]
    );
    assert_eq!(
        fields(
            &set(&manager, &team, "2026-Q1", "-5", version)
                .await
                .unwrap_err()
        ),
        [("amount".to_string(), ErrorCode::InvalidAmount)]
    );
    assert_eq!(
        fields(
            &set(&manager, &team, "2026-W05", "5", version)
                .await
                .unwrap_err()
        ),
        [("period".to_string(), ErrorCode::InvalidDate)]
    );
    assert_eq!(
        set(&manager, &team, "2026", "1", version).await,
        Err(AppError::Forbidden),
        "a team's year moves the other teams"
    );
    assert_eq!(
        set(&manager, "company", "2026-Q1", "1", version).await,
        Err(AppError::Forbidden)
    );
    let hangzhou = format!("team:{}", person(&app, "liu.yang").await.team_id.unwrap());
    assert_eq!(
        set(&manager, &hangzhou, "2026-Q1", "1", version).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        set(&rep, &rep_node, "2026-03", "1", version).await,
        Err(AppError::Forbidden),
        "reps read their targets"
    );
    assert_eq!(
        set(&manager, &team, "2026-Q2", "1", version - 1).await,
        Err(AppError::Conflict)
    );
    let own = grid(&rep).await;
    assert_eq!(
        own.rows.iter().map(|r| r.node.as_str()).collect::<Vec<_>>(),
        [rep_node.as_str()],
        "a rep sees their own row"
    );
    assert!(!own.rows[0].editable);

    // Publishing is the company's; changes after it are recorded.
    assert_eq!(
        manager
            .call::<i32>(
                "targets/publish",
                &[
                    ("year", "2026"),
                    ("metric", "sales"),
                    ("version", &version.to_string())
                ]
            )
            .await,
        Err(AppError::Forbidden)
    );
    let version = admin
        .call::<i32>(
            "targets/publish",
            &[
                ("year", "2026"),
                ("metric", "sales"),
                ("version", &version.to_string()),
            ],
        )
        .await
        .unwrap();
    let version = set(&manager, &team, "2026-Q3", "0", version).await.unwrap();
    let changes = app::entities::target_change::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        changes
            .iter()
            .map(|c| (
                c.node.as_str(),
                c.period.as_str(),
                c.old_amount,
                c.new_amount,
                c.actor_id
            ))
            .collect::<Vec<_>>(),
        [(team.as_str(), "2026-Q3", 0, 0, Some(manager_user.id))]
    );
    assert_eq!(grid(&admin).await.plan.status, "published");

    // The history shows each viewer the changes to rows they see, newest first.
    set(&admin, "company", "2026-Q4", "200000", version)
        .await
        .unwrap();
    let seen_by_admin = history(&admin).await.unwrap();
    assert_eq!(
        seen_by_admin
            .iter()
            .map(|c| (c.node.as_str(), c.period.as_str()))
            .collect::<Vec<_>>(),
        [("company", "2026-Q4"), (team.as_str(), "2026-Q3")]
    );
    assert_eq!(
        (seen_by_admin[0].new_amount, seen_by_admin[1].who.as_str()),
        (20_000_000, manager_user.display_name.as_str())
    );
    let seen_by_manager = history(&manager).await.unwrap();
    assert_eq!(
        seen_by_manager
            .iter()
            .map(|c| c.node.as_str())
            .collect::<Vec<_>>(),
        [team.as_str()],
        "not the company's change"
    );
    assert_eq!(
        seen_by_manager[0].label,
        shown.rows.iter().find(|r| r.node == team).unwrap().label
    );
    assert_eq!(
        history(&rep).await.unwrap(),
        [],
        "a rep sees changes to their own row only"
    );
    assert_eq!(history(&app.client()).await, Err(AppError::Unauthorized));
}

#[tokio::test]
async fn progress_comes_from_orders_payments_and_first_orders_and_matches_figures_worked_by_hand() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let rep = app.signed_in("rep").await;
    let (rep_user, wang, manager_user) = (
        person(&app, "rep").await,
        person(&app, "wang.fang").await,
        person(&app, "manager").await,
    );
    let team = format!("team:{}", manager_user.team_id.unwrap());
    let rep_node = format!("user:{}", rep_user.id);

    // 张伟 holds 12,000 a month in 2026 (144,000 for the year).
    let version = set(&admin, "company", "2026", "2160000", 0).await.unwrap();
    assert_eq!(row(&grid(&admin).await, &rep_node), [1_200_000; 12]);
    let _ = version;

    // Orders: 张伟 10,000 (cost 6,000) on 2 November and 5,000 (cost 2,000) on 20 November to a
    // new customer, 8,000 from 王芳 on 15 October to another; 3,000 collected on 21 November.
    let first: i64 = rep
        .call("customers/save", &[("form[name]", "进度测试甲有限公司")])
        .await
        .unwrap();
    let second: i64 = app
        .signed_in("wang.fang")
        .await
        .call("customers/save", &[("form[name]", "进度测试乙有限公司")])
        .await
        .unwrap();
    let big = order(&app, rep_user.id, first, (2026, 11, 2), 1_000_000, 600_000).await;
    order(&app, rep_user.id, first, (2026, 11, 20), 500_000, 200_000).await;
    order(&app, wang.id, second, (2026, 10, 15), 800_000, 0).await;
    payment::ActiveModel {
        order_id: Set(big.id),
        customer_id: Set(first),
        owner_id: Set(rep_user.id),
        received_on: Set(chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()),
        amount_fen: Set(300_000),
        method: Set(String::new()),
        note: Set(String::new()),
        recorded_by: Set(None),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    // An open deal of 100,000 at the first stage (10%) expected on 15 December.
    let form = [
        ("form[customer_id]", first.to_string()),
        ("form[title]", "扩容".to_string()),
        ("form[amount]", "100000".into()),
        ("form[expected_close_on]", "2026-12-15".into()),
        ("form[owner_id]", String::new()),
        ("form[version]", "0".into()),
    ];
    let _: i64 = rep
        .call(
            "pipeline/save",
            &form
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();

    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let db = &app.db;
    let report = |metric: Metric, node: &str, who: user::Model| {
        let node = node.to_string();
        async move {
            app::targets::service::progress(
                db,
                &app::auth::service::load_actor(db, who).await.unwrap(),
                2026,
                metric,
                &node,
                today,
                None,
            )
            .await
        }
    };
    let sales: ProgressReport = report(Metric::Sales, &rep_node, rep_user.clone())
        .await
        .unwrap();
    assert_eq!(
        sales
            .periods
            .iter()
            .map(|p| p.period.as_str())
            .collect::<Vec<_>>(),
        ["2026", "2026-Q4", "2026-11", "2026-W48"]
    );
    let year = sales.periods[0].progress;
    assert_eq!(
        (year.target, year.actual, year.gap),
        (14_400_000, 1_500_000, 12_900_000)
    );
    // 23 November is day 327 of 365: 1,500,000 × 365 ÷ 327.
    assert_eq!(
        (year.elapsed_permille, year.projection, year.light),
        (895, 1_674_311, Light::Red)
    );
    assert_eq!(
        (
            year.weighted_pipeline,
            year.pipeline_needed,
            year.deals_needed
        ),
        (1_000_000, 11_900_000, None),
        "no closed deals yet: no win rate"
    );
    let month = sales.periods[2].progress;
    assert_eq!(
        (month.target, month.actual, month.achievement_permille),
        (1_200_000, 1_500_000, Some(1250))
    );
    // Week 48 (23–29 November): seven of November's thirty days at 40,000 a day.
    let week = sales.periods[3].progress;
    assert_eq!((week.target, week.actual), (280_000, 0));
    // November week by week: the six ISO weeks that touch it, each whole. Week 45 (2–8 November)
    // asks 7 × 40,000 and got the 10,000.00 order (357.1%); week 47 (16–22 November) the 5,000.00 one.
    // Week 44 (26 October–1 November) takes six days of October and one of November's 40,000:
    // October's 1,200,000 spread over 31 days gives its first 21 days 38,710 and its last ten
    // 38,709, so 6 × 38,709 + 40,000 = 272,254; week 49 takes 30 November and the first six
    // days of December (6 × 38,710): 272,260.
    let weeks: Vec<(&str, i64, i64)> = sales
        .weeks
        .iter()
        .map(|w| (w.period.as_str(), w.progress.target, w.progress.actual))
        .collect();
    assert_eq!(
        weeks.iter().map(|w| w.0).collect::<Vec<_>>(),
        ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    );
    assert_eq!(
        (weeks[1], weeks[3]),
        (
            ("2026-W45", 280_000, 1_000_000),
            ("2026-W47", 280_000, 500_000)
        )
    );
    assert_eq!((weeks[0].1, weeks[5].1), (272_254, 272_260));
    assert_eq!(sales.weeks[1].progress.achievement_permille, Some(3571));
    assert_eq!(
        (
            sales.weeks[4].progress.elapsed_permille,
            sales.weeks[5].progress.elapsed_permille
        ),
        (142, 0),
        "23 November is the first of week 48's seven days"
    );

    let profit = report(Metric::GrossProfit, &rep_node, rep_user.clone())
        .await
        .unwrap();
    assert_eq!(profit.periods[0].progress.actual, 700_000);
    let collected = report(Metric::Collections, &rep_node, rep_user.clone())
        .await
        .unwrap();
    assert_eq!(collected.periods[2].progress.actual, 300_000);

    // The team: both new customers in the year; November's figures per rep.
    let new_customers = report(Metric::NewCustomers, &team, manager_user.clone())
        .await
        .unwrap();
    assert_eq!(new_customers.periods[0].progress.actual, 2);
    let team_sales = report(Metric::Sales, &team, manager_user.clone())
        .await
        .unwrap();
    assert_eq!(team_sales.periods[0].progress.actual, 2_300_000);
    assert_eq!(team_sales.child_period, "2026-11");
    let children: Vec<(&str, i64)> = team_sales
        .children
        .iter()
        .map(|c| (c.label.as_str(), c.progress.actual))
        .filter(|(_, a)| *a > 0)
        .collect();
    assert_eq!(children, [("张伟", 1_500_000)]);
    assert_eq!(team_sales.burn_up.actual.len(), 11);
    assert_eq!(team_sales.burn_up.actual[9..], [800_000, 2_300_000]);
    assert_eq!(
        team_sales.parent.as_deref(),
        None,
        "the manager sees no level above the team"
    );
    // Drilled into October: its quarter, the month, its first week, October's weeks, and the
    // members' October (王芳's 8,000.00).
    let october = app::targets::service::progress(
        db,
        &app::auth::service::load_actor(db, manager_user.clone())
            .await
            .unwrap(),
        2026,
        Metric::Sales,
        &team,
        today,
        Some(10),
    )
    .await
    .unwrap();
    assert_eq!(
        october
            .periods
            .iter()
            .map(|p| p.period.as_str())
            .collect::<Vec<_>>(),
        ["2026", "2026-Q4", "2026-10", "2026-W40"]
    );
    assert_eq!(
        (
            october.child_period.as_str(),
            october.periods[2].progress.actual,
            october.periods[2].progress.elapsed_permille
        ),
        ("2026-10", 800_000, 1000)
    );
    assert_eq!(
        october.weeks.first().map(|w| w.period.as_str()),
        Some("2026-W40")
    );
    assert_eq!(october.weeks.len(), 5, "weeks 40 to 44");
    assert_eq!(
        october
            .children
            .iter()
            .filter(|c| c.progress.actual > 0)
            .map(|c| (c.label.as_str(), c.progress.actual))
            .collect::<Vec<_>>(),
        [("王芳", 800_000)]
    );
    let bad_month = app::targets::service::progress(
        db,
        &app::auth::service::load_actor(db, manager_user.clone())
            .await
            .unwrap(),
        2026,
        Metric::Sales,
        &team,
        today,
        Some(13),
    )
    .await;
    assert_eq!(
        bad_month.unwrap_err(),
        AppError::field("month", ErrorCode::OutOfRange { min: 1, max: 12 })
    );
    let drilled: ProgressReport = admin
        .call(
            "targets/progress",
            &[
                ("year", "2026"),
                ("metric", "sales"),
                ("node", &team),
                ("month", "10"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(drilled.child_period, "2026-10");

    // Visibility: a rep reads their own progress only; the server function answers the same.
    assert_eq!(
        report(Metric::Sales, &team, rep_user.clone())
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    let own: ProgressReport = rep
        .call(
            "targets/progress",
            &[("year", "2026"), ("metric", "sales"), ("node", "")],
        )
        .await
        .unwrap();
    assert_eq!(own.node, rep_node);
    let other = format!("user:{}", wang.id);
    assert_eq!(
        rep.call::<ProgressReport>(
            "targets/progress",
            &[("year", "2026"), ("metric", "sales"), ("node", &other)]
        )
        .await
        .unwrap_err(),
        AppError::NotFound
    );
}

#[tokio::test]
async fn the_demo_plans_follow_the_seeded_orders() {
    let app = TestApp::demo().await;
    let now = chrono::Utc::now();
    app::seed_customers::seed_customers(&app.db, now, 240, 2)
        .await
        .unwrap();
    app::seed_pipeline::seed_pipeline(
        &app.db,
        now,
        app::seed_pipeline::DealPlan {
            open: 100,
            lost: 20,
            history: true,
        },
    )
    .await
    .unwrap();
    let today = app::clock::today();
    assert_eq!(
        app::targets::service::seed_demo_targets(&app.db, today)
            .await
            .unwrap(),
        8,
        "four metrics, last year and this year"
    );
    assert_eq!(
        app::targets::service::seed_demo_targets(&app.db, today)
            .await
            .unwrap(),
        0,
        "seeding twice adds nothing"
    );
    let admin = app::auth::service::load_actor(&app.db, person(&app, "admin").await)
        .await
        .unwrap();
    // Last year's target is last year's sales plus 5% (months without sales at the rep's average),
    // so last year ends between 80% and 100% achieved.
    let last_year = app::targets::service::progress(
        &app.db,
        &admin,
        today.year() - 1,
        Metric::Sales,
        "",
        today,
        None,
    )
    .await
    .unwrap();
    let year = last_year.periods[0].progress;
    assert!(year.actual > 0, "the seed has last year's orders");
    let achieved = year.achievement_permille.unwrap();
    assert!(
        (800..=1000).contains(&achieved),
        "{achieved}‰ of {} ({})",
        year.target,
        year.actual
    );
    let this_year = app::targets::service::progress(
        &app.db,
        &admin,
        today.year(),
        Metric::Sales,
        "",
        today,
        None,
    )
    .await
    .unwrap();
    assert!(
        this_year.periods[0].progress.target > year.target,
        "this year asks for more"
    );
    let grid = app::targets::service::grid(&app.db, &admin, today.year(), Metric::Collections)
        .await
        .unwrap();
    assert_eq!(grid.plan.status, "published");
    assert_levels_add_up(&grid);
}
