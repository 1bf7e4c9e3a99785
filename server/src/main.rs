//! `jingxi`: serve the app, migrate, seed the demo company, add users.
use app::domain::visibility::Role;
use app::org::{insert_user, NewUser};
use clap::{Parser, Subcommand};
use jingxi::config::Config;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "jingxi", version, about = "Jingxi sales management")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations and serve the app (the default).
    Serve,
    /// Run pending migrations and exit.
    Migrate,
    /// Load sample data.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// Run a scheduled job once, now (the server also runs them on its own schedule).
    Jobs {
        #[command(subcommand)]
        job: Job,
    },
    /// Import a file with a preset (maven-crm: the folder of its CSV files; online-retail: the
    /// CSV, gzipped or not) or with a mapping file (TOML: kind, match_by, [columns] field = header).
    /// Every row is imported or none; records imported before are matched, not duplicated.
    Import {
        #[arg(long, required_unless_present = "mapping", conflicts_with = "mapping")]
        preset: Option<String>,
        #[arg(long)]
        mapping: Option<std::path::PathBuf>,
        /// The file, or the folder of a preset's files.
        path: std::path::PathBuf,
        /// Check every row and report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The user the import runs as (new records become theirs); default: the first administrator.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Write a consistent copy of the SQLite database to FILE (safe while the server runs).
    Backup { file: std::path::PathBuf },
    /// Replace the SQLite database with a backup (stop the server first).
    Restore { file: std::path::PathBuf },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand)]
enum SeedWhat {
    /// The demo company (only into an empty database; refused when JINGXI_ENV=production).
    Demo {
        /// Open deals besides those behind orders (the board benchmark seeds 10,000).
        #[arg(long, default_value_t = app::seed_pipeline::DEMO_PLAN.open)]
        open_deals: usize,
    },
}

