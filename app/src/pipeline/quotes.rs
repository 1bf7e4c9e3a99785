//! Quotes and contracts. A quote belongs to a deal and lists products with quantity, price and
//! discount. Only a draft can be edited; a quote that went out is changed by revising it, which
//! keeps every earlier revision as it was. Before a price goes out that differs from the price the
//! customer last accepted for the product, the rep must confirm it. An accepted quote sets the
//! deal's amount and lines, and can become a contract.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuoteLineForm {
    pub product_id: Option<i64>,
    pub quantity: String,
    pub unit_price: String,
    /// Percent, up to two decimals ("12.5").
    pub discount: String,
}

impl QuoteLineForm {
    #[cfg(feature = "ssr")]
    fn is_blank(&self) -> bool {
        self.product_id.is_none()
            && self.quantity.trim().is_empty()
            && self.unit_price.trim().is_empty()
            && self.discount.trim().is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuoteForm {
    /// Some: edit this draft.
    pub id: Option<i64>,
    pub version: i32,
    pub opportunity_id: i64,
    pub valid_until: String,
    pub notes: String,
    pub lines: Vec<QuoteLineForm>,
    /// The rep has seen that a price differs from the customer's last accepted one and means it.
    pub confirm_prices: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub list_price_fen: i64,
}

/// What the customer last accepted for a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedPrice {
    pub product_id: i64,
    pub unit_price_fen: i64,
    pub discount_bp: u16,
    pub quote_number: String,
}

/// Everything the quote editor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDraft {
    pub form: QuoteForm,
    pub deal_title: String,
    pub customer_name: String,
    pub products: Vec<ProductChoice>,
    pub accepted: Vec<AcceptedPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineView {
    pub product_id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub discount_bp: u16,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSummary {
    pub id: i64,
    pub number: String,
    pub revision: i32,
    pub status: String,
    pub total_fen: i64,
    pub valid_until: Option<chrono::NaiveDate>,
    pub created_on: chrono::NaiveDate,
    pub deal_id: i64,
    pub deal_title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractView {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub signed_on: Option<chrono::NaiveDate>,
    pub starts_on: Option<chrono::NaiveDate>,
    pub ends_on: Option<chrono::NaiveDate>,
    pub amount_fen: i64,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteView {
    pub summary: QuoteSummary,
    pub version: i32,
    pub notes: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_name: String,
    pub lines: Vec<QuoteLineView>,
    /// Every revision of this quote number, newest first.
    pub revisions: Vec<QuoteSummary>,
    pub contract: Option<ContractView>,
}

/// A customer's quotes with their lines, for the customer file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerQuote {
    pub summary: QuoteSummary,
    pub lines: Vec<QuoteLineView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContractForm {
    pub quote_id: i64,
    pub quote_version: i32,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[server(endpoint = "pipeline/quote_draft")]
pub async fn load_quote_draft(
    #[server(default)] deal: Option<i64>,
    #[server(default)] quote: Option<i64>,
) -> Result<QuoteDraft, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::draft(&state.db, &actor, deal, quote).await
}

#[server(endpoint = "pipeline/quote_save")]
pub async fn save_quote(form: QuoteForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::save(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/quote")]
pub async fn load_quote(id: i64) -> Result<QuoteView, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::quote(&state.db, &actor, id).await
}

#[server(endpoint = "pipeline/quote_status")]
pub async fn set_quote_status(id: i64, version: i32, status: String) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::set_status(&state.db, &actor, id, version, &status).await
}

/// A new draft revision of a quote that went out; returns its id.
#[server(endpoint = "pipeline/quote_revise")]
pub async fn revise_quote(id: i64, version: i32) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::revise(&state.db, &actor, id, version).await
}

#[server(endpoint = "pipeline/deal_quotes")]
pub async fn deal_quotes(deal_id: i64) -> Result<Vec<QuoteSummary>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::quotes_of_deal(&state.db, &actor, deal_id).await
}

#[server(endpoint = "pipeline/customer_quotes")]
pub async fn customer_quotes(customer_id: i64) -> Result<Vec<CustomerQuote>, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::quotes_of_customer(&state.db, &actor, customer_id).await
}

#[server(endpoint = "pipeline/contract_create")]
pub async fn create_contract(form: ContractForm) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::create_contract(&state.db, &actor, &form).await
}

