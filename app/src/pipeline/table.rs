//! The board's deals as a sortable, paged table: same filters, same visibility, for people who
//! would rather scan rows than columns (and for long lists on a desktop).
use super::api::load_deal_table;
use super::board::{stage_label, BoardFilters};
use super::{BoardFilter, DealTable, TableOrder, TABLE_ROWS_PER_PAGE};
use crate::domain::format::{format_date, format_money};
use crate::domain::pipeline::{CardAlert, DealSort};
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{ErrorPanel, Loading};
use leptos::prelude::*;

#[component]
pub fn TableMode(filter: Memo<BoardFilter>, order: Memo<TableOrder>) -> AnyView {
    let table = Resource::new(
        move || (filter.get(), order.get()),
        |(filter, order)| load_deal_table(filter, order),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match table.await {
                    Ok(table) => view! {
                        <BoardFilters filter=filter.get_untracked() pipelines=table.pipelines.clone() owners=table.owners.clone() teams=table.teams.clone() table=true />
                        <DealRows table filter=filter.get_untracked() order=order.get_untracked() />
                    }.into_any(),
                    Err(error) => view! {
                        <BoardFilters filter=filter.get_untracked() pipelines=Vec::new() owners=Vec::new() teams=Vec::new() table=true />
                        <ErrorPanel error />
                    }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn DealRows(table: DealTable, filter: BoardFilter, order: TableOrder) -> AnyView {
    let i18n = use_i18n();
    let base = format!("/pipeline?view=table{}", filter.query_suffix());
    let current = DealSort::parse(&order.sort).unwrap_or(DealSort::Updated);
    // A header link sorts by its column; on the column already sorted it flips the direction.
    let header = {
        let base = base.clone();
        move |sort: DealSort, label: fn(&Texts) -> &'static str, numeric: bool| {
            let active = sort == current;
            let descending = if active {
                !order.descending
            } else {
                matches!(sort, DealSort::Amount | DealSort::DaysInStage)
            };
            let href = format!(
                "{base}&sort={}{}",
                sort.as_str(),
                if descending { "&dir=desc" } else { "" }
            );
            let marker = active.then_some(if order.descending { " ↓" } else { " ↑" });
            let aria_sort = if active {
                if order.descending {
                    "descending"
                } else {
                    "ascending"
                }
            } else {
                "none"
            };
            view! {
                <th class:num=numeric aria-sort=aria_sort>
                    <a href=href class="sort-link">{move || label(i18n.t())}{marker}</a>
                </th>
            }
        }
    };
    let pages = table.total.div_ceil(TABLE_ROWS_PER_PAGE).max(1);
    let page_href = {
        let sort = format!(
            "&sort={}{}",
            current.as_str(),
            if order.descending { "&dir=desc" } else { "" }
        );
        move |page: u64| format!("{base}{sort}&page={page}")
    };
    let stages = table.stages.clone();
    let stage_of = move |id: i64| stages.iter().find(|s| s.id == id).cloned();
    if table.rows.is_empty() {
        return view! { <p class="empty-state" data-testid="deal-table-empty">{tr(|t| t.pipeline.no_deals)}</p> }.into_any();
    }
    let (total, page) = (table.total, table.page);
    let export_query = format!(
        "{}&sort={}{}",
        filter.query_suffix().trim_start_matches('&'),
        current.as_str(),
        if order.descending { "&dir=desc" } else { "" }
    );
    view! {
        <div class="list-meta">
            <p class="hint">{move || (i18n.t().pipeline.deals_count)(total)}</p>
            <crate::ui::ExportLinks list="deals" query=export_query />
        </div>
        <div class="table-wrap">
            <table class="table deal-table" data-testid="deal-table">
                <thead><tr>
                    {header(DealSort::Title, |t| t.pipeline.deal_title, false)}
                    <th>{tr(|t| t.pipeline.customer)}</th>
                    {header(DealSort::Stage, |t| t.pipeline.stage, false)}
                    {header(DealSort::Amount, |t| t.pipeline.amount, true)}
                    {header(DealSort::Close, |t| t.pipeline.expected_close, false)}
                    <th>{tr(|t| t.pipeline.owner)}</th>
                    {header(DealSort::DaysInStage, |t| t.pipeline.days_in_stage_header, true)}
                </tr></thead>
                <tbody>
                    {table.rows.into_iter().map(|card| {
                        let stage = stage_of(card.stage_id);
                        let close = card.expected_close_on;
                        let alert = match card.alert { CardAlert::Overdue => "alert-overdue", CardAlert::Stale => "alert-stale", CardAlert::None => "" };
                        view! {
                            <tr data-deal=card.id class=alert>
                                <td><a href=format!("/pipeline/deals/{}", card.id)>{card.title}</a></td>
                                <td><a href=format!("/customers/{}", card.customer_id)>{card.customer_name}</a></td>
                                <td>{move || stage.as_ref().map(|s| stage_label(i18n.t(), s)).unwrap_or_default()}</td>
                                <td class="num">{format_money(card.amount_fen)}</td>
                                <td>{move || close.map(|d| format_date(d, i18n.locale.get())).unwrap_or_default()}</td>
                                <td>{card.owner_name}</td>
                                <td class="num">{card.days_in_stage}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {crate::ui::pager(page, pages, page_href)}
    }
    .into_any()
}
