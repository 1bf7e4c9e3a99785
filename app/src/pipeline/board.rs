//! The opportunity board. Server-rendered columns (totals from the database, the first page of
//! cards); after hydration cards move by pointer (mouse at once, touch after a long press), by
//! keyboard (Space picks up, arrows move, Space drops) and through a "move to" sheet. A move shows
//! at once and is rolled back with a message if the server refuses it. Other people's moves
//! arrive as server-sent events.
use super::api::{load_board, load_card, load_column_totals, load_more_cards, move_deal};
use super::{Board, BoardFilter, Card, ColumnTotals, LostReasonView, MoveRequest, StageView};
use crate::domain::format::{format_date, format_money, format_money_compact};
use crate::domain::pipeline::CardAlert;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, I18n, Texts};
use crate::ui::{ErrorPanel, Loading, PageHeader};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub fn stage_label(t: &Texts, stage: &StageView) -> String {
    if stage.name.is_empty() {
        (t.pipeline.stage_name)(&stage.key).to_string()
    } else {
        stage.name.clone()
    }
}

pub fn lost_reason_label(t: &Texts, reason: &LostReasonView) -> String {
    if reason.name.is_empty() {
        (t.pipeline.lost_reason_name)(&reason.key).to_string()
    } else {
        reason.name.clone()
    }
}

/// A pipeline's name; the built-in one (no name of its own) in the reader's language.
pub fn pipeline_label(t: &Texts, pipeline: &super::Choice) -> String {
    if pipeline.label.is_empty() {
        t.pipeline.default_pipeline.to_string()
    } else {
        pipeline.label.clone()
    }
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let pairs: Vec<(String, String)> = [
            "pipeline",
            "owner",
            "team",
            "close_month",
            "min_amount",
            "max_amount",
            "q",
        ]
        .iter()
        .filter_map(|key| q.get(key).map(|v| (key.to_string(), v)))
        .collect();
        BoardFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    });
    let table_mode = Memo::new(move |_| query.read().get("view").as_deref() == Some("table"));
    view! {
        <PageHeader title=tr(|t| t.pipeline.title) />
        {move || if table_mode.get() {
            let order = Memo::new(move |_| {
                let q = query.read();
                super::TableOrder { sort: q.get("sort").unwrap_or_default(), descending: q.get("dir").as_deref() == Some("desc"), page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0) }
            });
            view! { <super::table::TableMode filter order /> }.into_any()
        } else {
            view! { <BoardMode filter /> }.into_any()
        }}
    }.into_any()
}

#[component]
fn BoardMode(filter: Memo<BoardFilter>) -> AnyView {
    let board = Resource::new(move || filter.get(), load_board);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(board) => view! { <BoardFilters filter=filter.get_untracked() pipelines=board.pipelines.clone() owners=board.owners.clone() teams=board.teams.clone() table=false /> <BoardView board filter=filter.get_untracked() /> }.into_any(),
                    Err(error) => view! { <BoardFilters filter=filter.get_untracked() pipelines=Vec::new() owners=Vec::new() teams=Vec::new() table=false /> <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }.into_any()
}

