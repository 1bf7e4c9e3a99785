//! Ladder promotion suggestions: the company's rules (first order → ordinary customer, 12-month
//! sales → VIP, no order for N months → dormant) applied to every visible customer, each
//! suggestion with the fact behind it, confirmed by a manager in one click.
use crate::domain::customer::{LadderReason, LadderRules, LadderStage, LadderSuggestion};
use crate::domain::format::{format_date, format_money, Locale};
use crate::domain::forms::money_input_value;
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, Texts};
use crate::ui::{action_error, Field, FormActions, FormMessage};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// At most this many suggestions are listed at once; the total says how many wait.
pub const SUGGESTIONS_SHOWN: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionRow {
    pub customer_id: i64,
    pub name: String,
    pub owner_name: Option<String>,
    pub current: LadderStage,
    pub suggestion: LadderSuggestion,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderSuggestions {
    pub rules: LadderRules,
    pub rules_version: i32,
    pub can_edit_rules: bool,
    pub rows: Vec<SuggestionRow>,
    pub total: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LadderRulesForm {
    pub version: String,
    /// Yuan, as typed.
    pub vip_threshold: String,
    pub dormant_after_months: String,
    pub new_customer_months: String,
}

#[server(endpoint = "customers/ladder_suggestions")]
pub async fn load_ladder_suggestions() -> Result<LadderSuggestions, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::suggestions(&state.db, &actor, crate::clock::today()).await
}

/// `choices` is `customer_id:stage` pairs separated by commas; each is applied only if the rules
/// still suggest exactly that stage.
#[server(endpoint = "customers/ladder_confirm")]
pub async fn confirm_ladder_suggestions(choices: String) -> Result<u64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    let choices = service::parse_choices(&choices)?;
    service::confirm(&state.db, &actor, &choices, crate::clock::today()).await
}

#[server(endpoint = "customers/ladder_rules_save")]
pub async fn save_ladder_rules(form: LadderRulesForm) -> Result<(), AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save_rules(&state.db, &actor, &form).await
}

/// A reason in the reader's words, e.g. "首单 2026年3月1日" or "近 12 个月销售 ¥1,200,000.00".
pub fn reason_text(t: &Texts, reason: &LadderReason, locale: Locale) -> String {
    let l = &t.ladder;
    match reason {
        LadderReason::FirstOrder(on) => (l.reason_first_order)(&format_date(*on, locale)),
        LadderReason::TrailingSales(fen) => (l.reason_sales)(&format_money(*fen)),
        LadderReason::NoOrderSince(on) => (l.reason_no_order)(&format_date(*on, locale)),
        LadderReason::Note(text) => text.clone(),
    }
}

