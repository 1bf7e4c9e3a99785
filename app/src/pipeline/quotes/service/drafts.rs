//! The quote editor: a new draft or an open one, its lines checked against accepted prices.
use super::*;

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
        let discount = checks.check(&field("discount"), rules::parse_discount_bp(&line.discount));
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
    let valid_until = checks.check("valid_until", forms::parse_optional_date(&form.valid_until));
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
            if existing.opportunity_id != deal.id || existing.status != QuoteStatus::Draft.as_str()
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
