//! `jingxi import`: presets for public data sets and mapped files, with a progress bar on the
//! terminal and a summary at the end. Same rules as the web import: a dry run writes nothing, and
//! a commit writes every row or none.
use app::auth::{load_actor, Actor};
use app::domain::import::{ImportKind, Mapping, MatchBy};
use app::domain::visibility::Role;
use app::entities::user;
use app::imports::presets::{self, MavenFiles, PresetReport};
use app::imports::service::{self, ImportRequest};
use app::imports::ImportReport;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

pub const PRESETS: [&str; 2] = ["maven-crm", "online-retail"];

/// A mapping file: which header fills which field.
///
/// ```toml
/// kind = "customers"          # or "products"
/// match_by = "external_id"    # or "name", "phone" (customers)
/// [columns]
/// external_id = "客户编号"
/// name = "客户名称"
/// phone = "联系电话"
/// ```
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub kind: String,
    pub match_by: Option<String>,
    pub columns: BTreeMap<String, String>,
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // Without a terminal (CI, pipes) the bar stays silent; the summary is printed either way.
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

/// The user an import runs as: `--as USERNAME`, or the first active administrator.
pub async fn importer(db: &DatabaseConnection, username: Option<&str>) -> Result<Actor, String> {
    let found = match username {
        Some(name) => {
            user::Entity::find()
                .filter(user::Column::Username.eq(name))
                .one(db)
                .await
        }
        None => {
            user::Entity::find()
                .filter(user::Column::Role.eq(Role::Admin.as_str()))
                .filter(user::Column::Active.eq(true))
                .order_by_asc(user::Column::Id)
                .one(db)
                .await
        }
    }
    .map_err(|e| format!("cannot read users: {e}"))?;
    let user = found.ok_or_else(|| match username {
        Some(name) => format!("no user named {name}"),
        None => "the database has no administrator; create one with `jingxi user add --admin NAME` or pass --as USERNAME".to_string(),
    })?;
    load_actor(db, user).await.map_err(|e| {
        format!(
            "cannot load {}: {e}",
            username.unwrap_or("the administrator")
        )
    })
}

/// Reads a file, gunzipping `.gz`.
fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut text)
            .map_err(|e| format!("{} is not a readable gzip file: {e}", path.display()))?;
        return Ok(text);
    }
    Ok(raw)
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = read_bytes(path)?;
    app::imports::table::decode_text(&bytes)
        .map(|(text, _)| text)
        .map_err(|_| format!("{} is not text in UTF-8 or GBK", path.display()))
}

pub async fn run_preset(
    db: &DatabaseConnection,
    preset: &str,
    path: &Path,
    actor: &Actor,
    dry_run: bool,
) -> Result<String, String> {
    let bar = progress_bar();
    let progress = |phase: &str, done: u64, total: u64| {
        bar.set_message(phase.to_string());
        bar.set_length(total.max(done));
        bar.set_position(done);
    };
    let report = match preset {
        "online-retail" => {
            let text = read_text(path)?;
            presets::import_online_retail(db, &text, actor.user.id, !dry_run, &progress).await
        }
        "maven-crm" => {
            let read = |name: &str| read_text(&path.join(name));
            let files = MavenFiles {
                sales_teams: read(MavenFiles::NAMES[0])?,
                products: read(MavenFiles::NAMES[1])?,
                accounts: read(MavenFiles::NAMES[2])?,
                sales_pipeline: read(MavenFiles::NAMES[3])?,
            };
            presets::import_maven_crm(db, &files, !dry_run, &progress).await
        }
        other => {
            return Err(format!(
                "unknown preset {other}; known: {}",
                PRESETS.join(", ")
            ))
        }
    }
    .map_err(|e| format!("import failed: {e}"))?;
    bar.finish_and_clear();
    preset_summary(&report, dry_run)
}

