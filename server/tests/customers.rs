//! Customers through the real HTTP stack: visibility (allowed and denied) for every server
//! function, validation, duplicates, version checks, follow-ups, the lead pool and handover.
mod common;

use app::customers::{Agenda, CustomerDetail, CustomerPage, TimelineKind};
use app::domain::customer::LadderStage;
use app::domain::events::CustomerEvent;
use app::domain::forms::ErrorCode;
use app::error::AppError;
use app::state::Settings;
use common::{fields, Client, TestApp};

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let org: app::org::OrgOverview = app
        .signed_in("admin")
        .await
        .call("org/overview", &[])
        .await
        .unwrap();
    org.users
        .iter()
        .find(|u| u.username == username)
        .unwrap()
        .id
}

async fn create(client: &Client, name: &str, extra: &[(&str, &str)]) -> Result<i64, AppError> {
    let mut form = vec![("form[name]", name)];
    form.extend_from_slice(extra);
    client.call("customers/save", &form).await
}

async fn list(client: &Client, query: &[(&str, &str)]) -> CustomerPage {
    client.call("customers/list", query).await.unwrap()
}

async fn detail(client: &Client, id: i64) -> Result<CustomerDetail, AppError> {
    client
        .call("customers/detail", &[("id", &id.to_string())])
        .await
}

async fn follow_up(client: &Client, id: i64, next_date: &str) -> Result<i64, AppError> {
    client
        .call(
            "customers/follow_up",
            &[
                ("form[customer_id]", &id.to_string()),
                ("form[kind]", "visit"),
                ("form[summary]", "拜访了采购部，对方要求下周报价"),
                ("form[intent]", "high"),
                ("form[next_date]", next_date),
                ("form[next_action]", "发送报价单"),
            ],
        )
        .await
}

