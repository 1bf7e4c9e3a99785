//! The target breakdown grid at 50 reps × 12 months (the demo organisation plus reps spread over
//! its teams): server time (the service call a server function makes, database included) p50/p95
//! to load the grid, to set a team's quarter (its months moved and its reps' cells refilled in one
//! transaction), to split the company's year by working days over every rep, and to read progress
//! (a rep's, the company's with its teams).
//!
//!   cargo bench -p jingxi --bench target_grid                       # SQLite (a temp file)
//!   BENCH_DATABASE_URL=postgres://…/jingxi_bench cargo bench -p jingxi --bench target_grid
//!
//! BENCH_REPS (default 50) changes the number of reps.
#[path = "support.rs"]
mod support;

use app::auth::service::{load_actor, Actor};
use app::domain::targets::Metric;
use app::domain::visibility::Role;
use app::entities::user;
use app::org::service::{insert_user_with_hash, NewUser};
use app::targets::service::{self, Change};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::cell::Cell;
use support::{env_number, percentile, timed};

const RUNS: usize = 40;
/// A year no demo plan uses.
const YEAR: i32 = 2030;

async fn actor(db: &DatabaseConnection, username: &str) -> Actor {
    let user = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    load_actor(db, user).await.unwrap()
}

/// Adds reps (copies of the demo rep's account) over the demo teams until there are `wanted`.
async fn add_reps(db: &DatabaseConnection, wanted: usize) -> usize {
    let reps = user::Entity::find()
        .filter(user::Column::Role.eq("rep"))
        .all(db)
        .await
        .unwrap();
    let teams: Vec<Option<i64>> = reps
        .iter()
        .map(|r| r.team_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let template = reps[0].clone();
    for n in reps.len()..wanted {
        let rep = NewUser {
            username: format!("bench.rep{n}"),
            display_name: format!("业务员{n:02}号"),
            role: Role::Rep,
            team_id: teams[n % teams.len()],
            department_id: template.department_id,
            password: String::new(),
        };
        insert_user_with_hash(db, rep, template.password_hash.clone())
            .await
            .unwrap();
    }
    Ord::max(reps.len(), wanted)
}

fn row(label: &str, times: &[std::time::Duration]) {
    println!(
        "| {label} | {:.1} | {:.1} |",
        percentile(times, 0.5),
        percentile(times, 0.95)
    );
}

#[tokio::main]
async fn main() {
    let wanted = env_number("BENCH_REPS", 50);
    let (db, backend, temp) = support::database("targets").await;
    app::seed::seed_demo(&db, false)
        .await
        .expect("seed the demo organisation (the database must be empty)");
    let reps = add_reps(&db, wanted).await;
    let (admin, manager, rep) = (
        actor(&db, "admin").await,
        actor(&db, "manager").await,
        actor(&db, "rep").await,
    );
    let team = format!(
        "team:{}",
        manager.user.team_id.expect("the demo manager leads a team")
    );
    let change = |version: i32| Change {
        year: YEAR,
        metric: Metric::Sales,
        version,
    };
    let version = Cell::new(
        service::set(
            &db,
            &admin,
            &change(0),
            "company",
            &YEAR.to_string(),
            "60000000",
        )
        .await
        .expect("the year's target"),
    );

    let (grid_times, grid) =
        timed(3, RUNS, |_| service::grid(&db, &admin, YEAR, Metric::Sales)).await;
    let grid = grid.expect("grid");
    let cells = grid.rows.iter().map(|r| r.months.len()).sum::<usize>();
    println!(
        "{backend}: {reps} reps, {} grid rows, {cells} month cells",
        grid.rows.len()
    );
    println!("\n| call | p50 ms | p95 ms |\n|---|---:|---:|");
    row("grid, admin (every row, every month)", &grid_times);
    row(
        "grid, manager (their team)",
        &timed(3, RUNS, |_| {
            service::grid(&db, &manager, YEAR, Metric::Sales)
        })
        .await
        .0,
    );
    let quarter = format!("{YEAR}-Q1");
    let write = |what: &'static str, run: usize| {
        let (db, admin, manager, version, team, quarter) =
            (&db, &admin, &manager, &version, &team, &quarter);
        async move {
            let amount = if run.is_multiple_of(2) {
                "3000000"
            } else {
                "3100000"
            };
            let new = if what == "set" {
                service::set(db, manager, &change(version.get()), team, quarter, amount).await
            } else {
                service::split(
                    db,
                    admin,
                    &change(version.get()),
                    "company",
                    &YEAR.to_string(),
                    if run.is_multiple_of(2) {
                        "working_days"
                    } else {
                        "even"
                    },
                )
                .await
            };
            version.set(new.expect(what));
        }
    };
    row(
        "set a team's Q1 (months and reps refilled)",
        &timed(3, RUNS, |run| write("set", run)).await.0,
    );
    row(
        "split the company's year over every rep",
        &timed(3, RUNS, |run| write("split", run)).await.0,
    );
    let day = chrono::NaiveDate::from_ymd_opt(YEAR, 6, 17).unwrap();
    row(
        "a rep's progress (year, quarter, month, week)",
        &timed(3, RUNS, |_| {
            service::progress(&db, &rep, YEAR, Metric::Sales, "", day, None)
        })
        .await
        .0,
    );
    row(
        "the company's progress with its teams",
        &timed(3, RUNS, |_| {
            service::progress(&db, &admin, YEAR, Metric::Sales, "", day, None)
        })
        .await
        .0,
    );
    let _ = std::fs::remove_dir_all(&temp);
}
