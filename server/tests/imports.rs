//! Imports through the real HTTP stack: a GBK CSV uploaded by a manager, its columns guessed, a
//! dry run naming every bad row, all-or-nothing commits, re-imports without duplicates, and who
//! may do what. The presets run on the same databases (SQLite, and PostgreSQL in CI).
mod common;

use app::domain::forms::ErrorCode;
use app::domain::import::RowError;
use app::entities::{customer, opportunity, order_line, product, sales_order};
use app::error::AppError;
use app::imports::{ImportReport, UploadPreview};
use common::{data_dir, fields, Client, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// Uploads a file the way the browser form does; the id of the stored upload, or the status.
async fn upload(client: &Client, file_name: &str, bytes: Vec<u8>) -> Result<i64, u16> {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
    let response = client
        .http
        .post(format!("{}/api/imports/upload", client.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    match location.strip_prefix("/import/") {
        Some(id) if response.status().is_redirection() => Ok(id.parse().unwrap()),
        _ => Err(response.status().as_u16()),
    }
}

async fn preview(client: &Client, upload_id: i64, kind: &str) -> Result<UploadPreview, AppError> {
    client
        .call(
            "imports/preview",
            &[("upload_id", &upload_id.to_string()), ("kind", kind)],
        )
        .await
}

async fn run(
    client: &Client,
    upload_id: i64,
    kind: &str,
    match_by: &str,
    choices: &str,
    commit: bool,
) -> Result<ImportReport, AppError> {
    let form = [
        ("upload_id", upload_id.to_string()),
        ("kind", kind.into()),
        ("match_by", match_by.into()),
        ("choices", choices.into()),
        ("commit", commit.to_string()),
    ];
    client
        .call(
            "imports/run",
            &form
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await
}

async fn progress(client: &Client, upload_id: i64) -> Result<Option<(u64, u64)>, AppError> {
    client
        .call("imports/progress", &[("upload_id", &upload_id.to_string())])
        .await
}

async fn customers(app: &TestApp) -> u64 {
    customer::Entity::find().count(&app.db).await.unwrap()
}

fn errors(report: &ImportReport) -> Vec<(u64, &str, ErrorCode)> {
    report
        .errors
        .iter()
        .map(|RowError { line, field, code }| (*line, field.as_str(), code.clone()))
        .collect()
}

const HEADER: &str = "外部编号,客户名称,联系电话,客户阶段,负责人,联系人,手机\n";
const CHOICES: &str = "external_id,name,phone,stage,owner,contact_name,contact_phone";

#[tokio::test]
async fn a_manager_dry_runs_a_gbk_file_sees_every_bad_row_then_imports_it_once() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let before = customers(&app).await;
    let bad = format!(
        "{HEADER}\
         K-001,苏州精工机械有限公司,0512-66881234,潜在客户,wang.fang,钱多多,13800001111\n\
         K-002,无锡星河电子有限公司,0510-88889999,火星客户,,,\n\
         K-003,常州远航物流有限公司,0519-12345678,,sun.li,,\n\
         K-001,苏州精工机械二厂,,,,,\n\
         K-004,\"南通\n"
    );
    let id = upload(&manager, "客户.csv", gbk(&bad))
        .await
        .expect("upload");
    let shown = preview(&manager, id, "customers").await.unwrap();
    assert_eq!(shown.encoding, "GB18030");
    assert_eq!(
        shown.guesses.join(","),
        CHOICES,
        "every header is recognised"
    );
    assert_eq!(
        (shown.rows, shown.sample[0][1].as_str()),
        (5, "苏州精工机械有限公司")
    );

    let report = run(&manager, id, "customers", "external_id", CHOICES, false)
        .await
        .unwrap();
    assert_eq!(
        errors(&report),
        [
            (3, "stage", ErrorCode::UnknownChoice),
            (4, "owner", ErrorCode::NotVisible),
            (5, "external_id", ErrorCode::DuplicateInFile { line: 2 }),
            (6, "contact_phone", ErrorCode::RowCutOff),
        ],
        "a stage nobody knows, another team's rep as owner, a repeated key and a row cut off mid-field"
    );
    assert!(!report.committed);
    let report = run(&manager, id, "customers", "external_id", CHOICES, true)
        .await
        .unwrap();
    assert!(
        !report.committed && report.error_count == 4,
        "a commit with bad rows writes nothing"
    );
    assert_eq!(customers(&app).await, before);

    let good = format!(
        "{HEADER}\
         K-001,苏州精工机械有限公司,0512-66881234,潜在客户,wang.fang,钱多多,13800001111\n\
         K-002,无锡星河电子有限公司,0510-88889999,VIP,,,\n\
         K-003,常州远航物流有限公司,0519-12345678,,,,\n"
    );
    let id = upload(&manager, "客户.csv", gbk(&good)).await.unwrap();
    let report = run(&manager, id, "customers", "external_id", CHOICES, false)
        .await
        .unwrap();
    assert_eq!(
        (
            report.created,
            report.updated,
            report.error_count,
            report.committed
        ),
        (3, 0, 0, false)
    );
    assert_eq!(customers(&app).await, before, "a dry run writes nothing");
    let report = run(&manager, id, "customers", "external_id", CHOICES, true)
        .await
        .unwrap();
    assert_eq!((report.created, report.committed), (3, true));
    assert_eq!(customers(&app).await, before + 3);
    let imported = customer::Entity::find()
        .filter(customer::Column::ExternalId.eq("K-001"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (imported.ladder_stage.as_str(), imported.phone.as_str()),
        ("potential", "0512-66881234")
    );
    let owner = app::entities::user::Entity::find()
        .filter(app::entities::user::Column::Username.eq("wang.fang"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(imported.owner_id, Some(owner.id));
    assert!(
        imported.search_text.contains("钱多多"),
        "the contact is searchable"
    );
    let manager_user = app::entities::user::Entity::find()
        .filter(app::entities::user::Column::Username.eq("manager"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let unowned = customer::Entity::find()
        .filter(customer::Column::ExternalId.eq("K-003"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        unowned.owner_id,
        Some(manager_user.id),
        "rows without an owner go to the importer"
    );

    // The committed upload is gone; the same file again updates and never duplicates.
    assert_eq!(
        preview(&manager, id, "customers").await.unwrap_err(),
        AppError::NotFound
    );
    let again = upload(
        &manager,
        "客户.csv",
        gbk(&good.replace("0519-12345678", "0519-87654321")),
    )
    .await
    .unwrap();
    let report = run(&manager, again, "customers", "external_id", CHOICES, true)
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.updated, report.committed),
        (0, 3, true)
    );
    assert_eq!(customers(&app).await, before + 3);
    let updated = customer::Entity::find_by_id(unowned.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (updated.phone.as_str(), updated.version),
        ("0519-87654321", unowned.version + 1)
    );
}

#[tokio::test]
async fn each_person_keeps_at_most_five_uploads_and_a_day_old_one_is_swept() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let other = app.signed_in("liu.yang").await;
    let theirs = upload(&other, "theirs.csv", "名称\n甲\n".as_bytes().to_vec())
        .await
        .unwrap();
    let mut mine = Vec::new();
    for n in 0..7 {
        mine.push(
            upload(
                &manager,
                &format!("file-{n}.csv"),
                format!("名称\n客户{n}\n").into_bytes(),
            )
            .await
            .unwrap(),
        );
    }
    let manager_id = app.user_id("manager").await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM import_uploads WHERE user_id = {manager_id}"
        ))
        .await,
        app::imports::UPLOADS_KEPT_PER_USER as i64
    );
    assert_eq!(
        preview(&manager, mine[0], "customers").await.unwrap_err(),
        AppError::NotFound,
        "the oldest made room"
    );
    assert!(
        preview(&manager, mine[6], "customers").await.is_ok(),
        "the newest is kept"
    );
    assert!(
        preview(&other, theirs, "customers").await.is_ok(),
        "someone else's upload is not theirs to lose"
    );

    // The hourly sweep removes what is a day old, everyone's.
    let swept = app::imports::sweep_uploads(
        &app.db,
        None,
        chrono::Utc::now() + chrono::Duration::hours(25),
    )
    .await
    .unwrap();
    assert_eq!(swept, app::imports::UPLOADS_KEPT_PER_USER + 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM import_uploads").await, 0);
}

#[tokio::test]
async fn mapping_mistakes_and_unreadable_files_are_reported_at_their_field() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let id = upload(
        &manager,
        "c.csv",
        "名称;电话\n华通;010-1\n".as_bytes().to_vec(),
    )
    .await
    .unwrap();
    let shown = preview(&manager, id, "customers").await.unwrap();
    assert_eq!(
        (shown.headers.len(), shown.guesses.join(",")),
        (2, "name,phone".to_string()),
        "semicolons are found"
    );
    let error = run(&manager, id, "customers", "name", "phone,phone", false)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [
            ("map_1".to_string(), ErrorCode::MappedTwice),
            ("map_name".to_string(), ErrorCode::Required)
        ]
    );
    let error = run(
        &manager,
        id,
        "customers",
        "external_id",
        "name,phone",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(
        fields(&error),
        [("match_by".to_string(), ErrorCode::Required)]
    );
    let error = run(&manager, id, "customers", "name", "name,bogus", false)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&error),
        [("map_1".to_string(), ErrorCode::UnknownChoice)]
    );

    let picture = upload(
        &manager,
        "photo.csv",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
    )
    .await
    .unwrap();
    let error = preview(&manager, picture, "customers").await.unwrap_err();
    assert_eq!(
        fields(&error),
        [("file".to_string(), ErrorCode::NotReadable)]
    );
    assert_eq!(
        upload(&manager, "empty.csv", Vec::new()).await,
        Err(303),
        "an empty file goes back to the form"
    );
}

#[tokio::test]
async fn who_may_import_what() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let id = upload(
        &manager,
        "c.csv",
        "客户名称\n华通科技\n".as_bytes().to_vec(),
    )
    .await
    .unwrap();

    let rep = app.signed_in("rep").await;
    assert_eq!(
        upload(&rep, "c.csv", b"name\nx\n".to_vec()).await,
        Err(403),
        "reps do not import"
    );
    assert_eq!(
        preview(&rep, id, "customers").await.unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        run(&rep, id, "customers", "name", "name", true)
            .await
            .unwrap_err(),
        AppError::Forbidden
    );
    let other_manager = app.signed_in("liu.yang").await;
    assert_eq!(
        preview(&other_manager, id, "customers").await.unwrap_err(),
        AppError::NotFound,
        "an upload is its owner's"
    );
    assert_eq!(
        run(&other_manager, id, "customers", "name", "name", true)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        run(&app.client(), id, "customers", "name", "name", true)
            .await
            .unwrap_err(),
        AppError::Unauthorized
    );
    assert_eq!(
        progress(&manager, id).await.unwrap(),
        None,
        "no import of it runs"
    );
    assert_eq!(
        progress(&other_manager, id).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        progress(&app.client(), id).await.unwrap_err(),
        AppError::Unauthorized
    );
    assert_eq!(
        preview(&manager, id, "products").await.unwrap_err(),
        AppError::Forbidden,
        "the catalogue is the administrators'"
    );

    // A manager cannot overwrite another team's customer by matching its name.
    let hangzhou_rep = app.signed_in("sun.li").await;
    let _: i64 = hangzhou_rep
        .call("customers/save", &[("form[name]", "杭州西湖茶业有限公司")])
        .await
        .unwrap();
    let id = upload(
        &manager,
        "c.csv",
        "客户名称,电话\n杭州西湖茶业有限公司,021-1\n"
            .as_bytes()
            .to_vec(),
    )
    .await
    .unwrap();
    let report = run(&manager, id, "customers", "name", "name,phone", true)
        .await
        .unwrap();
    assert_eq!(errors(&report), [(2, "name", ErrorCode::NotVisible)]);
    assert!(!report.committed);

    let admin = app.signed_in("admin").await;
    let id = upload(
        &admin,
        "p.csv",
        "产品编码,产品名称,单价\nP-1,工业网关,1999.5\nP-2,传感器,-3\n"
            .as_bytes()
            .to_vec(),
    )
    .await
    .unwrap();
    let report = run(
        &admin,
        id,
        "products",
        "external_id",
        "code,name,list_price",
        true,
    )
    .await
    .unwrap();
    assert_eq!(
        errors(&report),
        [(3, "list_price", ErrorCode::InvalidAmount)]
    );
    let id = upload(
        &admin,
        "p.csv",
        "产品编码,产品名称,单价\nP-1,工业网关,1999.5\n"
            .as_bytes()
            .to_vec(),
    )
    .await
    .unwrap();
    let report = run(
        &admin,
        id,
        "products",
        "external_id",
        "code,name,list_price",
        true,
    )
    .await
    .unwrap();
    assert_eq!((report.created, report.committed), (1, true));
    let saved = product::Entity::find()
        .filter(product::Column::Code.eq("P-1"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.list_price_fen, 199_950);
}

/// Uploads `text` as UTF-8 and runs it; `commit` as asked.
async fn import_text(
    client: &Client,
    kind: &str,
    match_by: &str,
    text: &str,
    choices: &str,
    commit: bool,
) -> ImportReport {
    let id = upload(client, "records.csv", text.as_bytes().to_vec())
        .await
        .expect("upload");
    let shown = preview(client, id, kind).await.unwrap();
    assert_eq!(
        shown.guesses.join(","),
        choices,
        "the {kind} headers are recognised"
    );
    run(client, id, kind, match_by, choices, commit)
        .await
        .unwrap()
}

fn counts(report: &ImportReport) -> (u64, u64, u64, bool) {
    (
        report.created,
        report.updated,
        report.unchanged,
        report.committed,
    )
}

#[tokio::test]
async fn month_end_stock_imports_once_per_product_and_month_and_only_whole() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let id = upload(
        &admin,
        "p.csv",
        "产品编码,产品名称,成本价\nS-1,工业网关,150\nS-2,传感器,2.5\n"
            .as_bytes()
            .to_vec(),
    )
    .await
    .unwrap();
    assert!(
        run(
            &admin,
            id,
            "products",
            "external_id",
            "code,name,cost_price",
            true
        )
        .await
        .unwrap()
        .committed
    );
    let stock_rows = || async {
        app::entities::inventory_snapshot::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.month.to_string(), s.quantity, s.value_fen))
            .collect::<Vec<_>>()
    };

    // One bad row (an unknown product, a month given twice, a bad month) keeps the whole file out.
    let bad = "产品编码,月份,库存数量,库存金额\nS-1,2031-01,20,\nS-9,2031-01,5,\nS-2,2031/01,4,10.00\nS-2,2031-01-31,4,\nS-1,2031-13,1,\n";
    let report = import_text(
        &admin,
        "inventory",
        "external_id",
        bad,
        "product,month,quantity,value",
        true,
    )
    .await;
    assert_eq!(
        errors(&report),
        [
            (3, "product", ErrorCode::UnknownReference),
            (5, "month", ErrorCode::DuplicateInFile { line: 4 }),
            (6, "month", ErrorCode::InvalidDate)
        ]
    );
    assert!(!report.committed);
    assert_eq!(
        stock_rows().await,
        [],
        "nothing of a refused file is written"
    );

    // Without a value, the quantity at the product's cost price; a month on record is overwritten.
    let good = "产品编码,月份,库存数量,库存金额\nS-1,2031-01,20,\nS-2,2031年2月,4,10.00\n";
    let report = import_text(
        &admin,
        "inventory",
        "external_id",
        good,
        "product,month,quantity,value",
        true,
    )
    .await;
    assert_eq!(counts(&report), (2, 0, 0, true));
    let again = import_text(
        &admin,
        "inventory",
        "external_id",
        &good.replace(",20,", ",30,"),
        "product,month,quantity,value",
        true,
    )
    .await;
    assert_eq!(counts(&again), (0, 2, 0, true));
    assert_eq!(
        stock_rows().await,
        [
            ("2031-01-01".to_string(), 30, 4_500_00),
            ("2031-02-01".to_string(), 4, 10_00)
        ]
    );

    let manager = app.signed_in("manager").await;
    let id = upload(&manager, "s.csv", good.as_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(
        preview(&manager, id, "inventory").await.unwrap_err(),
        AppError::Forbidden,
        "stock is the administrators' and directors'"
    );
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app::entities::user::Entity::find()
        .filter(app::entities::user::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn contacts_follow_ups_opportunities_and_payments_find_their_customer_and_import_once() {
    use app::entities::{contact, follow_up, payment, stage_history};
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let report = import_text(
        &manager,
        "customers",
        "external_id",
        &format!("{HEADER}K-101,扬州瘦西湖文旅有限公司,0514-1,潜在客户,wang.fang,,\n"),
        CHOICES,
        true,
    )
    .await;
    assert!(report.committed);
    let customer = customer::Entity::find()
        .filter(customer::Column::ExternalId.eq("K-101"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();

    // Contacts: the customer by external id or name; the form's checks per row.
    const CONTACT_CHOICES: &str =
        "customer,contact_name,title,contact_phone,email,buying_role,primary";
    let contacts = "客户,姓名,职务,手机,邮箱,采购角色,首要联系人\n\
        K-101,周明,采购经理,13900000001,zhou@example.com,决策者,是\n\
        扬州瘦西湖文旅有限公司,吴芳,,13900000002,not-an-email,Gatekeeper,否\n\
        K-999,郑三,,,,,\n\
        K-101,钱七,,,,,也许\n";
    let report = import_text(
        &manager,
        "contacts",
        "name",
        contacts,
        CONTACT_CHOICES,
        true,
    )
    .await;
    assert_eq!(
        errors(&report),
        [
            (3, "email", ErrorCode::InvalidEmail),
            (4, "customer", ErrorCode::UnknownReference),
            (5, "primary", ErrorCode::UnknownChoice)
        ]
    );
    assert_eq!(
        contact::Entity::find()
            .filter(contact::Column::CustomerId.eq(customer.id))
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "nothing of a refused file is written"
    );
    let contacts = "客户,姓名,职务,手机,邮箱,采购角色,首要联系人\n\
        K-101,周明,采购经理,13900000001,zhou@example.com,决策者,是\n\
        扬州瘦西湖文旅有限公司,吴芳,,13900000002,wu@example.com,Gatekeeper,否\n";
    let report = import_text(
        &manager,
        "contacts",
        "name",
        contacts,
        CONTACT_CHOICES,
        true,
    )
    .await;
    assert_eq!(counts(&report), (2, 0, 0, true));
    let report = import_text(
        &manager,
        "contacts",
        "name",
        &contacts.replace("采购经理", "采购总监"),
        CONTACT_CHOICES,
        true,
    )
    .await;
    assert_eq!(
        counts(&report),
        (0, 2, 0, true),
        "a contact is found again by its name within the customer"
    );
    let stored = contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(customer.id))
        .all(&app.db)
        .await
        .unwrap();
    let zhou = stored.iter().find(|c| c.name == "周明").unwrap();
    assert_eq!(
        (
            stored.len(),
            zhou.title.as_str(),
            zhou.is_primary,
            zhou.buying_role.as_str()
        ),
        (2, "采购总监", true, "decision_maker")
    );

    // Follow-ups: history keeps its dates and authors; the same file twice adds nothing.
    const FOLLOW_UP_CHOICES: &str = "customer,kind,summary,happened_on,author,intent,next_date";
    let follow_ups = "客户,跟进方式,跟进内容,日期,跟进人,客户意向,下次跟进日期\n\
        K-101,拜访,现场考察票务系统需求,2026/10/12,wang.fang,高,2026-12-01\n\
        K-101,电话,确认报价范围,2026-10-20,,中,\n\
        K-101,飞鸽传书,约下次见面,2026-10-21,sun.li,,\n";
    let report = import_text(
        &manager,
        "follow_ups",
        "",
        follow_ups,
        FOLLOW_UP_CHOICES,
        true,
    )
    .await;
    assert_eq!(
        errors(&report),
        [
            (4, "author", ErrorCode::NotVisible),
            (4, "kind", ErrorCode::UnknownChoice)
        ]
    );
    let follow_ups = &follow_ups[..follow_ups.find("K-101,飞鸽").unwrap()];
    let report = import_text(
        &manager,
        "follow_ups",
        "",
        follow_ups,
        FOLLOW_UP_CHOICES,
        true,
    )
    .await;
    assert_eq!(counts(&report), (2, 0, 0, true));
    let report = import_text(
        &manager,
        "follow_ups",
        "",
        follow_ups,
        FOLLOW_UP_CHOICES,
        true,
    )
    .await;
    assert_eq!(
        counts(&report),
        (0, 0, 2, true),
        "rows imported before are recognised"
    );
    let visit = follow_up::Entity::find()
        .filter(follow_up::Column::CustomerId.eq(customer.id))
        .filter(follow_up::Column::Kind.eq("visit"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            visit.author_id,
            visit.happened_at.date_naive().to_string(),
            visit.intent.as_str()
        ),
        (
            user_id(&app, "wang.fang").await,
            "2026-10-12".to_string(),
            "high"
        )
    );
    assert_eq!(
        follow_up::Entity::find()
            .filter(follow_up::Column::CustomerId.eq(customer.id))
            .count(&app.db)
            .await
            .unwrap(),
        2
    );

    // Opportunities: stages by their label in either language, closed deals with their date.
    const DEAL_CHOICES: &str =
        "external_id,title,customer,owner,amount,deal_stage,close_on,lost_reason";
    let deals = "商机编号,商机名称,客户,负责人,金额,商机阶段,成交日期,输单原因\n\
        D-1,票务系统升级,K-101,wang.fang,120000.50,方案报价,2026-12-31,\n\
        D-2,年度维保,K-101,,36000,Won,2026-10-30,\n\
        D-3,门禁改造,K-101,,5000,输单,2026-10-01,价格\n\
        D-4,,K-101,sun.li,abc,火星,,\n\
        D-5,闸机,K-101,,1,赢单,,\n";
    let report = import_text(
        &manager,
        "opportunities",
        "external_id",
        deals,
        DEAL_CHOICES,
        true,
    )
    .await;
    assert_eq!(
        errors(&report),
        [
            (5, "title", ErrorCode::Required),
            (5, "owner", ErrorCode::NotVisible),
            (5, "amount", ErrorCode::InvalidAmount),
            (5, "deal_stage", ErrorCode::UnknownChoice),
            (6, "close_on", ErrorCode::Required),
        ]
    );
    let deals = &deals[..deals.find("D-4").unwrap()];
    let report = import_text(
        &manager,
        "opportunities",
        "external_id",
        deals,
        DEAL_CHOICES,
        true,
    )
    .await;
    assert_eq!(counts(&report), (3, 0, 0, true));
    let db = &app.db;
    let deal = |key: &'static str| async move {
        opportunity::Entity::find()
            .filter(opportunity::Column::ExternalId.eq(key))
            .one(db)
            .await
            .unwrap()
            .unwrap()
    };
    let won = deal("D-2").await;
    assert_eq!(
        (
            won.won_amount_fen,
            won.closed_on.map(|d| d.to_string()),
            won.owner_id
        ),
        (
            Some(3_600_000),
            Some("2026-10-30".to_string()),
            user_id(&app, "manager").await
        )
    );
    assert!(deal("D-3").await.lost_reason_id.is_some());
    let report = import_text(
        &manager,
        "opportunities",
        "external_id",
        &deals.replace("方案报价", "商务谈判"),
        DEAL_CHOICES,
        true,
    )
    .await;
    assert_eq!(counts(&report), (0, 3, 0, true));
    let moved = deal("D-1").await;
    assert_eq!((moved.amount_fen, moved.version), (12_000_050, 2));
    assert_eq!(
        stage_history::Entity::find()
            .filter(stage_history::Column::OpportunityId.eq(moved.id))
            .count(&app.db)
            .await
            .unwrap(),
        2,
        "the stage change is in the history"
    );

    // Payments: against an order by number, never more than its balance, never twice.
    let order_of =
        |owner_id: i64, number: &str, customer_id: i64| app::pipeline::service::OrderColumns {
            number: number.to_string(),
            external_id: None,
            customer_id,
            opportunity_id: None,
            owner_id,
            on: chrono::NaiveDate::from_ymd_opt(2026, 10, 30).unwrap(),
            amount_fen: 3_600_000,
            cost_fen: 0,
            delivery: app::domain::pipeline::DeliveryStatus::Pending,
        };
    use sea_orm::ActiveModelTrait;
    let now = chrono::Utc::now();
    let order = order_of(user_id(&app, "wang.fang").await, "SO-IMPORT-1", customer.id)
        .into_active_model(now)
        .insert(&app.db)
        .await
        .unwrap();
    let other_team = order_of(user_id(&app, "sun.li").await, "SO-IMPORT-2", customer.id)
        .into_active_model(now)
        .insert(&app.db)
        .await
        .unwrap();
    const PAYMENT_CHOICES: &str = "order,amount,received_on,method";
    let too_much = format!("{}.00", (order.amount_fen - order.paid_fen) / 100 + 1);
    let payments = format!("订单号,回款金额,回款日期,回款方式\n{},100,2026/11/01,转账\n{},{too_much},2026-11-02,\n{},1,2026-11-02,\nSO-NONE,1,,\n", order.number, order.number, other_team.number);
    let report = import_text(&manager, "payments", "", &payments, PAYMENT_CHOICES, true).await;
    assert_eq!(
        errors(&report),
        [
            (
                3,
                "amount",
                ErrorCode::Overpaid {
                    balance_fen: order.amount_fen - order.paid_fen - 10_000
                }
            ),
            (4, "order", ErrorCode::NotVisible),
            (5, "order", ErrorCode::UnknownReference)
        ]
    );
    let payments = format!(
        "订单号,回款金额,回款日期,回款方式\n{},100,2026/11/01,转账\n",
        order.number
    );
    let report = import_text(&manager, "payments", "", &payments, PAYMENT_CHOICES, true).await;
    assert_eq!(counts(&report), (1, 0, 0, true));
    let report = import_text(&manager, "payments", "", &payments, PAYMENT_CHOICES, true).await;
    assert_eq!(counts(&report), (0, 0, 1, true));
    let paid = sales_order::Entity::find_by_id(order.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paid.paid_fen, order.paid_fen + 10_000);
    assert_eq!(
        payment::Entity::find()
            .filter(payment::Column::OrderId.eq(order.id))
            .filter(payment::Column::Method.eq("转账"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );

    // Sales orders: one row per line, grouped by number; an order imported before is left alone.
    let admin = app.signed_in("admin").await;
    let report = import_text(
        &admin,
        "products",
        "external_id",
        "产品编码,产品名称,成本价\nP-GATE,闸机,800\nP-CARD,年卡,0.5\n",
        "code,name,cost_price",
        true,
    )
    .await;
    assert!(report.committed);
    const ORDER_CHOICES: &str = "order,customer,ordered_on,product,quantity,unit_price,opportunity";
    let orders = "订单号,客户,订单日期,产品编码,数量,单价,商机编号\n\
        YZ-1,K-101,2026/09/01,P-GATE,2,1999.99,D-2\n\
        YZ-1,K-101,2026/09/01,P-CARD,300,9.995,\n\
        YZ-2,K-101,2026/09/15,P-CARD,10,12,\n\
        YZ-2,K-101,2026/09/16,P-CARD,1,12,\n\
        YZ-3,K-101,2026/09/20,P-NONE,0,12,D-9\n";
    let report = import_text(
        &manager,
        "orders",
        "external_id",
        orders,
        ORDER_CHOICES,
        true,
    )
    .await;
    assert_eq!(
        errors(&report),
        [
            (5, "ordered_on", ErrorCode::DiffersWithinOrder { line: 4 }),
            (6, "product", ErrorCode::UnknownReference),
            (6, "quantity", ErrorCode::InvalidAmount),
            (6, "opportunity", ErrorCode::UnknownReference),
        ]
    );
    let orders = &orders[..orders.find("YZ-2,K-101,2026/09/16").unwrap()];
    let report = import_text(
        &manager,
        "orders",
        "external_id",
        orders,
        ORDER_CHOICES,
        true,
    )
    .await;
    assert_eq!(counts(&report), (2, 0, 0, true));
    let report = import_text(
        &manager,
        "orders",
        "external_id",
        orders,
        ORDER_CHOICES,
        true,
    )
    .await;
    assert_eq!(
        counts(&report),
        (0, 0, 2, true),
        "orders imported before are left alone"
    );
    let yz1 = sales_order::Entity::find()
        .filter(sales_order::Column::Number.eq("YZ-1"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // 2 × 1,999.99 + 300 × 9.995 (2,998.50) = 6,998.48; cost 2 × 800 + 300 × 0.50.
    assert_eq!(
        (yz1.amount_fen, yz1.cost_fen, yz1.paid_fen, yz1.owner_id),
        (699_848, 175_000, 0, user_id(&app, "wang.fang").await),
        "the customer's owner sold it"
    );
    assert_eq!(yz1.opportunity_id, Some(deal("D-2").await.id));
    assert_eq!(
        order_line::Entity::find()
            .filter(order_line::Column::OrderId.eq(yz1.id))
            .count(&app.db)
            .await
            .unwrap(),
        2
    );

    // Reps import nothing.
    let rep = app.signed_in("rep").await;
    for kind in [
        "contacts",
        "follow_ups",
        "opportunities",
        "payments",
        "orders",
    ] {
        assert_eq!(
            run(&rep, 1, kind, "", "", false).await.unwrap_err(),
            AppError::Forbidden,
            "{kind}"
        );
    }
}

#[tokio::test]
async fn administrators_import_people_with_their_teams_and_departments() {
    use app::entities::{department, team, user};
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    const CHOICES: &str = "username,display_name,role,team,department";
    let people = "用户名,姓名,角色,团队,部门\n\
        tang.hao,唐浩,销售经理,扬州组,华东大区\n\
        qian.yu,钱雨,Sales rep,扬州组,华东大区\n\
        Tang.Hao,唐浩,,,\n\
        admin,管理员,销售代表,,\n\
        sun-mo!,孙墨,队长,,\n";
    let report = import_text(&admin, "users", "name", people, CHOICES, true).await;
    assert_eq!(
        errors(&report),
        [
            (4, "username", ErrorCode::DuplicateInFile { line: 2 }),
            (5, "role", ErrorCode::OwnAccount),
            (6, "username", ErrorCode::UsernameCharacters),
            (6, "role", ErrorCode::UnknownChoice),
        ]
    );
    let people = &people[..people.find("Tang.Hao").unwrap()];
    let report = import_text(&admin, "users", "name", people, CHOICES, true).await;
    assert_eq!(counts(&report), (2, 0, 0, true));
    let tang = user::Entity::find()
        .filter(user::Column::Username.eq("tang.hao"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let yangzhou = team::Entity::find()
        .filter(team::Column::Name.eq("扬州组"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let east = department::Entity::find()
        .filter(department::Column::Name.eq("华东大区"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (tang.role.as_str(), tang.team_id, tang.department_id),
        ("manager", Some(yangzhou.id), Some(east.id))
    );
    assert_eq!(
        (yangzhou.manager_id, yangzhou.department_id),
        (Some(tang.id), Some(east.id)),
        "the manager leads the new team"
    );
    for password in ["", "!imported", app::seed::DEMO_PASSWORD] {
        assert!(
            app.client().login("tang.hao", password).await.is_err(),
            "an imported user has no password yet"
        );
    }

    let report = import_text(
        &admin,
        "users",
        "name",
        &people.replace("钱雨,Sales rep", "钱雨,销售经理"),
        CHOICES,
        true,
    )
    .await;
    assert_eq!(
        counts(&report),
        (0, 2, 0, true),
        "people are found again by username"
    );
    let qian = user::Entity::find()
        .filter(user::Column::Username.eq("qian.yu"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((qian.role.as_str(), qian.version), ("manager", 2));
    assert_eq!(
        team::Entity::find()
            .filter(team::Column::Name.eq("扬州组"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );

    let manager = app.signed_in("manager").await;
    assert_eq!(
        preview(&manager, 1, "users").await.unwrap_err(),
        AppError::Forbidden,
        "people are the administrators'"
    );
}

#[tokio::test]
async fn the_maven_preset_imports_all_8800_opportunities_once() {
    let Some(dir) = data_dir("maven_crm_sales_opportunities") else {
        return;
    };
    let app = TestApp::empty().await;
    let files = common::maven_files(&dir);
    let dry = app::imports::presets::import_maven_crm(&app.db, &files, false, &|_, _, _| {})
        .await
        .unwrap();
    assert!(!dry.committed && dry.error_count == 0);
    assert_eq!(
        opportunity::Entity::find().count(&app.db).await.unwrap(),
        0,
        "a dry run writes nothing"
    );
    let report = app::imports::presets::import_maven_crm(&app.db, &files, true, &|_, _, _| {})
        .await
        .unwrap();
    assert!(report.committed, "{report:?}");
    assert_eq!(
        opportunity::Entity::find().count(&app.db).await.unwrap(),
        8_800
    );
    let won: Vec<sales_order::Model> = sales_order::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(
        (won.len(), won.iter().map(|o| o.amount_fen).sum::<i64>()),
        (4_238, 1_000_553_400),
        "every won deal is an order; $10,005,534 in all"
    );
    let gtx_pro = product::Entity::find()
        .filter(product::Column::Code.eq("GTXPRO"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        order_line::Entity::find()
            .filter(order_line::Column::ProductId.eq(gtx_pro.id))
            .count(&app.db)
            .await
            .unwrap(),
        729,
        "\"GTXPro\" in the pipeline is products.csv's \"GTX Pro\""
    );
    let acme = customer::Entity::find()
        .filter(customer::Column::ExternalId.eq("maven-crm:Acme Corporation"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acme.industry, "technology", "the sector typo is corrected");

    let again = app::imports::presets::import_maven_crm(&app.db, &files, true, &|_, _, _| {})
        .await
        .unwrap();
    assert!(
        again.committed && again.created.iter().all(|(_, n)| *n == 0),
        "{again:?}"
    );
    assert_eq!(
        opportunity::Entity::find().count(&app.db).await.unwrap(),
        8_800
    );

    let mut broken = files;
    broken
        .sales_pipeline
        .push_str("ZZZ,Nobody Known,GTX Basic,Acme Corporation,Won,2017-01-01,2017-13-01,10\n");
    let refused = app::imports::presets::import_maven_crm(&app.db, &broken, true, &|_, _, _| {})
        .await
        .unwrap();
    let found: Vec<(&str, &str, ErrorCode)> = refused
        .errors
        .iter()
        .map(|(file, e)| (file.as_str(), e.field.as_str(), e.code.clone()))
        .collect();
    assert_eq!(
        found,
        [("sales_pipeline.csv", "close_date", ErrorCode::InvalidDate)]
    );
    assert!(!refused.committed);
}

#[tokio::test]
async fn the_online_retail_preset_nets_cancellations_and_keeps_guests() {
    let Some(dir) = data_dir("uci_online_retail") else {
        return;
    };
    let app = TestApp::demo().await;
    let admin = app::entities::user::Entity::find()
        .filter(app::entities::user::Column::Username.eq("admin"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let compressed = std::fs::read(dir.join("online_retail.csv.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(compressed.as_slice()),
        &mut text,
    )
    .unwrap();
    // The first 20,000 rows (a debug build imports all 541,909 in the benchmark's time budget
    // only in release): sales, cancellations and rows without a customer.
    let sample: String = text
        .lines()
        .take(20_001)
        .map(|l| format!("{l}\n"))
        .collect();
    let expected_fen: i64 = sample
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.rsplitn(5, ',').collect();
            let quantity: i64 = cells[4].rsplit(',').next().unwrap().parse().unwrap();
            app::domain::import::line_fen(
                quantity,
                app::domain::import::parse_micros(cells[2]).unwrap(),
            )
        })
        .sum();
    let report = app::imports::presets::import_online_retail(
        &app.db,
        &sample,
        admin.id,
        true,
        &|_, _, _| {},
    )
    .await
    .unwrap();
    assert!(report.committed, "{report:?}");
    let orders: Vec<sales_order::Model> = sales_order::Entity::find()
        .filter(sales_order::Column::ExternalId.starts_with("online-retail:"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        orders.iter().map(|o| o.amount_fen).sum::<i64>(),
        expected_fen,
        "order totals are the lines' quantity × price, cancellations netted"
    );
    assert!(
        orders
            .iter()
            .any(|o| o.number.starts_with("OR-C") && o.amount_fen < 0),
        "cancellations are credit orders"
    );
    let guest = customer::Entity::find()
        .filter(customer::Column::ExternalId.eq("online-retail:guest"))
        .one(&app.db)
        .await
        .unwrap();
    assert!(
        guest.is_some(),
        "rows without a CustomerID belong to the guest customer"
    );
    let lines = order_line::Entity::find().count(&app.db).await.unwrap();
    let again = app::imports::presets::import_online_retail(
        &app.db,
        &sample,
        admin.id,
        true,
        &|_, _, _| {},
    )
    .await
    .unwrap();
    assert!(
        again.committed && again.created.iter().all(|(_, n)| *n == 0),
        "{again:?}"
    );
    assert_eq!(
        order_line::Entity::find().count(&app.db).await.unwrap(),
        lines,
        "a second run adds nothing"
    );
}

async fn export(client: &Client, file: &str) -> (u16, String, Vec<u8>) {
    let response = client
        .http
        .get(format!("{}/api/export/{file}", client.base))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn lists_export_as_csv_and_xlsx_with_their_filters_and_visibility() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let theirs = app.signed_in("sun.li").await;
    for (client, name) in [
        (&rep, "上海导出测试甲有限公司"),
        (&rep, "上海导出测试乙有限公司"),
        (&theirs, "杭州导出测试丙有限公司"),
    ] {
        let _: i64 = client
            .call(
                "customers/save",
                &[
                    ("form[name]", name),
                    ("form[stage]", "vip"),
                    ("form[city]", "上海"),
                ],
            )
            .await
            .unwrap();
    }
    let (status, content_type, bytes) =
        export(&rep, "customers.csv?q=%E5%AF%BC%E5%87%BA%E6%B5%8B%E8%AF%95").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/csv; charset=utf-8")
    );
    let table = app::imports::table::read_table(&bytes).unwrap();
    assert_eq!(&table.headers[..3], ["客户名称", "简称", "客户阶段"]);
    let mut names: Vec<&str> = table.rows.iter().map(|r| r.cells[0].as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        ["上海导出测试乙有限公司", "上海导出测试甲有限公司"],
        "the search applies, and another rep's customer is not exported"
    );
    assert_eq!(table.rows[0].cells[2], "VIP 客户");

    let manager = app.signed_in("manager").await;
    let (status, _, bytes) = export(
        &manager,
        "customers.xlsx?q=%E5%AF%BC%E5%87%BA%E6%B5%8B%E8%AF%95&stage=vip",
    )
    .await;
    assert_eq!(status, 200);
    let table = app::imports::table::read_table(&bytes).unwrap();
    assert_eq!(
        (table.encoding, table.rows.len()),
        ("XLSX", 2),
        "the manager sees their team's two, not the other team's"
    );
    let admin = app.signed_in("admin").await;
    let (_, _, bytes) = export(
        &admin,
        "customers.csv?q=%E5%AF%BC%E5%87%BA%E6%B5%8B%E8%AF%95",
    )
    .await;
    assert_eq!(
        app::imports::table::read_table(&bytes).unwrap().rows.len(),
        3
    );

    // The deal table: a rep exports their own deals, in the table's order.
    for (client, title, amount) in [
        (&rep, "导出测试商机一", "1000"),
        (&rep, "导出测试商机二", "2500.5"),
        (&theirs, "导出测试商机三", "9000"),
    ] {
        let customer: i64 = client
            .call(
                "customers/save",
                &[("form[name]", &format!("{title}客户有限公司"))],
            )
            .await
            .unwrap();
        let form = [
            ("form[customer_id]", customer.to_string()),
            ("form[title]", title.to_string()),
            ("form[amount]", amount.to_string()),
            ("form[expected_close_on]", "2026-12-31".into()),
            ("form[owner_id]", String::new()),
            ("form[version]", "0".into()),
        ];
        let _: i64 = client
            .call(
                "pipeline/save",
                &form
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            )
            .await
            .unwrap();
    }
    let (status, _, bytes) = export(
        &rep,
        "deals.csv?q=%E5%AF%BC%E5%87%BA%E6%B5%8B%E8%AF%95&sort=amount&dir=desc",
    )
    .await;
    assert_eq!(status, 200);
    let table = app::imports::table::read_table(&bytes).unwrap();
    assert_eq!(
        &table.headers[..4],
        ["商机名称", "客户", "阶段", "金额（元）"]
    );
    let rows: Vec<(&str, &str)> = table
        .rows
        .iter()
        .map(|r| (r.cells[0].as_str(), r.cells[3].as_str()))
        .collect();
    assert_eq!(
        rows,
        [("导出测试商机二", "2500.50"), ("导出测试商机一", "1000.00")],
        "own deals only, largest first"
    );
    let (_, _, bytes) = export(&admin, "deals.xlsx?q=%E5%AF%BC%E5%87%BA%E6%B5%8B%E8%AF%95").await;
    assert_eq!(
        app::imports::table::read_table(&bytes).unwrap().rows.len(),
        3
    );

    // Reports: the follow-up agenda, the ladder per person, the forecast by stage and by person.
    let today = app::clock::today().to_string();
    let mine: i64 = rep
        .call("customers/save", &[("form[name]", "导出跟进测试有限公司")])
        .await
        .unwrap();
    let _: i64 = rep
        .call(
            "customers/follow_up",
            &[
                ("form[customer_id]", &mine.to_string()),
                ("form[kind]", "call"),
                ("form[summary]", "约好拜访"),
                ("form[intent]", "high"),
                ("form[next_date]", &today),
                ("form[next_action]", "上门演示"),
            ],
        )
        .await
        .unwrap();
    let agenda_rows = |bytes: &[u8]| {
        app::imports::table::read_table(bytes)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.cells)
            .collect::<Vec<_>>()
    };
    let (status, _, bytes) = export(&rep, "follow-ups.csv").await;
    assert_eq!(status, 200);
    assert!(agenda_rows(&bytes).contains(&vec![
        "今天".to_string(),
        today.clone(),
        "导出跟进测试有限公司".into(),
        "上门演示".into(),
        "张伟".into()
    ]));
    let (_, _, bytes) = export(&theirs, "follow-ups.csv").await;
    assert!(
        agenda_rows(&bytes)
            .iter()
            .all(|r| r[2] != "导出跟进测试有限公司"),
        "another team's rep does not see it"
    );

    assert_eq!(
        export(&rep, "ladder.csv").await.0,
        403,
        "the ladder per person is for people who lead others"
    );
    let (status, _, bytes) = export(&manager, "ladder.xlsx").await;
    assert_eq!(status, 200);
    let ladder = app::imports::table::read_table(&bytes).unwrap();
    let vip = ladder.headers.iter().position(|h| h == "VIP 客户").unwrap();
    let zhang = ladder
        .rows
        .iter()
        .find(|r| r.cells[0] == "张伟")
        .expect("the rep's row");
    assert!(zhang.cells[vip].parse::<f64>().unwrap() >= 2.0);
    assert!(
        ladder.rows.iter().all(|r| r.cells[0] != "孙丽"),
        "only the manager's team"
    );

    let (status, _, bytes) = export(&manager, "forecast.csv?period=2026-Q4").await;
    assert_eq!(status, 200);
    let stages = app::imports::table::read_table(&bytes).unwrap();
    assert_eq!(
        (stages.headers[0].as_str(), stages.rows[0].cells[0].as_str()),
        ("阶段", "线索")
    );
    let (_, _, bytes) = export(&manager, "forecast-people.csv?period=2026-Q4").await;
    let people = app::imports::table::read_table(&bytes).unwrap();
    assert!(
        people.rows.iter().any(|r| r.cells[0] == "张伟"),
        "the rep's expected deals are in the period"
    );
    assert!(people.rows.iter().all(|r| r.cells[0] != "孙丽"));
    assert_eq!(
        export(&manager, "forecast.csv?period=someday").await.0,
        422,
        "a period that is no period is refused (invalid input: 422)"
    );

    // The catalogue and the people export headed as their imports read them: a round trip.
    let catalogue = "产品编码,产品名称,类别,单位,单价,成本价\nRT-1,智能门锁,安防,套,1999.00,1200.5\nRT-2,\"网关, 工业级\",网络,台,899.99,500\nRT-3,=1+1,配件,个,0.01,0\n";
    assert!(
        import_text(
            &admin,
            "products",
            "external_id",
            catalogue,
            "code,name,category,unit,list_price,cost_price",
            true
        )
        .await
        .committed
    );
    for (list, kind, match_by) in [
        ("products", "products", "external_id"),
        ("users", "users", "name"),
    ] {
        assert_eq!(
            export(&manager, &format!("{list}.csv")).await.0,
            403,
            "{list} are the administrators'"
        );
        let (status, _, bytes) = export(&admin, &format!("{list}.csv")).await;
        assert_eq!(status, 200);
        let exported = app::imports::table::read_table(&bytes).unwrap();
        assert!(exported.rows.len() >= 3, "the company has {list}");
        let id = upload(&admin, &format!("{list}.csv"), bytes).await.unwrap();
        let choices = preview(&admin, id, kind).await.unwrap().guesses.join(",");
        let report = run(&admin, id, kind, match_by, &choices, true)
            .await
            .unwrap();
        assert_eq!(
            (
                report.error_count,
                report.created,
                report.updated,
                report.committed
            ),
            (0, 0, exported.rows.len() as u64, true),
            "{list}: {choices}"
        );
    }
    let formula_like = product::Entity::find()
        .filter(product::Column::Code.eq("RT-3"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        formula_like.name, "=1+1",
        "the export's formula escaping is undone on import"
    );

    assert_eq!(export(&app.client(), "customers.csv").await.0, 401);
    assert_eq!(export(&admin, "secrets.csv").await.0, 404);
    assert_eq!(export(&admin, "customers.pdf").await.0, 404);
}

/// Checking a customer file never waits for the database writer, so a big file being checked does
/// not hold up anyone's sign-in, follow-up or card move (the commit still takes its turn).
#[tokio::test]
async fn checking_a_customer_file_does_not_wait_for_the_writer_and_agrees_with_the_commit() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let mut file = String::from(HEADER);
    for i in 0..300 {
        file.push_str(&format!(
            "W-{i:03},并行检查客户{i:03}有限公司,0512-6688{i:04},,,,\n"
        ));
    }
    // One of them is there already: the check counts it as an update, as the commit will.
    let first = run(
        &manager,
        upload(
            &manager,
            "一家.csv",
            format!("{HEADER}W-000,并行检查客户000有限公司,,,,,\n").into_bytes(),
        )
        .await
        .unwrap(),
        "customers",
        "external_id",
        CHOICES,
        true,
    )
    .await
    .unwrap();
    assert_eq!((first.created, first.committed), (1, true));
    let id = upload(&manager, "客户.csv", file.into_bytes())
        .await
        .unwrap();
    let before = customers(&app).await;

    // Someone else is writing (the server runs in this process, so this is the writer's turn).
    let writer = app::db::begin_write(&app.db).await.unwrap();
    let check = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        run(&manager, id, "customers", "external_id", CHOICES, false),
    )
    .await;
    let report = check
        .expect("the check finished while another write was under way")
        .unwrap();
    assert_eq!(
        (
            report.created,
            report.updated,
            report.error_count,
            report.committed
        ),
        (299, 1, 0, false)
    );
    drop(writer);
    let report = run(&manager, id, "customers", "external_id", CHOICES, true)
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.updated, report.committed),
        (299, 1, true),
        "the check said what the commit did"
    );
    assert_eq!(customers(&app).await, before + 299);
}

/// Customers stored, the rows a running import is still staging included.
async fn staged(app: &TestApp) -> u64 {
    customer::Entity::find()
        .filter(customer::Column::ImportBatch.is_not_null())
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_committing_import_is_unseen_until_it_is_whole_and_lets_other_writers_in() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let rows = 4_000;
    let mut file = String::from(HEADER);
    // The first row changes a customer already there: that change waits for the publish too.
    file.push_str("S-0000,分批导入客户0000有限公司,,,,,\n");
    for i in 1..rows {
        file.push_str(&format!(
            "S-{i:04},分批导入客户{i:04}有限公司,0512-7788{i:04},,,分批联系人{i:04},139{i:08}\n"
        ));
    }
    let first = run(
        &manager,
        upload(
            &manager,
            "一家.csv",
            format!("{HEADER}S-0000,分批导入客户0000,,,,,\n").into_bytes(),
        )
        .await
        .unwrap(),
        "customers",
        "external_id",
        CHOICES,
        true,
    )
    .await
    .unwrap();
    assert!(first.committed);
    let id = upload(&manager, "分批.csv", file.into_bytes())
        .await
        .unwrap();
    let listed = |q: &'static str| {
        let manager = manager.clone();
        async move {
            manager
                .call::<app::customers::CustomerPage>("customers/list", &[("filter[q]", q)])
                .await
                .unwrap()
                .total
        }
    };
    let before = (customers(&app).await, listed("分批导入客户").await);
    assert_eq!(before.1, 1);

    let running = {
        let manager = manager.clone();
        tokio::spawn(
            async move { run(&manager, id, "customers", "external_id", CHOICES, true).await },
        )
    };
    let mut seen_mid_way = false;
    while !running.is_finished() {
        let Some((done, total)) = progress(&manager, id).await.unwrap() else {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        if done < total / 4 || done > total * 3 / 4 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        }
        // Half way: rows are written, nobody sees them, and the changed customer is unchanged.
        assert!(staged(&app).await > 0, "rows are staged as they go");
        assert_eq!(
            listed("分批导入客户").await,
            1,
            "a staged customer is not listed"
        );
        assert_eq!(listed("分批联系人").await, 0, "nor found by its contact");
        let kept: customer::Model = customer::Entity::find()
            .filter(customer::Column::ExternalId.eq("S-0000"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            kept.name, "分批导入客户0000",
            "a change to a stored customer waits for the publish"
        );
        // And another writer gets the writer's turn between two chunks.
        let waited = std::time::Instant::now();
        let other = app::db::begin_write(&app.db).await.unwrap();
        drop(other);
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(2),
            "another write waited {:?} for the import",
            waited.elapsed()
        );
        seen_mid_way = true;
        break;
    }
    assert!(
        seen_mid_way,
        "the import finished before it could be looked at half way; make it larger"
    );
    let report = running.await.unwrap().unwrap();
    assert_eq!(
        (report.created, report.updated, report.committed),
        (rows - 1, 1, true)
    );
    assert_eq!(customers(&app).await, before.0 + rows - 1);
    assert_eq!(staged(&app).await, 0, "every row is published");
    assert_eq!(listed("分批导入客户").await, rows);
    assert_eq!(
        listed("分批联系人3999").await,
        1,
        "found by its contact once published"
    );
    let changed: customer::Model = customer::Entity::find()
        .filter(customer::Column::ExternalId.eq("S-0000"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.name, "分批导入客户0000有限公司");
    assert_eq!(
        app::entities::import_batch::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "the batch is closed"
    );
}

#[tokio::test]
async fn a_failed_commit_leaves_nothing_staged_and_a_dead_batch_is_swept() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let one = upload(
        &manager,
        "一家.csv",
        format!("{HEADER}F-0000,失败导入前的客户,,,,,\n").into_bytes(),
    )
    .await
    .unwrap();
    assert!(
        run(&manager, one, "customers", "external_id", CHOICES, true)
            .await
            .unwrap()
            .committed
    );
    let before = customers(&app).await;
    // The bad row comes last, after a chunk or more of good rows has been staged.
    let mut file = String::from(HEADER);
    for i in 0..1_500 {
        file.push_str(&format!("F-{:04},失败导入客户{i:04},,,,,\n", i + 1));
    }
    file.push_str("F-9999,失败导入客户末行,,,nobody,,\n");
    let id = upload(&manager, "坏.csv", file.into_bytes()).await.unwrap();
    let report = run(&manager, id, "customers", "external_id", CHOICES, true)
        .await
        .unwrap();
    assert!(!report.committed);
    assert_eq!(
        errors(&report),
        vec![(1_502, "owner", ErrorCode::UnknownReference)]
    );
    assert_eq!(
        (customers(&app).await, staged(&app).await),
        (before, 0),
        "nothing of a failed file stays"
    );

    // A batch its server no longer touches (it died) is swept once stale, and only then.
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    let dead = app::entities::import_batch::ActiveModel {
        started_by: Set(1),
        started_at: Set(now),
        touched_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let orphan = customer::Entity::find()
        .filter(customer::Column::ImportBatch.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut staged_copy = sea_orm::IntoActiveModel::into_active_model(orphan).reset_all();
    staged_copy.id = sea_orm::NotSet;
    staged_copy.external_id = Set(None);
    staged_copy.import_batch = Set(Some(dead.id));
    staged_copy.insert(&app.db).await.unwrap();
    assert_eq!(
        app::imports::staging::sweep(&app.db, now, false)
            .await
            .unwrap(),
        0,
        "a live batch is kept"
    );
    assert_eq!(staged(&app).await, 1);
    let later = now + app::imports::staging::STALE_AFTER + chrono::TimeDelta::seconds(1);
    assert_eq!(
        app::imports::staging::sweep(&app.db, later, false)
            .await
            .unwrap(),
        1
    );
    assert_eq!((customers(&app).await, staged(&app).await), (before, 0));
}

/// A large order file is checked without the database writer (others keep writing while it is
/// read), its commit writes in bulk, and more orders than one lookup takes (10,000) are all
/// found again by a second import.
#[tokio::test]
async fn checking_an_order_file_does_not_wait_for_the_writer_and_a_second_import_finds_every_order()
{
    const ORDERS: usize = 10_050;
    const CHOICES: &str = "order,customer,ordered_on,product,quantity,unit_price";
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let report = import_text(
        &admin,
        "products",
        "external_id",
        "产品编码,产品名称,成本价\nP-BULK,批量件,2\n",
        "code,name,cost_price",
        true,
    )
    .await;
    assert!(report.committed);
    let rep = user_id(&app, "rep").await;
    let bought_by = rep_customer(&app, "批量订单测试客户有限公司").await;
    let mut file = String::from("订单号,客户,订单日期,产品编码,数量,单价\n");
    for i in 0..ORDERS {
        file.push_str(&format!(
            "BULK-{i:05},\"{}\",2026/10/{:02},P-BULK,{},3.5\n",
            bought_by.name,
            1 + i % 28,
            1 + i % 3
        ));
    }
    let manager = app.signed_in("manager").await;
    let id = upload(&manager, "订单.csv", file.clone().into_bytes())
        .await
        .unwrap();
    let orders_before = sales_order::Entity::find().count(&app.db).await.unwrap();

    let writer = app::db::begin_write(&app.db).await.unwrap();
    let check = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        run(&manager, id, "orders", "external_id", CHOICES, false),
    )
    .await
    .expect("the check finished while another write was under way")
    .unwrap();
    assert_eq!(
        (
            check.created,
            check.unchanged,
            check.error_count,
            check.committed
        ),
        (ORDERS as u64, 0, 0, false)
    );
    drop(writer);

    let commit = run(&manager, id, "orders", "external_id", CHOICES, true)
        .await
        .unwrap();
    assert_eq!(counts(&commit), (ORDERS as u64, 0, 0, true), "as checked");
    assert_eq!(
        sales_order::Entity::find().count(&app.db).await.unwrap(),
        orders_before + ORDERS as u64
    );
    let last = sales_order::Entity::find()
        .filter(sales_order::Column::Number.eq(format!("BULK-{:05}", ORDERS - 1)))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // Line 10,050: 3 × 3.50 = 10.50 sold at a cost of 3 × 2.00, by the customer's owner.
    assert_eq!(
        (
            last.amount_fen,
            last.cost_fen,
            last.owner_id,
            last.customer_id
        ),
        (1_050, 600, rep, bought_by.id)
    );
    let lines: u64 = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(last.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(lines, 1);
    let timeline = app::entities::customer_event::Entity::find()
        .filter(app::entities::customer_event::Column::CustomerId.eq(bought_by.id))
        .filter(app::entities::customer_event::Column::Kind.eq("order"))
        .count(&app.db)
        .await
        .unwrap();
    assert!(timeline >= ORDERS as u64, "each order is on the timeline");

    // A committed upload is gone: the same file comes again.
    let id = upload(&manager, "订单.csv", file.into_bytes())
        .await
        .unwrap();
    let again = run(&manager, id, "orders", "external_id", CHOICES, true)
        .await
        .unwrap();
    assert_eq!(
        counts(&again),
        (0, 0, ORDERS as u64, true),
        "every order is found again, past the first 10,000"
    );
}

/// A follow-up history written in bulk leaves what logging it row by row would: later follow-ups
/// by the same author settle earlier next steps (stored ones too), others' stay open, and the
/// lead pool's clock moves to the owner's latest follow-up, never back.
#[tokio::test]
async fn an_imported_follow_up_history_settles_next_steps_as_if_logged_one_by_one() {
    use app::entities::follow_up;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let app = TestApp::demo().await;
    let rep = user_id(&app, "rep").await;
    let customer = rep_customer(&app, "跟进历史测试客户有限公司").await;
    let at = |day: &str| {
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc()
    };
    let mut pool_clock = customer.clone().into_active_model();
    pool_clock.last_follow_up_at = Set(Some(at("2026-09-11")));
    pool_clock.update(&app.db).await.unwrap();
    follow_up::ActiveModel {
        customer_id: Set(customer.id),
        author_id: Set(rep),
        kind: Set("call".into()),
        contact_id: Set(None),
        summary: Set("九月初的电话".into()),
        intent: Set("medium".into()),
        next_done: Set(false),
        next_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 9, 3)),
        next_action: Set(String::new()),
        happened_at: Set(at("2026-09-01")),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();

    let name = &customer.name;
    let file = format!(
        "客户,跟进方式,跟进内容,日期,跟进人,下次跟进日期\n\
         \"{name}\",拜访,甲,2026/09/10,rep,2026-09-20\n\
         \"{name}\",电话,乙,2026/09/12,rep,\n\
         \"{name}\",电话,丙,2026/09/05,rep,2026-09-08\n\
         \"{name}\",拜访,丁,2026/09/15,wang.fang,2026-09-30\n"
    );
    let manager = app.signed_in("manager").await;
    let id = upload(&manager, "跟进.csv", file.into_bytes())
        .await
        .unwrap();
    const CHOICES: &str = "customer,kind,summary,happened_on,author,next_date";
    let report = run(&manager, id, "follow_ups", "", CHOICES, true)
        .await
        .unwrap();
    assert_eq!(counts(&report), (4, 0, 0, true), "{:?}", report.errors);

    let settled = |summary: &'static str| {
        let db = app.db.clone();
        async move {
            follow_up::Entity::find()
                .filter(follow_up::Column::CustomerId.eq(customer.id))
                .filter(follow_up::Column::Summary.eq(summary))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .next_done
        }
    };
    assert_eq!(
        (
            settled("九月初的电话").await,
            settled("甲").await,
            settled("乙").await,
            settled("丙").await,
            settled("丁").await,
        ),
        (true, true, true, false, false),
        "the stored step and 甲 are settled by 乙 (09-12); 丙 (09-05) comes after it; 丁 is wang.fang's"
    );
    let after = customer::Entity::find_by_id(customer.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.last_follow_up_at,
        Some(at("2026-09-12")),
        "the owner's latest imported follow-up, not the last row's date, nor wang.fang's"
    );
}

/// A new customer of `rep`'s, added through the form.
async fn rep_customer(app: &TestApp, name: &str) -> customer::Model {
    let id: i64 = app
        .signed_in("rep")
        .await
        .call("customers/save", &[("form[name]", name)])
        .await
        .unwrap();
    customer::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}
