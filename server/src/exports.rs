//! `GET /api/export/{list}.{csv|xlsx}?filters`: every list a page shows, as a file. The lists
//! come from several features; this is where they are put together (the table writer itself is
//! `app::exports`, below the features).
use app::auth::{load_actor, Actor, AuthSession};
use app::domain::format::Locale;
use app::error::{AppError, AppResult};
use app::exports::{error_response, to_csv, to_xlsx, url_pairs, ExportTable};
use app::state::AppState;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub const LISTS: [&str; 16] = [
    "customers",
    "deals",
    "follow-ups",
    "users",
    "products",
    "ladder",
    "audit",
    "abc",
    "reps",
    "funnel",
    "alerts",
    "composition",
    "product-analysis",
    "monthly",
    "forecast",
    "forecast-people",
];

async fn table_for(
    state: &AppState,
    actor: &Actor,
    list: &str,
    query: &str,
    locale: Locale,
) -> AppResult<ExportTable> {
    if !LISTS.contains(&list) {
        return Err(AppError::NotFound);
    }
    let pairs: Vec<(String, String)> = url_pairs(query);
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    match list {
        "customers" => {
            app::customers::export(
                &state.db,
                actor,
                &app::customers::CustomerFilter::from_pairs(get),
                locale,
            )
            .await
        }
        "deals" => {
            let filter = app::pipeline::BoardFilter::from_pairs(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            let order = app::pipeline::TableOrder {
                sort: get("sort").unwrap_or_default(),
                descending: get("dir").as_deref() == Some("desc"),
                page: 0,
            };
            app::pipeline::export(&state.db, actor, &filter, &order, locale).await
        }
        "follow-ups" => {
            app::customers::export_agenda(&state.db, actor, app::clock::today(), locale).await
        }
        "users" => app::org::export_users(&state.db, actor, locale).await,
        "products" => {
            app::pipeline::admin::service::export_products(&state.db, actor, locale).await
        }
        "ladder" => app::customers::export_ladder(&state.db, actor, locale).await,
        "audit" => {
            app::audit::export(
                &state.db,
                actor,
                &app::audit::AuditQuery::from_pairs(
                    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                ),
                locale,
            )
            .await
        }
        "abc" | "reps" | "funnel" | "alerts" | "composition" | "product-analysis" | "monthly" => {
            let query = app::analytics::ReportQuery::from_pairs(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            crate::reports::table(state, actor, list, &query, locale).await
        }
        "forecast" | "forecast-people" => {
            let filter = app::pipeline::forecast::ForecastFilter::from_pairs(get);
            app::pipeline::forecast::service::export(
                &state.db,
                actor,
                &filter,
                list == "forecast-people",
                locale,
            )
            .await
        }
        _ => Err(AppError::NotFound),
    }
}

/// `GET /api/export/{list}.{csv|xlsx}?filters`: the list as the signed-in user sees it.
pub async fn export(
    state: AppState,
    auth: AuthSession,
    address: std::net::SocketAddr,
    headers: HeaderMap,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(user) = auth.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some((list, format)) = file.rsplit_once('.') else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let locale = app::i18n::locale_of_headers(&headers);
    let result = async {
        let mut actor = load_actor(&state.db, user.0).await?;
        actor.address = Some(address.ip().to_string());
        let table = table_for(&state, &actor, list, query.as_deref().unwrap_or(""), locale).await?;
        // Who took which list out of the company, with the filters it held.
        let exported = serde_json::json!({ "format": format, "query": query.as_deref().unwrap_or(""), "rows": table.rows.len() });
        app::audit::record(&state.db, &actor, app::audit::Action::ListExported, app::audit::Subject::Export(list.to_string()), serde_json::json!({}), exported).await?;
        match format {
            "csv" => Ok((to_csv(&table)?, "text/csv; charset=utf-8")),
            "xlsx" => Ok((to_xlsx(&table)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            _ => Err(AppError::NotFound),
        }
    }
    .await;
    match result {
        Ok((bytes, content_type)) => {
            let name = format!(
                "{list}-{}.{format}",
                app::clock::local_now().format("%Y%m%d-%H%M")
            );
            (
                [
                    (header::CONTENT_TYPE, content_type.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(error) => error_response(error),
    }
}