#[tokio::test]
async fn a_reps_customer_is_visible_by_the_rule_and_hidden_from_others() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let id = create(
        &rep,
        "上海华力机电有限公司",
        &[
            ("form[city]", "上海"),
            ("form[contact_name]", "李经理"),
            ("form[contact_phone]", "13800138000"),
        ],
    )
    .await
    .unwrap();

    for allowed in ["rep", "manager", "director", "admin"] {
        let client = app.signed_in(allowed).await;
        assert_eq!(
            detail(&client, id).await.unwrap().name,
            "上海华力机电有限公司",
            "{allowed}"
        );
        assert_eq!(list(&client, &[]).await.total, 1, "{allowed}");
    }
    for denied in ["wang.fang", "liu.yang", "sun.li"] {
        let client = app.signed_in(denied).await;
        assert_eq!(
            detail(&client, id).await,
            Err(AppError::NotFound),
            "{denied} read by guessing the id"
        );
        assert_eq!(list(&client, &[]).await.total, 0, "{denied}");
        assert_eq!(
            list(&client, &[("filter[q]", "华力")]).await.total,
            0,
            "{denied} search"
        );
        let edit = create(
            &client,
            "改名",
            &[("form[id]", &id.to_string()), ("form[version]", "1")],
        )
        .await;
        assert_eq!(edit, Err(AppError::NotFound), "{denied} edit");
        assert_eq!(
            follow_up(&client, id, "").await,
            Err(AppError::NotFound),
            "{denied} follow-up"
        );
    }
    let anonymous = app.client();
    assert_eq!(
        anonymous.call::<CustomerPage>("customers/list", &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(detail(&anonymous, id).await, Err(AppError::Unauthorized));
    assert_eq!(
        create(&anonymous, "匿名客户", &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        anonymous.call::<Agenda>("customers/agenda", &[]).await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        anonymous
            .call::<()>("customers/claim", &[("id", &id.to_string())])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn search_finds_customers_by_name_contact_and_phone_and_filters_by_stage() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    create(
        &rep,
        "杭州西湖软件有限公司",
        &[
            ("form[stage]", "prospect"),
            ("form[phone]", "0571-8888 6666"),
        ],
    )
    .await
    .unwrap();
    create(
        &rep,
        "苏州园林建材厂",
        &[("form[contact_name]", "欧阳娜娜")],
    )
    .await
    .unwrap();
    create(&rep, "南京长江物流", &[("form[stage]", "vip")])
        .await
        .unwrap();
    let names = |page: CustomerPage| page.rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(list(&rep, &[("filter[q]", "西湖")]).await),
        ["杭州西湖软件有限公司"]
    );
    assert_eq!(
        names(list(&rep, &[("filter[q]", "欧阳")]).await),
        ["苏州园林建材厂"]
    );
    assert_eq!(
        names(list(&rep, &[("filter[q]", "88886666")]).await),
        ["杭州西湖软件有限公司"]
    );
    assert_eq!(
        names(list(&rep, &[("filter[stage]", "vip")]).await),
        ["南京长江物流"]
    );
    let all = list(&rep, &[]).await;
    assert_eq!(
        (all.total, all.rows[0].name.as_str()),
        (3, "南京长江物流"),
        "newest first"
    );
    assert_eq!(all.rows[0].stage, LadderStage::Vip);
    // What a user types is looked for as typed: `%` and `_` are characters, not wildcards.
    create(&rep, "百分之百_精选%商行", &[]).await.unwrap();
    for typed in ["%", "_", "%商", "之百_精", "\\"] {
        let expected: &[&str] = if typed == "\\" {
            &[]
        } else {
            &["百分之百_精选%商行"]
        };
        assert_eq!(
            names(list(&rep, &[("filter[q]", typed)]).await),
            expected,
            "search {typed:?}"
        );
    }
    // A search pasted a thousand characters long is cut to its first hundred, not sent as is.
    let long = format!("南京长江物流{}", "x".repeat(1000));
    assert_eq!(list(&rep, &[("filter[q]", &long)]).await.total, 0);
}

/// On SQLite searches of two or more characters go through the trigram index, kept by triggers:
/// the index must follow a rename and new contacts, find a pair of characters wherever it stands
/// (the very end of the text included), and treat the search as plain text.
#[tokio::test]
async fn indexed_searches_follow_renames_and_contacts() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let names = |page: CustomerPage| page.rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let id = create(
        &rep,
        "杭州西湖软件有限公司",
        &[("form[contact_name]", "欧阳娜娜")],
    )
    .await
    .unwrap();
    assert_eq!(
        names(list(&rep, &[("filter[q]", "西湖软件")]).await),
        ["杭州西湖软件有限公司"]
    );
    assert_eq!(
        names(list(&rep, &[("filter[q]", "欧阳娜娜")]).await),
        ["杭州西湖软件有限公司"]
    );
    assert_eq!(
        names(list(&rep, &[("filter[q]", "HZXH")]).await),
        ["杭州西湖软件有限公司"],
        "pinyin initials, any case"
    );
    for pair in ["杭州", "软件", "娜娜", "hz"] {
        assert_eq!(
            names(list(&rep, &[("filter[q]", pair)]).await),
            ["杭州西湖软件有限公司"],
            "{pair}"
        );
    }
    assert_eq!(
        names(list(&rep, &[("filter[q]", "娜")]).await),
        ["杭州西湖软件有限公司"],
        "one character"
    );
    assert_eq!(
        list(&rep, &[("filter[q]", "娜杭")]).await.total,
        0,
        "not across the end of the text"
    );

    let version = detail(&rep, id).await.unwrap().version.to_string();
    create(
        &rep,
        "杭州钱塘软件有限公司",
        &[("form[id]", &id.to_string()), ("form[version]", &version)],
    )
    .await
    .unwrap();
    assert_eq!(
        list(&rep, &[("filter[q]", "西湖软件")]).await.total,
        0,
        "the old name is gone from the index"
    );
    assert_eq!(
        names(list(&rep, &[("filter[q]", "钱塘软件")]).await),
        ["杭州钱塘软件有限公司"]
    );
    assert_eq!(
        names(list(&rep, &[("filter[q]", "欧阳娜娜")]).await),
        ["杭州钱塘软件有限公司"],
        "contacts stay findable"
    );
    for odd in [
        "\"钱塘\"",
        "软件 OR 有限",
        "钱塘*",
        "a\"b\"c",
        "NEAR(钱塘 软件)",
    ] {
        assert_eq!(
            list(&rep, &[("filter[q]", odd)]).await.total,
            0,
            "{odd} is plain text, not a query"
        );
    }
    let manager = app.signed_in("manager").await;
    assert_eq!(
        names(list(&manager, &[("filter[q]", "钱塘软件")]).await),
        ["杭州钱塘软件有限公司"],
        "the team's manager"
    );
    assert_eq!(
        list(
            &app.signed_in("liu.yang").await,
            &[("filter[q]", "钱塘软件")]
        )
        .await
        .total,
        0,
        "another team's manager"
    );
}

#[tokio::test]
async fn bad_input_is_reported_per_field_and_duplicates_need_confirmation() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let error = create(
        &rep,
        " ",
        &[
            ("form[stage]", "emperor"),
            ("form[province]", &"省".repeat(21)),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(
        fields(&error),
        [
            ("province".to_string(), ErrorCode::TooLong { max: 20 }),
            ("name".to_string(), ErrorCode::Required),
            ("stage".to_string(), ErrorCode::UnknownChoice),
        ]
    );
    create(
        &rep,
        "上海华力（集团）有限公司",
        &[("form[tax_id]", "91310000MA1FL0AB1X")],
    )
    .await
    .unwrap();
    // Another rep, another spelling: warned, not silently duplicated.
    let other = app.signed_in("wang.fang").await;
    let warning = create(&other, "上海华力集团", &[]).await.unwrap_err();
    assert_eq!(
        fields(&warning),
        [(
            "name".to_string(),
            ErrorCode::PossibleDuplicate {
                names: vec!["上海华力（集团）有限公司".to_string()]
            }
        )]
    );
    let by_tax = create(
        &other,
        "华力上海分部",
        &[("form[tax_id]", "91310000 ma1fl0ab1x")],
    )
    .await
    .unwrap_err();
    assert!(matches!(
        &fields(&by_tax)[0].1,
        ErrorCode::PossibleDuplicate { .. }
    ));
    assert!(create(
        &other,
        "上海华力集团",
        &[("form[confirm_duplicate]", "yes")]
    )
    .await
    .is_ok());
}

#[tokio::test]
async fn concurrent_edits_are_refused_not_overwritten() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let manager = app.signed_in("manager").await;
    let id = create(&rep, "宁波港机械", &[]).await.unwrap();
    let version = detail(&rep, id).await.unwrap().version.to_string();
    let edit = |client: &'static str, stage: &'static str| {
        let (id, version, app) = (id.to_string(), version.clone(), &app);
        async move {
            let client = app.signed_in(client).await;
            create(
                &client,
                "宁波港机械",
                &[
                    ("form[id]", &id),
                    ("form[version]", &version),
                    ("form[stage]", stage),
                ],
            )
            .await
        }
    };
    assert_eq!(edit("rep", "prospect").await, Ok(id));
    assert_eq!(edit("manager", "lost").await, Err(AppError::Conflict));
    let now = detail(&manager, id).await.unwrap();
    assert_eq!(now.stage, LadderStage::Prospect);
    assert!(now.timeline.iter().any(|e| matches!(
        &e.kind,
        TimelineKind::Event(CustomerEvent::Stage(change))
            if change.from == LadderStage::Target && change.to == LadderStage::Prospect
    )));
}

#[tokio::test]
async fn follow_ups_feed_the_timeline_and_the_agenda() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let id = create(&rep, "无锡太湖电子", &[]).await.unwrap();
    let today = app::clock::today();
    let yesterday = (today - chrono::Duration::days(1)).to_string();

    let error = rep
        .call::<i64>(
            "customers/follow_up",
            &[
                ("form[customer_id]", &id.to_string()),
                ("form[kind]", "visit"),
                ("form[intent]", "high"),
                ("form[next_date]", "明天"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [
            ("summary".to_string(), ErrorCode::Required),
            ("next_date".to_string(), ErrorCode::InvalidDate)
        ]
    );

    follow_up(&rep, id, &yesterday).await.unwrap();
    let agenda: Agenda = rep.call("customers/agenda", &[]).await.unwrap();
    assert_eq!(agenda.overdue.len(), 1);
    assert_eq!(agenda.overdue[0].customer_name, "无锡太湖电子");
    let manager_agenda: Agenda = app
        .signed_in("manager")
        .await
        .call("customers/agenda", &[])
        .await
        .unwrap();
    assert_eq!(
        manager_agenda.overdue.len(),
        1,
        "the manager sees the team's overdue follow-ups"
    );
    let other: Agenda = app
        .signed_in("wang.fang")
        .await
        .call("customers/agenda", &[])
        .await
        .unwrap();
    assert_eq!(other, Agenda::default());

    // The next follow-up settles the open step.
    follow_up(&rep, id, &today.to_string()).await.unwrap();
    let agenda: Agenda = rep.call("customers/agenda", &[]).await.unwrap();
    assert_eq!((agenda.overdue.len(), agenda.today.len()), (0, 1));
    let customer = detail(&rep, id).await.unwrap();
    let follow_ups = customer
        .timeline
        .iter()
        .filter(|e| matches!(e.kind, TimelineKind::FollowUp { .. }))
        .count();
    assert_eq!(follow_ups, 2);
    assert_eq!(
        customer.timeline.last().unwrap().kind,
        TimelineKind::Event(CustomerEvent::Created)
    );
    assert!(list(&rep, &[]).await.rows[0].last_follow_up_on.is_some());
}

#[tokio::test]
async fn neglected_customers_return_to_the_pool_and_can_be_claimed_once() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let kept = create(&rep, "常州恐龙园文旅", &[]).await.unwrap();
    let neglected = create(&rep, "扬州瘦西湖茶业", &[]).await.unwrap();
    follow_up(&rep, kept, "").await.unwrap();

    // Nothing is due yet; 31 days on, only customers without a recent owner follow-up are.
    let now = chrono::Utc::now();
    assert_eq!(
        app::customers::service::return_neglected_to_pool(&app.db, now, 30).await,
        Ok(0)
    );
    let later = now + chrono::Duration::days(31);
    assert_eq!(
        app::customers::service::return_neglected_to_pool(&app.db, later, 30).await,
        Ok(2)
    );
    assert_eq!(list(&rep, &[]).await.total, 0);

    let pool = list(
        &app.signed_in("wang.fang").await,
        &[("filter[view]", "pool")],
    )
    .await;
    assert_eq!(pool.total, 2, "the pool is open to every rep");
    let history = detail(&app.signed_in("wang.fang").await, neglected)
        .await
        .unwrap();
    assert_eq!(history.owner_id, None);
    assert!(history
        .timeline
        .iter()
        .any(|e| e.kind == TimelineKind::Event(CustomerEvent::ReturnedToPool("张伟".into()))));

    let wang = app.signed_in("wang.fang").await;
    let li = app.signed_in("li.na").await;
    assert_eq!(
        wang.call::<()>("customers/claim", &[("id", &neglected.to_string())])
            .await,
        Ok(())
    );
    assert_eq!(
        li.call::<()>("customers/claim", &[("id", &neglected.to_string())])
            .await,
        Err(AppError::Conflict)
    );
    assert_eq!(list(&wang, &[]).await.total, 1);
    assert_eq!(detail(&li, neglected).await, Err(AppError::NotFound));
}

#[tokio::test]
async fn a_rep_cannot_claim_beyond_the_cap() {
    let app = TestApp::start(
        Settings {
            max_customers_per_rep: 1,
            ..Settings::default()
        },
        true,
    )
    .await;
    let rep = app.signed_in("rep").await;
    let first = create(&rep, "镇江香醋坊", &[]).await.unwrap();
    let pooled = create(&rep, "泰州早茶楼", &[]).await.unwrap();
    app::customers::service::return_neglected_to_pool(
        &app.db,
        chrono::Utc::now() + chrono::Duration::days(40),
        30,
    )
    .await
    .unwrap();
    assert_eq!(
        rep.call::<()>("customers/claim", &[("id", &first.to_string())])
            .await,
        Ok(())
    );
    let error = rep
        .call::<()>("customers/claim", &[("id", &pooled.to_string())])
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [("claim".to_string(), ErrorCode::CustomerCap { max: 1 })]
    );
}