#[server(endpoint = "pipeline/contract_status")]
pub async fn set_contract_status(id: i64, version: i32, status: String) -> Result<i64, AppError> {
    let (state, actor) = crate::auth::current_actor().await?;
    service::set_contract_status(&state.db, &actor, id, version, &status).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::scope::{across_owners, visible};
    use crate::auth::Actor;
    use crate::db::{begin_write, update_versioned};
    use crate::domain::forms::{self, Checks, ErrorCode};
    use crate::domain::pipeline::{self as rules, ContractStatus, QuoteStatus};
    use crate::entities::{
        contract, customer, opportunity, opportunity_line, pipeline_stage, product, quote,
        quote_line,
    };
    use crate::error::AppResult;
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
        QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
    };
    use std::collections::HashMap;

    const MAX_LINES: usize = 100;

    async fn visible_deal(
        db: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> AppResult<opportunity::Model> {
        visible::<opportunity::Entity>(&actor.scope())
            .filter(opportunity::Column::Id.eq(id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn visible_quote(
        db: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> AppResult<quote::Model> {
        visible::<quote::Entity>(&actor.scope())
            .filter(quote::Column::Id.eq(id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// A quote someone may change: theirs to see, and so is its deal (a check on one record is a
    /// check on its chain, so a quote left with a rep after its deal moved on is not theirs to use).
    async fn editable_quote(
        db: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(quote::Model, opportunity::Model)> {
        let quote = visible_quote(db, actor, id).await?;
        let deal = visible_deal(db, actor, quote.opportunity_id).await?;
        Ok((quote, deal))
    }

    async fn deal_is_open(db: &impl ConnectionTrait, deal: &opportunity::Model) -> AppResult<bool> {
        let stage = pipeline_stage::Entity::find_by_id(deal.stage_id)
            .one(db)
            .await?
            .ok_or(AppError::Internal)?;
        Ok(!stage.won && !stage.lost)
    }

    async fn customer_name(db: &impl ConnectionTrait, id: i64) -> AppResult<String> {
        Ok(across_owners::<customer::Entity>()
            .filter(customer::Column::Id.eq(id))
            .one(db)
            .await?
            .map(|c| c.name)
            .unwrap_or_default())
    }

    /// The price each product was last accepted at by this customer (the newest accepted quote wins).
    async fn accepted_prices(
        db: &impl ConnectionTrait,
        customer_id: i64,
    ) -> AppResult<Vec<AcceptedPrice>> {
        let accepted = across_owners::<quote::Entity>()
            .filter(quote::Column::CustomerId.eq(customer_id))
            .filter(quote::Column::Status.eq(QuoteStatus::Accepted.as_str()))
            .order_by_desc(quote::Column::CreatedAt)
            .order_by_desc(quote::Column::Id)
            .all(db)
            .await?;
        let number: HashMap<i64, String> =
            accepted.iter().map(|q| (q.id, q.number.clone())).collect();
        let order: HashMap<i64, usize> = accepted
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id, i))
            .collect();
        let mut lines = quote_line::Entity::find()
            .filter(quote_line::Column::QuoteId.is_in(accepted.iter().map(|q| q.id)))
            .all(db)
            .await?;
        lines.sort_by_key(|l| order.get(&l.quote_id).copied().unwrap_or(usize::MAX));
        let mut seen = std::collections::HashSet::new();
        Ok(lines
            .into_iter()
            .filter(|l| seen.insert(l.product_id))
            .map(|l| AcceptedPrice {
                product_id: l.product_id,
                unit_price_fen: l.unit_price_fen,
                discount_bp: l.discount_bp.clamp(0, 10_000) as u16,
                quote_number: number.get(&l.quote_id).cloned().unwrap_or_default(),
            })
            .collect())
    }

    fn line_form(line: &quote_line::Model) -> QuoteLineForm {
        QuoteLineForm {
            product_id: Some(line.product_id),
            quantity: line.quantity.to_string(),
            unit_price: forms::money_input_value(line.unit_price_fen),
            discount: if line.discount_bp == 0 {
                String::new()
            } else {
                forms::money_input_value(i64::from(line.discount_bp))
            },
        }
    }

    /// The editor for a new quote on `deal` (lines from the deal) or for the draft `quote`.
    pub async fn draft(
        db: &impl ConnectionTrait,
        actor: &Actor,
        deal: Option<i64>,
        quote_id: Option<i64>,
    ) -> AppResult<QuoteDraft> {
        let (deal, form) = match (deal, quote_id) {
            (_, Some(id)) => {
                let quote = visible_quote(db, actor, id).await?;
                if quote.status != QuoteStatus::Draft.as_str() {
                    return Err(AppError::field("status", ErrorCode::UnknownChoice));
                }
                let lines = quote_line::Entity::find()
                    .filter(quote_line::Column::QuoteId.eq(id))
                    .order_by_asc(quote_line::Column::Id)
                    .all(db)
                    .await?;
                let form = QuoteForm {
                    id: Some(id),
                    version: quote.version,
                    opportunity_id: quote.opportunity_id,
                    valid_until: quote.valid_until.map(|d| d.to_string()).unwrap_or_default(),
                    notes: quote.notes.clone(),
                    lines: lines.iter().map(line_form).collect(),
                    confirm_prices: false,
                };
                (visible_deal(db, actor, quote.opportunity_id).await?, form)
            }
            (Some(id), None) => {
                let deal = visible_deal(db, actor, id).await?;
                let lines = opportunity_line::Entity::find()
                    .filter(opportunity_line::Column::OpportunityId.eq(id))
                    .order_by_asc(opportunity_line::Column::Id)
                    .all(db)
                    .await?;
                let form = QuoteForm {
                    opportunity_id: id,
                    valid_until: (crate::clock::today() + chrono::Duration::days(30)).to_string(),
                    lines: lines
                        .iter()
                        .map(|l| QuoteLineForm {
                            product_id: Some(l.product_id),
                            quantity: l.quantity.to_string(),
                            unit_price: forms::money_input_value(l.unit_price_fen),
                            discount: String::new(),
                        })
                        .collect(),
                    ..Default::default()
                };
                (deal, form)
            }
            (None, None) => return Err(AppError::NotFound),
        };
        let products = product::Entity::find()
            .filter(product::Column::Active.eq(true))
            .order_by_asc(product::Column::Category)
            .order_by_asc(product::Column::Code)
            .all(db)
            .await?
            .into_iter()
            .map(|p| ProductChoice {
                id: p.id,
                code: p.code,
                name: p.name,
                unit: p.unit,
                list_price_fen: p.list_price_fen,
            })
            .collect();
        Ok(QuoteDraft {
            form,
            deal_title: deal.title.clone(),
            customer_name: customer_name(db, deal.customer_id).await?,
            products,
            accepted: accepted_prices(db, deal.customer_id).await?,
        })
    }

    struct CheckedLine {
        product_id: i64,
        quantity: i64,
        unit_price_fen: i64,
        discount_bp: u16,
    }

    /// Checks every line (blank rows are skipped) and, unless confirmed, every price against the
    /// customer's last accepted one; all problems come back at once, each at its field.
    async fn check_lines(
        db: &impl ConnectionTrait,
        customer_id: i64,
        form: &QuoteForm,
        checks: &mut Checks,
    ) -> AppResult<Vec<CheckedLine>> {
        let products: HashMap<i64, product::Model> = product::Entity::find()
            .filter(product::Column::Active.eq(true))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let accepted: HashMap<i64, AcceptedPrice> = accepted_prices(db, customer_id)
            .await?
            .into_iter()
            .map(|a| (a.product_id, a))
            .collect();
        let mut lines = Vec::new();
        for (index, line) in form.lines.iter().enumerate() {
            if line.is_blank() {
                continue;
            }
            let field = |name: &str| format!("lines.{index}.{name}");
            let product = checks.check(
                &field("product_id"),
                line.product_id
                    .filter(|id| products.contains_key(id))
                    .ok_or(ErrorCode::UnknownChoice),
            );
            let quantity = checks.check(
                &field("quantity"),
                forms::parse_whole_number(&line.quantity, 1, 1_000_000),
            );
            let price = checks.check(
                &field("unit_price"),
                forms::parse_money(&line.unit_price).and_then(|fen| {
                    if fen >= 0 {
                        Ok(fen)
                    } else {
                        Err(ErrorCode::InvalidAmount)
                    }
                }),
            );
            let discount =
                checks.check(&field("discount"), rules::parse_discount_bp(&line.discount));
            if let (Some(product_id), Some(quantity), Some(unit_price_fen), Some(discount_bp)) =
                (product, quantity, price, discount)
            {
                if let Some(before) = accepted.get(&product_id) {
                    if !form.confirm_prices
                        && rules::net_unit_price_fen(unit_price_fen, discount_bp)
                            != rules::net_unit_price_fen(before.unit_price_fen, before.discount_bp)
                    {
                        checks.0.push(forms::FieldError::new(
                            &field("unit_price"),
                            ErrorCode::PriceDiffersFromAccepted {
                                accepted_fen: rules::net_unit_price_fen(
                                    before.unit_price_fen,
                                    before.discount_bp,
                                ),
                                quote: before.quote_number.clone(),
                            },
                        ));
                    }
                }
                lines.push(CheckedLine {
                    product_id,
                    quantity,
                    unit_price_fen,
                    discount_bp,
                });
            }
        }
        if lines.is_empty() && checks.0.is_empty() {
            checks
                .0
                .push(forms::FieldError::new("lines", ErrorCode::Required));
        }
        if lines.len() > MAX_LINES {
            checks.0.push(forms::FieldError::new(
                "lines",
                ErrorCode::OutOfRange {
                    min: 1,
                    max: MAX_LINES as i64,
                },
            ));
        }
        Ok(lines)
    }

    async fn write_lines(
        db: &impl ConnectionTrait,
        quote_id: i64,
        lines: &[CheckedLine],
    ) -> AppResult<i64> {
        quote_line::Entity::delete_many()
            .filter(quote_line::Column::QuoteId.eq(quote_id))
            .exec(db)
            .await?;
        let mut total = 0i64;
        for line in lines {
            let amount_fen =
                rules::line_amount_fen(line.quantity, line.unit_price_fen, line.discount_bp);
            total += amount_fen;
            quote_line::ActiveModel {
                quote_id: Set(quote_id),
                product_id: Set(line.product_id),
                quantity: Set(line.quantity),
                unit_price_fen: Set(line.unit_price_fen),
                discount_bp: Set(i32::from(line.discount_bp)),
                amount_fen: Set(amount_fen),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        Ok(total)
    }

    pub async fn save(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        form: &QuoteForm,
    ) -> AppResult<i64> {
        let now = crate::clock::now();
        let txn = begin_write(db).await?;
        let deal = visible_deal(&txn, actor, form.opportunity_id).await?;
        let mut checks = Checks::default();
        let valid_until =
            checks.check("valid_until", forms::parse_optional_date(&form.valid_until));
        let notes = checks.check("notes", forms::parse_optional_text(&form.notes, 2000));
        if !deal_is_open(&txn, &deal).await? {
            checks.0.push(forms::FieldError::new(
                "opportunity_id",
                ErrorCode::DealClosed,
            ));
        }
        let lines = check_lines(&txn, deal.customer_id, form, &mut checks).await?;
        checks.into_result().map_err(AppError::Validation)?;
        let (valid_until, notes) = (valid_until.flatten(), notes.unwrap_or_default());
        let id = match form.id {
            Some(id) => {
                let (existing, _) = editable_quote(&txn, actor, id).await?;
                if existing.opportunity_id != deal.id
                    || existing.status != QuoteStatus::Draft.as_str()
                {
                    return Err(AppError::field("status", ErrorCode::UnknownChoice));
                }
                let changes = quote::ActiveModel {
                    valid_until: Set(valid_until),
                    notes: Set(notes),
                    ..Default::default()
                };
                update_versioned::<quote::Entity>(
                    &txn,
                    changes,
                    (quote::Column::Id, id),
                    (quote::Column::Version, form.version),
                    "lines",
                )
                .await?;
                id
            }
            None => {
                let created = quote::ActiveModel {
                    opportunity_id: Set(deal.id),
                    customer_id: Set(deal.customer_id),
                    owner_id: Set(deal.owner_id),
                    number: Set(format!(
                        "new-{}",
                        now.timestamp_nanos_opt().unwrap_or_default()
                    )),
                    revision: Set(1),
                    status: Set(QuoteStatus::Draft.as_str().to_string()),
                    valid_until: Set(valid_until),
                    total_fen: Set(0),
                    notes: Set(notes),
                    version: Set(1),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                quote::Entity::update_many()
                    .col_expr(
                        quote::Column::Number,
                        Expr::value(format!("QT{:06}", created.id)),
                    )
                    .filter(quote::Column::Id.eq(created.id))
                    .exec(&txn)
                    .await?;
                created.id
            }
        };
        let total = write_lines(&txn, id, &lines).await?;
        quote::Entity::update_many()
            .col_expr(quote::Column::TotalFen, Expr::value(total))
            .filter(quote::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(id)
    }

    fn summary(quote: &quote::Model, deal_title: &str) -> QuoteSummary {
        QuoteSummary {
            id: quote.id,
            number: quote.number.clone(),
            revision: quote.revision,
            status: quote.status.clone(),
            total_fen: quote.total_fen,
            valid_until: quote.valid_until,
            created_on: crate::clock::local_day(quote.created_at),
            deal_id: quote.opportunity_id,
            deal_title: deal_title.to_string(),
        }
    }

    async fn line_views(
        db: &impl ConnectionTrait,
        quote_ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<QuoteLineView>>> {
        let lines = quote_line::Entity::find()
            .filter(quote_line::Column::QuoteId.is_in(quote_ids.iter().copied()))
            .order_by_asc(quote_line::Column::Id)
            .all(db)
            .await?;
        let products: HashMap<i64, product::Model> = product::Entity::find()
            .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut by_quote: HashMap<i64, Vec<QuoteLineView>> = HashMap::new();
        for line in lines {
            let product = products.get(&line.product_id);
            by_quote
                .entry(line.quote_id)
                .or_default()
                .push(QuoteLineView {
                    product_id: line.product_id,
                    code: product.map(|p| p.code.clone()).unwrap_or_default(),
                    name: product.map(|p| p.name.clone()).unwrap_or_default(),
                    unit: product.map(|p| p.unit.clone()).unwrap_or_default(),
                    quantity: line.quantity,
                    unit_price_fen: line.unit_price_fen,
                    discount_bp: line.discount_bp.clamp(0, 10_000) as u16,
                    amount_fen: line.amount_fen,
                });
        }
        Ok(by_quote)
    }

    fn contract_view(c: contract::Model) -> ContractView {
        ContractView {
            id: c.id,
            number: c.number,
            status: c.status,
            signed_on: c.signed_on,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            amount_fen: c.amount_fen,
            version: c.version,
        }
    }

    pub async fn quote(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<QuoteView> {
        let quote = visible_quote(db, actor, id).await?;
        let deal_title = across_owners::<opportunity::Entity>()
            .filter(opportunity::Column::Id.eq(quote.opportunity_id))
            .one(db)
            .await?
            .map(|d| d.title)
            .unwrap_or_default();
        let revisions = visible::<quote::Entity>(&actor.scope())
            .filter(quote::Column::Number.eq(quote.number.clone()))
            .order_by_desc(quote::Column::Revision)
            .all(db)
            .await?;
        let mut lines = line_views(db, &[quote.id]).await?;
        let contract = visible::<contract::Entity>(&actor.scope())
            .filter(contract::Column::QuoteId.eq(quote.id))
            .one(db)
            .await?
            .map(contract_view);
        Ok(QuoteView {
            summary: summary(&quote, &deal_title),
            version: quote.version,
            notes: quote.notes.clone(),
            customer_id: quote.customer_id,
            customer_name: customer_name(db, quote.customer_id).await?,
            owner_name: crate::auth::names_of(db, [quote.owner_id])
                .await?
                .remove(&quote.owner_id)
                .unwrap_or_default(),
            lines: lines.remove(&quote.id).unwrap_or_default(),
            revisions: revisions.iter().map(|r| summary(r, &deal_title)).collect(),
            contract,
        })
    }

    /// Draft → sent → accepted, rejected or expired. Accepting needs an open deal and sets the
    /// deal's amount and lines from the quote (so the order of the won deal carries them).
    pub async fn set_status(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        id: i64,
        version: i32,
        status: &str,
    ) -> AppResult<i64> {
        let next = QuoteStatus::parse(status)
            .ok_or_else(|| AppError::field("status", ErrorCode::UnknownChoice))?;
        let txn = begin_write(db).await?;
        let quote = visible_quote(&txn, actor, id).await?;
        if quote.version != version {
            return Err(AppError::Conflict);
        }
        let current = QuoteStatus::parse(&quote.status).ok_or(AppError::Internal)?;
        if !rules::quote_status_may_change(current, next) {
            return Err(AppError::field("status", ErrorCode::UnknownChoice));
        }
        let deal = visible_deal(&txn, actor, quote.opportunity_id).await?;
        if next == QuoteStatus::Accepted {
            if !deal_is_open(&txn, &deal).await? {
                return Err(AppError::field("status", ErrorCode::DealClosed));
            }
            let lines = quote_line::Entity::find()
                .filter(quote_line::Column::QuoteId.eq(id))
                .all(&txn)
                .await?;
            opportunity_line::Entity::delete_many()
                .filter(opportunity_line::Column::OpportunityId.eq(deal.id))
                .exec(&txn)
                .await?;
            for line in &lines {
                opportunity_line::ActiveModel {
                    opportunity_id: Set(deal.id),
                    product_id: Set(line.product_id),
                    quantity: Set(line.quantity),
                    unit_price_fen: Set(rules::net_unit_price_fen(
                        line.unit_price_fen,
                        line.discount_bp.clamp(0, 10_000) as u16,
                    )),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            let changes = opportunity::ActiveModel {
                amount_fen: Set(quote.total_fen),
                updated_at: Set(crate::clock::now()),
                ..Default::default()
            };
            update_versioned::<opportunity::Entity>(
                &txn,
                changes,
                (opportunity::Column::Id, deal.id),
                (opportunity::Column::Version, deal.version),
                "status",
            )
            .await?;
            crate::pipeline::service::publish(&txn, deal.id, deal.owner_id, crate::clock::now())
                .await?;
        }
        let changes = quote::ActiveModel {
            status: Set(next.as_str().to_string()),
            ..Default::default()
        };
        update_versioned::<quote::Entity>(
            &txn,
            changes,
            (quote::Column::Id, id),
            (quote::Column::Version, version),
            "status",
        )
        .await?;
        let detail = format!("{}|{}|{}", quote.number, quote.revision, next.as_str());
        crate::customers::record_event(
            &txn,
            quote.customer_id,
            Some(actor.user.id),
            "quote",
            detail,
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn revise(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        id: i64,
        version: i32,
    ) -> AppResult<i64> {
        let now = crate::clock::now();
        let txn = begin_write(db).await?;
        let (quote, deal) = editable_quote(&txn, actor, id).await?;
        if quote.version != version {
            return Err(AppError::Conflict);
        }
        if quote.status == QuoteStatus::Draft.as_str() {
            return Err(AppError::field("status", ErrorCode::UnknownChoice));
        }
        let newest = across_owners::<quote::Entity>()
            .filter(quote::Column::Number.eq(quote.number.clone()))
            .order_by_desc(quote::Column::Revision)
            .one(&txn)
            .await?
            .ok_or(AppError::Internal)?;
        let created = quote::ActiveModel {
            opportunity_id: Set(quote.opportunity_id),
            customer_id: Set(quote.customer_id),
            owner_id: Set(deal.owner_id),
            number: Set(quote.number.clone()),
            revision: Set(newest.revision + 1),
            status: Set(QuoteStatus::Draft.as_str().to_string()),
            valid_until: Set(quote.valid_until),
            total_fen: Set(quote.total_fen),
            notes: Set(quote.notes.clone()),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for line in quote_line::Entity::find()
            .filter(quote_line::Column::QuoteId.eq(id))
            .all(&txn)
            .await?
        {
            quote_line::ActiveModel {
                id: sea_orm::ActiveValue::NotSet,
                quote_id: Set(created.id),
                ..line.into()
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(created.id)
    }

    pub async fn quotes_of_deal(
        db: &impl ConnectionTrait,
        actor: &Actor,
        deal_id: i64,
    ) -> AppResult<Vec<QuoteSummary>> {
        let deal = visible_deal(db, actor, deal_id).await?;
        let quotes = visible::<quote::Entity>(&actor.scope())
            .filter(quote::Column::OpportunityId.eq(deal_id))
            .order_by_desc(quote::Column::CreatedAt)
            .order_by_desc(quote::Column::Id)
            .all(db)
            .await?;
        Ok(quotes.iter().map(|q| summary(q, &deal.title)).collect())
    }

    /// Every quote of a customer the actor may see, newest first, with lines (capped at 100).
    pub async fn quotes_of_customer(
        db: &impl ConnectionTrait,
        actor: &Actor,
        customer_id: i64,
    ) -> AppResult<Vec<CustomerQuote>> {
        let quotes = visible::<quote::Entity>(&actor.scope())
            .filter(quote::Column::CustomerId.eq(customer_id))
            .order_by_desc(quote::Column::CreatedAt)
            .order_by_desc(quote::Column::Id)
            .limit(100)
            .all(db)
            .await?;
        let titles: HashMap<i64, String> = across_owners::<opportunity::Entity>()
            .filter(opportunity::Column::Id.is_in(quotes.iter().map(|q| q.opportunity_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d.title))
            .collect();
        let ids: Vec<i64> = quotes.iter().map(|q| q.id).collect();
        let mut lines = line_views(db, &ids).await?;
        Ok(quotes
            .iter()
            .map(|q| CustomerQuote {
                summary: summary(
                    q,
                    titles
                        .get(&q.opportunity_id)
                        .map(String::as_str)
                        .unwrap_or_default(),
                ),
                lines: lines.remove(&q.id).unwrap_or_default(),
            })
            .collect())
    }

    pub async fn create_contract(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        form: &ContractForm,
    ) -> AppResult<i64> {
        let now = crate::clock::now();
        let mut checks = Checks::default();
        let signed_on = checks
            .check("signed_on", forms::parse_optional_date(&form.signed_on))
            .flatten();
        let starts_on = checks
            .check("starts_on", forms::parse_optional_date(&form.starts_on))
            .flatten();
        let ends_on = checks
            .check("ends_on", forms::parse_optional_date(&form.ends_on))
            .flatten();
        if let (Some(start), Some(end)) = (starts_on, ends_on) {
            if end < start {
                checks
                    .0
                    .push(forms::FieldError::new("ends_on", ErrorCode::InvalidDate));
            }
        }
        checks.into_result().map_err(AppError::Validation)?;
        let txn = begin_write(db).await?;
        let (quote, deal) = editable_quote(&txn, actor, form.quote_id).await?;
        if quote.version != form.quote_version {
            return Err(AppError::Conflict);
        }
        if quote.status != QuoteStatus::Accepted.as_str() {
            return Err(AppError::field("quote_id", ErrorCode::QuoteNotAccepted));
        }
        if across_owners::<contract::Entity>()
            .filter(contract::Column::QuoteId.eq(quote.id))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::field("quote_id", ErrorCode::Taken));
        }
        let status = if signed_on.is_some() {
            ContractStatus::Signed
        } else {
            ContractStatus::Draft
        };
        let created = contract::ActiveModel {
            quote_id: Set(Some(quote.id)),
            opportunity_id: Set(quote.opportunity_id),
            customer_id: Set(quote.customer_id),
            owner_id: Set(deal.owner_id),
            number: Set(format!(
                "new-{}",
                now.timestamp_nanos_opt().unwrap_or_default()
            )),
            signed_on: Set(signed_on),
            starts_on: Set(starts_on),
            ends_on: Set(ends_on),
            amount_fen: Set(quote.total_fen),
            status: Set(status.as_str().to_string()),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let number = format!(
            "HT{}{:05}",
            signed_on.unwrap_or_else(crate::clock::today).format("%Y"),
            created.id
        );
        contract::Entity::update_many()
            .col_expr(contract::Column::Number, Expr::value(number.clone()))
            .filter(contract::Column::Id.eq(created.id))
            .exec(&txn)
            .await?;
        crate::customers::record_event(
            &txn,
            quote.customer_id,
            Some(actor.user.id),
            "contract",
            format!("{number}|{}", quote.total_fen),
        )
        .await?;
        txn.commit().await?;
        Ok(created.id)
    }

    pub async fn set_contract_status(
        db: &(impl ConnectionTrait + TransactionTrait),
        actor: &Actor,
        id: i64,
        version: i32,
        status: &str,
    ) -> AppResult<i64> {
        let next = ContractStatus::parse(status)
            .ok_or_else(|| AppError::field("status", ErrorCode::UnknownChoice))?;
        let txn = begin_write(db).await?;
        let found = visible::<contract::Entity>(&actor.scope())
            .filter(contract::Column::Id.eq(id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        if found.version != version {
            return Err(AppError::Conflict);
        }
        let current = ContractStatus::parse(&found.status).ok_or(AppError::Internal)?;
        if !rules::contract_status_may_change(current, next) {
            return Err(AppError::field("status", ErrorCode::UnknownChoice));
        }
        let mut changes = contract::ActiveModel {
            status: Set(next.as_str().to_string()),
            ..Default::default()
        };
        if next == ContractStatus::Signed && found.signed_on.is_none() {
            changes.signed_on = Set(Some(crate::clock::today()));
        }
        update_versioned::<contract::Entity>(
            &txn,
            changes,
            (contract::Column::Id, id),
            (contract::Column::Version, version),
            "status",
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }
}
