//! Configuration from the environment (and flags in `main.rs`).
use app::state::Settings;
use leptos::config::LeptosOptions;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    /// Where the built site (pkg/, favicon) lives: `LEPTOS_SITE_ROOT`.
    pub site_root: String,
    /// `JINGXI_SEED_DEMO=1`: `serve` loads the demo company into an empty database.
    pub seed_demo_on_start: bool,
    /// `JINGXI_SQLITE_SYNC=normal`: commits on SQLite skip the fsync (see `crate::SqliteSync`).
    pub sqlite_sync: crate::SqliteSync,
    /// `JINGXI_CLOCK_OFFSET_SECONDS`: moves the company clock (tests, rehearsals on a copy of
    /// the data); refused with `JINGXI_ENV=production`.
    pub clock_offset_seconds: i64,
    pub settings: Settings,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_flag(name: &str) -> bool {
    env(name).is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

fn env_number(name: &str, default: u32) -> Result<u32, String> {
    env(name).map_or(Ok(default), |v| {
        v.trim()
            .parse()
            .map_err(|_| format!("{name} must be a whole number, got {v:?}"))
    })
}

pub const DEFAULT_SQLITE_DIR: &str = "data";

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let database_url = match env("DATABASE_URL") {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(DEFAULT_SQLITE_DIR)
                    .map_err(|e| format!("cannot create ./{DEFAULT_SQLITE_DIR}: {e}"))?;
                let path = PathBuf::from(DEFAULT_SQLITE_DIR).join("jingxi.db");
                format!("sqlite://{}?mode=rwc", path.display())
            }
        };
        let site_addr = env("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".to_string())
            .parse()
            .map_err(|e| format!("LEPTOS_SITE_ADDR: {e}"))?;
        let defaults = Settings::default();
        let production = env("JINGXI_ENV").is_some_and(|v| v.eq_ignore_ascii_case("production"));
        let clock_offset_seconds = match env("JINGXI_CLOCK_OFFSET_SECONDS") {
            None => 0,
            Some(_) if production => return Err("JINGXI_CLOCK_OFFSET_SECONDS is refused with JINGXI_ENV=production: the company clock is the real one".into()),
            Some(v) => v.trim().parse::<i64>().ok().filter(|s| s.abs() <= 100 * 366 * 86_400).ok_or_else(|| format!("JINGXI_CLOCK_OFFSET_SECONDS must be whole seconds within a century, got {v:?}"))?,
        };
        Ok(Config {
            clock_offset_seconds,
            database_url,
            site_addr,
            site_root: env("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_string()),
            seed_demo_on_start: env_flag("JINGXI_SEED_DEMO"),
            sqlite_sync: match env("JINGXI_SQLITE_SYNC")
                .map(|v| v.to_ascii_lowercase())
                .as_deref()
            {
                None | Some("full") => crate::SqliteSync::Full,
                Some("normal") => crate::SqliteSync::Normal,
                Some(other) => {
                    return Err(format!(
                        "JINGXI_SQLITE_SYNC must be full or normal, got {other:?}"
                    ))
                }
            },
            settings: Settings {
                production,
                secure_cookies: env_flag("JINGXI_SECURE_COOKIES"),
                trust_proxy: env_flag("JINGXI_TRUST_PROXY"),
                max_customers_per_rep: env_number(
                    "JINGXI_MAX_CUSTOMERS_PER_REP",
                    defaults.max_customers_per_rep,
                )?,
                pool_return_days: env_number("JINGXI_POOL_RETURN_DAYS", defaults.pool_return_days)?,
                scheduled_jobs: true,
            },
        })
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(env("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "jingxi".to_string()))
            .site_root(self.site_root.clone())
            .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".to_string()))
            .site_addr(self.site_addr)
            .build()
    }
}
