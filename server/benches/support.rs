//! What every benchmark here shares: timing a call many times and reading percentiles off it.
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The p-th quantile (0.0–1.0) of sorted durations, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// Runs `call` `warm_up + runs` times (the run number passed in) and returns the last `runs`
/// durations, sorted, with the last call's output.
pub async fn timed<T, F: Future<Output = T>>(
    warm_up: usize,
    runs: usize,
    mut call: impl FnMut(usize) -> F,
) -> (Vec<Duration>, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for run in 0..warm_up + runs {
        let start = Instant::now();
        let output = call(run).await;
        if run >= warm_up {
            times.push(start.elapsed());
        }
        last = Some(output);
    }
    times.sort();
    (times, last.expect("at least one run"))
}

/// A migrated, empty database: `BENCH_DATABASE_URL`, or a SQLite file in a temporary folder
/// (returned, for removal). Also the database's name for the report.
pub async fn database(name: &str) -> (DatabaseConnection, &'static str, PathBuf) {
    let temp = std::env::temp_dir().join(format!("jingxi-bench-{name}-{}", std::process::id()));
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        std::fs::create_dir_all(&temp).unwrap();
        format!("sqlite://{}?mode=rwc", temp.join("bench.db").display())
    });
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let db = jingxi::connect(&url).await.expect("connect");
    jingxi::migrate(&db).await.expect("migrate");
    (db, backend, temp)
}