fn error_lines(
    errors: impl Iterator<Item = (String, app::domain::import::RowError)>,
    count: u64,
) -> String {
    let texts = app::i18n::texts(app::domain::format::Locale::En);
    let mut lines: Vec<String> = errors
        .map(|(file, e)| {
            format!(
                "{file} line {}: {}: {}",
                e.line,
                e.field,
                texts.field_error(&e.code)
            )
        })
        .collect();
    if count > lines.len() as u64 {
        lines.push(format!("… and {} more", count - lines.len() as u64));
    }
    lines.join("\n")
}

fn preset_summary(report: &PresetReport, dry_run: bool) -> Result<String, String> {
    if report.error_count > 0 {
        return Err(format!(
            "{} rows refused, nothing written:\n{}",
            report.error_count,
            error_lines(report.errors.iter().cloned(), report.error_count)
        ));
    }
    let created: Vec<String> = report
        .created
        .iter()
        .fold(BTreeMap::<&str, u64>::new(), |mut sum, (what, n)| {
            *sum.entry(what).or_default() += n;
            sum
        })
        .into_iter()
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    let verb = if dry_run {
        "dry run, nothing written; would create"
    } else {
        "imported"
    };
    Ok(format!(
        "{verb}: {}; {} already imported before",
        created.join(", "),
        report.already_there
    ))
}

pub async fn run_mapping(
    db: &DatabaseConnection,
    mapping_path: &Path,
    path: &Path,
    actor: &Actor,
    dry_run: bool,
) -> Result<String, String> {
    let text = std::fs::read_to_string(mapping_path)
        .map_err(|e| format!("cannot read {}: {e}", mapping_path.display()))?;
    let mapping_file: MappingFile =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", mapping_path.display()))?;
    let kind = ImportKind::parse(&mapping_file.kind).ok_or_else(|| {
        format!(
            "kind must be one of: {}",
            ImportKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let match_by = match &mapping_file.match_by {
        None => kind.default_match(),
        Some(raw) => MatchBy::parse(raw)
            .filter(|m| kind.match_choices().contains(m))
            .ok_or_else(|| format!("match_by {raw} does not fit {}", kind.as_str()))?,
    };
    let table = app::imports::table::read_table(&read_bytes(path)?).map_err(|_| {
        format!(
            "{} is not a CSV (UTF-8 or GBK) or XLSX file with a header row",
            path.display()
        )
    })?;
    let mut choices = vec![String::new(); table.headers.len()];
    for (field, header) in &mapping_file.columns {
        let index = table
            .headers
            .iter()
            .position(|h| h.trim() == header.trim())
            .ok_or_else(|| format!("{}: no column named {header}", path.display()))?;
        choices[index] = field.clone();
    }
    let mapping = Mapping::from_choices(kind, &choices, table.headers.len()).map_err(|errors| {
        let texts = app::i18n::texts(app::domain::format::Locale::En);
        errors
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e.field.trim_start_matches("map_"),
                    texts.field_error(&e.code)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let request = ImportRequest {
        kind,
        mapping,
        match_by,
        file_name: file_name.clone(),
    };
    let bar = progress_bar();
    bar.set_message(kind.as_str());
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = service::run(db, actor, &table, &request, !dry_run, &progress)
        .await
        .map_err(|e| format!("import failed: {e}"))?;
    bar.finish_and_clear();
    mapped_summary(&report, &file_name, dry_run)
}

fn mapped_summary(report: &ImportReport, file_name: &str, dry_run: bool) -> Result<String, String> {
    if report.error_count > 0 {
        let errors = report
            .errors
            .iter()
            .map(|e| (file_name.to_string(), e.clone()));
        return Err(format!(
            "{} problems in {} rows, nothing written:\n{}",
            report.error_count,
            report.rows,
            error_lines(errors, report.error_count)
        ));
    }
    let verb = if dry_run {
        "dry run, nothing written; would create"
    } else {
        "imported: created"
    };
    let unchanged = if report.unchanged > 0 {
        format!(" ({} rows already imported, left alone)", report.unchanged)
    } else {
        String::new()
    };
    Ok(format!(
        "{verb} {}, {} {}, from {} rows{unchanged}",
        report.created,
        if dry_run { "would update" } else { "updated" },
        report.updated,
        report.rows
    ))
}
