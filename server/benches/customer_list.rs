//! Customer list and search at 100,000 customers and about 1,000,000 follow-ups: server time
//! (the service call a server function makes, database included) p50/p95 per query.
//!
//!   cargo bench -p jingxi --bench customer_list                       # SQLite (a temp file)
//!   BENCH_DATABASE_URL=postgres://…/jingxi_bench cargo bench -p jingxi --bench customer_list
//!
//! BENCH_CUSTOMERS (default 100000) and BENCH_MAX_FOLLOW_UPS (default 19: 1 to 19 each, about ten
//! on average) change the size; the seeded data is deterministic.
use app::auth::service::{load_actor, Actor};
use app::customers::{service, CustomerFilter};
use app::entities::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use std::time::Instant;
use support::{env_number, percentile, timed};

#[path = "support.rs"]
mod support;

const RUNS: usize = 40;

async fn actor(db: &DatabaseConnection, username: &str) -> Actor {
    let user = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    load_actor(db, user).await.unwrap()
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; a filter argument is not supported here.
    let customers = env_number("BENCH_CUSTOMERS", 100_000);
    let max_follow_ups = env_number("BENCH_MAX_FOLLOW_UPS", 19);
    let (db, backend, temp) = support::database("customers").await;
    let started = Instant::now();
    app::seed::seed_demo(&db, false)
        .await
        .expect("seed the demo organisation (the database must be empty)");
    let seeded =
        app::seed_customers::seed_customers(&db, chrono::Utc::now(), customers, max_follow_ups)
            .await
            .expect("seed customers");
    jingxi::optimize(&db).await.expect("optimize");
    let follow_ups = app::entities::follow_up::Entity::find()
        .count(&db)
        .await
        .unwrap();
    println!(
        "{backend}: seeded {seeded} customers and {follow_ups} follow-ups in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let (admin, manager, rep) = (
        actor(&db, "admin").await,
        actor(&db, "manager").await,
        actor(&db, "rep").await,
    );
    let filter = |pairs: &[(&str, &str)]| {
        CustomerFilter::from_pairs(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    };
    let cases: Vec<(&str, &Actor, CustomerFilter)> = vec![
        ("admin: first page, all customers", &admin, filter(&[])),
        (
            "admin: page 200 (offset 10,000)",
            &admin,
            filter(&[("page", "200")]),
        ),
        (
            "admin: search name 华力机电",
            &admin,
            filter(&[("q", "华力机电")]),
        ),
        (
            "admin: search contact phone 1380013",
            &admin,
            filter(&[("q", "1380013")]),
        ),
        (
            "admin: search pinyin initials shhl",
            &admin,
            filter(&[("q", "shhl")]),
        ),
        (
            "admin: search two characters 物流",
            &admin,
            filter(&[("q", "物流")]),
        ),
        (
            "admin: search 公司 (in every name)",
            &admin,
            filter(&[("q", "公司")]),
        ),
        (
            "admin: VIP in 浙江, by name",
            &admin,
            filter(&[("stage", "vip"), ("province", "浙江"), ("sort", "name")]),
        ),
        (
            "admin: 30+ days quiet, longest first",
            &admin,
            filter(&[("quiet_days", "30"), ("sort", "neglected")]),
        ),
        ("admin: lead pool", &admin, filter(&[("view", "pool")])),
        ("manager: team's first page", &manager, filter(&[])),
        (
            "manager: search 物流 in the team",
            &manager,
            filter(&[("q", "物流")]),
        ),
        ("rep: own first page", &rep, filter(&[])),
    ];
    println!("\n| query | rows matched | p50 ms | p95 ms |\n|---|---:|---:|---:|");
    for (label, who, filter) in &cases {
        let (times, page) = timed(3, RUNS, |_| service::list(&db, who, filter)).await;
        let total = page.expect("list").total;
        println!(
            "| {label} | {total} | {:.1} | {:.1} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
    }
    let everyone = filter(&[]);
    let (times, counts) = timed(0, RUNS, |_| service::stage_counts(&db, &admin, &everyone)).await;
    counts.expect("counts");
    println!(
        "| admin: counts per ladder stage | – | {:.1} | {:.1} |",
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
    let _ = std::fs::remove_dir_all(&temp);
}