/// The suggestions and the rules behind them, on the ladder page.
#[component]
pub fn LadderSuggestionsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let confirm = ServerAction::<ConfirmLadderSuggestions>::new();
    let save_rules = ServerAction::<SaveLadderRules>::new();
    let suggestions = Resource::new(
        move || (confirm.version().get(), save_rules.version().get()),
        |_| load_ladder_suggestions(),
    );
    let confirm_error = action_error(confirm);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match suggestions.await {
                    Ok(s) => {
                        let all_choices = s.rows.iter().map(|r| format!("{}:{}", r.customer_id, r.suggestion.stage.as_str())).collect::<Vec<_>>().join(",");
                        let shown = s.rows.len();
                        let total = s.total;
                        let rules = s.rules.clone();
                        view! {
                            <section class="card" id="suggestions" data-testid="ladder-suggestions">
                                <h2>{tr(|t| t.ladder.suggestions)} " " <span class="count">{total}</span></h2>
                                <p class="hint">{move || {
                                    let l = &i18n.t().ladder;
                                    (l.rules_statement)(&format_money(rules.vip_threshold_fen), rules.dormant_after_months, rules.new_customer_months)
                                }}</p>
                                {move || confirm.value().get().and_then(|r| r.ok()).map(|n| view! {
                                    <p class="ok-text" role="status" data-testid="ladder-confirmed">{(i18n.t().ladder.confirmed)(n)}</p>
                                })}
                                <FormMessage error=confirm_error />
                                {if s.rows.is_empty() {
                                    view! { <p class="muted">{tr(|t| t.ladder.no_suggestions)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ActionForm action=confirm attr:class="inline-form">
                                            <input type="hidden" name="choices" value=all_choices />
                                            <button type="submit" class="button small" data-testid="confirm-all" disabled=move || confirm.pending().get()>
                                                {move || (i18n.t().ladder.confirm_all)(shown)}
                                            </button>
                                        </ActionForm>
                                        {(total > shown as u64).then(|| view! { <p class="muted">{move || (i18n.t().ladder.more_waiting)(total)}</p> })}
                                        <ul class="suggestion-list">
                                            {s.rows.into_iter().map(|row| view! { <SuggestionItem row confirm /> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            {s.can_edit_rules.then(|| view! { <RulesForm rules=s.rules version=s.rules_version save_rules /> })}
                        }.into_any()
                    }
                    Err(error) => view! { <crate::ui::ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SuggestionItem(
    row: SuggestionRow,
    confirm: ServerAction<ConfirmLadderSuggestions>,
) -> impl IntoView {
    let i18n = use_i18n();
    let reason = row.suggestion.reason.clone();
    let to = row.suggestion.stage;
    view! {
        <li class="suggestion" data-customer=row.customer_id>
            <div class="suggestion-main">
                <a href=format!("/customers/{}", row.customer_id)>{row.name}</a>
                <span class="muted">{row.owner_name.unwrap_or_default()}</span>
            </div>
            <div class="suggestion-change">
                <super::page::StageBadge stage=row.current />
                " → "
                <super::page::StageBadge stage=to />
                <span class="muted">{move || reason_text(i18n.t(), &reason, i18n.locale.get())}</span>
            </div>
            <ActionForm action=confirm attr:class="inline-form">
                <input type="hidden" name="choices" value=format!("{}:{}", row.customer_id, to.as_str()) />
                <button type="submit" class="button small primary" disabled=move || confirm.pending().get()>{tr(|t| t.ladder.confirm)}</button>
            </ActionForm>
        </li>
    }
}

#[component]
fn RulesForm(
    rules: LadderRules,
    version: i32,
    save_rules: ServerAction<SaveLadderRules>,
) -> impl IntoView {
    let error = action_error(save_rules);
    view! {
        <section class="card" id="ladder-rules">
            <h2>{tr(|t| t.ladder.rules)}</h2>
            <ActionForm action=save_rules attr:class="form grid-form" attr:novalidate=true attr:data-testid="ladder-rules-form">
                <input type="hidden" name="form[version]" value=version />
                <Field label=|t| t.ladder.vip_threshold error field="vip_threshold">
                    <input name="form[vip_threshold]" inputmode="decimal" value=money_input_value(rules.vip_threshold_fen) />
                </Field>
                <Field label=|t| t.ladder.dormant_after_months error field="dormant_after_months">
                    <input name="form[dormant_after_months]" inputmode="numeric" value=rules.dormant_after_months.to_string() />
                </Field>
                <Field label=|t| t.ladder.new_customer_months error field="new_customer_months">
                    <input name="form[new_customer_months]" inputmode="numeric" value=rules.new_customer_months.to_string() />
                </Field>
                <FormMessage error fields=&["vip_threshold", "dormant_after_months", "new_customer_months"] />
                <FormActions pending=save_rules.pending().into() />
            </ActionForm>
        </section>
    }
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::scope::{across_owners, visible};
    use crate::auth::Actor;
    use crate::db::{load_setting, save_setting, sum_as_bigint};
    use crate::domain::customer::{suggested_stage, OrderFacts, StageChange};
    use crate::domain::forms::{self, Checks, ErrorCode};
    use crate::domain::visibility::Role;
    use crate::entities::{customer, sales_order};
    use crate::error::AppResult;
    use chrono::{Months, NaiveDate};
    use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
    use sea_orm::{
        ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
        QueryTrait, TransactionSession, TransactionTrait,
    };
    use std::collections::HashMap;

    const RULES_KEY: &str = "ladder_rules";

    pub async fn rules(db: &impl ConnectionTrait) -> AppResult<LadderRules> {
        Ok(load_setting::<LadderRules>(db, RULES_KEY).await?.0)
    }

    /// Order facts per customer, for the customers `customer_ids` selects.
    async fn order_facts(
        db: &impl ConnectionTrait,
        customer_ids: SelectStatement,
        today: NaiveDate,
    ) -> AppResult<HashMap<i64, OrderFacts>> {
        let year_ago = today
            .checked_sub_months(Months::new(12))
            .unwrap_or(NaiveDate::MIN);
        let recent_amount = Expr::case(
            Expr::col(sales_order::Column::OrderedOn).gte(year_ago),
            Expr::col(sales_order::Column::AmountFen),
        )
        .finally(0);
        // Every order of a customer counts, whoever took it: the customer is what is visible.
        let rows: Vec<(i64, Option<NaiveDate>, Option<NaiveDate>, Option<i64>)> =
            across_owners::<sales_order::Entity>()
                .select_only()
                .column(sales_order::Column::CustomerId)
                .column_as(
                    Expr::col(sales_order::Column::OrderedOn).min(),
                    "first_order",
                )
                .column_as(
                    Expr::col(sales_order::Column::OrderedOn).max(),
                    "last_order",
                )
                .column_as(sum_as_bigint(recent_amount), "recent")
                .filter(sales_order::Column::CustomerId.in_subquery(customer_ids))
                .group_by(sales_order::Column::CustomerId)
                .into_tuple()
                .all(db)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, first_order, last_order, recent)| {
                (
                    id,
                    OrderFacts {
                        first_order,
                        last_order,
                        trailing_12_months_fen: recent.unwrap_or(0),
                    },
                )
            })
            .collect())
    }

    fn stage_of(c: &customer::Model) -> LadderStage {
        LadderStage::parse(&c.ladder_stage).unwrap_or(LadderStage::Target)
    }

    /// Visible customers that have ordered and are not lost: the only ones a rule can move.
    fn candidates(actor: &Actor) -> sea_orm::Select<customer::Entity> {
        visible::<customer::Entity>(&actor.scope())
            .filter(customer::Column::OwnerId.is_not_null())
            .filter(customer::Column::LadderStage.ne(LadderStage::Lost.as_str()))
            .filter(
                customer::Column::Id.in_subquery(
                    across_owners::<sales_order::Entity>()
                        .select_only()
                        .column(sales_order::Column::CustomerId)
                        .into_query(),
                ),
            )
    }

    pub async fn suggestions(
        db: &impl ConnectionTrait,
        actor: &Actor,
        today: NaiveDate,
    ) -> AppResult<LadderSuggestions> {
        actor.require(&Role::LEADERS)?;
        let (rules, rules_version) = load_setting::<LadderRules>(db, RULES_KEY).await?;
        let facts = order_facts(
            db,
            candidates(actor)
                .select_only()
                .column(customer::Column::Id)
                .into_query(),
            today,
        )
        .await?;
        let customers = candidates(actor)
            .order_by_asc(customer::Column::Name)
            .all(db)
            .await?;
        let mut suggested: Vec<(customer::Model, LadderSuggestion)> = customers
            .into_iter()
            .filter_map(|c| {
                let suggestion = suggested_stage(stage_of(&c), facts.get(&c.id)?, &rules, today)?;
                Some((c, suggestion))
            })
            .collect();
        // Promotions first (VIP, then first orders), then the customers going quiet; by name within.
        suggested.sort_by_key(|(_, s)| match s.stage {
            LadderStage::Vip => 0,
            LadderStage::Customer => 1,
            _ => 2,
        });
        let total = suggested.len() as u64;
        suggested.truncate(SUGGESTIONS_SHOWN);
        let owners =
            crate::auth::names_of(db, suggested.iter().filter_map(|(c, _)| c.owner_id)).await?;
        let rows = suggested
            .into_iter()
            .map(|(c, suggestion)| SuggestionRow {
                customer_id: c.id,
                owner_name: c.owner_id.and_then(|id| owners.get(&id).cloned()),
                current: stage_of(&c),
                name: c.name,
                suggestion,
            })
            .collect();
        Ok(LadderSuggestions {
            rules,
            rules_version,
            can_edit_rules: actor.role() == Role::Admin,
            rows,
            total,
        })
    }

    pub fn parse_choices(raw: &str) -> AppResult<Vec<(i64, LadderStage)>> {
        raw.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (id, stage) = part.split_once(':')?;
                Some((id.trim().parse().ok()?, LadderStage::parse(stage.trim())?))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| AppError::field("choices", ErrorCode::UnknownChoice))
    }

    /// Applies each choice whose suggestion still stands, in one transaction; a customer someone
    /// changed meanwhile is left alone. Nothing applied at all is a `Conflict`.
    pub async fn confirm(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        choices: &[(i64, LadderStage)],
        today: NaiveDate,
    ) -> AppResult<u64> {
        actor.require(&Role::LEADERS)?;
        let ids: Vec<i64> = choices.iter().map(|(id, _)| *id).collect();
        let txn = crate::db::begin_write(db).await?;
        let rules = rules(&txn).await?;
        let chosen = || candidates(actor).filter(customer::Column::Id.is_in(ids.clone()));
        let facts = order_facts(
            &txn,
            chosen()
                .select_only()
                .column(customer::Column::Id)
                .into_query(),
            today,
        )
        .await?;
        let mut applied = 0;
        for c in chosen().all(&txn).await? {
            let Some(&(_, wanted)) = choices.iter().find(|(id, _)| *id == c.id) else {
                continue;
            };
            let from = stage_of(&c);
            let Some(suggestion) = facts
                .get(&c.id)
                .and_then(|f| suggested_stage(from, f, &rules, today))
            else {
                continue;
            };
            if suggestion.stage != wanted {
                continue;
            }
            let changed = customer::Entity::update_many()
                .col_expr(customer::Column::LadderStage, Expr::value(wanted.as_str()))
                .col_expr(
                    customer::Column::Version,
                    Expr::col(customer::Column::Version).add(1),
                )
                .col_expr(
                    customer::Column::UpdatedAt,
                    Expr::value(crate::clock::now()),
                )
                .filter(customer::Column::Id.eq(c.id))
                .filter(customer::Column::Version.eq(c.version))
                .exec(&txn)
                .await?;
            if changed.rows_affected == 1 {
                let change = StageChange {
                    from,
                    to: wanted,
                    reason: Some(suggestion.reason),
                };
                super::super::service::record_event(
                    &txn,
                    c.id,
                    Some(actor.user.id),
                    crate::domain::events::CustomerEvent::Stage(change),
                )
                .await?;
                applied += 1;
            }
        }
        if applied == 0 {
            return Err(AppError::Conflict);
        }
        txn.commit().await?;
        Ok(applied)
    }

    pub async fn save_rules(
        db: &impl ConnectionTrait,
        actor: &Actor,
        form: &LadderRulesForm,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin])?;
        let mut checks = Checks::default();
        let vip = checks.check(
            "vip_threshold",
            forms::parse_money(&form.vip_threshold).and_then(|fen| {
                if fen > 0 {
                    Ok(fen)
                } else {
                    Err(ErrorCode::InvalidAmount)
                }
            }),
        );
        let dormant = checks.check(
            "dormant_after_months",
            forms::parse_whole_number(&form.dormant_after_months, 1, 120),
        );
        let new_months = checks.check(
            "new_customer_months",
            forms::parse_whole_number(&form.new_customer_months, 1, 120),
        );
        checks.into_result().map_err(AppError::Validation)?;
        let (Some(vip_threshold_fen), Some(dormant), Some(new_months)) = (vip, dormant, new_months)
        else {
            return Err(AppError::Internal);
        };
        let version = form
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::Conflict)?;
        let rules = LadderRules {
            vip_threshold_fen,
            dormant_after_months: dormant as u32,
            new_customer_months: new_months as u32,
        };
        save_setting(db, RULES_KEY, &rules, version, actor.user.id).await
    }
}
