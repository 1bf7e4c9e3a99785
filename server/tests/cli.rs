//! The `jingxi` binary: `user add` reads the password from stdin; `seed demo` refuses production.
use std::io::Write;
use std::process::{Command, Stdio};

fn jingxi(
    database_url: &str,
    args: &[&str],
    stdin: &str,
    extra_env: &[(&str, &str)],
) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jingxi"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .envs(extra_env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn temp_sqlite(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("jingxi-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    (dir, url)
}

#[test]
fn user_add_creates_an_admin_and_validates_input() {
    let (dir, url) = temp_sqlite("user");
    let (ok, out) = jingxi(
        &url,
        &["user", "add", "--admin", "boss", "--name", "老板"],
        "correct-horse\n",
        &[],
    );
    assert!(ok, "{out}");
    assert!(out.contains("created boss (admin)"), "{out}");
    let (ok, out) = jingxi(&url, &["user", "add", "boss"], "another-pass\n", &[]);
    assert!(!ok && out.contains("username: Already taken"), "{out}");
    let (ok, out) = jingxi(&url, &["user", "add", "newbie"], "short\n", &[]);
    assert!(
        !ok && out.contains("password: At least 8 characters"),
        "{out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_demo_seed_is_refused_in_production_and_loaded_once_otherwise() {
    let (dir, url) = temp_sqlite("seed");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[("JINGXI_ENV", "production")]);
    assert!(!ok && out.contains("refused"), "{out}");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[]);
    assert!(ok && out.contains("demo company created"), "{out}");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[]);
    assert!(ok && out.contains("already has users"), "{out}");
    // The audit log starts with one entry saying how the data got there.
    let audit_rows = fingerprint(&url)
        .into_iter()
        .find(|(table, _, _)| table == "audit_log")
        .map(|(_, rows, _)| rows);
    assert_eq!(audit_rows, Some(1));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_pool_return_job_runs_on_demand_with_a_given_clock() {
    let (dir, url) = temp_sqlite("jobs");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[]);
    assert!(ok, "{out}");
    let (ok, out) = jingxi(
        &url,
        &["jobs", "pool-return", "--as-of", "yesterday"],
        "",
        &[],
    );
    assert!(!ok && out.contains("--as-of yesterday"), "{out}");
    // A year on, every owned demo customer is overdue (the demo has none followed up in the future).
    let year_on = (chrono::Utc::now() + chrono::Duration::days(365)).to_rfc3339();
    let (ok, out) = jingxi(
        &url,
        &["jobs", "pool-return", "--as-of", &year_on],
        "",
        &[("JINGXI_POOL_RETURN_DAYS", "30")],
    );
    assert!(
        ok && out.contains("customers returned to the lead pool (no owner follow-up for 30 days)"),
        "{out}"
    );
    let returned: u64 = out
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(returned > 1000, "{out}");
    let (ok, out) = jingxi(&url, &["jobs", "pool-return", "--as-of", &year_on], "", &[]);
    assert!(
        ok && out.starts_with("0 customers"),
        "nothing left to return: {out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_alert_job_raises_alerts_on_the_demo_and_a_second_run_raises_none() {
    let (dir, url) = temp_sqlite("alerts");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[]);
    assert!(ok, "{out}");
    let now = chrono::Utc::now().to_rfc3339();
    let (ok, out) = jingxi(&url, &["jobs", "alerts", "--as-of", &now], "", &[]);
    assert!(ok && out.contains("alerts raised"), "{out}");
    let raised: u64 = out
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(raised > 0, "the demo has stalled deals: {out}");
    let (ok, out) = jingxi(&url, &["jobs", "alerts", "--as-of", &now], "", &[]);
    assert!(
        ok && out.starts_with("0 alerts raised, 0 cleared"),
        "the same moment changes nothing: {out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every table of the database with its row count and the sum of its integer columns (ids,
/// money in fen, versions, positions): two databases with the same fingerprint hold the same
/// records to a high degree of certainty.
fn fingerprint(url: &str) -> Vec<(String, i64, i64)> {
    use sea_orm::ConnectionTrait;
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = sea_orm::Database::connect(url).await.unwrap();
        let backend = db.get_database_backend();
        let query = |sql: String| db.query_all_raw(sea_orm::Statement::from_string(backend, sql));
        let tables: Vec<String> = query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name".into()).await.unwrap().iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
        let mut prints = Vec::new();
        for table in tables {
            let columns: Vec<String> = query(format!("SELECT name FROM pragma_table_info('{table}') WHERE type IN ('integer', 'INTEGER', 'bigint', 'BIGINT')")).await.unwrap().iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
            let sum = if columns.is_empty() { "0".to_string() } else { columns.iter().map(|c| format!("COALESCE(SUM(\"{c}\"), 0)")).collect::<Vec<_>>().join(" + ") };
            let row = query(format!("SELECT COUNT(*), {sum} FROM \"{table}\"")).await.unwrap().remove(0);
            prints.push((table, row.try_get_by_index::<i64>(0).unwrap(), row.try_get_by_index::<i64>(1).unwrap()));
        }
        db.close().await.unwrap();
        prints
    })
}