/// The filters as one GET form: bookmarkable, and it works before hydration. The same filters
/// serve the board and the table; a link switches between them, keeping the filters.
#[component]
pub fn BoardFilters(
    filter: BoardFilter,
    pipelines: Vec<super::Choice>,
    owners: Vec<super::Choice>,
    teams: Vec<super::Choice>,
    table: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let filtered = filter != BoardFilter::default();
    let query = filter.query_suffix();
    let (board_href, table_href) = (
        format!("/pipeline?{}", query.trim_start_matches('&')),
        format!("/pipeline?view=table{query}"),
    );
    view! {
        <nav class="view-switch" aria-label=move || i18n.t().pipeline.view_switch>
            <a href=board_href class:current=!table aria-current=(!table).then_some("page")>{tr(|t| t.pipeline.board_view)}</a>
            <a href=table_href class:current=table aria-current=table.then_some("page")>{tr(|t| t.pipeline.table_view)}</a>
            <a href="/pipeline/forecast">{tr(|t| t.forecast.title)}</a>
        </nav>
        <form class="search-bar board-filters" method="get" action="/pipeline" role="search">
            {table.then(|| view! { <input type="hidden" name="view" value="table" /> })}
            {if pipelines.len() > 1 {
                let current = filter.pipeline.or(pipelines.first().map(|p| p.id));
                view! {
                    <select name="pipeline" aria-label=move || i18n.t().sales_settings.pipelines data-testid="pipeline-select">
                        {pipelines.into_iter().map(|p| {
                            let id = p.id;
                            view! { <option value=id selected=current == Some(id)>{move || pipeline_label(i18n.t(), &p)}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            } else {
                filter.pipeline.map(|id| view! { <input type="hidden" name="pipeline" value=id /> }).into_any()
            }}
            <input type="search" name="q" value=filter.q.clone() aria-label=move || i18n.t().pipeline.search placeholder=move || i18n.t().pipeline.search />
            {(!owners.is_empty()).then(|| choice_select("owner", |t| t.pipeline.all_owners, filter.owner, owners.clone()))}
            {(!teams.is_empty()).then(|| choice_select("team", |t| t.pipeline.all_teams, filter.team, teams.clone()))}
            <label class="inline-label">{tr(|t| t.pipeline.close_month)}
                <input type="month" name="close_month" value=filter.close_month.clone() />
            </label>
            <input name="min_amount" inputmode="decimal" size="8" value=filter.min_amount.clone() aria-label=move || i18n.t().pipeline.min_amount placeholder=move || i18n.t().pipeline.min_amount />
            <input name="max_amount" inputmode="decimal" size="8" value=filter.max_amount.clone() aria-label=move || i18n.t().pipeline.max_amount placeholder=move || i18n.t().pipeline.max_amount />
            <button type="submit" class="button">{tr(|t| t.pipeline.apply)}</button>
            {filtered.then(|| view! { <a class="button subtle" href=if table { "/pipeline?view=table" } else { "/pipeline" }>{tr(|t| t.pipeline.clear)}</a> })}
            <a class="button primary" href="/pipeline/new">{tr(|t| t.pipeline.new_deal)}</a>
        </form>
    }.into_any()
}

/// A filter's drop-down of people or teams; the empty choice ("all …") comes first.
pub fn choice_select(
    name: &'static str,
    all: fn(&Texts) -> &'static str,
    current: Option<i64>,
    choices: Vec<super::Choice>,
) -> AnyView {
    let i18n = use_i18n();
    view! {
        <select name=name aria-label=move || all(i18n.t())>
            <option value="">{move || all(i18n.t())}</option>
            {choices.into_iter().map(|c| view! { <option value=c.id selected=current == Some(c.id)>{c.label}</option> }).collect_view()}
        </select>
    }
    .into_any()
}

/// One column's live state.
#[derive(Clone, Copy)]
struct ColumnState {
    stage: StoredValue<StageView>,
    totals: RwSignal<ColumnTotals>,
    cards: RwSignal<Vec<Card>>,
}

impl ColumnState {
    fn fully_loaded(&self) -> bool {
        self.cards
            .with_untracked(|cards| cards.len() as u64 >= self.totals.get_untracked().count)
    }
}

/// A drop onto a won or lost column waits for what closing needs.
#[derive(Clone)]
struct PendingClose {
    request: MoveRequest,
    stage: StageView,
    amount_fen: i64,
}

/// The board's shared state and the operations on it.
#[derive(Clone, Copy)]
struct BoardState {
    columns: StoredValue<Vec<ColumnState>>,
    filter: StoredValue<BoardFilter>,
    message: RwSignal<Option<(bool, String)>>,
    closing: RwSignal<Option<PendingClose>>,
    closing_error: RwSignal<Option<AppError>>,
    sheet: RwSignal<Option<i64>>,
    grabbed: RwSignal<Option<i64>>,
    lost_reasons: StoredValue<Vec<LostReasonView>>,
    i18n: I18n,
}

impl BoardState {
    fn column(&self, stage_id: i64) -> Option<ColumnState> {
        self.columns.with_value(|columns| {
            columns
                .iter()
                .find(|c| c.stage.with_value(|s| s.id) == stage_id)
                .copied()
        })
    }

    fn find(&self, card_id: i64) -> Option<(ColumnState, usize, Card)> {
        self.columns.with_value(|columns| {
            columns.iter().find_map(|column| {
                column.cards.with_untracked(|cards| {
                    cards
                        .iter()
                        .position(|c| c.id == card_id)
                        .map(|i| (*column, i, cards[i].clone()))
                })
            })
        })
    }

    fn say(&self, error: bool, text: String) {
        self.message.set(Some((error, text)));
    }

    /// Asks the server for fresh totals (after any move, own or someone else's).
    fn refresh_totals(&self) {
        let state = *self;
        leptos::task::spawn_local(async move {
            if let Ok(totals) = load_column_totals(state.filter.get_value()).await {
                for t in totals {
                    if let Some(column) = state.column(t.stage_id) {
                        column.totals.set(t);
                    }
                }
            }
        });
    }

    /// Puts a card where the server says it is (or removes it when it is gone or not visible).
    fn place(&self, card_id: i64, card: Option<Card>) {
        if let Some((column, index, _)) = self.find(card_id) {
            column.cards.update(|cards| {
                cards.remove(index);
            });
        }
        let Some(card) = card else { return };
        let Some(column) = self.column(card.stage_id) else {
            return;
        };
        let fully_loaded = column.fully_loaded();
        column.cards.update(|cards| {
            let at = cards.partition_point(|c| c.sort_key() < card.sort_key());
            // Beyond the loaded page the card will come with "load more".
            if at < cards.len() || fully_loaded || cards.is_empty() {
                cards.insert(at, card);
            }
        });
    }

    /// Starts a move of `card_id` to `to_stage` at `index` among that column's cards.
    fn start_move(&self, card_id: i64, to_stage: i64, index: usize) {
        let Some((from, from_index, card)) = self.find(card_id) else {
            return;
        };
        let Some(target) = self.column(to_stage) else {
            return;
        };
        let stage = target.stage.get_value();
        // Neighbours as they will be once the card has left its old place.
        let (after_card, before_card) = target.cards.with_untracked(|cards| {
            let others: Vec<&Card> = cards.iter().filter(|c| c.id != card_id).collect();
            let index = index.min(others.len());
            (
                index.checked_sub(1).map(|i| others[i].id),
                others.get(index).map(|c| c.id),
            )
        });
        if from.stage.with_value(|s| s.id) == to_stage
            && (after_card, before_card) == self.neighbours(from, from_index)
        {
            return;
        }
        let request = MoveRequest {
            id: card.id,
            version: card.version,
            to_stage_id: to_stage,
            after_card,
            before_card,
            ..Default::default()
        };
        if stage.closed() && card.stage_id != to_stage {
            self.closing_error.set(None);
            self.closing.set(Some(PendingClose {
                request,
                stage,
                amount_fen: card.amount_fen,
            }));
        } else {
            self.send(request);
        }
    }

    fn neighbours(&self, column: ColumnState, index: usize) -> (Option<i64>, Option<i64>) {
        column.cards.with_untracked(|cards| {
            (
                index.checked_sub(1).map(|i| cards[i].id),
                cards.get(index + 1).map(|c| c.id),
            )
        })
    }

    /// Shows the move at once, sends it, and rolls back with a message if the server refuses.
    fn send(&self, request: MoveRequest) {
        let state = *self;
        let Some((from, from_index, card)) = self.find(request.id) else {
            return;
        };
        let Some(target) = self.column(request.to_stage_id) else {
            return;
        };
        let before = (from.cards.get_untracked(), target.cards.get_untracked());
        from.cards.update(|cards| {
            cards.remove(from_index);
        });
        target.cards.update(|cards| {
            let at = match (request.after_card, request.before_card) {
                (Some(after), _) => cards
                    .iter()
                    .position(|c| c.id == after)
                    .map(|i| i + 1)
                    .unwrap_or(0),
                (None, Some(before)) => cards.iter().position(|c| c.id == before).unwrap_or(0),
                (None, None) => 0,
            };
            cards.insert(
                at.min(cards.len()),
                Card {
                    stage_id: request.to_stage_id,
                    ..card.clone()
                },
            );
        });
        let stage = target.stage.get_value();
        leptos::task::spawn_local(async move {
            let t = state.i18n.t();
            match move_deal(request.clone()).await {
                Ok(moved) => {
                    target.cards.update(|cards| {
                        if let Some(slot) = cards.iter_mut().find(|c| c.id == moved.id) {
                            *slot = moved.clone();
                        }
                    });
                    state.closing.set(None);
                    state.say(
                        false,
                        (t.pipeline.moved)(&moved.title, &stage_label(t, &stage)),
                    );
                    state.refresh_totals();
                }
                Err(error) => {
                    from.cards.set(before.0);
                    if from.stage.with_value(|s| s.id) != target.stage.with_value(|s| s.id) {
                        target.cards.set(before.1);
                    }
                    match error {
                        AppError::Validation(_)
                            if state.closing.with_untracked(Option::is_some) =>
                        {
                            state.closing_error.set(Some(error))
                        }
                        AppError::Conflict => {
                            state.say(true, t.pipeline.conflict.to_string());
                            if let Ok(fresh) = load_card(request.id).await {
                                state.place(request.id, fresh);
                            }
                        }
                        AppError::Validation(ref fields) => {
                            let text = fields
                                .iter()
                                .map(|f| t.field_error(&f.code))
                                .collect::<Vec<_>>()
                                .join(" ");
                            state.say(true, format!("{} {text}", t.pipeline.move_refused));
                        }
                        other => state.say(
                            true,
                            format!("{} {}", t.pipeline.move_refused, t.error(&other)),
                        ),
                    }
                }
            }
        });
    }

    fn load_more(&self, column: ColumnState) {
        let state = *self;
        let Some(last) = column
            .cards
            .with_untracked(|cards| cards.last().map(|c| (c.position, c.id)))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            let stage_id = column.stage.with_value(|s| s.id);
            match load_more_cards(state.filter.get_value(), stage_id, last.0, last.1).await {
                Ok(more) => column.cards.update(|cards| {
                    for card in more {
                        if !cards.iter().any(|c| c.id == card.id) {
                            cards.push(card);
                        }
                    }
                }),
                Err(error) => state.say(true, state.i18n.t().error(&error)),
            }
        });
    }
}

#[component]
fn BoardView(board: Board, filter: BoardFilter) -> impl IntoView {
    let i18n = use_i18n();
    let columns: Vec<ColumnState> = board
        .columns
        .into_iter()
        .map(|c| ColumnState {
            stage: StoredValue::new(c.stage),
            totals: RwSignal::new(c.totals),
            cards: RwSignal::new(c.cards),
        })
        .collect();
    let state = BoardState {
        columns: StoredValue::new(columns.clone()),
        filter: StoredValue::new(filter),
        message: RwSignal::new(None),
        closing: RwSignal::new(None),
        closing_error: RwSignal::new(None),
        sheet: RwSignal::new(None),
        grabbed: RwSignal::new(None),
        lost_reasons: StoredValue::new(board.lost_reasons),
        i18n,
    };
    let board_ref = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        drag::install(state, board_ref);
        live::follow(state);
    }
    view! {
        <p class="muted keyboard-help">{tr(|t| t.pipeline.keyboard_help)}</p>
        <div class="board-message" role="status" aria-live="polite">
            {move || state.message.get().map(|(error, text)| view! { <p class=if error { "notice error" } else { "notice" }>{text}</p> })}
        </div>
        <div class="board" node_ref=board_ref data-testid="board">
            {columns.into_iter().map(|column| view! { <BoardColumn column state /> }).collect_view()}
        </div>
        {move || state.sheet.get().map(|card_id| view! { <MoveSheet card_id state /> })}
        {move || state.closing.get().map(|pending| view! { <CloseDialog pending state /> })}
    }.into_any()
}

#[component]
fn BoardColumn(column: ColumnState, state: BoardState) -> impl IntoView {
    let i18n = use_i18n();
    let stage = column.stage.get_value();
    let stage_id = stage.id;
    let kind = if stage.won {
        "won"
    } else if stage.lost {
        "lost"
    } else {
        "open"
    };
    let label = Signal::derive({
        let stage = stage.clone();
        move || stage_label(i18n.t(), &stage)
    });
    view! {
        <section class=format!("board-column column-{kind}") data-stage=stage_id aria-label=label>
            <header class="column-header">
                <h2><span>{label}</span><span class="probability">{format!("{}%", stage.probability_percent)}</span></h2>
                <p class="column-totals" data-testid="column-totals">
                    <span class="count">{move || (i18n.t().pipeline.deals_count)(column.totals.get().count)}</span>
                    <span class="sum" title=move || format_money(column.totals.get().sum_fen)>{move || format_money_compact(column.totals.get().sum_fen, i18n.locale.get())}</span>
                    {(!stage.closed()).then(|| view! {
                        <span class="weighted" title=move || format_money(column.totals.get().weighted_fen)>
                            {move || format!("{} {}", i18n.t().pipeline.weighted, format_money_compact(column.totals.get().weighted_fen, i18n.locale.get()))}
                        </span>
                    })}
                </p>
            </header>
            <ol class="column-cards">
                <For each=move || column.cards.get() key=|card| (card.id, card.version, card.stage_id) let:card>
                    <DealCard card state />
                </For>
            </ol>
            {move || column.cards.with(Vec::is_empty).then(|| view! { <p class="column-empty muted">{tr(|t| t.pipeline.empty_column)}</p> })}
            {move || ((column.cards.with(Vec::len) as u64) < column.totals.get().count).then(|| view! {
                <button type="button" class="button subtle load-more" on:click=move |_| state.load_more(column)>{tr(|t| t.pipeline.load_more)}</button>
            })}
        </section>
    }.into_any()
}

#[component]
fn DealCard(card: Card, state: BoardState) -> impl IntoView {
    let i18n = use_i18n();
    let id = card.id;
    let alert = match card.alert {
        CardAlert::None => "",
        CardAlert::Stale => " stale",
        CardAlert::Overdue => " overdue",
    };
    let close = card.expected_close_on;
    let days = card.days_in_stage;
    let grabbed = move || state.grabbed.get() == Some(id);
    view! {
        <li class=move || format!("deal-card{alert}{}", if grabbed() { " grabbed" } else { "" })
            data-card=id tabindex="0" aria-grabbed=move || grabbed().to_string()
            on:keydown=move |ev| keyboard(state, id, ev)>
            <a class="deal-title" href=format!("/pipeline/deals/{id}") draggable="false">{card.title.clone()}</a>
            <span class="deal-customer">{card.customer_name.clone()}</span>
            <span class="deal-amount">{format_money(card.amount_fen)}</span>
            <span class="deal-meta">
                {close.map(|date| view! { <span class="deal-close">{move || format_date(date, i18n.locale.get())}</span> })}
                <span class="deal-owner">{card.owner_name.clone()}</span>
                <span class="deal-days">{move || (i18n.t().pipeline.days_in_stage)(days)}</span>
            </span>
            {match card.alert {
                CardAlert::Overdue => Some(view! { <span class="deal-alert">{tr(|t| t.pipeline.overdue)}</span> }),
                CardAlert::Stale => Some(view! { <span class="deal-alert">{tr(|t| t.pipeline.stale)}</span> }),
                CardAlert::None => None,
            }}
            <button type="button" class="move-button" aria-label=move || i18n.t().pipeline.move_to title=move || i18n.t().pipeline.move_to
                on:click=move |_| state.sheet.set(Some(id))>"⋯"</button>
        </li>
    }.into_any()
}

/// Space picks a card up or drops it; arrows move a picked-up card; Escape lets go.
fn keyboard(state: BoardState, id: i64, ev: leptos::ev::KeyboardEvent) {
    let key = ev.key();
    if key == " " {
        ev.prevent_default();
        if state.grabbed.get_untracked() == Some(id) {
            state.grabbed.set(None);
        } else {
            state.grabbed.set(Some(id));
            if let Some((_, _, card)) = state.find(id) {
                state.say(false, (state.i18n.t().pipeline.picked_up)(&card.title));
            }
        }
        return;
    }
    if key == "Escape" {
        state.grabbed.set(None);
        return;
    }
    if state.grabbed.get_untracked() != Some(id) {
        return;
    }
    let Some((column, index, _)) = state.find(id) else {
        return;
    };
    let stage_id = column.stage.with_value(|s| s.id);
    let stage_ids: Vec<i64> = state.columns.with_value(|columns| {
        columns
            .iter()
            .map(|c| c.stage.with_value(|s| s.id))
            .collect()
    });
    let at = stage_ids.iter().position(|s| *s == stage_id).unwrap_or(0);
    let target = match key.as_str() {
        "ArrowRight" => stage_ids.get(at + 1).map(|s| (*s, 0)),
        "ArrowLeft" => at.checked_sub(1).map(|i| (stage_ids[i], 0)),
        "ArrowDown" => Some((stage_id, index + 1)),
        "ArrowUp" => index.checked_sub(1).map(|i| (stage_id, i)),
        _ => None,
    };
    if let Some((to_stage, to_index)) = target {
        ev.prevent_default();
        state.start_move(id, to_stage, to_index);
        #[cfg(feature = "hydrate")]
        drag::refocus(id);
    }
}

/// The thumb-friendly way to move: a sheet listing the stages.
#[component]
fn MoveSheet(card_id: i64, state: BoardState) -> impl IntoView {
    let i18n = use_i18n();
    let current = state.find(card_id).map(|(_, _, card)| card.stage_id);
    let stages: Vec<StageView> = state
        .columns
        .with_value(|columns| columns.iter().map(|c| c.stage.get_value()).collect());
    view! {
        <div class="sheet-backdrop" on:click=move |_| state.sheet.set(None)></div>
        <div class="sheet" role="dialog" aria-modal="true" aria-label=move || i18n.t().pipeline.move_title>
            <h2>{tr(|t| t.pipeline.move_title)}</h2>
            <div class="sheet-choices">
                {stages.into_iter().map(|stage| {
                    let stage_id = stage.id;
                    let here = current == Some(stage_id);
                    let label = stage.clone();
                    view! {
                        <button type="button" class="button sheet-choice" disabled=here aria-current=here.then_some("true")
                            on:click=move |_| { state.sheet.set(None); state.start_move(card_id, stage_id, 0); }>
                            {move || stage_label(i18n.t(), &label)}
                        </button>
                    }
                }).collect_view()}
            </div>
            <button type="button" class="button subtle" on:click=move |_| state.sheet.set(None)>{tr(|t| t.pipeline.cancel)}</button>
        </div>
    }.into_any()
}

/// What winning (amount, date) or losing (reason, note) needs, asked before the move is sent.
#[component]
fn CloseDialog(pending: PendingClose, state: BoardState) -> impl IntoView {
    let i18n = use_i18n();
    let won = pending.stage.won;
    let amount = RwSignal::new(crate::domain::forms::money_input_value(pending.amount_fen));
    let won_on = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error: Signal<Option<AppError>> = state.closing_error.into();
    let request = pending.request.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut request = request.clone();
        request.won_amount = amount.get_untracked();
        request.won_on = won_on.get_untracked();
        request.lost_reason = reason.get_untracked().parse().ok();
        request.lost_note = note.get_untracked();
        state.closing_error.set(None);
        state.send(request);
    };
    let reasons = state.lost_reasons.get_value();
    view! {
        <div class="sheet-backdrop"></div>
        <form class="sheet close-dialog" role="dialog" aria-modal="true" on:submit=submit>
            <h2>{move || if won { i18n.t().pipeline.won_title } else { i18n.t().pipeline.lost_title }}</h2>
            {if won {
                view! {
                    <label>{tr(|t| t.pipeline.won_amount)}
                        <input name="won_amount" inputmode="decimal" prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev)) />
                    </label>
                    <crate::ui::FieldMessage error field="won_amount" />
                    <label>{tr(|t| t.pipeline.won_on)}
                        <input type="date" name="won_on" prop:value=won_on on:input=move |ev| won_on.set(event_target_value(&ev)) />
                    </label>
                    <crate::ui::FieldMessage error field="won_on" />
                }.into_any()
            } else {
                view! {
                    <label>{tr(|t| t.pipeline.lost_reason)}
                        <select name="lost_reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {reasons.into_iter().map(|r| {
                                let id = r.id;
                                view! { <option value=id>{move || lost_reason_label(i18n.t(), &r)}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <crate::ui::FieldMessage error field="lost_reason" />
                    <label>{tr(|t| t.pipeline.lost_note)}
                        <input name="lost_note" maxlength="200" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                    </label>
                    <crate::ui::FieldMessage error field="lost_note" />
                }.into_any()
            }}
            <div class="form-actions">
                <button type="submit" class="button primary">{tr(|t| t.pipeline.confirm)}</button>
                <button type="button" class="button subtle" on:click=move |_| state.closing.set(None)>{tr(|t| t.pipeline.cancel)}</button>
            </div>
        </form>
    }.into_any()
}

