//! Test harness: a fresh database (SQLite file, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` names a server), real migrations, the demo seed, and the real router on
//! 127.0.0.1:0.
#![allow(dead_code)]
use app::error::AppError;
use app::state::Settings;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct TestApp {
    pub base: String,
    pub db: DatabaseConnection,
    _dir: Option<TempDir>,
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Test servers run on one multi-thread runtime that lives as long as the test process. Each
/// `#[tokio::test]` has its own runtime, shut down when that test ends; process-wide state in the
/// server stack (leptos' task spawner, connection pools) must never hold on to a runtime that is
/// gone, which made page tests hang now and then when they shared a process.
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test server runtime")
    })
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

/// A new, empty database: its URL, and the directory that holds it when it is a SQLite file.
pub async fn fresh_database() -> (String, Option<TempDir>) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(admin_url) => {
            let name = format!("jingxi_t_{}", unique_name());
            let admin = sea_orm::Database::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            let (prefix, _) = admin_url
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL ends in /database");
            (format!("{prefix}/{name}"), None)
        }
        None => {
            let dir = std::env::temp_dir().join(format!("jingxi-test-{}", unique_name()));
            std::fs::create_dir_all(&dir).unwrap();
            (
                format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
                Some(TempDir(dir)),
            )
        }
    }
}

impl TestApp {
    /// A migrated, empty database behind a running server.
    pub async fn empty() -> TestApp {
        Self::start(Settings::default(), false).await
    }

    /// The demo company behind a running server.
    pub async fn demo() -> TestApp {
        Self::start(Settings::default(), true).await
    }

