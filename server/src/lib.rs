//! The Jingxi server: configuration, database, HTTP router. `main.rs` is only the CLI.
pub mod assets;
pub mod config;
pub mod exports;
pub mod import;
pub mod reports;
pub mod security;

use app::auth::session_store::DbSessionStore;
use app::auth::Backend;
use app::state::AppState;
use axum::Router;
use axum_login::tower_sessions::cookie::SameSite;
use axum_login::tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use axum_login::AuthManagerLayerBuilder;
use config::Config;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;

/// Requests larger than this are refused (the import upload has its own, larger limit).
const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// When a SQLite commit reaches the disk. `Full` (the default): every commit is fsynced, so a
/// power cut loses nothing that was confirmed. `Normal` (in WAL mode): commits are fsynced at
/// checkpoints only, several times faster under many concurrent writers; a power cut (not a
/// crash of the process) can lose the last commits but never corrupts the database. The
/// operator's choice; PostgreSQL is unaffected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    #[default]
    Full,
    Normal,
}

pub async fn connect(database_url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(database_url, SqliteSync::Full).await
}

pub async fn connect_with(
    database_url: &str,
    sync: SqliteSync,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(database_url.to_owned());
    options
        .max_connections(if database_url.starts_with("sqlite") { 8 } else { 32 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // WAL lets readers proceed while one writer commits.
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(match sync {
                    SqliteSync::Full => sea_orm::sqlx::sqlite::SqliteSynchronous::Full,
                    SqliteSync::Normal => sea_orm::sqlx::sqlite::SqliteSynchronous::Normal,
                })
                .busy_timeout(Duration::from_secs(5))
                // Reports scan whole tables: memory-mapped reads skip a copy per page and are
                // shared by every connection through the OS page cache.
                .pragma("mmap_size", "268435456")
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Refreshes the query planner's statistics where it needs them (SQLite: `PRAGMA optimize`, cheap
/// when nothing changed; PostgreSQL's autovacuum does this itself). Without statistics SQLite may
/// walk a sort index over a whole table instead of using the filter's index.
pub async fn optimize(db: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        db.execute_unprepared("PRAGMA analysis_limit=1000").await?;
        db.execute_unprepared("PRAGMA optimize=0x10002").await?;
    }
    Ok(())
}

/// Runs pending migrations, then fills derived columns the migrations cannot compute (customer
/// search text needs the pinyin table in the application).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await?;
    app::pipeline::service::ensure_defaults(db)
        .await
        .map_err(|e| DbErr::Custom(format!("installing the default pipeline: {e:?}")))?;
    let filled = app::customers::service::fill_missing_search_text(db)
        .await
        .map_err(|e| DbErr::Custom(format!("filling customer search text: {e:?}")))?;
    if filled > 0 {
        tracing::info!(filled, "customer search text filled");
    }
    // Imports cut off by the end of a server: on SQLite this server is the only one, so every
    // staged batch is dead; on PostgreSQL another server may be staging one right now.
    let every = db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
    let swept = app::imports::staging::sweep(db, chrono::Utc::now(), every).await?;
    if swept > 0 {
        tracing::info!(swept, "customers of unfinished imports removed");
    }
    Ok(())
}

/// The whole HTTP application: pages, server functions, static files, sessions.
pub fn router(state: AppState, leptos_options: LeptosOptions) -> Router {
    let session_store = DbSessionStore::new(state.db.clone());
    let sweeper = session_store.clone();
    let upload_sweeper = state.db.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(error) = sweeper.delete_expired().await {
                tracing::warn!(%error, "could not delete expired sessions");
            }
            if let Err(error) =
                app::imports::sweep_uploads(&upload_sweeper, None, chrono::Utc::now()).await
            {
                tracing::warn!(%error, "could not sweep expired uploads");
            }
            if let Err(error) =
                app::imports::staging::sweep(&upload_sweeper, chrono::Utc::now(), false).await
            {
                tracing::warn!(%error, "could not sweep unfinished imports");
            }
        }
    });
    // Statistics are refreshed an hour after start and hourly after that, never at start-up:
    // ANALYZE writes, and a write racing a start-up transaction that reads before it writes makes
    // SQLite refuse that transaction (`serve` refreshes them before it accepts requests).
    let statistics_db = state.db.clone();
    tokio::spawn(async move {
        let hour = Duration::from_secs(3600);
        let mut hourly = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
        loop {
            hourly.tick().await;
            if let Err(error) = optimize(&statistics_db).await {
                tracing::warn!(%error, "could not refresh query statistics");
            }
        }
    });
    let session_layer = SessionManagerLayer::new(session_store)
        .with_name("jx_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)));
    let auth_layer = AuthManagerLayerBuilder::new(
        Backend {
            db: state.db.clone(),
        },
        session_layer,
    )
    .build();

    let state_secure_cookies = state.settings.secure_cookies;
    if state.settings.scheduled_jobs {
        spawn_hourly_jobs(state.clone());
    }
    if let Ok(feed) = state.part::<app::pipeline::live::Feed>() {
        feed.spawn_polling(state.db.clone());
    }
    let events_state = state.clone();
    let upload_state = state.clone();
    let export_state = state.clone();
    let report_state = state.clone();
    let uploads = Router::new()
        .route(
            "/api/imports/upload",
            axum::routing::post(
                move |auth: app::auth::AuthSession,
                      headers: axum::http::HeaderMap,
                      multipart: axum::extract::Multipart| {
                    app::imports::upload(upload_state.clone(), auth, headers, multipart)
                },
            ),
        )
        .layer(axum::extract::DefaultBodyLimit::max(
            app::imports::UPLOAD_LIMIT_BYTES,
        ));
    let routes = generate_route_list(app::App);
    let context_state = state.clone();
    let pkg_dir =
        std::path::Path::new(&*leptos_options.site_root).join(&*leptos_options.site_pkg_dir);
    assets::precompress_in_background(pkg_dir.clone());
    // Third-party browser libraries (ECharts), copied into the site at build time.
    let vendor_dir = std::path::Path::new(&*leptos_options.site_root).join("vendor");
    assets::precompress_in_background(vendor_dir.clone());
    Router::new()
        .nest_service(
            &format!("/{}", leptos_options.site_pkg_dir),
            assets::serve_dir(pkg_dir),
        )
        .nest_service("/vendor", assets::serve_dir(vendor_dir))
        .route(
            "/api/export/{file}",
            axum::routing::get(
                move |auth: app::auth::AuthSession,
                      axum::extract::ConnectInfo(address): axum::extract::ConnectInfo<
                    std::net::SocketAddr,
                >,
                      headers: axum::http::HeaderMap,
                      file: axum::extract::Path<String>,
                      query: axum::extract::RawQuery| {
                    exports::export(export_state.clone(), auth, address, headers, file, query)
                },
            ),
        )
        .route(
            "/api/v1/reports/{name}",
            axum::routing::get(
                move |auth: app::auth::AuthSession,
                      headers: axum::http::HeaderMap,
                      name: axum::extract::Path<String>,
                      query: axum::extract::RawQuery| {
                    reports::report(report_state.clone(), auth, headers, name, query)
                },
            ),
        )
        .route(
            "/api/pipeline/events",
            axum::routing::get(move |auth: app::auth::AuthSession| {
                app::pipeline::live::board_events(events_state.clone(), auth)
            }),
        )
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || provide_request_context(context_state.clone()),
            {
                let options = leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context(
            move || provide_request_context(state.clone()),
            app::shell,
        ))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .merge(uploads)
        .layer(axum::middleware::from_fn(security::server_fn_error_status))
        .layer(axum::middleware::from_fn(security::security_headers(
            state_secure_cookies,
        )))
        .layer(axum::middleware::from_fn(
            security::reject_cross_site_writes,
        ))
        .layer(auth_layer)
        .layer(CompressionLayer::new())
        .with_state(leptos_options)
}

