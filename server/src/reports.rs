//! Reports as data: `GET /api/v1/reports/{name}` with the page's filters as query parameters,
//! JSON by default, CSV with `format=csv` (or `Accept: text/csv`, or `{name}.csv`). Same
//! visibility and the same services as the pages, so the numbers cannot differ. The reports come
//! from several features (analytics, field work); this is where they are put together.
use app::analytics::reports::*;
use app::analytics::ReportQuery;
use app::auth::{load_actor, AuthSession};
use app::error::AppError;
use app::exports::{to_csv, ExportTable};
use app::fieldwork::report::{field_json, field_table};
use app::state::AppState;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// One report as a JSON response.
async fn json_of(
    state: &app::state::AppState,
    actor: &app::auth::Actor,
    name: &str,
    query: &ReportQuery,
    locale: app::domain::format::Locale,
) -> Result<Response, AppError> {
    let (db, today) = (&state.db, app::clock::today());
    let texts = app::i18n::texts(locale);
    Ok(match name {
        "abc" => abc_json(
            &*app::analytics::abc(db, state.part()?, actor, query, today).await?,
            texts,
        ),
        "reps" => axum::Json(reps_json(
            &app::analytics::performance::rep_performance(db, actor, query, today).await?,
        ))
        .into_response(),
        "funnel" => axum::Json(funnel_json(
            &app::analytics::funnel::funnel(db, actor, query, today).await?,
            texts,
        ))
        .into_response(),
        "alerts" => axum::Json(alerts_json(
            &app::analytics::alerts::alerts(db, actor, query, today, false).await?,
            texts,
            locale,
        ))
        .into_response(),
        "field" => axum::Json(field_json(
            &app::fieldwork::efficiency(db, actor, query, today).await?,
        ))
        .into_response(),
        "monthly" => {
            let (filter, months) = monthly(db, actor, query, today).await?;
            axum::Json(monthly_json(&filter, &months)).into_response()
        }
        "product-analysis" => axum::Json(products_json(
            &app::analytics::products::products(db, actor, query, today).await?,
            texts,
        ))
        .into_response(),
        "composition" => axum::Json(customers_json(
            &app::analytics::customers::composition(db, state.part()?, actor, query, today).await?,
            texts,
        ))
        .into_response(),
        _ => return Err(AppError::NotFound),
    })
}

/// One report's rows, as the export files and the CSV report give them.
pub async fn table(
    state: &app::state::AppState,
    actor: &app::auth::Actor,
    name: &str,
    query: &ReportQuery,
    locale: app::domain::format::Locale,
) -> Result<ExportTable, AppError> {
    let (db, today) = (&state.db, app::clock::today());
    let texts = app::i18n::texts(locale);
    Ok(match name {
        "abc" => abc_table(&*app::analytics::abc(db, state.part()?, actor, query, today).await?),
        "reps" => reps_table(
            &app::analytics::performance::rep_performance(db, actor, query, today).await?,
        ),
        "funnel" => funnel_table(
            &app::analytics::funnel::funnel(db, actor, query, today).await?,
            texts,
        ),
        "alerts" => alerts_table(
            &app::analytics::alerts::alerts(db, actor, query, today, false).await?,
            texts,
            locale,
        ),
        "field" => field_table(&app::fieldwork::efficiency(db, actor, query, today).await?),
        "monthly" => monthly_table(&monthly(db, actor, query, today).await?.1),
        "product-analysis" => {
            products_table(&app::analytics::products::products(db, actor, query, today).await?)
        }
        "composition" => customers_table(
            &app::analytics::customers::composition(db, state.part()?, actor, query, today).await?,
            texts,
        ),
        _ => return Err(AppError::NotFound),
    })
}

pub const REPORTS: [&str; 8] = [
    "abc",
    "reps",
    "funnel",
    "alerts",
    "field",
    "monthly",
    "product-analysis",
    "composition",
];

pub async fn report(
    state: AppState,
    auth: AuthSession,
    headers: HeaderMap,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(user) = auth.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let pairs = app::exports::url_pairs(query.as_deref().unwrap_or(""));
    let wants_csv = pairs.iter().any(|(k, v)| k == "format" && v == "csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
    let (name, wants_table) = match file.strip_suffix(".csv") {
        Some(name) => (name, true),
        None => (file.strip_suffix(".json").unwrap_or(&file), wants_csv),
    };
    let locale = app::i18n::locale_of_headers(&headers);
    let report_query = ReportQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let result = async {
        if !REPORTS.contains(&name) {
            return Err(AppError::NotFound);
        }
        let actor = load_actor(&state.db, user.0).await?;
        if wants_table {
            table(&state, &actor, name, &report_query, locale)
                .await
                .map(Err)
        } else {
            json_of(&state, &actor, name, &report_query, locale)
                .await
                .map(Ok)
        }
    }
    .await;
    match result {
        Ok(Ok(response)) => response,
        Ok(Err(table)) => match to_csv(&table) {
            Ok(bytes) => {
                let file_name = format!(
                    "{name}-{}.csv",
                    app::clock::local_now().format("%Y%m%d-%H%M")
                );
                (
                    [
                        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{file_name}\""),
                        ),
                    ],
                    bytes,
                )
                    .into_response()
            }
            Err(error) => app::exports::error_response(error),
        },
        // A bad filter says which one and why, in the reader's language (422).
        Err(error) => app::exports::error_response_in(error, locale),
    }
}
