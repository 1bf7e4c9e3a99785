//! Demo products, deals with their stage history, two years of sales orders with lines and
//! payments, consistent with the seeded customers' ladder stages: VIPs buy monthly, ordinary
//! customers quarterly, dormant ones stopped half a year ago, targets and prospects only have
//! open or lost deals. Deterministic (fixed seed).
use crate::domain::customer::LadderStage;
use crate::domain::pipeline::{
    self as rules, ContractStatus, DeliveryStatus, QuoteStatus, POSITION_STEP,
};
use crate::entities::{
    contract, customer, lost_reason, opportunity, opportunity_line, order_line, payment,
    pipeline_stage, product, quote, quote_line, sales_order, stage_history,
};
use crate::error::AppResult;
use crate::seed_customers::Rng;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// (code prefix, category, unit, names with list price in yuan and margin in percent).
const CATALOGUE: [(&str, &str, &str, [(&str, i64, i64); 5]); 8] = [
    (
        "PLC",
        "控制系统",
        "台",
        [
            ("小型PLC控制器", 3_800, 35),
            ("中型PLC控制器", 12_500, 32),
            ("触摸屏 7寸", 2_200, 40),
            ("触摸屏 10寸", 3_600, 38),
            ("I/O扩展模块", 980, 45),
        ],
    ),
    (
        "SRV",
        "伺服驱动",
        "套",
        [
            ("伺服电机 400W", 2_600, 28),
            ("伺服电机 1kW", 4_800, 27),
            ("伺服驱动器 1kW", 3_900, 30),
            ("步进电机套装", 1_200, 33),
            ("编码器电缆 5m", 260, 50),
        ],
    ),
    (
        "INV",
        "变频器",
        "台",
        [
            ("变频器 2.2kW", 2_100, 26),
            ("变频器 7.5kW", 5_600, 25),
            ("变频器 22kW", 13_800, 24),
            ("制动电阻", 420, 45),
            ("输入电抗器", 880, 40),
        ],
    ),
    (
        "SEN",
        "传感器",
        "个",
        [
            ("光电传感器", 180, 55),
            ("接近开关", 120, 58),
            ("压力变送器", 1_450, 42),
            ("温度变送器", 960, 44),
            ("激光测距传感器", 3_200, 38),
        ],
    ),
    (
        "CAB",
        "电气柜",
        "台",
        [
            ("标准控制柜", 8_800, 22),
            ("防爆控制柜", 26_000, 25),
            ("配电箱", 3_500, 24),
            ("操作台", 6_200, 26),
            ("柜体空调", 4_100, 30),
        ],
    ),
    (
        "SVC",
        "技术服务",
        "次",
        [
            ("现场调试服务", 3_000, 65),
            ("年度维保合同", 18_000, 60),
            ("操作培训", 2_500, 70),
            ("远程诊断服务", 1_200, 75),
            ("系统改造方案设计", 15_000, 68),
        ],
    ),
    (
        "CBL",
        "线缆辅材",
        "卷",
        [
            ("控制电缆 100m", 1_100, 20),
            ("屏蔽电缆 100m", 1_650, 22),
            ("网线 305m", 780, 25),
            ("端子排套装", 320, 40),
            ("线槽 2m×50", 640, 30),
        ],
    ),
    (
        "ROB",
        "机器人",
        "台",
        [
            ("SCARA机器人", 68_000, 22),
            ("六轴机器人 6kg", 128_000, 20),
            ("协作机器人", 158_000, 24),
            ("机器人夹具", 9_800, 35),
            ("视觉定位系统", 36_000, 33),
        ],
    ),
];

const DEAL_KINDS: [&str; 6] = [
    "设备采购",
    "产线改造",
    "年度框架",
    "备件补货",
    "新厂配套",
    "技术升级",
];
const COMPETITORS: [&str; 5] = ["", "西门子代理商", "汇川经销商", "本地集成商", "台达代理商"];
const NEXT_STEPS: [&str; 5] = [
    "约技术交流",
    "发正式报价",
    "安排现场勘察",
    "等待采购审批",
    "确认合同条款",
];

