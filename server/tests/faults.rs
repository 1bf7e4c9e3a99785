//! Faults against the real `jingxi` binary, run as its own process on a real database:
//!
//! - `kill -9` during a burst of card moves: every move the server acknowledged is there after a
//!   restart, none is there twice (one stage-history row per applied move), positions stay
//!   unique, and sessions survive;
//! - `kill -9` during an import's commit: after a restart the import is there whole or not at all;
//! - two servers on one PostgreSQL (the documented way to scale): a session made on one is good on
//!   the other, a move on one reaches the other's live board, the start-up jobs ran once between
//!   them, and the other's analyses are never stale.
mod common;

use common::{numbers, scalar, Client};
use sea_orm::DatabaseConnection;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One `jingxi serve` process.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_jingxi"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("TZ", "UTC")
            .env("RUST_LOG", "error")
            .env_remove("JINGXI_SEED_DEMO")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start jingxi serve");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let probe = server.client();
        for _ in 0..240 {
            if let Ok(response) = probe
                .http
                .post(format!("{}/api/me", server.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                if response.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("jingxi serve did not answer on {}", server.base);
    }

    fn client(&self) -> Client {
        Client::new(&self.base)
    }

    async fn signed_in(&self, username: &str) -> Client {
        let client = self.client();
        client
            .login(username, app::seed::DEMO_PASSWORD)
            .await
            .unwrap();
        client
    }

    /// `kill -9`: no shutdown, no flush, no goodbye.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database with the demo people, customers and open deals, seeded in-process; the test keeps
/// the connection to look at what the server left behind.
async fn company(open_deals: usize) -> (String, DatabaseConnection, Option<common::TempDir>) {
    let (url, dir) = common::fresh_database().await;
    let db = jingxi::connect(&url).await.unwrap();
    jingxi::migrate(&db).await.unwrap();
    app::seed::seed_demo(&db, false).await.unwrap();
    let now = chrono::Utc::now();
    app::seed_customers::seed_customers(&db, now, 150, 1)
        .await
        .unwrap();
    app::seed_pipeline::seed_pipeline(
        &db,
        now,
        app::seed_pipeline::DealPlan {
            open: open_deals,
            lost: 0,
            history: false,
        },
    )
    .await
    .unwrap();
    (url, db, dir)
}

/// The open deals and, per pipeline, its open stages: (deal, version, pipeline, stage).
async fn open_deals(
    db: &DatabaseConnection,
) -> (Vec<[i64; 4]>, std::collections::HashMap<i64, Vec<i64>>) {
    let deals = numbers(db, "SELECT o.id, o.version, o.pipeline_id, o.stage_id FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE s.won = false AND s.lost = false ORDER BY o.id").await;
    let mut stages: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for row in numbers(db, "SELECT pipeline_id, id FROM pipeline_stages WHERE won = false AND lost = false ORDER BY position").await {
        stages.entry(row[0]).or_default().push(row[1]);
    }
    (
        deals
            .into_iter()
            .map(|r| [r[0], r[1], r[2], r[3]])
            .collect(),
        stages,
    )
}

#[tokio::test]
async fn a_server_killed_during_a_burst_of_moves_keeps_every_acknowledged_move_once() {
    let (url, db, _dir) = company(160).await;
    let mut server = Server::start(&url).await;
    let admin = server.signed_in("admin").await;
    let (deals, stages) = open_deals(&db).await;
    let history_before: std::collections::HashMap<i64, i64> = numbers(
        &db,
        "SELECT opportunity_id, COUNT(*) FROM stage_history GROUP BY opportunity_id",
    )
    .await
    .into_iter()
    .map(|r| (r[0], r[1]))
    .collect();

    // Eight movers, each with deals of its own, move them from stage to stage until the server
    // stops answering. Each remembers what the server acknowledged, per deal, in order.
    let movers = 8;
    let tasks: Vec<_> = (0..movers)
        .map(|mover| {
            let client = admin.clone();
            let mine: Vec<[i64; 4]> = deals.iter().skip(mover).step_by(movers).copied().collect();
            let stages = stages.clone();
            tokio::spawn(async move {
                let mut acknowledged: Vec<(i64, i32, i64)> = Vec::new();
                let mut current: std::collections::HashMap<i64, (i32, i64)> =
                    mine.iter().map(|d| (d[0], (d[1] as i32, d[3]))).collect();
                let mut attempted: std::collections::HashMap<i64, usize> = Default::default();
                for round in 0.. {
                    let deal = mine[round % mine.len()];
                    let (version, stage) = current[&deal[0]];
                    let choices = &stages[&deal[2]];
                    let to = choices[(choices.iter().position(|s| *s == stage).unwrap_or(0) + 1)
                        % choices.len()];
                    let form = [
                        ("request[id]", deal[0].to_string()),
                        ("request[version]", version.to_string()),
                        ("request[to_stage_id]", to.to_string()),
                    ];
                    *attempted.entry(deal[0]).or_default() += 1;
                    let sent = client
                        .http
                        .post(format!("{}/api/pipeline/move", client.base))
                        .form(&form)
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    let Ok(response) = sent else { break };
                    if !response.status().is_success() {
                        panic!("move {form:?} answered {}", response.status());
                    }
                    let Ok(card) = response.json::<app::pipeline::Card>().await else {
                        break;
                    };
                    current.insert(deal[0], (card.version, card.stage_id));
                    acknowledged.push((deal[0], card.version, card.stage_id));
                }
                (acknowledged, attempted)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    server.kill();
    let mut acknowledged = Vec::new();
    let mut attempted: std::collections::HashMap<i64, usize> = Default::default();
    for task in tasks {
        let (acks, tries) = task.await.unwrap();
        acknowledged.extend(acks);
        for (deal, n) in tries {
            *attempted.entry(deal).or_default() += n;
        }
    }
    eprintln!("{} moves acknowledged before the kill", acknowledged.len());
    assert!(
        acknowledged.len() >= 20,
        "the burst ran before the kill: {} moves acknowledged",
        acknowledged.len()
    );

    let server = Server::start(&url).await;
    assert!(
        Client {
            base: server.base.clone(),
            http: admin.http.clone()
        }
        .me()
        .await
        .is_some(),
        "the session outlived the server"
    );
    let after: std::collections::HashMap<i64, (i64, i64)> =
        numbers(&db, "SELECT id, version, stage_id FROM opportunities")
            .await
            .into_iter()
            .map(|r| (r[0], (r[1], r[2])))
            .collect();
    let history_after: std::collections::HashMap<i64, i64> = numbers(
        &db,
        "SELECT opportunity_id, COUNT(*) FROM stage_history GROUP BY opportunity_id",
    )
    .await
    .into_iter()
    .map(|r| (r[0], r[1]))
    .collect();
    let mut last_ack: std::collections::HashMap<i64, (i32, i64)> = Default::default();
    let mut acks_per_deal: std::collections::HashMap<i64, usize> = Default::default();
    for (deal, version, stage) in &acknowledged {
        last_ack.insert(*deal, (*version, *stage));
        *acks_per_deal.entry(*deal).or_default() += 1;
    }
    for [deal, initial_version, _, _] in &deals {
        let (version, stage) = after[deal];
        let applied = version - initial_version;
        let acked = acks_per_deal.get(deal).copied().unwrap_or(0) as i64;
        // The one move in flight at the kill may or may not have been committed; nothing else.
        assert!(
            applied == acked || applied == acked + 1,
            "deal {deal}: {acked} moves acknowledged, {applied} applied"
        );
        assert!(applied <= attempted.get(deal).copied().unwrap_or(0) as i64);
        let rows = history_after.get(deal).copied().unwrap_or(0)
            - history_before.get(deal).copied().unwrap_or(0);
        assert_eq!(
            rows, applied,
            "deal {deal}: one stage-history row per applied move"
        );
        if let Some((acked_version, acked_stage)) = last_ack.get(deal) {
            if applied == acked {
                assert_eq!(
                    (version, stage),
                    (i64::from(*acked_version), *acked_stage),
                    "deal {deal} is where the last acknowledged move put it"
                );
            }
        }
    }
    let shared = scalar(&db, "SELECT COUNT(*) FROM (SELECT stage_id, position FROM opportunities GROUP BY stage_id, position HAVING COUNT(*) > 1) AS d").await;
    assert_eq!(shared, 0, "no two cards share a position");
}

#[tokio::test]
async fn a_server_killed_during_an_import_commit_leaves_all_of_it_or_none() {
    let (url, db, _dir) = company(10).await;
    let mut server = Server::start(&url).await;
    let manager = server.signed_in("manager").await;
    let rows = 12_000;
    let mut csv = String::from("客户名称,电话\n");
    for i in 0..rows {
        csv.push_str(&format!("故障导入客户{i:05},139{i:08}\n"));
    }
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("customers.csv");
    let response = manager
        .http
        .post(format!("{}/api/imports/upload", manager.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_redirection(),
        "upload: {}",
        response.status()
    );
    let upload = scalar(&db, "SELECT MAX(id) FROM import_uploads")
        .await
        .to_string();
    let before = scalar(&db, "SELECT COUNT(*) FROM customers").await;

    let running = {
        let (client, upload) = (manager.clone(), upload.clone());
        tokio::spawn(async move {
            let form = [
                ("upload_id", upload.as_str()),
                ("kind", "customers"),
                ("match_by", "name"),
                ("choices", "name,phone"),
                ("commit", "true"),
            ];
            client
                .http
                .post(format!("{}/api/imports/run", client.base))
                .form(&form)
                .timeout(Duration::from_secs(600))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    // Kill it once part of the rows are written inside the import's transaction.
    let mut caught = None;
    for _ in 0..2_400 {
        let progress: Option<(u64, u64)> = manager
            .call("imports/progress", &[("upload_id", upload.as_str())])
            .await
            .unwrap();
        if let Some((done, total)) = progress {
            if done >= total / 10 && done < total / 2 {
                caught = Some(done);
                break;
            }
            assert!(
                done < total / 2,
                "the import was past half way before it could be interrupted; make it larger"
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let done = caught.expect("the import started");
    eprintln!("killed at row {done} of {rows}");
    server.kill();
    assert!(
        running.await.unwrap().is_err(),
        "the import did not answer: it was killed at row {done}"
    );

    let server = Server::start(&url).await;
    let after = scalar(
        &db,
        "SELECT COUNT(*) FROM customers WHERE import_batch IS NULL",
    )
    .await;
    assert_eq!(
        after, before,
        "killed at row {done} of {rows}: none of it is there"
    );
    // What it had staged is swept: at once on SQLite (one server, so no import can be running),
    // on PostgreSQL once the batch has gone untouched long enough to be another server's no more.
    let staged = || {
        scalar(
            &db,
            "SELECT COUNT(*) FROM customers WHERE import_batch IS NOT NULL",
        )
    };
    if url.starts_with("sqlite") {
        assert_eq!(
            staged().await,
            0,
            "a SQLite server sweeps a dead import when it starts"
        );
    }
    let later =
        chrono::Utc::now() + app::imports::staging::STALE_AFTER + chrono::TimeDelta::seconds(1);
    app::imports::staging::sweep(&db, later, false)
        .await
        .unwrap();
    assert_eq!(staged().await, 0, "the dead import's rows are swept");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM import_batches").await, 0);
    // And the same file imports whole afterwards.
    let manager = server.signed_in("manager").await;
    let form = [
        ("upload_id", upload.as_str()),
        ("kind", "customers"),
        ("match_by", "name"),
        ("choices", "name,phone"),
        ("commit", "true"),
    ];
    let response = manager
        .http
        .post(format!("{}/api/imports/run", manager.base))
        .form(&form)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "the import after the restart: {}",
        response.status()
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM customers").await,
        before + rows as i64
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM customers WHERE import_batch IS NOT NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn two_servers_on_one_postgresql_share_sessions_moves_jobs_and_fresh_analyses() {
    if std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .is_none()
    {
        eprintln!(
            "two servers share one database on PostgreSQL only; this runs in the PostgreSQL pass"
        );
        return;
    }
    let (url, db, _dir) = company(40).await;
    let (first, second) = tokio::join!(Server::start(&url), Server::start(&url));

    // A session made on one server is good on the other.
    let on_first = first.signed_in("admin").await;
    let on_second = Client {
        base: second.base.clone(),
        http: on_first.http.clone(),
    };
    assert_eq!(
        on_second.me().await.map(|u| u.username),
        Some("admin".to_string())
    );

    // Both ran their start-up jobs: each job slot was claimed once.
    for _ in 0..120 {
        if scalar(&db, "SELECT COUNT(DISTINCT job) FROM job_runs").await >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        scalar(&db, "SELECT COUNT(DISTINCT job) FROM job_runs").await >= 3,
        "the start-up jobs ran"
    );
    // What running twice would show: the lead-pool return telling a rep twice.
    let told = scalar(
        &db,
        "SELECT COUNT(*) FROM notifications WHERE kind = 'pool_return'",
    )
    .await;
    assert!(told > 0, "the pool return at start-up told someone");
    let twice = scalar(&db, "SELECT COUNT(*) FROM (SELECT user_id, kind, body FROM notifications GROUP BY user_id, kind, body HAVING COUNT(*) > 1) AS d").await;
    assert_eq!(twice, 0, "nobody was told the same thing twice");

    // A move on the first reaches the second's live board.
    let mut events = on_second
        .http
        .get(format!("{}/api/pipeline/events", second.base))
        .send()
        .await
        .unwrap();
    assert!(events.status().is_success());
    let (deals, stages) = open_deals(&db).await;
    let [deal, version, pipeline, stage] = deals[0];
    let to = stages[&pipeline]
        .iter()
        .copied()
        .find(|s| *s != stage)
        .unwrap();
    let form = [
        ("request[id]", deal.to_string()),
        ("request[version]", version.to_string()),
        ("request[to_stage_id]", to.to_string()),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    on_first
        .call::<app::pipeline::Card>("pipeline/move", &pairs)
        .await
        .unwrap();
    let mut seen = String::new();
    let heard = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(chunk)) = events.chunk().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(&format!("data: {deal}")) || seen.contains(&format!("data:{deal}")) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        heard,
        Ok(true),
        "the second server's board heard the move: {seen:?}"
    );

    // The second server's analyses follow a sale recorded on the first.
    let total = |body: String| {
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (_, _, body) = on_second
        .get("/api/v1/reports/abc", &[("accept", "application/json")])
        .await;
    let before = total(body);
    let won = numbers(
        &db,
        &format!("SELECT id FROM pipeline_stages WHERE pipeline_id = {pipeline} AND won = true"),
    )
    .await[0][0];
    let [deal, version, _, _] = deals[1];
    let today = app::clock::today().to_string();
    let form = [
        ("request[id]", deal.to_string()),
        ("request[version]", version.to_string()),
        ("request[to_stage_id]", won.to_string()),
        ("request[won_amount]", "123456.78".to_string()),
        ("request[won_on]", today),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    on_first
        .call::<app::pipeline::Card>("pipeline/move", &pairs)
        .await
        .unwrap();
    let (_, _, body) = on_second
        .get("/api/v1/reports/abc", &[("accept", "application/json")])
        .await;
    let after = total(body);
    let fen = |money: &str| (money.parse::<f64>().unwrap() * 100.0).round() as i64;
    assert_eq!(
        fen(&after) - fen(&before),
        12_345_678,
        "the second server's ABC counts the first server's sale ({before} → {after})"
    );
}
