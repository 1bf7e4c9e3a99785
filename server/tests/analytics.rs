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
    user::Entity::find().filter(user::Column::Username.eq(username)).one(&app.db).await.unwrap().unwrap()
}

async fn abc(client: &Client, extra: &[(&str, &str)]) -> Result<AbcView, AppError> {
    let form: Vec<(&str, &str)> = YEAR.iter().copied().filter(|(key, _)| extra.iter().all(|(k, _)| k != key)).chain(extra.iter().copied()).collect();
    client.call("analytics/abc", &form).await
}

/// (name, class) of the chart's customers, best first.
fn ranking(view: &AbcView) -> Vec<(String, AbcClass)> {
    view.top.iter().map(|c| (c.name.clone(), c.class)).collect()
}

fn summary(view: &AbcView) -> Vec<(AbcClass, u64, i64, &str)> {
    view.classes.iter().map(|c| (c.class, c.customers, c.value_fen, c.share.as_str())).collect()
}

#[tokio::test]
async fn abc_classes_match_figures_worked_out_by_hand_on_the_page_the_json_and_the_csv() {
    let app = TestApp::demo().await;
    let admin = app.signed_in("admin").await;
    let manager = app.signed_in("manager").await;
    let rep = app.signed_in("rep").await;
    let (zhang, wang, liu) = (person(&app, "rep").await, person(&app, "wang.fang").await, person(&app, "liu.yang").await);
    let mut ids = Vec::new();
    for name in ["甲方精密机械制造股份有限公司", "乙方", "丙方", "丁方"] {
        ids.push(admin.call::<i64>("customers/save", &[("form[name]", name)]).await.unwrap());
    }
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
    assert_eq!(ranking(&company), [("甲方精密机械制造股份有限公司".into(), AbcClass::A), ("乙方".into(), AbcClass::A), ("丙方".into(), AbcClass::B), ("丁方".into(), AbcClass::C)]);
    assert_eq!(summary(&company), [(AbcClass::A, 2, 850_00, "0.8500"), (AbcClass::B, 1, 100_00, "0.1000"), (AbcClass::C, 1, 50_00, "0.0500")]);
    assert_eq!(company.top.iter().map(|c| c.cumulative_share.as_str()).collect::<Vec<_>>(), ["0.6000", "0.8500", "0.9500", "1.0000"]);
    assert_eq!((company.class, company.cards.len()), (AbcClass::A, 2), "the A cards by default");
    assert_eq!(abc(&admin, &[("query[class]", "C")]).await.unwrap().cards.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["丁方"]);

    // The class kept on each customer (lists, customer files) follows the company's last twelve
    // months of sales, written only where it changed.
    let year_end = chrono::NaiveDate::from_ymd_opt(2031, 12, 31).unwrap();
    assert_eq!(app::analytics::service::refresh_customer_classes(&app.db, year_end).await.unwrap(), 4);
    assert_eq!(app::analytics::service::refresh_customer_classes(&app.db, year_end).await.unwrap(), 0);
    let detail: app::customers::CustomerDetail = admin.call("customers/detail", &[("id", &ids[3].to_string())]).await.unwrap();
    assert_eq!(detail.abc_class, Some(AbcClass::C));
    let list: app::customers::CustomerPage = admin.call("customers/list", &[("filter[q]", "甲方精密")]).await.unwrap();
    assert_eq!(list.rows.iter().map(|r| r.abc_class).collect::<Vec<_>>(), [Some(AbcClass::A)]);
    let later = chrono::NaiveDate::from_ymd_opt(2033, 6, 30).unwrap();
    assert_eq!(app::analytics::service::refresh_customer_classes(&app.db, later).await.unwrap(), 4, "no sales in the last twelve months: no class");

    // By gross profit: 甲 200 and 乙 200 tie (the older customer first), 丁 50, 丙 10; total 460.
    // Before 乙 43.5% → A; before 丁 87.0% → B; before 丙 97.8% → C.
    let profit = abc(&admin, &[("query[basis]", "gross_profit")]).await.unwrap();
    assert_eq!(ranking(&profit), [("甲方精密机械制造股份有限公司".into(), AbcClass::A), ("乙方".into(), AbcClass::A), ("丁方".into(), AbcClass::B), ("丙方".into(), AbcClass::C)]);
    assert_eq!(summary(&profit), [(AbcClass::A, 2, 400_00, "0.8696"), (AbcClass::B, 1, 50_00, "0.1087"), (AbcClass::C, 1, 10_00, "0.0217")]);

    // Other thresholds, A below 50% and B below 90%: 乙 (before 60%) and 丙 (85%) are B, 丁 (95%) C.
    let strict = abc(&admin, &[("query[a]", "50"), ("query[b]", "90")]).await.unwrap();
    assert_eq!(ranking(&strict).iter().map(|(_, c)| *c).collect::<Vec<_>>(), [AbcClass::A, AbcClass::B, AbcClass::B, AbcClass::C]);

    // Filters: one rep, one industry.
    let wangs = abc(&admin, &[("query[rep]", &wang.id.to_string())]).await.unwrap();
    assert_eq!(ranking(&wangs), [("丙方".into(), AbcClass::A)]);
    customer::Entity::update_many()
        .col_expr(customer::Column::Industry, sea_orm::sea_query::Expr::value("机械"))
        .filter(customer::Column::Id.is_in([ids[1], ids[3]]))
        .exec(&app.db)
        .await
        .unwrap();
    let machinery = abc(&admin, &[("query[industry]", "机械")]).await.unwrap();
    assert_eq!((machinery.total_fen, ranking(&machinery).len()), (300_00, 2));

    // Who sees what: the manager their team (甲 乙 丙, total 950), the rep their own orders.
    let team = abc(&manager, &[]).await.unwrap();
    assert_eq!((team.total_fen, ranking(&team).len()), (950_00, 3));
    let own = abc(&rep, &[]).await.unwrap();
    assert_eq!((own.total_fen, ranking(&own).into_iter().map(|(n, _)| n).collect::<Vec<_>>()), (850_00, vec!["甲方精密机械制造股份有限公司".to_string(), "乙方".to_string()]));
    let hangzhou = liu.team_id.unwrap().to_string();
    assert_eq!(abc(&manager, &[("query[team]", &hangzhou)]).await.unwrap().total_fen, 0, "another team's orders stay hidden");
    assert_eq!(abc(&rep, &[("query[rep]", &liu.id.to_string())]).await.unwrap().top, []);
    assert_eq!(abc(&app.client(), &[]).await, Err(AppError::Unauthorized));

    // Bad filters, at their field.
    assert_eq!(fields(&abc(&admin, &[("query[to]", "2030-12-31")]).await.unwrap_err()), [("to".to_string(), ErrorCode::EndBeforeStart)]);
    assert_eq!(fields(&abc(&admin, &[("query[a]", "96")]).await.unwrap_err()), [("b".to_string(), ErrorCode::ThresholdOrder)]);

    // The report API: the same numbers as decimal strings.
    let (status, _, body) = admin.get("/api/v1/reports/abc?from=2031-01-01&to=2031-12-31", &[("accept", "application/json")]).await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["classes"][0], serde_json::json!({ "class": "A", "customers": 2, "value": "850.00", "share": "0.8500" }));
    assert_eq!(json["classes"][2], serde_json::json!({ "class": "C", "customers": 1, "value": "50.00", "share": "0.0500" }));
    assert_eq!(json["total"], "1000.00");
    assert_eq!(json["customers"][0]["customer_id"], ids[0]);
    assert_eq!((json["customers"][0]["value"].as_str(), json["customers"][0]["class"].as_str()), (Some("600.00"), Some("A")));
    assert_eq!(json["customers"].as_array().unwrap().len(), 4);
    assert!(json["rule"].as_str().unwrap().contains("80%"), "{}", json["rule"]);
    let (_, _, manager_body) = manager.get("/api/v1/reports/abc?from=2031-01-01&to=2031-12-31", &[]).await;
    let manager_json: serde_json::Value = serde_json::from_str(&manager_body).unwrap();
    assert_eq!(manager_json["total"], "950.00");

    let (status, headers, csv) = admin.get("/api/v1/reports/abc?from=2031-01-01&to=2031-12-31&format=csv", &[]).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "rank,customer_id,external_id,name,value,share,cumulative_share,class");
    assert_eq!(lines[1], format!("1,{},,甲方精密机械制造股份有限公司,600.00,0.6000,0.6000,A", ids[0]));
    assert_eq!(lines[4], format!("4,{},,丁方,50.00,0.0500,1.0000,C", ids[3]));
    let (_, _, export) = admin.get("/api/export/abc.csv?from=2031-01-01&to=2031-12-31", &[]).await;
    assert_eq!(export, csv, "the page's export link gives the same file");

    let (status, _, body) = admin.get("/api/v1/reports/abc?from=2031-05-01&to=2031-04-01", &[]).await;
    assert_eq!(status, 400);
    assert!(body.contains("\"field\":\"to\"") && body.contains("结束日期早于开始日期"), "{body}");
    assert_eq!(app.client().get("/api/v1/reports/abc", &[]).await.0, 401);
    assert_eq!(admin.get("/api/v1/reports/nothing", &[]).await.0, 404);
}
