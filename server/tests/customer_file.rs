//! The full customer file, contacts, list filters and saved filters, the ladder breakdown,
//! merging duplicates and pool-return notifications: allowed and denied for every server function.
mod common;

use app::customers::{CustomerDetail, CustomerPage, FilterOptions, LadderBreakdown, StageCounts};
use app::domain::customer::{BuyingRole, LadderStage, ProfileField, Source};
use app::domain::events::{CustomerEvent, Notice};
use app::domain::forms::ErrorCode;
use app::error::AppError;
use app::notifications::NotificationView;
use common::{fields, Client, TestApp};

async fn create(client: &Client, name: &str, extra: &[(&str, &str)]) -> i64 {
    let mut form = vec![("form[name]", name)];
    form.extend_from_slice(extra);
    client
        .call("customers/save", &form)
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
}

async fn detail(client: &Client, id: i64) -> Result<CustomerDetail, AppError> {
    client
        .call("customers/detail", &[("id", &id.to_string())])
        .await
}

async fn list(client: &Client, query: &[(&str, &str)]) -> CustomerPage {
    client.call("customers/list", query).await.unwrap()
}

async fn save_contact(
    client: &Client,
    customer: i64,
    extra: &[(&str, &str)],
) -> Result<i64, AppError> {
    let id = customer.to_string();
    let mut form = vec![("form[customer_id]", id.as_str())];
    form.extend_from_slice(extra);
    client.call("customers/save_contact", &form).await
}

#[tokio::test]
async fn the_customer_file_keeps_every_field_and_edits_need_the_current_version() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let id = create(
        &rep,
        "上海华力机电有限公司",
        &[
            ("form[province]", "上海"),
            ("form[district]", "浦东新区"),
            ("form[source]", "exhibition"),
            ("form[tags]", "重点，华东, 重点"),
            ("form[website]", "https://huali.example.cn"),
            ("form[profile][legal_rep]", "陈华力"),
            ("form[profile][employees]", "200-500"),
            ("form[profile][cooperation_attitude]", "积极，愿意试用"),
            ("form[profile][unknown_field]", "ignored"),
        ],
    )
    .await;
    let file = detail(&rep, id).await.unwrap();
    assert_eq!(file.source, Some(Source::Exhibition));
    assert_eq!(file.tags, ["重点", "华东"]);
    assert_eq!(file.district, "浦东新区");
    assert_eq!(file.profile_value(ProfileField::LegalRep), "陈华力");
    assert_eq!(
        file.profile_value(ProfileField::CooperationAttitude),
        "积极，愿意试用"
    );
    assert_eq!(file.profile.len(), 3, "unknown keys are not stored");
    assert!(file.can_edit);

    let too_long = "长".repeat(201);
    let refused = rep
        .call::<i64>(
            "customers/save",
            &[
                ("form[id]", &id.to_string()),
                ("form[version]", "1"),
                ("form[name]", "上海华力机电有限公司"),
                ("form[source]", "tv"),
                ("form[profile][business_focus]", &too_long),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&refused),
        [
            (
                "business_focus".to_string(),
                ErrorCode::TooLong { max: 200 }
            ),
            ("source".to_string(), ErrorCode::UnknownChoice)
        ]
    );

    // Pinyin initials find the Chinese name.
    assert_eq!(list(&rep, &[("filter[q]", "shhljd")]).await.total, 1);
    assert_eq!(list(&rep, &[("filter[q]", "SHHL")]).await.total, 1);

    let edit = |version: &'static str| {
        [
            ("form[id]", id.to_string()),
            ("form[version]", version.to_string()),
            ("form[name]", "上海华力机电股份有限公司".to_string()),
            ("form[stage]", "prospect".to_string()),
        ]
    };
    let first_form = edit("1");
    let first: Vec<(&str, &str)> = first_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(rep.call::<i64>("customers/save", &first).await, Ok(id));
    assert_eq!(
        rep.call::<i64>("customers/save", &first).await,
        Err(AppError::Conflict),
        "the second save with the old version is refused"
    );
    let file = detail(&rep, id).await.unwrap();
    assert_eq!(
        (file.name.as_str(), file.stage, file.version),
        ("上海华力机电股份有限公司", LadderStage::Prospect, 2)
    );
    assert_eq!(
        file.profile_value(ProfileField::LegalRep),
        "",
        "fields left out of the edit form are cleared, as the form shows them all"
    );
}