#[tokio::test]
async fn a_manager_hands_a_leaving_reps_customers_over_with_their_history() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let ids = [
        create(&rep, "温州鞋业一厂", &[]).await.unwrap(),
        create(&rep, "温州鞋业二厂", &[("form[confirm_duplicate]", "yes")])
            .await
            .unwrap(),
        create(&rep, "台州汽配", &[]).await.unwrap(),
    ];
    follow_up(&rep, ids[0], "").await.unwrap();
    let (rep_id, wang, li) = (
        user_id(&app, "rep").await,
        user_id(&app, "wang.fang").await,
        user_id(&app, "li.na").await,
    );
    let to = format!("{wang},{li}");

    // Denied: a rep, a manager of another team, targets outside the manager's teams.
    assert_eq!(
        rep.call::<u64>(
            "customers/handover",
            &[("from", &rep_id.to_string()), ("to", &to)]
        )
        .await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        rep.call::<u64>(
            "customers/reassign",
            &[("customer_ids", &ids[0].to_string()), ("to", &to)]
        )
        .await,
        Err(AppError::Forbidden)
    );
    let other_manager = app.signed_in("liu.yang").await;
    // Someone else's rep is not there to hand over, whoever would take the customers.
    assert_eq!(
        other_manager
            .call::<u64>(
                "customers/handover",
                &[("from", &rep_id.to_string()), ("to", &to)]
            )
            .await,
        Err(AppError::NotFound)
    );
    let sun = user_id(&app, "sun.li").await;
    let outside = app
        .signed_in("manager")
        .await
        .call::<u64>(
            "customers/handover",
            &[("from", &rep_id.to_string()), ("to", &sun.to_string())],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&outside),
        [("to".to_string(), ErrorCode::UnknownChoice)]
    );
    assert_eq!(
        list(&rep, &[]).await.total,
        3,
        "nothing moved by the refused calls"
    );

    let moved: u64 = app
        .signed_in("manager")
        .await
        .call(
            "customers/handover",
            &[("from", &rep_id.to_string()), ("to", &to)],
        )
        .await
        .unwrap();
    assert_eq!(moved, 3);
    assert_eq!(list(&rep, &[]).await.total, 0);
    let wang_client = app.signed_in("wang.fang").await;
    assert_eq!(
        list(&wang_client, &[]).await.total,
        2,
        "spread in turn: 2 and 1"
    );
    assert_eq!(list(&app.signed_in("li.na").await, &[]).await.total, 1);
    let history = detail(&wang_client, ids[0]).await.unwrap();
    assert_eq!(history.owner_name.as_deref(), Some("王芳"));
    assert!(history
        .timeline
        .iter()
        .any(|e| matches!(e.kind, TimelineKind::FollowUp { .. })
            && e.actor_name.as_deref() == Some("张伟")));
    assert!(history
        .timeline
        .iter()
        .any(|e| e.kind == TimelineKind::Event(CustomerEvent::Owner("张伟→王芳".into()))));
}