/// What every server-rendered page may use: the app's state, and the nonce that
/// `security::security_headers` names in this response's policy (in place of the one leptos
/// drew, so its inline scripts carry the nonce the header allows).
fn provide_request_context(state: AppState) {
    provide_context(state);
    if let Some(nonce) = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned())
    {
        provide_context(nonce);
    }
}

/// Hourly (and once at start): customers nobody followed up for the configured days go back to
/// the lead pool, every customer's ABC class follows the last twelve months' sales, and the
/// alerts are brought up to date. Each job runs once per hour of the company's clock however
/// many servers share the database (`app::jobs::claim`).
fn spawn_hourly_jobs(state: AppState) {
    let holder = format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "server".into()),
        std::process::id()
    );
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            // Another server may have changed the company's time zone.
            if let Err(error) = app::org::load_company_zone(&state.db).await {
                tracing::warn!(?error, "could not read the company's time zone");
            }
            let slot = app::jobs::hour_slot(app::clock::now());
            let claimed = |job: &'static str| {
                let (db, slot, holder) = (state.db.clone(), slot.clone(), holder.clone());
                async move {
                    match app::jobs::claim(&db, job, &slot, &holder).await {
                        Ok(claimed) => claimed,
                        Err(error) => {
                            tracing::warn!(?error, job, "could not claim the job's slot");
                            false
                        }
                    }
                }
            };
            if claimed("pool_return").await {
                match app::customers::service::return_neglected_to_pool(
                    &state.db,
                    app::clock::now(),
                    state.settings.pool_return_days,
                )
                .await
                {
                    Ok(0) => {}
                    Ok(returned) => tracing::info!(returned, "customers returned to the lead pool"),
                    Err(error) => tracing::warn!(?error, "lead pool job failed"),
                }
            }
            if claimed("abc_classes").await {
                match app::analytics::service::refresh_customer_classes(
                    &state.db,
                    app::clock::today(),
                )
                .await
                {
                    Ok(0) => {}
                    Ok(changed) => tracing::info!(changed, "customer ABC classes refreshed"),
                    Err(error) => tracing::warn!(?error, "ABC class job failed"),
                }
            }
            if claimed("alerts").await {
                match app::analytics::alerts::refresh_alerts(
                    &state.db,
                    app::clock::now(),
                    app::clock::today(),
                )
                .await
                {
                    Ok((0, 0)) => {}
                    Ok((raised, cleared)) => tracing::info!(raised, cleared, "alerts refreshed"),
                    Err(error) => tracing::warn!(?error, "alert job failed"),
                }
            }
        }
    });
}