#[test]
fn backup_and_restore_round_trip_a_seeded_database() {
    let (dir, url) = temp_sqlite("backup");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[]);
    assert!(ok, "{out}");
    let backup = dir.join("copy.db");
    let seeded = fingerprint(&url);
    assert!(
        seeded
            .iter()
            .any(|(table, rows, sum)| table == "sales_orders" && *rows > 100 && *sum > *rows),
        "the demo has orders, and their numbers are summed: {seeded:?}"
    );
    let (ok, out) = jingxi(&url, &["backup", backup.to_str().unwrap()], "", &[]);
    assert!(ok && out.contains("backup written"), "{out}");
    let (ok, out) = jingxi(&url, &["backup", backup.to_str().unwrap()], "", &[]);
    assert!(
        !ok && out.contains("already exists"),
        "an existing file is never overwritten: {out}"
    );
    // A change after the backup is undone by the restore.
    let (ok, out) = jingxi(
        &url,
        &["user", "add", "after.backup"],
        "correct-horse\n",
        &[],
    );
    assert!(ok, "{out}");
    let (ok, out) = jingxi(&url, &["restore", backup.to_str().unwrap()], "", &[]);
    assert!(ok && out.contains("restored"), "{out}");
    assert_eq!(
        fingerprint(&url),
        seeded,
        "every table's rows and sums are as they were backed up"
    );
    let (ok, out) = jingxi(
        &url,
        &["user", "add", "after.backup"],
        "correct-horse\n",
        &[],
    );
    assert!(ok, "the user added after the backup is gone: {out}");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[]);
    assert!(
        ok && out.contains("already has users"),
        "the demo company came back: {out}"
    );
    let not_a_backup = dir.join("notes.txt");
    std::fs::write(&not_a_backup, "hello").unwrap();
    let (ok, out) = jingxi(&url, &["restore", not_a_backup.to_str().unwrap()], "", &[]);
    assert!(
        !ok && (out.contains("not a Jingxi backup") || out.contains("cannot be opened")),
        "{out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn import_with_a_mapping_file_dry_runs_refuses_bad_rows_and_commits_once() {
    let (dir, url) = temp_sqlite("import");
    let (ok, out) = jingxi(
        &url,
        &["user", "add", "--admin", "boss"],
        "correct-horse\n",
        &[],
    );
    assert!(ok, "{out}");
    let mapping = dir.join("customers.toml");
    std::fs::write(&mapping, "kind = \"customers\"\nmatch_by = \"external_id\"\n[columns]\nexternal_id = \"编号\"\nname = \"客户名称\"\nphone = \"电话\"\n").unwrap();
    let file = dir.join("customers.csv");
    std::fs::write(
        &file,
        "编号,客户名称,电话\nA1,北京华通科技有限公司,010-1\nA2,X,010-2\n",
    )
    .unwrap();
    let args = |extra: &[&'static str]| {
        [
            &[
                "import",
                "--mapping",
                mapping.to_str().unwrap(),
                file.to_str().unwrap(),
            ][..],
            extra,
        ]
        .concat()
    };
    let (ok, out) = jingxi(&url, &args(&["--dry-run"]), "", &[]);
    assert!(
        !ok && out.contains("customers.csv line 3: name: At least 2 characters"),
        "{out}"
    );
    std::fs::write(
        &file,
        "编号,客户名称,电话\nA1,北京华通科技有限公司,010-1\nA2,上海浦江物流有限公司,021-2\n",
    )
    .unwrap();
    let (ok, out) = jingxi(&url, &args(&["--dry-run"]), "", &[]);
    assert!(
        ok && out.contains("dry run, nothing written; would create 2"),
        "{out}"
    );
    let (ok, out) = jingxi(&url, &args(&[]), "", &[]);
    assert!(
        ok && out.contains("imported: created 2, updated 0"),
        "{out}"
    );
    let (ok, out) = jingxi(&url, &args(&[]), "", &[]);
    assert!(
        ok && out.contains("created 0, updated 2"),
        "a second run matches, never duplicates: {out}"
    );
    std::fs::write(
        &mapping,
        "kind = \"customers\"\n[columns]\nname = \"公司\"\n",
    )
    .unwrap();
    let (ok, out) = jingxi(&url, &args(&[]), "", &[]);
    assert!(!ok && out.contains("no column named 公司"), "{out}");
    let (ok, out) = jingxi(
        &url,
        &["import", "--preset", "nope", file.to_str().unwrap()],
        "",
        &[],
    );
    assert!(
        !ok && out.contains("unknown preset nope; known: maven-crm, online-retail"),
        "{out}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