/// Pointer dragging (browser only): mouse drags start after a few pixels, touch drags after a
/// long press (so a swipe still scrolls the board).
#[cfg(feature = "hydrate")]
mod drag {
    use super::BoardState;
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    const MOUSE_SLOP_PX: f64 = 6.0;
    const TOUCH_SLOP_PX: f64 = 10.0;
    const LONG_PRESS_MS: i32 = 350;

    #[derive(Default)]
    struct Drag {
        card_id: i64,
        element: Option<web_sys::HtmlElement>,
        start: (f64, f64),
        touch: bool,
        active: bool,
        timer: Option<i32>,
        /// Where the pointer is now, and the interval that scrolls the board while it rests near
        /// an edge (a still finger sends no events).
        at: (f64, f64),
        edge_scroll: Option<i32>,
        scroll_start: i32,
        paged_at: f64,
        /// A drag just ended: swallow the click that follows it.
        suppress_click: bool,
    }

    pub fn refocus(id: i64) {
        request_animation_frame(move || {
            if let Some(element) = document()
                .query_selector(&format!("[data-card=\"{id}\"]"))
                .ok()
                .flatten()
            {
                if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                    let _ = element.focus();
                }
            }
        });
    }

    const EDGE_PX: f64 = 48.0;
    /// After paging one column sideways the board waits this long before paging again, so a
    /// finger resting at the edge gets time to see the column it reached.
    const EDGE_PAUSE_MS: f64 = 800.0;

    /// Moves the lifted card with the pointer, counting how far the board has scrolled under it.
    fn follow_pointer(drag: &Drag, board: &web_sys::HtmlElement) {
        if let Some(element) = &drag.element {
            let scrolled = (board.scroll_left() - drag.scroll_start) as f64;
            let _ = element.style().set_property(
                "transform",
                &format!(
                    "translate({}px, {}px) rotate(2deg)",
                    drag.at.0 - drag.start.0 + scrolled,
                    drag.at.1 - drag.start.1
                ),
            );
        }
    }

    fn activate(drag: &mut Drag, shared: &Rc<RefCell<Drag>>, board: NodeRef<leptos::html::Div>) {
        drag.active = true;
        if let Some(element) = &drag.element {
            let _ = element.class_list().add_1("dragging");
        }
        let Some(board) = board.get_untracked() else {
            return;
        };
        drag.scroll_start = board.scroll_left();
        // Snapping would fight the paging below.
        let _ = board.class_list().add_1("dragging-over");
        let shared = shared.clone();
        let tick = Closure::<dyn FnMut()>::new(move || {
            let Ok(mut d) = shared.try_borrow_mut() else {
                return;
            };
            let rect = board.get_bounding_client_rect();
            let (x, y) = d.at;
            let direction = if x < rect.left() + EDGE_PX {
                -1
            } else if x > rect.right() - EDGE_PX {
                1
            } else {
                return;
            };
            let now = window().performance().map(|p| p.now()).unwrap_or_default();
            if now - d.paged_at < EDGE_PAUSE_MS {
                return;
            }
            d.paged_at = now;
            let column = board
                .query_selector(".board-column")
                .ok()
                .flatten()
                .map(|c| c.get_bounding_client_rect().width())
                .unwrap_or(272.0)
                + 12.0;
            board.set_scroll_left(board.scroll_left() + direction * column as i32);
            follow_pointer(&d, &board);
            highlight(x, y);
        });
        drag.edge_scroll = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                50,
            )
            .ok();
        tick.forget();
    }

    fn reset(drag: &mut Drag) {
        if let Some(timer) = drag.timer.take() {
            window().clear_timeout_with_handle(timer);
        }
        if let Some(interval) = drag.edge_scroll.take() {
            window().clear_interval_with_handle(interval);
        }
        if let Some(board) = document()
            .query_selector(".board.dragging-over")
            .ok()
            .flatten()
        {
            let _ = board.class_list().remove_1("dragging-over");
        }
        if let Some(element) = drag.element.take() {
            let _ = element.class_list().remove_1("dragging");
            let _ = element.style().remove_property("transform");
        }
        for column in document()
            .query_selector_all(".board-column.drop-target")
            .ok()
            .into_iter()
            .flat_map(|list| (0..list.length()).filter_map(move |i| list.item(i)))
        {
            if let Ok(column) = column.dyn_into::<web_sys::Element>() {
                let _ = column.class_list().remove_1("drop-target");
            }
        }
        drag.active = false;
    }

    /// The column under the pointer and the index the card would take in it.
    fn drop_target(x: f64, y: f64, dragged: i64) -> Option<(i64, usize)> {
        let element = document().element_from_point(x as f32, y as f32)?;
        let column = element.closest(".board-column").ok().flatten()?;
        let stage_id = column.get_attribute("data-stage")?.parse().ok()?;
        let cards = column.query_selector_all(".deal-card").ok()?;
        let mut index = 0;
        for i in 0..cards.length() {
            let Some(card) = cards
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            if card
                .get_attribute("data-card")
                .and_then(|v| v.parse::<i64>().ok())
                == Some(dragged)
            {
                continue;
            }
            let rect = card.get_bounding_client_rect();
            if y > rect.top() + rect.height() / 2.0 {
                index += 1;
            }
        }
        Some((stage_id, index))
    }

    fn highlight(x: f64, y: f64) {
        let target = document()
            .element_from_point(x as f32, y as f32)
            .and_then(|e| e.closest(".board-column").ok().flatten());
        for column in document()
            .query_selector_all(".board-column")
            .ok()
            .into_iter()
            .flat_map(|list| (0..list.length()).filter_map(move |i| list.item(i)))
        {
            if let Ok(column) = column.dyn_into::<web_sys::Element>() {
                let on = target.as_ref().is_some_and(|t| t == &column);
                let _ = if on {
                    column.class_list().add_1("drop-target")
                } else {
                    column.class_list().remove_1("drop-target")
                };
            }
        }
    }

    pub fn install(state: BoardState, board_ref: NodeRef<leptos::html::Div>) {
        let drag = Rc::new(RefCell::new(Drag::default()));
        let listening = drag.clone();
        Effect::new(move |_| {
            let drag = listening.clone();
            let Some(board) = board_ref.get() else { return };
            let board: web_sys::HtmlElement = board.unchecked_into();

            let down = {
                let drag = drag.clone();
                Closure::<dyn FnMut(web_sys::PointerEvent)>::new(
                    move |ev: web_sys::PointerEvent| {
                        if ev.button() != 0 || !ev.is_primary() {
                            return;
                        }
                        let Some(target) = ev
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        else {
                            return;
                        };
                        if target
                            .closest("button, input, select")
                            .ok()
                            .flatten()
                            .is_some()
                        {
                            return;
                        }
                        let Some(card) = target.closest(".deal-card").ok().flatten() else {
                            return;
                        };
                        let Some(card_id) =
                            card.get_attribute("data-card").and_then(|v| v.parse().ok())
                        else {
                            return;
                        };
                        let mut d = drag.borrow_mut();
                        reset(&mut d);
                        d.card_id = card_id;
                        d.element = card.dyn_into::<web_sys::HtmlElement>().ok();
                        d.start = (ev.client_x() as f64, ev.client_y() as f64);
                        d.at = d.start;
                        d.touch = ev.pointer_type() == "touch";
                        d.suppress_click = false;
                        if d.touch {
                            let drag = drag.clone();
                            let fire = Closure::once_into_js(move || {
                                let mut d = drag.borrow_mut();
                                d.timer = None;
                                if d.element.is_some() {
                                    activate(&mut d, &drag, board_ref);
                                    // A little buzz where the phone supports it: the card is picked up.
                                    let _ = window().navigator().vibrate_with_duration(20);
                                }
                            });
                            d.timer = window()
                                .set_timeout_with_callback_and_timeout_and_arguments_0(
                                    fire.unchecked_ref(),
                                    LONG_PRESS_MS,
                                )
                                .ok();
                        }
                    },
                )
            };
            let _ = board
                .add_event_listener_with_callback("pointerdown", down.as_ref().unchecked_ref());
            down.forget();

            // Once a touch drag is active the page must not scroll under the finger.
            let touch_move = {
                let drag = drag.clone();
                Closure::<dyn FnMut(web_sys::TouchEvent)>::new(move |ev: web_sys::TouchEvent| {
                    if drag.borrow().active {
                        ev.prevent_default();
                    }
                })
            };
            let options = web_sys::AddEventListenerOptions::new();
            options.set_passive(false);
            let _ = board.add_event_listener_with_callback_and_add_event_listener_options(
                "touchmove",
                touch_move.as_ref().unchecked_ref(),
                &options,
            );
            touch_move.forget();

            let click = {
                let drag = drag.clone();
                Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
                    let mut d = drag.borrow_mut();
                    if d.suppress_click {
                        d.suppress_click = false;
                        ev.prevent_default();
                        ev.stop_propagation();
                    }
                })
            };
            let capture = web_sys::AddEventListenerOptions::new();
            capture.set_capture(true);
            let _ = board.add_event_listener_with_callback_and_add_event_listener_options(
                "click",
                click.as_ref().unchecked_ref(),
                &capture,
            );
            click.forget();
        });

        let moving = drag.clone();
        let board_for_scroll = board_ref;
        let _ = window_event_listener(leptos::ev::pointermove, move |ev| {
            let mut d = moving.borrow_mut();
            if d.element.is_none() {
                return;
            }
            let (x, y) = (ev.client_x() as f64, ev.client_y() as f64);
            let distance = ((x - d.start.0).powi(2) + (y - d.start.1).powi(2)).sqrt();
            if !d.active {
                if d.touch && distance > TOUCH_SLOP_PX {
                    // The finger moved before the long press: it is a scroll, not a drag.
                    reset(&mut d);
                } else if !d.touch && distance > MOUSE_SLOP_PX {
                    activate(&mut d, &moving, board_for_scroll);
                }
                if !d.active {
                    return;
                }
            }
            ev.prevent_default();
            d.at = (x, y);
            if let Some(board) = board_for_scroll.get_untracked() {
                follow_pointer(&d, &board);
            }
            highlight(x, y);
        });

        let ending = drag.clone();
        let _ = window_event_listener(leptos::ev::pointerup, move |ev| {
            let mut d = ending.borrow_mut();
            if d.element.is_none() {
                return;
            }
            let was_active = d.active;
            let card_id = d.card_id;
            reset(&mut d);
            if was_active {
                d.suppress_click = true;
                drop(d);
                if let Some((stage_id, index)) =
                    drop_target(ev.client_x() as f64, ev.client_y() as f64, card_id)
                {
                    state.start_move(card_id, stage_id, index);
                }
            }
        });
        let cancelling = drag;
        let _ = window_event_listener(leptos::ev::pointercancel, move |_| {
            reset(&mut cancelling.borrow_mut())
        });
    }
}

/// Other people's moves (browser only): the server names the deal, the board fetches it through
/// the visibility rule and puts it where it now belongs.
#[cfg(feature = "hydrate")]
mod live {
    use super::load_card;
    use super::BoardState;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    pub fn follow(state: BoardState) {
        let Ok(source) = web_sys::EventSource::new("/api/pipeline/events") else {
            return;
        };
        let on_change =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(id) = ev.data().as_string().and_then(|d| d.parse::<i64>().ok()) else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    if let Ok(card) = load_card(id).await {
                        state.place(id, card);
                        state.refresh_totals();
                    }
                });
            });
        let _ =
            source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        on_change.forget();
        let on_reload = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
            let _ = window().location().reload();
        });
        let _ =
            source.add_event_listener_with_callback("reload", on_reload.as_ref().unchecked_ref());
        on_reload.forget();
        let source = StoredValue::new_local(source);
        on_cleanup(move || {
            source.try_with_value(|source| source.close());
        });
    }
}