#[tokio::test]
async fn contacts_are_managed_on_the_file_with_one_primary_and_only_by_the_owners_side() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let id = create(
        &rep,
        "苏州吴中精密",
        &[
            ("form[contact_name]", "周采购"),
            ("form[contact_phone]", "13900001111"),
        ],
    )
    .await;

    let bad = save_contact(
        &rep,
        id,
        &[
            ("form[name]", ""),
            ("form[email]", "zhou@"),
            ("form[birthday]", "1990-02-30"),
            ("form[buying_role]", "boss"),
        ],
    )
    .await
    .unwrap_err();
    let mut codes = fields(&bad);
    codes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        codes,
        [
            ("birthday".to_string(), ErrorCode::InvalidDate),
            ("buying_role".to_string(), ErrorCode::UnknownChoice),
            ("contact_name".to_string(), ErrorCode::Required),
            ("email".to_string(), ErrorCode::InvalidEmail),
        ]
    );

    let added = save_contact(
        &rep,
        id,
        &[
            ("form[name]", "吴总"),
            ("form[title]", "总经理"),
            ("form[email]", "wu@wzjm.example.cn"),
            ("form[wechat]", "wu_zong"),
            ("form[birthday]", "1975-06-18"),
            ("form[interests]", "钓鱼"),
            ("form[buying_role]", "decision_maker"),
            ("form[is_primary]", "on"),
        ],
    )
    .await
    .unwrap();
    let file = detail(&rep, id).await.unwrap();
    assert_eq!(file.contacts.len(), 2);
    assert_eq!(
        file.contacts[0].name, "吴总",
        "the primary contact comes first"
    );
    assert_eq!(
        file.contacts[0].buying_role,
        Some(BuyingRole::DecisionMaker)
    );
    assert_eq!(
        file.contacts.iter().filter(|c| c.is_primary).count(),
        1,
        "only one primary contact"
    );
    assert_eq!(
        file.version, 2,
        "contact changes bump the customer's version"
    );

    let edited = save_contact(
        &rep,
        id,
        &[
            ("form[id]", &added.to_string()),
            ("form[name]", "吴建国"),
            ("form[buying_role]", "influencer"),
        ],
    )
    .await;
    assert_eq!(edited, Ok(added));
    let file = detail(&rep, id).await.unwrap();
    let wu = file.contacts.iter().find(|c| c.id == added).unwrap();
    assert_eq!(
        (wu.name.as_str(), wu.buying_role, wu.is_primary),
        ("吴建国", Some(BuyingRole::Influencer), false)
    );

    // Another team's rep can neither add, edit nor delete, and learns nothing from the id.
    let other = app.signed_in("sun.li").await;
    assert_eq!(
        save_contact(&other, id, &[("form[name]", "冒名")]).await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        save_contact(
            &other,
            id,
            &[("form[id]", &added.to_string()), ("form[name]", "冒名")]
        )
        .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        other
            .call::<()>("customers/delete_contact", &[("id", &added.to_string())])
            .await,
        Err(AppError::NotFound)
    );
    // A contact id of another customer cannot be edited through this one.
    let elsewhere = create(&rep, "无锡灵山文旅", &[]).await;
    assert_eq!(
        save_contact(
            &rep,
            elsewhere,
            &[("form[id]", &added.to_string()), ("form[name]", "串改")]
        )
        .await,
        Err(AppError::NotFound)
    );

    assert_eq!(
        rep.call::<()>("customers/delete_contact", &[("id", &added.to_string())])
            .await,
        Ok(())
    );
    let file = detail(&rep, id).await.unwrap();
    assert_eq!(file.contacts.len(), 1);
    assert!(file.timeline.iter().any(|e| e.kind
        == app::customers::TimelineKind::Event(CustomerEvent::ContactRemoved("吴建国".into()))));
    assert_eq!(
        app.client()
            .call::<()>("customers/delete_contact", &[("id", "1")])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn filters_counts_and_sorting_apply_within_what_the_user_may_see() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    create(
        &rep,
        "广州白云电器",
        &[
            ("form[province]", "广东"),
            ("form[industry]", "电气"),
            ("form[stage]", "vip"),
            ("form[tags]", "重点"),
        ],
    )
    .await;
    create(
        &rep,
        "深圳南山软件",
        &[
            ("form[province]", "广东"),
            ("form[industry]", "软件"),
            ("form[stage]", "prospect"),
        ],
    )
    .await;
    create(
        &rep,
        "杭州西湖茶叶",
        &[
            ("form[province]", "浙江"),
            ("form[industry]", "食品"),
            ("form[stage]", "prospect"),
        ],
    )
    .await;
    let wang = app.signed_in("wang.fang").await;
    create(
        &wang,
        "佛山顺德家电",
        &[("form[province]", "广东"), ("form[stage]", "prospect")],
    )
    .await;

    assert_eq!(list(&rep, &[("filter[province]", "广东")]).await.total, 2);
    assert_eq!(list(&rep, &[("filter[industry]", "软件")]).await.total, 1);
    assert_eq!(list(&rep, &[("filter[tag]", "重点")]).await.total, 1);
    assert_eq!(
        list(&rep, &[("filter[quiet_days]", "0")]).await.total,
        3,
        "none of them was ever followed up"
    );
    let by_name = list(&rep, &[("filter[sort]", "name")]).await;
    let names: Vec<&str> = by_name.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["广州白云电器", "杭州西湖茶叶", "深圳南山软件"],
        "pinyin order: g, h, s"
    );

    let counts: StageCounts = rep
        .call(
            "customers/stage_counts",
            &[("filter[province]", "广东"), ("filter[stage]", "vip")],
        )
        .await
        .unwrap();
    let count = |stage: LadderStage| counts.counts.iter().find(|(s, _)| *s == stage).unwrap().1;
    assert_eq!(
        (
            count(LadderStage::Vip),
            count(LadderStage::Prospect),
            count(LadderStage::Target)
        ),
        (1, 1, 0),
        "counts ignore the stage filter"
    );

    // The manager sees both reps, filters by owner and team; another team's rep sees none of it.
    let manager = app.signed_in("manager").await;
    let rep_id = app.signed_in("rep").await.me().await.unwrap().id;
    assert_eq!(
        list(&manager, &[("filter[province]", "广东")]).await.total,
        3
    );
    assert_eq!(
        list(&manager, &[("filter[owner]", &rep_id.to_string())])
            .await
            .total,
        3
    );
    let options: FilterOptions = manager.call("customers/filter_options", &[]).await.unwrap();
    assert!(options.can_assign);
    let team = options.teams.first().expect("the manager's team").0;
    assert_eq!(
        list(&manager, &[("filter[team]", &team.to_string())])
            .await
            .total,
        4
    );
    assert!(
        options.provinces.contains(&"广东".to_string())
            && options.industries.contains(&"软件".to_string())
    );
    let other = app.signed_in("sun.li").await;
    let counts: StageCounts = other.call("customers/stage_counts", &[]).await.unwrap();
    assert_eq!(counts.counts.iter().map(|(_, n)| n).sum::<u64>(), 0);
    let other_options: FilterOptions = other.call("customers/filter_options", &[]).await.unwrap();
    assert!(
        !other_options.can_assign
            && other_options.teams.is_empty()
            && other_options.provinces.is_empty()
    );
    assert_eq!(
        app.client()
            .call::<StageCounts>("customers/stage_counts", &[])
            .await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        app.client()
            .call::<FilterOptions>("customers/filter_options", &[])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn saved_filters_belong_to_their_user() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let id: i64 = rep
        .call(
            "customers/save_filter",
            &[
                ("filter_name", "广东重点"),
                (
                    "query",
                    "province=%E5%B9%BF%E4%B8%9C&tag=%E9%87%8D%E7%82%B9&page=3&evil=1",
                ),
            ],
        )
        .await
        .unwrap();
    let options: FilterOptions = rep.call("customers/filter_options", &[]).await.unwrap();
    assert_eq!(options.saved.len(), 1);
    assert_eq!(
        options.saved[0].query, "province=%E5%B9%BF%E4%B8%9C&tag=%E9%87%8D%E7%82%B9",
        "only known filter fields are kept"
    );
    // Saving under the same name replaces it.
    rep.call::<i64>(
        "customers/save_filter",
        &[
            ("filter_name", "广东重点"),
            ("query", "province=%E5%B9%BF%E4%B8%9C"),
        ],
    )
    .await
    .unwrap();
    let options: FilterOptions = rep.call("customers/filter_options", &[]).await.unwrap();
    assert_eq!(options.saved.len(), 1);
    let error = rep
        .call::<i64>(
            "customers/save_filter",
            &[("filter_name", " "), ("query", "q=x")],
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [("filter_name".to_string(), ErrorCode::Required)]
    );

    let wang = app.signed_in("wang.fang").await;
    let wang_options: FilterOptions = wang.call("customers/filter_options", &[]).await.unwrap();
    assert!(wang_options.saved.is_empty(), "nobody else sees it");
    let saved_id = options.saved[0].id;
    assert_ne!(saved_id, id);
    assert_eq!(
        wang.call::<()>("customers/delete_filter", &[("id", &saved_id.to_string())])
            .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        app.signed_in("admin")
            .await
            .call::<()>("customers/delete_filter", &[("id", &saved_id.to_string())])
            .await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        rep.call::<()>("customers/delete_filter", &[("id", &saved_id.to_string())])
            .await,
        Ok(())
    );
    assert_eq!(
        app.client()
            .call::<i64>(
                "customers/save_filter",
                &[("filter_name", "x"), ("query", "")]
            )
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn the_ladder_breakdown_is_for_managers_and_counts_each_reps_customers_per_stage() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    create(&rep, "南京玄武书局", &[("form[stage]", "vip")]).await;
    create(&rep, "南京鼓楼书店", &[("form[stage]", "vip")]).await;
    create(
        &app.signed_in("sun.li").await,
        "合肥包河电子",
        &[("form[stage]", "potential")],
    )
    .await;

    assert_eq!(
        rep.call::<LadderBreakdown>("customers/ladder", &[]).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        app.client()
            .call::<LadderBreakdown>("customers/ladder", &[])
            .await,
        Err(AppError::Unauthorized)
    );
    let breakdown: LadderBreakdown = app
        .signed_in("manager")
        .await
        .call("customers/ladder", &[])
        .await
        .unwrap();
    assert_eq!(
        breakdown.rows.len(),
        1,
        "only owners with customers, only the manager's team"
    );
    assert_eq!(breakdown.rows[0].owner_name, "张伟");
    assert_eq!(breakdown.rows[0].counts[LadderStage::Vip.index()], 2);
    let everything: LadderBreakdown = app
        .signed_in("admin")
        .await
        .call("customers/ladder", &[])
        .await
        .unwrap();
    assert_eq!(everything.rows.len(), 2);
}

#[tokio::test]
async fn a_manager_merges_a_duplicate_keeping_all_its_history() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let keep = create(
        &rep,
        "宁波港口物流有限公司",
        &[
            ("form[phone]", "0574-8888 1234"),
            ("form[contact_name]", "郑经理"),
        ],
    )
    .await;
    let dup = create(
        &rep,
        "宁波港口物流",
        &[
            ("form[confirm_duplicate]", "yes"),
            ("form[tax_id]", "91330200MA2AB1234X"),
            ("form[tags]", "港口"),
            ("form[contact_name]", "钱主管"),
        ],
    )
    .await;
    rep.call::<i64>(
        "customers/follow_up",
        &[
            ("form[customer_id]", &dup.to_string()),
            ("form[kind]", "call"),
            ("form[summary]", "电话确认需求"),
            ("form[intent]", "high"),
        ],
    )
    .await
    .unwrap();
    let manager = app.signed_in("manager").await;
    let keep_v = detail(&manager, keep).await.unwrap().version.to_string();
    let dup_v = detail(&manager, dup).await.unwrap().version.to_string();
    let form = |keep_version: &str, merge_id: i64| {
        vec![
            ("form[keep_id]", keep.to_string()),
            ("form[keep_version]", keep_version.to_string()),
            ("form[merge_id]", merge_id.to_string()),
            ("form[merge_version]", dup_v.clone()),
        ]
    };
    let call = |client: Client, form: Vec<(&'static str, String)>| async move {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client.call::<i64>("customers/merge", &pairs).await
    };

    assert_eq!(
        call(app.signed_in("rep").await, form(&keep_v, dup)).await,
        Err(AppError::Forbidden),
        "reps ask their manager"
    );
    assert_eq!(
        call(app.signed_in("liu.yang").await, form(&keep_v, dup)).await,
        Err(AppError::NotFound),
        "another team's manager"
    );
    let same = call(app.signed_in("manager").await, form(&keep_v, keep))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&same),
        [("merge_id".to_string(), ErrorCode::SameRecord)]
    );
    assert_eq!(
        call(app.signed_in("manager").await, form("999", dup)).await,
        Err(AppError::Conflict)
    );

    assert_eq!(
        call(app.signed_in("manager").await, form(&keep_v, dup)).await,
        Ok(keep)
    );
    assert_eq!(
        detail(&rep, dup).await,
        Err(AppError::NotFound),
        "the duplicate is gone"
    );
    let file = detail(&rep, keep).await.unwrap();
    assert_eq!(
        file.tax_id, "91330200MA2AB1234X",
        "empty fields filled from the duplicate"
    );
    assert_eq!(file.phone, "0574-8888 1234", "filled fields are kept");
    assert_eq!(file.tags, ["港口"]);
    let contacts: Vec<&str> = file.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    assert!(file.timeline.iter().any(|e| matches!(
        e.kind,
        app::customers::TimelineKind::FollowUp { .. }
    ) && e.text == "电话确认需求"));
    assert!(file.timeline.iter().any(|e| e.kind
        == app::customers::TimelineKind::Event(CustomerEvent::Merged("宁波港口物流".into()))));
    let found: app::customers::CustomerPage = rep
        .call("customers/list", &[("filter[q]", "钱主管")])
        .await
        .unwrap();
    assert_eq!(
        found.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [keep],
        "the merged contact is searchable on the kept record"
    );
    let found: app::customers::CustomerPage = rep
        .call("customers/list", &[("filter[q]", "宁波港口物流")])
        .await
        .unwrap();
    assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [keep]);
}