/// The state every request sees, with the parts features keep in it: the live board feed, the
/// analyses' caches and the counters behind the badges beside the user's name.
pub fn app_state(db: DatabaseConnection, settings: app::state::Settings) -> AppState {
    use app::auth::{Badge, BadgeCounters};
    AppState::new(db, settings)
        .with(app::pipeline::live::Feed::default())
        .with(app::analytics::CompanyFigures::default())
        .with(app::analytics::KeptAnalyses::default())
        .with(
            BadgeCounters::default()
                .with(Badge::UnreadNotifications, app::notifications::unread_badge)
                .with(Badge::OpenAlerts, app::analytics::open_alerts_badge),
        )
}

/// Binds, logs the address and serves until Ctrl-C / SIGTERM.
pub async fn serve(config: &Config, db: DatabaseConnection) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    if let Err(error) = optimize(&db).await {
        tracing::warn!(%error, "could not refresh query statistics");
    }
    let state = app_state(db, config.settings.clone());
    let options = config.leptos_options();
    let app = router(state, options);
    let listener = tokio::net::TcpListener::bind(config.site_addr).await?;
    // Leptos streams pages in chunks: without NODELAY each keep-alive request waits ~40 ms.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tracing::info!("listening on http://{}", config.site_addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// Writes a consistent copy of a SQLite database to `to` while the server may be running
/// (`VACUUM INTO` reads one snapshot). PostgreSQL is backed up with `pg_dump` (see the README).
pub async fn backup(db: &DatabaseConnection, to: &std::path::Path) -> Result<(), String> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Err(
            "backup writes SQLite databases; back up PostgreSQL with pg_dump (see the README)"
                .into(),
        );
    }
    if to.exists() {
        return Err(format!(
            "{} already exists; choose a new file",
            to.display()
        ));
    }
    let target = to
        .to_str()
        .ok_or("the backup path is not valid UTF-8")?
        .replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await
        .map_err(|e| format!("backup failed: {e}"))?;
    Ok(())
}

/// The file of a `sqlite://` database URL.
pub fn sqlite_path(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Replaces the SQLite database with a backup. Run it with the server stopped: the backup is
/// checked (it must open as a Jingxi database), copied next to the database and moved over it in
/// one rename, so a failure leaves the old database in place.
pub async fn restore(database_url: &str, from: &std::path::Path) -> Result<(), String> {
    let target = sqlite_path(database_url).ok_or("restore replaces SQLite databases; restore PostgreSQL with pg_restore or psql (see the README)")?;
    let from_url = format!("sqlite://{}?mode=ro", from.display());
    let backup = Database::connect(&from_url)
        .await
        .map_err(|e| format!("{} cannot be opened: {e}", from.display()))?;
    let applied = Migrator::get_applied_migrations(&backup)
        .await
        .map_err(|_| format!("{} is not a Jingxi backup", from.display()))?;
    if applied.is_empty() {
        return Err(format!("{} is not a Jingxi backup", from.display()));
    }
    backup.close().await.ok();
    // Everything committed to the old database moves out of its write-ahead log first, so the
    // log removed below holds nothing (a failed rename then leaves the old database whole).
    if target.exists() {
        use sea_orm::ConnectionTrait;
        let current = Database::connect(database_url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        current
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .map_err(|e| {
                format!("cannot checkpoint the database (is the server still running?): {e}")
            })?;
        current.close().await.ok();
    }
    let staged = target.with_extension("restoring");
    std::fs::copy(from, &staged).map_err(|e| format!("cannot copy the backup: {e}"))?;
    for suffix in ["-wal", "-shm"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side)
                .map_err(|e| format!("cannot remove {}: {e}", side.display()))?;
        }
    }
    std::fs::rename(&staged, &target).map_err(|e| format!("cannot replace the database: {e}"))?;
    Ok(())
}