#[derive(Subcommand)]
enum Job {
    /// Return customers without an owner's follow-up for JINGXI_POOL_RETURN_DAYS days to the lead
    /// pool and tell their reps.
    PoolReturn {
        /// Run as if it were this moment (RFC 3339, e.g. 2027-01-31T09:00:00+08:00); for rehearsals
        /// and tests.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Give every customer its ABC class by the company's sales over the last twelve months
    /// (the server does this hourly).
    AbcClasses,
    /// Bring the alerts up to date (the server does this hourly).
    Alerts {
        /// Run as if it were this moment (RFC 3339); for rehearsals, benchmarks and tests.
        #[arg(long)]
        as_of: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user. The password is read from standard input, or prompted for on a terminal.
    Add {
        username: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Make the user an administrator (same as --role admin).
        #[arg(long)]
        admin: bool,
        /// admin, director, manager or rep.
        #[arg(long, default_value = "rep")]
        role: String,
    },
}

fn read_password() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            return Err(std::io::Error::other("the passwords differ"));
        }
        Ok(first)
    } else {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        Ok(input.lines().next().unwrap_or_default().to_string())
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::from_env()?;
    if let Some(Command::Restore { file }) = &cli.command {
        jingxi::restore(&config.database_url, file).await?;
        let db = jingxi::connect(&config.database_url)
            .await
            .map_err(|e| format!("cannot open the restored database: {e}"))?;
        jingxi::migrate(&db)
            .await
            .map_err(|e| format!("migrating the restored database failed: {e}"))?;
        println!("restored from {}", file.display());
        return Ok(());
    }
    app::clock::set_offset(chrono::Duration::seconds(config.clock_offset_seconds));
    let db = jingxi::connect_with(&config.database_url, config.sqlite_sync)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    jingxi::migrate(&db)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    app::org::load_company_zone(&db).await.map_err(describe)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            if config.seed_demo_on_start {
                seed(&db, &config, app::seed_pipeline::DEMO_PLAN).await?;
            }
            jingxi::serve(&config, db)
                .await
                .map_err(|e| format!("server error: {e}"))
        }
        Command::Import {
            preset,
            mapping,
            path,
            dry_run,
            as_user,
        } => {
            let actor = jingxi::import::importer(&db, as_user.as_deref()).await?;
            let summary = match (preset, mapping) {
                (Some(preset), _) => {
                    jingxi::import::run_preset(&db, &preset, &path, &actor, dry_run).await?
                }
                (None, Some(mapping)) => {
                    jingxi::import::run_mapping(&db, &mapping, &path, &actor, dry_run).await?
                }
                (None, None) => return Err("pass --preset NAME or --mapping FILE".into()),
            };
            println!("{summary}");
            Ok(())
        }
        Command::Backup { file } => {
            jingxi::backup(&db, &file).await?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Restore { .. } => unreachable!("handled before the database is opened"),
        Command::Migrate => {
            println!("database is up to date");
            Ok(())
        }
        Command::Seed {
            what: SeedWhat::Demo { open_deals },
        } => {
            seed(
                &db,
                &config,
                app::seed_pipeline::DealPlan {
                    open: open_deals,
                    ..app::seed_pipeline::DEMO_PLAN
                },
            )
            .await
        }
        Command::Jobs {
            job: Job::PoolReturn { as_of },
        } => {
            let now = moment(as_of)?;
            let days = config.settings.pool_return_days;
            let returned = app::customers::service::return_neglected_to_pool(&db, now, days)
                .await
                .map_err(describe)?;
            println!("{returned} customers returned to the lead pool (no owner follow-up for {days} days)");
            Ok(())
        }
        Command::Jobs {
            job: Job::Alerts { as_of },
        } => {
            let now = moment(as_of)?;
            let started = std::time::Instant::now();
            let (raised, cleared) =
                app::analytics::alerts::refresh_alerts(&db, now, app::clock::local_day(now))
                    .await
                    .map_err(describe)?;
            println!(
                "{raised} alerts raised, {cleared} cleared in {} ms",
                started.elapsed().as_millis()
            );
            Ok(())
        }
        Command::Jobs {
            job: Job::AbcClasses,
        } => {
            let changed =
                app::analytics::service::refresh_customer_classes(&db, app::clock::today())
                    .await
                    .map_err(describe)?;
            println!("{changed} customers changed ABC class");
            Ok(())
        }
        Command::User {
            action:
                UserAction::Add {
                    username,
                    name,
                    admin,
                    role,
                },
        } => {
            let role = if admin {
                Role::Admin
            } else {
                Role::parse(&role).ok_or_else(|| format!("unknown role {role}"))?
            };
            let password = read_password().map_err(|e| format!("cannot read the password: {e}"))?;
            let display_name = name.unwrap_or_else(|| username.clone());
            let new =
                NewUser::parse(&username, &display_name, role, &password).map_err(describe)?;
            let user = insert_user(&db, new).await.map_err(describe)?;
            println!(
                "created {} ({}) with id {}",
                user.username,
                role.as_str(),
                user.id
            );
            Ok(())
        }
    }
}

async fn seed(
    db: &sea_orm::DatabaseConnection,
    config: &Config,
    deals: app::seed_pipeline::DealPlan,
) -> Result<(), String> {
    match app::seed::seed_demo_company(db, config.settings.production, deals).await {
        Ok(Some(company)) => {
            println!(
                "demo company created with {} customers, {} deals, {} target plans and {} field work plans and reports: log in as admin, manager or rep with password {}",
                company.customers,
                company.deals,
                company.target_plans,
                company.field_sheets,
                app::seed::DEMO_PASSWORD
            );
            Ok(())
        }
        Ok(None) => {
            println!("the database already has users; demo data not loaded");
            Ok(())
        }
        Err(app::error::AppError::Forbidden) => {
            Err("demo accounts are refused when JINGXI_ENV=production".into())
        }
        Err(e) => Err(format!("seeding failed: {e}")),
    }
}

/// Command-line wording for a refused user (the web UI translates the same codes).
/// `--as-of` as an instant, or now.
fn moment(as_of: Option<String>) -> Result<chrono::DateTime<chrono::Utc>, String> {
    match as_of {
        Some(text) => Ok(chrono::DateTime::parse_from_rfc3339(&text)
            .map_err(|e| format!("--as-of {text}: {e}"))?
            .with_timezone(&chrono::Utc)),
        None => Ok(chrono::Utc::now()),
    }
}

fn describe(error: app::error::AppError) -> String {
    let texts = app::i18n::texts(app::domain::format::Locale::En);
    match &error {
        app::error::AppError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, texts.field_error(&f.code)))
            .collect::<Vec<_>>()
            .join("; "),
        other => texts.error(other),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr, so a command's own output on stdout stays clean for scripts.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jingxi: {message}");
            ExitCode::FAILURE
        }
    }
}
