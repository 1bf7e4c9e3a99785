//! Product analysis: products ranked by sales with cumulative share and class (a Pareto chart and
//! its table), gross margin, stock turnover, cross ratio and contribution; month-end stock entered
//! here by administrators and directors; and a customer's product mix on their file.
use super::page::{
    class_css, pareto_chart, reloading_report_body, share_of, AnalyticsTabs, Loaded, ParetoPoint,
    ReportFilters,
};
use super::{
    load_product_report, load_recent_stock, CustomerProduct, InventoryRow, ProductReport,
    ProductRow, ReportQuery, SaveInventory,
};
use crate::domain::format::or_dash as dash;
use crate::domain::format::{format_count, format_date, format_money, percent_text};
use crate::domain::product::ProductFigures;
use crate::i18n::{tr, use_i18n};
use crate::ui::chart::ChartWithTable;
use crate::ui::{action_error, EmptyState, ErrorPanel, Field, FormMessage, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// Products in the chart; rows in the page's table (the export holds every product).
const CHART_PRODUCTS: usize = 30;
const TABLE_PRODUCTS: usize = 100;

/// Hundredths as "4.50", basis points of one as "1.3500".
fn hundredths(value: i64) -> String {
    crate::domain::format::fixed_point(value, 2)
}

fn ratio_text(bp: i64) -> String {
    crate::domain::format::fixed_point(bp, 4)
}

#[component]
pub fn ProductAnalysisPage() -> impl IntoView {
    // Created by the page, outside the report's Suspense, so it cannot arrive after its HTML.
    let save = ServerAction::<SaveInventory>::new();
    let stock = Resource::new(move || save.version().get(), |_| load_recent_stock());
    view! {
        <PageHeader title=tr(|t| t.product_analysis.title) subtitle=tr(|t| t.product_analysis.subtitle) />
        <AnalyticsTabs current="/analytics/products" />
        {reloading_report_body(load_product_report, |query, options, loaded| match loaded {
            Loaded::Report(report) => view! {
                <ReportFilters action="/analytics/products" query=query.clone() options errors=Vec::new() period=Some((report.from, report.to)) customer_filters=true />
                <ProductReportView report query />
            }.into_any(),
            Loaded::Refused(errors) => view! { <ReportFilters action="/analytics/products" query options errors period=None customer_filters=true /> }.into_any(),
        }, Signal::derive(move || save.version().get()))}
        <StockPanel save stock />
    }
}

fn figure_cells(f: &ProductFigures, total_sales: i64) -> impl IntoView {
    let i18n = use_i18n();
    let turnover = f.turnover_hundredths();
    view! {
        <td class="num">{format_money(f.sales_fen)}</td>
        <td class="num">{share_of(f.sales_fen, total_sales)}</td>
        <td class="num">{format_money(f.gross_margin_fen())}</td>
        <td class="num">{dash(f.margin_bp(), percent_text)}</td>
        <td class="num">{dash(f.average_inventory_fen, format_money)}</td>
        <td class="num">{move || dash(turnover, |t| (i18n.t().product_analysis.times)(&hundredths(t)))}</td>
        <td class="num">{dash(f.cross_ratio_bp(), ratio_text)}</td>
        <td class="num">{dash(f.contribution_bp(total_sales), ratio_text)}</td>
    }
}

#[component]
fn ProductReportView(report: ProductReport, query: ReportQuery) -> AnyView {
    let i18n = use_i18n();
    let period = (report.from, report.to);
    let export_query = ReportQuery {
        from: report.from.to_string(),
        to: report.to.to_string(),
        ..query
    }
    .query_string();
    let heading = view! {
        <p class="hint" data-testid="product-rule">
            {move || format_date(period.0, i18n.locale.get())} " – " {move || format_date(period.1, i18n.locale.get())} " · "
            {tr(|t| t.product_analysis.definitions)}
        </p>
    };
    if report.rows.is_empty() {
        return view! { {heading} <EmptyState title=tr(|t| t.product_analysis.empty_title) body=tr(|t| t.product_analysis.empty_body) /> }.into_any();
    }
    let total_sales = report.total_sales_fen;
    let total = report.total;
    let points: Vec<ParetoPoint> = report
        .rows
        .iter()
        .take(CHART_PRODUCTS)
        .map(|row| ParetoPoint {
            name: row.name.clone(),
            value_fen: row.figures.sales_fen,
            class: row.class,
            cumulative_percent: (row.cumulative_fen as f64 * 1000.0 / total_sales.max(1) as f64)
                .round()
                / 10.0,
        })
        .collect();
    let shown = (
        points.len(),
        Ord::min(report.rows.len(), TABLE_PRODUCTS),
        report.rows.len(),
    );
    let chart = Signal::derive(move || {
        pareto_chart(
            &points,
            i18n.t().product_analysis.sales.to_string(),
            i18n.t().product_analysis.cumulative_share.to_string(),
        )
    });
    let product_count = report.rows.len();
    let chart_rows: Vec<ProductRow> = report.rows.iter().take(CHART_PRODUCTS).cloned().collect();
    let row = move |row: ProductRow| {
        view! {
            <tr data-testid="product-row" data-code=row.code.clone()>
                <td class="num">{row.rank}</td>
                <th scope="row" class="sticky-col"><span class="product-name">{row.name.clone()}</span> <span class="muted small">{row.code.clone()}</span></th>
                <td><span class=class_css(row.class)>{row.class.as_str()}</span></td>
                <td class="num">{format_count(row.figures.quantity)}</td>
                {figure_cells(&row.figures, total_sales)}
                <td class="num">{share_of(row.cumulative_fen, total_sales)}</td>
            </tr>
        }
    };
    view! {
        {heading}
        <section class="abc-summary" data-testid="product-summary">
            <div class="figure">
                <span class="figure-label">{tr(|t| t.product_analysis.products)}</span>
                <strong class="figure-value" data-testid="product-count">{format_count(product_count as i64)}</strong>
            </div>
            <div class="figure">
                <span class="figure-label">{tr(|t| t.product_analysis.sales)}</span>
                <strong class="figure-value" data-testid="total-sales">{format_money(total_sales)}</strong>
            </div>
            <div class="figure">
                <span class="figure-label">{tr(|t| t.product_analysis.gross_margin)}</span>
                <strong class="figure-value" data-testid="total-margin">{format_money(total.gross_margin_fen())}</strong>
                <span class="figure-hint">{tr(|t| t.product_analysis.margin)} " " {dash(total.margin_bp(), percent_text)}</span>
                <crate::ui::ExportLinks list="product-analysis" query=export_query />
            </div>
        </section>
        <section class="card">
            <h2>{tr(|t| t.product_analysis.ranking)}</h2>
            <p class="hint">{move || (i18n.t().product_analysis.chart_hint)(shown.0, shown.1, shown.2)}</p>
            <ChartWithTable id="product-chart" label=tr(|t| t.product_analysis.ranking) chart height=320>
                <table class="table">
                    <thead><tr><th scope="col" class="num">"#"</th><th scope="col">{tr(|t| t.product_analysis.product)}</th><th scope="col" class="num">{tr(|t| t.product_analysis.sales)}</th><th scope="col" class="num">{tr(|t| t.product_analysis.cumulative_share)}</th></tr></thead>
                    <tbody>{chart_rows.into_iter().map(|r| view! { <tr><td class="num">{r.rank}</td><td>{r.name.clone()}</td><td class="num">{format_money(r.figures.sales_fen)}</td><td class="num">{share_of(r.cumulative_fen, total_sales)}</td></tr> }).collect_view()}</tbody>
                </table>
            </ChartWithTable>
            <div class="table-wrap">
                <table class="table product-table" data-testid="product-table">
                    <thead><tr>
                        <th scope="col" class="num">"#"</th>
                        <th scope="col" class="sticky-col">{tr(|t| t.product_analysis.product)}</th>
                        <th scope="col">{tr(|t| t.product_analysis.class)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.quantity)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.sales)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.share)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.gross_margin)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.margin)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.average_inventory)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.turnover)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.cross_ratio)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.contribution)}</th>
                        <th scope="col" class="num">{tr(|t| t.product_analysis.cumulative_share)}</th>
                    </tr></thead>
                    <tbody>{report.rows.into_iter().take(TABLE_PRODUCTS).map(row).collect_view()}</tbody>
                    <tfoot><tr data-testid="product-total">
                        <td></td>
                        <th scope="row" class="sticky-col">{tr(|t| t.analytics.total)}</th>
                        <td></td>
                        <td class="num">{format_count(total.quantity)}</td>
                        {figure_cells(&total, total_sales)}
                        <td></td>
                    </tr></tfoot>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// Month-end stock for those who enter it (nothing for others): one product and month at a time
