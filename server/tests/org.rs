//! Settings and visibility: every organisation server function, allowed and denied.
mod common;

use app::domain::forms::ErrorCode;
use app::error::AppError;
use app::org::{OrgOverview, PersonRow};
use common::{fields, TestApp};

async fn overview(app: &TestApp) -> OrgOverview {
    app.signed_in("admin")
        .await
        .call("org/overview", &[])
        .await
        .unwrap()
}

#[tokio::test]
async fn each_role_sees_the_people_the_visibility_rule_allows() {
    let app = TestApp::demo().await;
    let names = |people: Vec<PersonRow>| {
        people
            .into_iter()
            .map(|p| p.display_name)
            .collect::<Vec<_>>()
    };

    let rep: Vec<PersonRow> = app
        .signed_in("rep")
        .await
        .call("org/people", &[])
        .await
        .unwrap();
    assert_eq!(names(rep), ["张伟"]);

    let manager: Vec<PersonRow> = app
        .signed_in("manager")
        .await
        .call("org/people", &[])
        .await
        .unwrap();
    assert_eq!(
        manager.len(),
        6,
        "the manager and the five reps of 上海一组"
    );
    assert!(manager
        .iter()
        .all(|p| p.team_name.as_deref() == Some("上海一组")));

    let director: Vec<PersonRow> = app
        .signed_in("director")
        .await
        .call("org/people", &[])
        .await
        .unwrap();
    assert_eq!(
        director.len(),
        19,
        "the director, 3 managers and 15 reps of 华东销售部"
    );

    let admin: Vec<PersonRow> = app
        .signed_in("admin")
        .await
        .call("org/people", &[])
        .await
        .unwrap();
    assert_eq!(admin.len(), 20);

    assert_eq!(
        app.client().call::<Vec<PersonRow>>("org/people", &[]).await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn only_admins_may_use_the_settings_functions() {
    let app = TestApp::demo().await;
    let org = overview(&app).await;
    assert_eq!(
        (org.departments.len(), org.teams.len(), org.users.len()),
        (1, 3, 20)
    );
    let rep_row = org.users.iter().find(|u| u.username == "rep").unwrap();
    let (id, version) = (rep_row.id.to_string(), rep_row.version.to_string());

    for username in ["manager", "director", "rep"] {
        let client = app.signed_in(username).await;
        assert_eq!(
            client.call::<OrgOverview>("org/overview", &[]).await,
            Err(AppError::Forbidden),
            "{username}"
        );
        let save = client
            .call::<i64>(
                "org/save_user",
                &[
                    ("form[username]", "intruder"),
                    ("form[display_name]", "X"),
                    ("form[role]", "admin"),
                    ("form[password]", "password123"),
                ],
            )
            .await;
        assert_eq!(save, Err(AppError::Forbidden), "{username}");
        let deactivate = client
            .call::<()>(
                "org/set_user_active",
                &[("id", &id), ("active", "false"), ("version", &version)],
            )
            .await;
        assert_eq!(deactivate, Err(AppError::Forbidden), "{username}");
        assert_eq!(
            client
                .call::<i64>("org/save_team", &[("form[name]", "影子组")])
                .await,
            Err(AppError::Forbidden)
        );
        assert_eq!(
            client
                .call::<i64>("org/create_department", &[("name", "影子部")])
                .await,
            Err(AppError::Forbidden)
        );
    }
    let anonymous = app.client();
    assert_eq!(
        anonymous.call::<OrgOverview>("org/overview", &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        anonymous
            .call::<i64>("org/create_department", &[("name", "影子部")])
            .await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        overview(&app).await.users.len(),
        20,
        "nothing was created by the refused calls"
    );
}

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_sign_in() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let team = overview(&app)
        .await
        .teams
        .into_iter()
        .find(|t| t.name == "杭州组")
        .unwrap();
    let id: i64 = admin
        .call(
            "org/save_user",
            &[
                ("form[username]", "Qian.Duoduo"),
                ("form[display_name]", "钱多多"),
                ("form[role]", "rep"),
                ("form[team_id]", &team.id.to_string()),
                ("form[password]", "secret-pass"),
            ],
        )
        .await
        .unwrap();
    let created = overview(&app)
        .await
        .users
        .into_iter()
        .find(|u| u.id == id)
        .unwrap();
    assert_eq!(
        (created.username.as_str(), created.team_name.as_deref()),
        ("qian.duoduo", Some("杭州组"))
    );
    let client = app.client();
    client.login("qian.duoduo", "secret-pass").await.unwrap();
    assert_eq!(client.me().await.unwrap().display_name, "钱多多");
}

#[tokio::test]
async fn bad_user_input_is_reported_per_field_and_nothing_is_saved() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let error = admin
        .call::<i64>(
            "org/save_user",
            &[
                ("form[username]", "张三丰"),
                ("form[display_name]", ""),
                ("form[role]", "boss"),
                ("form[team_id]", "999999"),
                ("form[password]", "short"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [
            ("username".to_string(), ErrorCode::UsernameCharacters),
            ("display_name".to_string(), ErrorCode::Required),
            ("role".to_string(), ErrorCode::UnknownChoice),
            ("password".to_string(), ErrorCode::TooShort { min: 8 }),
            ("team_id".to_string(), ErrorCode::UnknownChoice),
        ]
    );
    let duplicate = admin
        .call::<i64>(
            "org/save_user",
            &[
                ("form[username]", "REP"),
                ("form[display_name]", "重名"),
                ("form[role]", "rep"),
                ("form[password]", "password123"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&duplicate),
        [("username".to_string(), ErrorCode::Taken)]
    );
    assert_eq!(overview(&app).await.users.len(), 20);
}

#[tokio::test]
async fn a_stale_edit_is_refused_instead_of_overwriting() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let row = overview(&app)
        .await
        .users
        .into_iter()
        .find(|u| u.username == "wang.fang")
        .unwrap();
    let edit = |name: &'static str, version: i32| {
        let id = row.id.to_string();
        let admin = &admin;
        async move {
            admin
                .call::<i64>(
                    "org/save_user",
                    &[
                        ("form[id]", &id),
                        ("form[version]", &version.to_string()),
                        ("form[username]", "wang.fang"),
                        ("form[display_name]", name),
                        ("form[role]", "rep"),
                    ],
                )
                .await
        }
    };
    assert_eq!(edit("王芳芳", row.version).await, Ok(row.id));
    assert_eq!(
        edit("王小芳", row.version).await,
        Err(AppError::Conflict),
        "second edit from the same old version"
    );
    let now = overview(&app)
        .await
        .users
        .into_iter()
        .find(|u| u.id == row.id)
        .unwrap();
    assert_eq!(
        (now.display_name.as_str(), now.version),
        ("王芳芳", row.version + 1)
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let me = overview(&app)
        .await
        .users
        .into_iter()
        .find(|u| u.username == "admin")
        .unwrap();
    let error = admin
        .call::<()>(
            "org/set_user_active",
            &[
                ("id", &me.id.to_string()),
                ("active", "false"),
                ("version", &me.version.to_string()),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [("active".to_string(), ErrorCode::OwnAccount)]
    );
    let error = admin
        .call::<i64>(
            "org/save_user",
            &[
                ("form[id]", &me.id.to_string()),
                ("form[version]", &me.version.to_string()),
                ("form[username]", "admin"),
                ("form[display_name]", "管理员"),
                ("form[role]", "rep"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [("role".to_string(), ErrorCode::OwnAccount)]
    );
}

#[tokio::test]
async fn teams_and_departments_are_created_and_renamed_with_version_checks() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let department: i64 = admin
        .call("org/create_department", &[("name", "华南销售部")])
        .await
        .unwrap();
    let duplicate = admin
        .call::<i64>("org/create_department", &[("name", "华南销售部")])
        .await
        .unwrap_err();
    assert_eq!(fields(&duplicate), [("name".to_string(), ErrorCode::Taken)]);

    let manager = overview(&app)
        .await
        .users
        .into_iter()
        .find(|u| u.username == "liu.yang")
        .unwrap();
    let team: i64 = admin
        .call(
            "org/save_team",
            &[
                ("form[name]", "广州组"),
                ("form[department_id]", &department.to_string()),
                ("form[manager_id]", &manager.id.to_string()),
            ],
        )
        .await
        .unwrap();
    let row = overview(&app)
        .await
        .teams
        .into_iter()
        .find(|t| t.id == team)
        .unwrap();
    assert_eq!(
        (row.department_name.as_deref(), row.manager_name.as_deref()),
        (Some("华南销售部"), Some("刘洋"))
    );

    let rename = |version: i32| {
        let admin = &admin;
        async move {
            admin
                .call::<i64>(
                    "org/save_team",
                    &[
                        ("form[id]", &team.to_string()),
                        ("form[version]", &version.to_string()),
                        ("form[name]", "广州一组"),
                    ],
                )
                .await
        }
    };
    assert_eq!(rename(row.version).await, Ok(team));
    assert_eq!(rename(row.version).await, Err(AppError::Conflict));
    // 刘洋 now leads two teams and sees both.
    let people: Vec<PersonRow> = app
        .signed_in("liu.yang")
        .await
        .call("org/people", &[])
        .await
        .unwrap();
    assert_eq!(
        people.len(),
        6,
        "杭州组 (5 reps + 刘洋); 广州一组 has no members yet"
    );
}

#[tokio::test]
async fn an_admin_deactivates_a_team_which_then_cannot_be_picked() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let team = overview(&app)
        .await
        .teams
        .into_iter()
        .find(|t| t.name == "南京组")
        .unwrap();
    let toggle = |client: &common::Client, active: &'static str, version: i32| {
        let id = team.id.to_string();
        let client = client.http.clone();
        let base = app.base.clone();
        async move {
            let c = common::Client { base, http: client };
            c.call::<()>(
                "org/set_team_active",
                &[
                    ("id", &id),
                    ("active", active),
                    ("version", &version.to_string()),
                ],
            )
            .await
        }
    };
    assert_eq!(
        toggle(&app.signed_in("manager").await, "false", team.version).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(toggle(&admin, "false", team.version).await, Ok(()));
    assert_eq!(
        toggle(&admin, "true", team.version).await,
        Err(AppError::Conflict),
        "stale version"
    );
    let now = overview(&app)
        .await
        .teams
        .into_iter()
        .find(|t| t.id == team.id)
        .unwrap();
    assert!(!now.active);
    assert_eq!(now.member_count, 6, "members keep their team");
    let error = admin
        .call::<i64>(
            "org/save_user",
            &[
                ("form[username]", "new.member"),
                ("form[display_name]", "新成员"),
                ("form[role]", "rep"),
                ("form[team_id]", &team.id.to_string()),
                ("form[password]", "password123"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [("team_id".to_string(), ErrorCode::UnknownChoice)]
    );
    assert_eq!(toggle(&admin, "true", now.version).await, Ok(()));
}

/// Customers one person owns, and their open deals.
async fn book_of(app: &TestApp, user: i64) -> (i64, i64) {
    let customers = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM customers WHERE owner_id = {user}"
        ))
        .await;
    let open_deals = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id JOIN customers c ON c.id = o.customer_id WHERE s.won = false AND s.lost = false AND o.owner_id = {user} AND c.owner_id = {user}"
        ))
        .await;
    (customers, open_deals)
}

async fn deactivate(
    app: &TestApp,
    username: &str,
    successor: Option<&str>,
) -> Result<(), AppError> {
    let row = overview(app)
        .await
        .users
        .into_iter()
        .find(|u| u.username == username)
        .unwrap();
    let (id, version) = (row.id.to_string(), row.version.to_string());
    let mut form = vec![
        ("id", id.as_str()),
        ("active", "false"),
        ("version", version.as_str()),
    ];
    if let Some(successor) = successor {
        form.push(("successor", successor));
    }
    app.signed_in("admin")
        .await
        .call("org/set_user_active", &form)
        .await
}

#[tokio::test]
async fn deactivating_someone_who_owns_customers_asks_for_a_successor_who_takes_everything() {
    let app = TestApp::demo().await;
    app::seed_customers::seed_customers(&app.db, chrono::Utc::now(), 120, 2)
        .await
        .unwrap();
    app::seed_pipeline::seed_pipeline(
        &app.db,
        chrono::Utc::now(),
        app::seed_pipeline::DealPlan {
            open: 200,
            lost: 20,
            history: true,
        },
    )
    .await
    .unwrap();
    let (rep, wang, li) = (
        app.user_id("rep").await,
        app.user_id("wang.fang").await,
        app.user_id("li.na").await,
    );
    let (customers, open_deals) = book_of(&app, rep).await;
    assert!(
        customers > 0 && open_deals > 0,
        "the rep owns customers with open deals"
    );
    let row = overview(&app)
        .await
        .users
        .into_iter()
        .find(|u| u.id == rep)
        .unwrap();
    assert_eq!(
        row.customers as i64, customers,
        "the settings list shows what each person owns"
    );

    // No successor: refused at the field, nothing changes, the rep can still sign in.
    let refused = deactivate(&app, "rep", None).await.unwrap_err();
    assert_eq!(
        fields(&refused),
        [(
            "successor".to_string(),
            ErrorCode::SuccessorRequired {
                customers: customers as u64
            }
        )]
    );
    for bad in ["", "me", "0", "-3", "99999999", &rep.to_string()] {
        let refused = deactivate(&app, "rep", Some(bad)).await.unwrap_err();
        let expected = if bad.is_empty() {
            ErrorCode::SuccessorRequired {
                customers: customers as u64,
            }
        } else {
            ErrorCode::UnknownChoice
        };
        assert_eq!(
            fields(&refused),
            [("successor".to_string(), expected)],
            "successor {bad:?}"
        );
    }
    assert!(
        app.signed_in("rep").await.me().await.is_some(),
        "a refused deactivation leaves the account open"
    );
    assert_eq!(book_of(&app, rep).await, (customers, open_deals));

    // A successor takes every customer with its open deals; orders keep their seller.
    let orders = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM sales_orders WHERE owner_id = {rep}"
        ))
        .await;
    let wang_before = book_of(&app, wang).await;
    deactivate(&app, "rep", Some(&wang.to_string()))
        .await
        .unwrap();
    assert_eq!(book_of(&app, rep).await, (0, 0));
    assert_eq!(
        book_of(&app, wang).await,
        (wang_before.0 + customers, wang_before.1 + open_deals)
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM sales_orders WHERE owner_id = {rep}"
        ))
        .await,
        orders
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {rep} AND active = true"
        ))
        .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'customer_reassigned'")
            .await,
        customers
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user_deactivated'")
            .await,
        1
    );
    // The audit search still offers the person who left, marked as such, after everyone active.
    let admin = app.signed_in("admin").await;
    let people: Vec<app::audit::AuditPerson> = admin.call("audit/people", &[]).await.unwrap();
    let left = people.iter().position(|p| p.id == rep).expect("listed");
    assert!(!people[left].active);
    assert!(people[..left].iter().all(|p| p.active));
    assert_eq!(
        app.signed_in("manager")
            .await
            .call::<Vec<app::audit::AuditPerson>>("audit/people", &[])
            .await,
        Err(AppError::Forbidden)
    );

    // Someone else to the lead pool: the customers wait there, and whoever claims one takes its
    // open deals too.
    let (li_customers, li_deals) = book_of(&app, li).await;
    assert!(li_customers > 0 && li_deals > 0);
    deactivate(&app, "li.na", Some("pool")).await.unwrap();
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM customers WHERE owner_id = {li}"
        ))
        .await,
        0
    );
    let claimed = app
        .scalar(&format!(
            "SELECT MIN(c.id) FROM customers c JOIN opportunities o ON o.customer_id = c.id JOIN pipeline_stages s ON s.id = o.stage_id WHERE c.owner_id IS NULL AND s.won = false AND s.lost = false AND o.owner_id = {li}"
        ))
        .await;
    assert!(
        claimed > 0,
        "a pooled customer with an open deal of the person who left"
    );
    let zhou = app.user_id("zhou.jie").await;
    app.signed_in("zhou.jie")
        .await
        .call::<()>("customers/claim", &[("id", &claimed.to_string())])
        .await
        .unwrap();
    let left_behind = app.scalar(&format!("SELECT COUNT(*) FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.customer_id = {claimed} AND s.won = false AND s.lost = false AND o.owner_id <> {zhou}")).await;
    assert_eq!(
        left_behind, 0,
        "the claimed customer's open deals follow it"
    );
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM customer_events WHERE customer_id = {claimed} AND kind = 'left_to_pool'")).await, 1);
}