#[tokio::test]
async fn the_pool_job_tells_each_rep_which_customers_they_lost() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    create(&rep, "厦门鼓浪屿茶社", &[]).await;
    create(&app.signed_in("wang.fang").await, "泉州晋江鞋材", &[]).await;
    app::customers::service::return_neglected_to_pool(
        &app.db,
        chrono::Utc::now() + chrono::Duration::days(31),
        30,
    )
    .await
    .unwrap();

    assert_eq!(rep.me().await.unwrap().unread_notifications, 1);
    let mine: Vec<NotificationView> = rep.call("notifications/list", &[]).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (&mine[0].notice, mine[0].link.as_str()),
        (
            &Notice::pool_return(30, &["厦门鼓浪屿茶社"]),
            "/customers?view=pool"
        )
    );
    let wang: Vec<NotificationView> = app
        .signed_in("wang.fang")
        .await
        .call("notifications/list", &[])
        .await
        .unwrap();
    assert_eq!(wang.len(), 1);
    assert!(
        !format!("{:?}", wang[0].notice).contains("鼓浪屿"),
        "nobody reads another rep's notifications"
    );
    assert!(app
        .signed_in("manager")
        .await
        .call::<Vec<NotificationView>>("notifications/list", &[])
        .await
        .unwrap()
        .is_empty());

    assert_eq!(rep.call::<u64>("notifications/read", &[]).await, Ok(1));
    assert_eq!(rep.me().await.unwrap().unread_notifications, 0);
    assert_eq!(
        app.signed_in("wang.fang")
            .await
            .me()
            .await
            .unwrap()
            .unread_notifications,
        1,
        "marking read is per user"
    );
    assert_eq!(
        app.client()
            .call::<Vec<NotificationView>>("notifications/list", &[])
            .await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        app.client().call::<u64>("notifications/read", &[]).await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn customers_written_before_the_search_column_are_filled_in_and_found() {
    use sea_orm::{sea_query::Expr, EntityTrait};
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    create(
        &rep,
        "昆山周庄水乡旅游",
        &[
            ("form[contact_name]", "沈万三"),
            ("form[contact_phone]", "139-1234-5678"),
        ],
    )
    .await;
    // As rows from before the search column existed: nothing to search in.
    app::entities::customer::Entity::update_many()
        .col_expr(app::entities::customer::Column::SearchText, Expr::value(""))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(list(&rep, &[("filter[q]", "周庄")]).await.total, 0);

    assert_eq!(
        app::customers::service::fill_missing_search_text(&app.db).await,
        Ok(1)
    );
    for query in ["周庄", "kszz", "沈万三", "139 1234"] {
        assert_eq!(
            list(&rep, &[("filter[q]", query)]).await.total,
            1,
            "{query}"
        );
    }
    assert_eq!(
        app::customers::service::fill_missing_search_text(&app.db).await,
        Ok(0),
        "nothing left to fill"
    );
}

#[tokio::test]
async fn search_results_are_counted_sorted_and_paged_like_the_plain_list() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    for name in ["测试丙公司", "测试甲公司", "测试乙公司"] {
        create(&rep, name, &[]).await;
    }
    let by_name = list(&rep, &[("filter[q]", "测试"), ("filter[sort]", "name")]).await;
    assert_eq!(by_name.total, 3);
    let names: Vec<&str> = by_name.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["测试丙公司", "测试甲公司", "测试乙公司"],
        "pinyin initials: csb, csj, csy"
    );
    let newest_first = list(&rep, &[("filter[q]", "测试")]).await;
    assert_eq!(
        newest_first.rows[0].name, "测试乙公司",
        "most recently updated first"
    );
    let beyond = list(&rep, &[("filter[q]", "测试"), ("filter[page]", "1")]).await;
    assert_eq!((beyond.total, beyond.rows.len()), (3, 0));
    assert_eq!(
        list(&app.signed_in("sun.li").await, &[("filter[q]", "测试")])
            .await
            .total,
        0,
        "search stays within what the user may see"
    );
}
