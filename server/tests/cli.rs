//! The `jingxi` binary: `user add` reads the password from stdin; `seed demo` refuses production.
use std::io::Write;
use std::process::{Command, Stdio};

fn jingxi(database_url: &str, args: &[&str], stdin: &str, extra_env: &[(&str, &str)]) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jingxi"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .envs(extra_env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (output.status.success(), format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
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
    let (ok, out) = jingxi(&url, &["user", "add", "--admin", "boss", "--name", "老板"], "correct-horse\n", &[]);
    assert!(ok, "{out}");
    assert!(out.contains("created boss (admin)"), "{out}");
    let (ok, out) = jingxi(&url, &["user", "add", "boss"], "another-pass\n", &[]);
    assert!(!ok && out.contains("username: Already taken"), "{out}");
    let (ok, out) = jingxi(&url, &["user", "add", "newbie"], "short\n", &[]);
    assert!(!ok && out.contains("password: At least 8 characters"), "{out}");
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
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_pool_return_job_runs_on_demand_with_a_given_clock() {
    let (dir, url) = temp_sqlite("jobs");
    let (ok, out) = jingxi(&url, &["seed", "demo"], "", &[]);
    assert!(ok, "{out}");
    let (ok, out) = jingxi(&url, &["jobs", "pool-return", "--as-of", "yesterday"], "", &[]);
    assert!(!ok && out.contains("--as-of yesterday"), "{out}");
    // A year on, every owned demo customer is overdue (the demo has none followed up in the future).
    let year_on = (chrono::Utc::now() + chrono::Duration::days(365)).to_rfc3339();
    let (ok, out) = jingxi(&url, &["jobs", "pool-return", "--as-of", &year_on], "", &[("JINGXI_POOL_RETURN_DAYS", "30")]);
    assert!(ok && out.contains("customers returned to the lead pool (no owner follow-up for 30 days)"), "{out}");
    let returned: u64 = out.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{out}"));
    assert!(returned > 1000, "{out}");
    let (ok, out) = jingxi(&url, &["jobs", "pool-return", "--as-of", &year_on], "", &[]);
    assert!(ok && out.starts_with("0 customers"), "nothing left to return: {out}");
    std::fs::remove_dir_all(dir).unwrap();
}