/// How many deals to create besides the ones that stand behind orders.
#[derive(Debug, Clone, Copy)]
pub struct DealPlan {
    pub open: usize,
    pub lost: usize,
    /// Two years of orders for the paying customers (the demo: yes; a board benchmark: no).
    pub history: bool,
}

pub const DEMO_PLAN: DealPlan = DealPlan {
    open: 1_200,
    lost: 600,
    history: true,
};

struct Stages {
    open: Vec<(i64, i32)>,
    won: i64,
    lost: i64,
    pipeline_id: i64,
}

async fn products(
    txn: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Vec<product::Model>> {
    if product::Entity::find().count(txn).await? == 0 {
        let mut rows = Vec::new();
        for (prefix, category, unit, items) in CATALOGUE {
            for (n, (name, price_yuan, margin)) in items.iter().enumerate() {
                let list = price_yuan * 100;
                rows.push(product::ActiveModel {
                    code: Set(format!("{prefix}-{:03}", n + 1)),
                    name: Set(name.to_string()),
                    category: Set(category.to_string()),
                    unit: Set(unit.to_string()),
                    list_price_fen: Set(list),
                    cost_price_fen: Set(list * (100 - margin) / 100),
                    active: Set(true),
                    version: Set(1),
                    created_at: Set(now),
                    ..Default::default()
                });
            }
        }
        product::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(product::Entity::find()
        .order_by_asc(product::Column::Id)
        .all(txn)
        .await?)
}

/// A deal as planned, before the database gives it an id.
struct PlannedDeal {
    row: opportunity::ActiveModel,
    /// (from, to, when) from creation to its current stage.
    steps: Vec<(Option<i64>, i64, DateTime<Utc>)>,
    lines: Vec<(i64, i64, i64)>,
    /// A won deal's order: (ordered on, payments as (received on, fen)).
    order: Option<(NaiveDate, Vec<(NaiveDate, i64)>)>,
}

/// Seeds products and deals for the owned customers of a company without deals yet. Returns the
/// number of deals created.
pub async fn seed_pipeline(
    db: &(impl sea_orm::ConnectionTrait + TransactionTrait),
    now: DateTime<Utc>,
    plan: DealPlan,
) -> AppResult<usize> {
    let txn = crate::db::begin_write(db).await?;
    if crate::auth::scope::across_owners::<opportunity::Entity>()
        .count(&txn)
        .await?
        > 0
    {
        return Ok(0);
    }
    let catalogue = products(&txn, now).await?;
    let stage_rows = pipeline_stage::Entity::find()
        .order_by_asc(pipeline_stage::Column::PipelineId)
        .order_by_asc(pipeline_stage::Column::Position)
        .all(&txn)
        .await?;
    let Some(first) = stage_rows.first() else {
        return Ok(0);
    };
    let stages = Stages {
        pipeline_id: first.pipeline_id,
        open: stage_rows
            .iter()
            .filter(|s| s.pipeline_id == first.pipeline_id && !s.won && !s.lost)
            .map(|s| (s.id, s.stale_after_days.unwrap_or(14)))
            .collect(),
        won: stage_rows
            .iter()
            .find(|s| s.pipeline_id == first.pipeline_id && s.won)
            .map(|s| s.id)
            .unwrap_or_default(),
        lost: stage_rows
            .iter()
            .find(|s| s.pipeline_id == first.pipeline_id && s.lost)
            .map(|s| s.id)
            .unwrap_or_default(),
    };
    let reasons: Vec<i64> = lost_reason::Entity::find()
        .order_by_asc(lost_reason::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let customers: Vec<customer::Model> = crate::auth::scope::across_owners::<customer::Entity>()
        .filter(customer::Column::OwnerId.is_not_null())
        .order_by_asc(customer::Column::Id)
        .all(&txn)
        .await?;
    if customers.is_empty() {
        return Ok(0);
    }
    let mut rng = Rng(0x5049_5045_4C49_4E45);
    let today = now.date_naive();
    let mut deals: Vec<PlannedDeal> = Vec::new();
    let mut repeat_orders: Vec<(usize, NaiveDate, Vec<(i64, i64, i64)>)> = Vec::new();
    let pick_lines = |rng: &mut Rng| -> Vec<(i64, i64, i64)> {
        let category = rng.below(CATALOGUE.len());
        (0..1 + rng.below(3))
            .map(|_| {
                let product = &catalogue[(category * 5 + rng.below(5)).min(catalogue.len() - 1)];
                (
                    product.id,
                    1 + rng.below(8) as i64,
                    product.list_price_fen * (90 + rng.below(11) as i64) / 100,
                )
            })
            .collect()
    };
    let deal_row = |rng: &mut Rng, c: &customer::Model, created: DateTime<Utc>, amount: i64| {
        opportunity::ActiveModel {
            pipeline_id: Set(stages.pipeline_id),
            customer_id: Set(c.id),
            contact_id: Set(None),
            owner_id: Set(c.owner_id.unwrap_or_default()),
            title: Set(format!("{}{}", c.short_name, rng.pick(&DEAL_KINDS))),
            amount_fen: Set(amount),
            currency: Set("CNY".into()),
            source: Set(c.source.clone()),
            next_step: Set(rng.pick(&NEXT_STEPS).to_string()),
            competitor: Set(rng.pick(&COMPETITORS).to_string()),
            won_amount_fen: Set(None),
            closed_on: Set(None),
            lost_reason_id: Set(None),
            lost_note: Set(String::new()),
            version: Set(1),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        }
    };

    // Paying customers: won deals behind their orders (plus repeat orders without a deal).
    if plan.history {
        for (index, c) in customers.iter().enumerate() {
            let every_days = match LadderStage::parse(&c.ladder_stage) {
                Some(LadderStage::Vip) => 30,
                Some(LadderStage::Customer) => 90,
                Some(LadderStage::Dormant) => 120,
                _ => continue,
            };
            let stops = if c.ladder_stage == LadderStage::Dormant.as_str() {
                200
            } else {
                0
            };
            // Dormant customers stopped buying over a year ago, so the company's retention is not
            // 100%. Their later orders are drawn and dropped, which keeps every other customer's
            // random draws as they were.
            let lapsed_after = if stops > 0 {
                365 + (index as i64 % 6) * 20
            } else {
                0
            };
            // Most paying customers have bought since the start of the history; one in four (not the
            // dormant) first bought during it, so every month has some new customers.
            let joined_late = stops == 0 && rng.below(4) == 0;
            let mut day = if joined_late {
                30 + rng.below(660) as i64
            } else {
                730 - rng.below(every_days) as i64
            };
            let mut first = true;
            while day > stops {
                let on = today - Duration::days(day);
                let lines = pick_lines(&mut rng);
                if first || rng.below(3) == 0 {
                    let amount: i64 = lines
                        .iter()
                        .map(|(_, q, p)| rules::line_amount_fen(*q, *p, 0))
                        .sum();
                    let created = (on - Duration::days(20 + rng.below(60) as i64))
                        .and_hms_opt(9, 0, 0)
                        .unwrap_or_default()
                        .and_utc();
                    let mut row = deal_row(&mut rng, c, created, amount);
                    row.expected_close_on = Set(Some(on));
                    row.closed_on = Set(Some(on));
                    row.won_amount_fen = Set(Some(amount));
                    let mut steps = Vec::new();
                    let mut from = None;
                    let span = (on.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc() - created)
                        .num_hours()
                        .max(6);
                    for (n, (stage, _)) in stages.open.iter().enumerate() {
                        steps.push((
                            from,
                            *stage,
                            created
                                + Duration::hours(span * n as i64 / (stages.open.len() as i64 + 1)),
                        ));
                        from = Some(*stage);
                    }
                    steps.push((
                        from,
                        stages.won,
                        on.and_hms_opt(16, 0, 0).unwrap_or_default().and_utc(),
                    ));
                    let payments = payments_for(&mut rng, on, amount, today);
                    if day > lapsed_after {
                        deals.push(PlannedDeal {
                            row,
                            steps,
                            lines,
                            order: Some((on, payments)),
                        });
                    }
                } else if day > lapsed_after {
                    repeat_orders.push((index, on, lines));
                }
                first = false;
                day -= every_days as i64 - 5 + rng.below(10) as i64;
            }
        }
    }

    // Open deals, spread over the open stages (fewer further down the funnel), and lost ones.
    for n in 0..plan.open + plan.lost {
        let c = &customers[rng.below(customers.len())];
        let lines = pick_lines(&mut rng);
        let amount: i64 = lines
            .iter()
            .map(|(_, q, p)| rules::line_amount_fen(*q, *p, 0))
            .sum();
        let lost = n >= plan.open;
        let reached = (rng.below(stages.open.len()) + rng.below(stages.open.len())) / 2;
        // Most deals moved recently; one in six has sat in its stage for weeks (stale on the board).
        let entered_days = if rng.below(6) == 0 {
            15 + rng.below(40)
        } else {
            rng.below(12)
        } as i64;
        let created =
            now - Duration::days(entered_days + 5 + rng.below(60) as i64 + 7 * reached as i64);
        let mut row = deal_row(&mut rng, c, created, amount);
        let mut steps = Vec::new();
        let mut from = None;
        for (step, (stage, _)) in stages.open.iter().enumerate().take(reached + 1) {
            let at = if step == reached {
                now - Duration::days(entered_days) - Duration::hours(rng.below(9) as i64)
            } else {
                created + Duration::days(7 * step as i64)
            };
            steps.push((from, *stage, at));
            from = Some(*stage);
        }
        if lost {
            let on = today - Duration::days(rng.below(300) as i64);
            steps.push((
                from,
                stages.lost,
                on.and_hms_opt(15, 0, 0)
                    .unwrap_or_default()
                    .and_utc()
                    .max(created),
            ));
            row.closed_on = Set(Some(on));
            row.expected_close_on = Set(Some(on));
            row.lost_reason_id = Set(reasons.get(rng.below(reasons.len().max(1))).copied());
        } else {
            row.expected_close_on = Set(Some(today + Duration::days(rng.below(150) as i64 - 25)));
        }
        deals.push(PlannedDeal {
            row,
            steps,
            lines,
            order: None,
        });
    }

    // Positions: each column in creation order, evenly spaced.
    let mut next_position: HashMap<i64, i64> = HashMap::new();
    for deal in &mut deals {
        let (_, stage, entered) = *deal.steps.last().expect("every deal has a stage");
        let position = next_position.entry(stage).or_insert(0);
        *position += POSITION_STEP;
        deal.row.stage_id = Set(stage);
        deal.row.position = Set(*position);
        deal.row.stage_entered_at = Set(entered);
    }
    let count = deals.len();
    for chunk in deals.chunks(400) {
        opportunity::Entity::insert_many(chunk.iter().map(|d| d.row.clone()))
            .exec(&txn)
            .await?;
    }
    // The table was empty and this transaction holds the write lock: ids follow insertion order.
    let ids: Vec<i64> = crate::auth::scope::across_owners::<opportunity::Entity>()
        .select_only()
        .column(opportunity::Column::Id)
        .order_by_asc(opportunity::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut history = Vec::new();
    let mut lines = Vec::new();
    for (deal, id) in deals.iter().zip(&ids) {
        let owner = deal.row.owner_id.clone().unwrap();
        for (from, to, at) in &deal.steps {
            history.push(stage_history::ActiveModel {
                opportunity_id: Set(*id),
                from_stage_id: Set(*from),
                to_stage_id: Set(*to),
                actor_id: Set(Some(owner)),
                at: Set(*at),
                ..Default::default()
            });
        }
        for (product_id, quantity, price) in &deal.lines {
            lines.push(opportunity_line::ActiveModel {
                opportunity_id: Set(*id),
                product_id: Set(*product_id),
                quantity: Set(*quantity),
                unit_price_fen: Set(*price),
                ..Default::default()
            });
        }
    }
    for chunk in history.chunks(500) {
        stage_history::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in lines.chunks(500) {
        opportunity_line::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    seed_quotes(&txn, &deals, &ids, &stages, today).await?;

    // Orders: one per won deal, plus the repeat orders.
    let cost_of: HashMap<i64, i64> = catalogue.iter().map(|p| (p.id, p.cost_price_fen)).collect();
    let mut orders: Vec<(
        i64,
        Option<i64>,
        i64,
        NaiveDate,
        Vec<(i64, i64, i64)>,
        Vec<(NaiveDate, i64)>,
    )> = Vec::new();
    for (deal, id) in deals.iter().zip(&ids) {
        if let Some((on, payments)) = &deal.order {
            orders.push((
                deal.row.customer_id.clone().unwrap(),
                Some(*id),
                deal.row.owner_id.clone().unwrap(),
                *on,
                deal.lines.clone(),
                payments.clone(),
            ));
        }
    }
    for (index, on, order_lines) in repeat_orders {
        let c = &customers[index];
        let amount: i64 = order_lines
            .iter()
            .map(|(_, q, p)| rules::line_amount_fen(*q, *p, 0))
            .sum();
        let payments = payments_for(&mut rng, on, amount, today);
        orders.push((
            c.id,
            None,
            c.owner_id.unwrap_or_default(),
            on,
            order_lines,
            payments,
        ));
    }
    orders.sort_by_key(|o| o.3);
    let mut first_orders: HashMap<i64, NaiveDate> = HashMap::new();
    let order_rows: Vec<sales_order::ActiveModel> = orders
        .iter()
        .enumerate()
        .map(
            |(n, (customer_id, deal_id, owner, on, order_lines, payments))| {
                first_orders
                    .entry(*customer_id)
                    .and_modify(|d| *d = (*d).min(*on))
                    .or_insert(*on);
                let amount: i64 = order_lines
                    .iter()
                    .map(|(_, q, p)| rules::line_amount_fen(*q, *p, 0))
                    .sum();
                let cost: i64 = order_lines
                    .iter()
                    .map(|(p, q, _)| q * cost_of.get(p).copied().unwrap_or(0))
                    .sum();
                let paid: i64 = payments.iter().map(|(_, fen)| fen).sum();
                let delivered = (today - *on).num_days() > 14;
                sales_order::ActiveModel {
                    number: Set(format!("SO{:06}", n + 1)),
                    external_id: Set(None),
                    customer_id: Set(*customer_id),
                    opportunity_id: Set(*deal_id),
                    contract_id: Set(None),
                    owner_id: Set(*owner),
                    ordered_on: Set(*on),
                    amount_fen: Set(amount),
                    cost_fen: Set(cost),
                    paid_fen: Set(paid),
                    delivery_status: Set(if delivered {
                        DeliveryStatus::Delivered
                    } else {
                        DeliveryStatus::Pending
                    }
                    .as_str()
                    .to_string()),
                    version: Set(1),
                    created_at: Set(on.and_hms_opt(10, 0, 0).unwrap_or_default().and_utc()),
                    ..Default::default()
                }
            },
        )
        .collect();
    for chunk in order_rows.chunks(400) {
        sales_order::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    let order_ids: Vec<i64> = crate::auth::scope::across_owners::<sales_order::Entity>()
        .order_by_asc(sales_order::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let (mut line_rows, mut payment_rows) = (Vec::new(), Vec::new());
    for ((customer_id, _, owner, _, order_lines, payments), order_id) in
        orders.iter().zip(&order_ids)
    {
        for (product_id, quantity, price) in order_lines {
            let unit_cost = cost_of.get(product_id).copied().unwrap_or(0);
            line_rows.push(order_line::ActiveModel {
                order_id: Set(*order_id),
                product_id: Set(*product_id),
                quantity: Set(*quantity),
                unit_price_fen: Set(*price),
                unit_cost_fen: Set(unit_cost),
                amount_fen: Set(rules::line_amount_fen(*quantity, *price, 0)),
                cost_fen: Set(quantity * unit_cost),
                ..Default::default()
            });
        }
        for (received_on, fen) in payments {
            payment_rows.push(payment::ActiveModel {
                order_id: Set(*order_id),
                customer_id: Set(*customer_id),
                owner_id: Set(*owner),
                received_on: Set(*received_on),
                amount_fen: Set(*fen),
                method: Set("bank_transfer".into()),
                note: Set(String::new()),
                recorded_by: Set(Some(*owner)),
                created_at: Set(received_on
                    .and_hms_opt(11, 0, 0)
                    .unwrap_or_default()
                    .and_utc()),
                ..Default::default()
            });
        }
    }
    for chunk in line_rows.chunks(500) {
        order_line::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in payment_rows.chunks(500) {
        payment::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for (customer_id, on) in first_orders {
        customer::Entity::update_many()
            .col_expr(
                customer::Column::FirstOrderOn,
                sea_orm::sea_query::Expr::value(on),
            )
            .filter(customer::Column::Id.eq(customer_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(count)
}

/// Older orders are paid in full (in one or two instalments), recent ones partly or not yet.
fn payments_for(
    rng: &mut Rng,
    on: NaiveDate,
    amount: i64,
    today: NaiveDate,
) -> Vec<(NaiveDate, i64)> {
    let age = (today - on).num_days();
    let first = (on + Duration::days(15 + rng.below(30) as i64)).min(today);
    if age > 90 {
        if rng.below(2) == 0 {
            vec![(first, amount)]
        } else {
            let part = amount * 3 / 10;
            vec![
                (first, part),
                ((first + Duration::days(30)).min(today), amount - part),
            ]
        }
    } else if age > 30 && rng.below(2) == 0 {
        vec![(first, amount * 3 / 10)]
    } else {
        Vec::new()
    }
}

/// Quotes as a sales team leaves them: every won deal has the quote the customer accepted (every
/// third also a signed contract), deals from the proposal stage on carry a sent quote (some on
/// their second revision), and lost deals that got that far a rejected one.
async fn seed_quotes(
    db: &impl sea_orm::ConnectionTrait,
    deals: &[PlannedDeal],
    ids: &[i64],
    stages: &Stages,
    today: NaiveDate,
) -> AppResult<()> {
    let proposal = stages.open.len().saturating_sub(2);
    let mut planned: Vec<(usize, i32, QuoteStatus, DateTime<Utc>)> = Vec::new();
    for (index, deal) in deals.iter().enumerate() {
        let furthest = deal
            .steps
            .iter()
            .filter_map(|(_, to, _)| stages.open.iter().position(|(id, _)| id == to))
            .max()
            .unwrap_or(0);
        let (_, current, entered) = *deal.steps.last().expect("every deal has a stage");
        let quoted_at = deal
            .steps
            .iter()
            .find(|(_, to, _)| stages.open.get(proposal).is_some_and(|(id, _)| id == to))
            .map(|(_, _, at)| *at)
            .unwrap_or(entered);
        if current == stages.won {
            planned.push((index, 1, QuoteStatus::Accepted, quoted_at));
        } else if furthest >= proposal {
            let status = if current == stages.lost {
                QuoteStatus::Rejected
            } else {
                QuoteStatus::Sent
            };
            if index % 4 == 0 {
                planned.push((index, 1, QuoteStatus::Sent, quoted_at));
                planned.push((index, 2, status, quoted_at + Duration::days(5)));
            } else {
                planned.push((index, 1, status, quoted_at));
            }
        }
    }
    let mut number_of: HashMap<usize, String> = HashMap::new();
    let rows: Vec<quote::ActiveModel> = planned
        .iter()
        .map(|(index, revision, status, at)| {
            let next = number_of.len() + 1;
            let number = number_of
                .entry(*index)
                .or_insert_with(|| format!("QT{next:06}"))
                .clone();
            let deal = &deals[*index];
            quote::ActiveModel {
                opportunity_id: Set(ids[*index]),
                customer_id: deal.row.customer_id.clone(),
                owner_id: deal.row.owner_id.clone(),
                number: Set(number),
                revision: Set(*revision),
                status: Set(status.as_str().to_string()),
                valid_until: Set(Some(at.date_naive() + Duration::days(30))),
                total_fen: Set(deal
                    .lines
                    .iter()
                    .map(|(_, q, p)| rules::line_amount_fen(*q, *p, 0))
                    .sum()),
                notes: Set(String::new()),
                version: Set(1),
                created_at: Set(*at),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(400) {
        quote::Entity::insert_many(chunk.to_vec()).exec(db).await?;
    }
    // The quotes table was empty and the transaction holds the write lock: ids follow insertion order.
    let quote_ids: Vec<i64> = crate::auth::scope::across_owners::<quote::Entity>()
        .select_only()
        .column(quote::Column::Id)
        .order_by_asc(quote::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut lines = Vec::new();
    let mut contracts = Vec::new();
    for ((index, _, status, at), quote_id) in planned.iter().zip(&quote_ids) {
        let deal = &deals[*index];
        for (product_id, quantity, price) in &deal.lines {
            lines.push(quote_line::ActiveModel {
                quote_id: Set(*quote_id),
                product_id: Set(*product_id),
                quantity: Set(*quantity),
                unit_price_fen: Set(*price),
                discount_bp: Set(0),
                amount_fen: Set(rules::line_amount_fen(*quantity, *price, 0)),
                ..Default::default()
            });
        }
        if *status == QuoteStatus::Accepted && index % 3 == 0 {
            let signed = deal
                .order
                .as_ref()
                .map(|(on, _)| *on)
                .unwrap_or_else(|| at.date_naive())
                - Duration::days(3);
            let ends = signed + Duration::days(365);
            contracts.push(contract::ActiveModel {
                quote_id: Set(Some(*quote_id)),
                opportunity_id: Set(ids[*index]),
                customer_id: deal.row.customer_id.clone(),
                owner_id: deal.row.owner_id.clone(),
                number: Set(format!(
                    "HT{}{:05}",
                    signed.format("%Y"),
                    contracts.len() + 1
                )),
                signed_on: Set(Some(signed)),
                starts_on: Set(Some(signed + Duration::days(3))),
                ends_on: Set(Some(ends)),
                amount_fen: Set(deal
                    .lines
                    .iter()
                    .map(|(_, q, p)| rules::line_amount_fen(*q, *p, 0))
                    .sum()),
                status: Set(if ends < today {
                    ContractStatus::Ended
                } else {
                    ContractStatus::Active
                }
                .as_str()
                .to_string()),
                version: Set(1),
                created_at: Set(signed.and_hms_opt(10, 0, 0).unwrap_or_default().and_utc()),
                ..Default::default()
            });
        }
    }
    for chunk in lines.chunks(500) {
        quote_line::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    for chunk in contracts.chunks(400) {
        contract::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}