/// (a month already entered is overwritten only at the version shown), and the last twelve months
/// on record.
#[component]
fn StockPanel(
    save: ServerAction<SaveInventory>,
    stock: Resource<Result<Option<Vec<InventoryRow>>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match stock.await {
                    Ok(Some(rows)) => view! { <StockEntry save rows /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StockEntry(save: ServerAction<SaveInventory>, rows: Vec<InventoryRow>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(save);
    let saved = move || save.value().get().is_some_and(|result| result.is_ok());
    view! {
        <section class="card" id="stock" data-testid="stock-panel">
            <h2>{tr(|t| t.product_analysis.stock_title)}</h2>
            <p class="hint">{tr(|t| t.product_analysis.stock_hint)} " " <a href="/import">{tr(|t| t.product_analysis.import_stock)}</a></p>
            <ActionForm action=save attr:class="form grid-form" attr:novalidate=true attr:data-testid="stock-form">
                <input type="hidden" name="form[version]" value="0" />
                <Field label=|t| t.product_analysis.product error field="product">
                    <input name="form[product]" autocomplete="off" placeholder="SKU" />
                </Field>
                <Field label=|t| t.product_analysis.month error field="month">
                    <input name="form[month]" type="month" />
                </Field>
                <Field label=|t| t.product_analysis.quantity error field="quantity">
                    <input name="form[quantity]" inputmode="numeric" />
                </Field>
                <Field label=|t| t.product_analysis.stock_value error field="value">
                    <input name="form[value]" inputmode="decimal" placeholder=move || i18n.t().product_analysis.stock_value_hint />
                </Field>
                <FormMessage error fields=&["product", "month", "quantity", "value"] />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=save.pending()>{tr(|t| t.product_analysis.save_stock)}</button>
                    {move || saved().then(|| view! { <span class="muted" role="status" data-testid="stock-saved">{tr(|t| t.product_analysis.stock_saved)}</span> })}
                </div>
            </ActionForm>
            {if rows.is_empty() {
                view! { <p class="muted">{tr(|t| t.product_analysis.no_stock)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="stock-table">
                            <thead><tr>
                                <th scope="col">{tr(|t| t.product_analysis.month)}</th>
                                <th scope="col">{tr(|t| t.product_analysis.product)}</th>
                                <th scope="col" class="num">{tr(|t| t.product_analysis.quantity)}</th>
                                <th scope="col" class="num">{tr(|t| t.product_analysis.stock_value)}</th>
                            </tr></thead>
                            <tbody>{rows.into_iter().map(|r| view! { <tr><td>{r.month.format("%Y-%m").to_string()}</td><td>{r.product}</td><td class="num">{format_count(r.quantity)}</td><td class="num">{format_money(r.value_fen)}</td></tr> }).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// A customer's products on their file: what they bought in the last twelve months and what they
/// stopped buying.
#[component]
pub fn CustomerProducts(
    products: Vec<CustomerProduct>,
    lapsed: Vec<CustomerProduct>,
) -> impl IntoView {
    let i18n = use_i18n();
    let total: i64 = products.iter().map(|p| p.sales_fen).sum();
    view! {
        <div class="product-mix">
            <h3>{tr(|t| t.product_analysis.mix_title)}</h3>
            {if products.is_empty() {
                view! { <p class="muted">{tr(|t| t.product_analysis.no_mix)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="table" data-testid="product-mix">
                        <thead><tr><th scope="col">{tr(|t| t.product_analysis.product)}</th><th scope="col" class="num">{tr(|t| t.product_analysis.sales)}</th><th scope="col" class="num">{tr(|t| t.product_analysis.share)}</th></tr></thead>
                        <tbody>{products.into_iter().map(|p| view! { <tr><td>{p.name} " " <span class="muted small">{p.code}</span></td><td class="num">{format_money(p.sales_fen)}</td><td class="num">{share_of(p.sales_fen, total)}</td></tr> }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
            <h3>{tr(|t| t.product_analysis.lapsed_title)}</h3>
            {if lapsed.is_empty() {
                view! { <p class="muted">{tr(|t| t.product_analysis.no_lapsed)}</p> }.into_any()
            } else {
                view! {
                    <ul class="lapsed-products" data-testid="lapsed-products">
                        {lapsed.into_iter().map(|p| {
                            let last = p.last_bought_on;
                            view! { <li>{p.name} " " <span class="muted small">{p.code} " · " {tr(|t| t.product_analysis.last_bought)} " " {move || last.map(|d| format_date(d, i18n.locale.get())).unwrap_or_default()}</span></li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}