    pub async fn start(settings: Settings, seed: bool) -> TestApp {
        // Faults the server logs show beside the failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "error".into()),
            )
            .with_test_writer()
            .try_init();
        let (url, dir) = fresh_database().await;
        let (ready, started) = tokio::sync::oneshot::channel();
        server_runtime().spawn(async move {
            let db = jingxi::connect(&url).await.expect("connect");
            jingxi::migrate(&db).await.expect("migrate");
            if seed {
                app::seed::seed_demo(&db, false).await.expect("seed");
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let options = leptos::config::LeptosOptions::builder()
                .output_name("jingxi")
                .site_addr(addr)
                .build();
            // The hourly jobs would race the test's own seeding (tests call the jobs directly).
            let settings = Settings {
                scheduled_jobs: false,
                ..settings
            };
            let state = jingxi::app_state(db.clone(), settings);
            let router = jingxi::router(state, options);
            ready.send((format!("http://{addr}"), db)).ok();
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let (base, db) = started.await.expect("the test server started");
        TestApp {
            base,
            db,
            _dir: dir,
        }
    }

    /// A browser-like client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client signed in as `username` with the demo password.
    pub async fn signed_in(&self, username: &str) -> Client {
        let client = self.client();
        client
            .login(username, app::seed::DEMO_PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{username} cannot sign in: {e:?}"));
        client
    }

    /// One number from SQL (NULL reads as 0). PostgreSQL keeps ids and versions as INT4 and
    /// counts as INT8; SQLite has one integer type.
    pub async fn scalar(&self, sql: &str) -> i64 {
        scalar(&self.db, sql).await
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        self.scalar(&format!(
            "SELECT id FROM users WHERE username = '{username}'"
        ))
        .await
    }
}

/// The integer columns of every row `sql` answers, in order (INT4 widened: PostgreSQL keeps ids
/// and versions as INT4). A row's list ends at its first column that is not an integer.
#[allow(dead_code)]
pub async fn numbers(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<Vec<i64>> {
    use sea_orm::ConnectionTrait;
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    rows.iter()
        .map(|row| {
            (0..)
                .map_while(|i| {
                    row.try_get_by_index::<Option<i64>>(i).ok().or_else(|| {
                        row.try_get_by_index::<Option<i32>>(i)
                            .ok()
                            .map(|v| v.map(i64::from))
                    })
                })
                .map(|v| v.unwrap_or(0))
                .collect()
        })
        .collect()
}

/// One number from SQL: the first column of its one row (NULL reads as 0). No row, or a column
/// that is not an integer (PostgreSQL's SUM of bigints is numeric), fails the test.
#[allow(dead_code)]
pub async fn scalar(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let rows = numbers(db, sql).await;
    let row = rows.first().unwrap_or_else(|| panic!("{sql}: no row"));
    *row.first()
        .unwrap_or_else(|| panic!("{sql}: not an integer"))
}

#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

impl Client {
    /// A client of the server at `base` with its own cookies, following no redirects.
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .timeout(std::time::Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    /// Calls a server function with form-encoded arguments and decodes its result.
    pub async fn call<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<T, AppError> {
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body = response.text().await.unwrap();
        if status.is_success() || status.is_redirection() {
            Ok(
                serde_json::from_str::<T>(if body.is_empty() { "null" } else { &body })
                    .unwrap_or_else(|e| panic!("{endpoint}: cannot decode {body:?}: {e}")),
            )
        } else {
            let error: AppError = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{endpoint}: {status} {body:?}: {e}"));
            // Every error of every server function in every test: its status says what happened.
            assert_eq!(
                status.as_u16(),
                error.status_code(),
                "{endpoint}: {error:?} answered with {status}"
            );
            Err(error)
        }
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<(), AppError> {
        self.call("login", &[("username", username), ("password", password)])
            .await
    }

    pub async fn me(&self) -> Option<app::auth::CurrentUser> {
        self.call("me", &[]).await.expect("me")
    }

    pub async fn get(
        &self,
        path: &str,
        headers: &[(&'static str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        // Like a browser: leptos answers redirects with 302 only to requests that accept HTML.
        let mut map = HeaderMap::new();
        map.insert(
            "accept",
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .headers(map)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap())
    }
}

/// The field errors of a validation failure as (field, code) pairs, for compact assertions.
pub fn fields(error: &AppError) -> Vec<(String, app::domain::forms::ErrorCode)> {
    error
        .field_errors()
        .iter()
        .map(|e| (e.field.clone(), e.code.clone()))
        .collect()
}

/// A sales order written straight to the database (the tests' fixed figures, any date).
pub async fn order(
    app: &TestApp,
    owner: i64,
    customer: i64,
    on: (i32, u32, u32),
    amount_fen: i64,
    cost_fen: i64,
) -> app::entities::sales_order::Model {
    use sea_orm::ActiveModelTrait;
    let columns = app::pipeline::service::OrderColumns {
        number: format!("T-{owner}-{}-{}-{}", on.0, on.1, on.2),
        external_id: None,
        customer_id: customer,
        opportunity_id: None,
        owner_id: owner,
        on: chrono::NaiveDate::from_ymd_opt(on.0, on.1, on.2).unwrap(),
        amount_fen,
        cost_fen,
        delivery: app::domain::pipeline::DeliveryStatus::Delivered,
    };
    let order = columns
        .into_active_model(chrono::Utc::now())
        .insert(&app.db)
        .await
        .unwrap();
    app::pipeline::service::mark_first_order(&app.db, customer, order.ordered_on)
        .await
        .unwrap();
    order
}

/// The shared data sets live outside the repository (`JINGXI_DATA_DIR`, default `../shared/data`
/// next to the checkout). Locally a test that needs an absent set says so and passes; under CI
/// (`CI=true`) it fails, so a run that checked nothing cannot look green.
pub fn data_dir(set: &str) -> Option<std::path::PathBuf> {
    let root = std::env::var("JINGXI_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
        });
    let dir = root.join(set);
    if dir.is_dir() {
        return Some(dir);
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !in_ci,
        "the data set {} is not there (set JINGXI_DATA_DIR): under CI a test that needs it fails",
        dir.display()
    );
    eprintln!(
        "skipped: the data set {} is not there (set JINGXI_DATA_DIR)",
        dir.display()
    );
    None
}

/// The Maven CRM data set's four tables as the import preset reads them.
pub fn maven_files(dir: &std::path::Path) -> app::imports::presets::MavenFiles {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    app::imports::presets::MavenFiles {
        sales_teams: read("sales_teams.csv"),
        products: read("products.csv"),
        accounts: read("accounts.csv"),
        sales_pipeline: read("sales_pipeline.csv"),
    }
}

/// Every server function's endpoint (`customers/list`), sorted: the role and bad-input matrices
/// must name each one.
pub fn server_functions() -> Vec<String> {
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .filter_map(|(path, _)| path.strip_prefix("/api/").map(str::to_string))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}