#[tokio::test]
async fn the_demo_customers_are_deterministic_and_split_by_the_visibility_rule() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T08:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let (first, second) = (TestApp::demo().await, TestApp::demo().await);
    for app in [&first, &second] {
        assert_eq!(
            app::customers::service::return_neglected_to_pool(&app.db, now, 30).await,
            Ok(0)
        );
        assert_eq!(
            app::seed_customers::seed_demo_customers(&app.db, now).await,
            Ok(app::seed_customers::DEMO_CUSTOMERS)
        );
    }
    let names = |page: CustomerPage| page.rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let admin = first.signed_in("admin").await;
    let all = list(&admin, &[]).await;
    assert_eq!(all.total, 1_500);
    assert_eq!(
        names(all),
        names(list(&second.signed_in("admin").await, &[]).await),
        "same seed, same data"
    );

    let pool = list(&admin, &[("filter[view]", "pool")]).await.total;
    let mine = list(&first.signed_in("rep").await, &[]).await.total;
    let team = list(&first.signed_in("manager").await, &[]).await.total;
    let department = list(&first.signed_in("director").await, &[]).await.total;
    assert!(pool > 100 && mine > 20, "pool {pool}, rep {mine}");
    assert!(
        mine < team && team < department,
        "rep {mine} < team {team} < department {department}"
    );
    assert_eq!(
        department + pool,
        1_500,
        "every customer has a rep of the department or is in the pool"
    );
    // A few owners have let customers lapse: the job returns them, and only them.
    let returned = app::customers::service::return_neglected_to_pool(&first.db, now, 30)
        .await
        .unwrap();
    assert!((5..100).contains(&returned), "returned {returned}");
    assert_eq!(
        list(&admin, &[("filter[view]", "pool")]).await.total,
        pool + returned
    );
}

#[tokio::test]
async fn customers_created_after_the_demo_seed_get_fresh_ids() {
    let app = TestApp::demo().await;
    app::seed_customers::seed_demo_customers(&app.db, chrono::Utc::now())
        .await
        .unwrap();
    let id = create(
        &app.signed_in("rep").await,
        "新开户客户测试公司",
        &[("form[confirm_duplicate]", "yes")],
    )
    .await
    .unwrap();
    assert!(id > 1_500);
    assert_eq!(
        app::seed_customers::seed_demo_customers(&app.db, chrono::Utc::now()).await,
        Ok(0),
        "seeding twice adds nothing"
    );
}
