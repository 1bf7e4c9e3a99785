//! Demo customers for the demo company: deterministic (fixed seed), realistic Chinese company
//! names, contacts and two years of follow-ups, some customers in the lead pool.
use crate::domain::customer::{
    company_name_key, phone_key, search_text, FollowUpKind, Intent, LadderStage,
};
use crate::domain::visibility::Role;
use crate::entities::{contact, customer, customer_event, follow_up, user};
use crate::error::AppResult;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
};
use std::collections::{HashMap, HashSet};

pub const DEMO_CUSTOMERS: usize = 1_500;

/// xorshift64*: tiny, deterministic, good enough for demo data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const CITIES: [(&str, &str); 12] = [
    ("上海", "上海"),
    ("浙江", "杭州"),
    ("江苏", "南京"),
    ("江苏", "苏州"),
    ("江苏", "无锡"),
    ("浙江", "宁波"),
    ("安徽", "合肥"),
    ("江苏", "常州"),
    ("浙江", "嘉兴"),
    ("浙江", "绍兴"),
    ("浙江", "温州"),
    ("江苏", "扬州"),
];
const CORES: [&str; 30] = [
    "华力", "新达", "恒通", "金桥", "远航", "东方", "宏图", "瑞丰", "博远", "鑫源", "天成", "永安",
    "佳美", "联创", "海川", "精工", "中科", "润泽", "祥和", "德胜", "明珠", "长江", "江南", "汇丰",
    "凯达", "星河", "国泰", "富春", "银河", "锦程",
];
const TRADES: [(&str, &str); 12] = [
    ("机电", "机械制造"),
    ("电子", "电子元器件"),
    ("物流", "物流运输"),
    ("建材", "建筑材料"),
    ("化工", "化工"),
    ("食品", "食品饮料"),
    ("医疗器械", "医疗器械"),
    ("软件", "软件与信息服务"),
    ("纺织", "纺织服装"),
    ("汽配", "汽车零部件"),
    ("包装", "包装印刷"),
    ("环保科技", "节能环保"),
];
const FORMS: [&str; 4] = ["有限公司", "股份有限公司", "集团有限公司", "科技有限公司"];
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
    "林", "何", "高", "罗",
];
const TITLES: [&str; 6] = [
    "采购经理",
    "总经理",
    "技术总监",
    "财务主管",
    "设备科长",
    "行政主任",
];
const SOURCES: [&str; 5] = ["referral", "exhibition", "web", "cold_call", "partner"];
const SUMMARIES: [&str; 8] = [
    "拜访采购部，了解今年设备更新计划",
    "电话沟通报价细节，对方关注交货期",
    "演示新产品，技术部门反馈积极",
    "发送报价单，等待内部审批",
    "处理上批货物的质量投诉，已安排换货",
    "催收上季度货款，对方承诺月底前付清",
    "参加行业展会，交换了下半年的采购需求",
    "微信跟进样品测试结果",
];

pub async fn seed_demo_customers(
    db: &(impl sea_orm::ConnectionTrait + TransactionTrait),
    now: DateTime<Utc>,
) -> AppResult<usize> {
    seed_customers(db, now, DEMO_CUSTOMERS, 7).await
}

/// `count` customers with 1 to `max_follow_ups` follow-ups each (the demo: 1,500 and 7; the list
/// benchmark: 100,000 and 19, about a million follow-ups). The same seed gives the same data.
pub async fn seed_customers(
    db: &(impl sea_orm::ConnectionTrait + TransactionTrait),
    now: DateTime<Utc>,
    count: usize,
    max_follow_ups: usize,
) -> AppResult<usize> {
    let txn = crate::db::begin_write(db).await?;
    let reps: Vec<i64> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Rep.as_str()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    // Only into a company without customers, so keys map back unambiguously.
    if reps.is_empty() || customer::Entity::find().one(&txn).await?.is_some() {
        return Ok(0);
    }
    let mut rng = Rng(0x4A49_4E47_5849_2026);
    let mut names = HashSet::new();
    let (mut customers, mut contacts, mut follow_ups, mut events) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Related rows remember their customer's position; the database assigns the ids (so
    // PostgreSQL's sequences stay right), which are mapped back by name key after the insert.
    while customers.len() < count {
        let (province, city) = *rng.pick(&CITIES);
        let core = *rng.pick(&CORES);
        let (trade, industry) = *rng.pick(&TRADES);
        // "环保科技" + "科技有限公司" must not read "环保科技科技有限公司".
        let mut name =
            format!("{city}{core}{trade}{}", rng.pick(&FORMS)).replace("科技科技", "科技");
        if !names.insert(company_name_key(&name)) {
            // Beyond the demo's size the simple names run out: add a second word.
            if count <= DEMO_CUSTOMERS {
                continue;
            }
            name = format!(
                "{city}{core}{}{trade}{}",
                rng.pick(&CORES),
                rng.pick(&FORMS)
            )
            .replace("科技科技", "科技");
            if !names.insert(company_name_key(&name)) {
                continue;
            }
        }
        let id = customers.len();
        let created = now - Duration::days(30 + rng.below(700) as i64);
        // One in six waits in the lead pool; a few owners have let theirs lapse.
        let owner = (rng.below(6) != 0).then(|| *rng.pick(&reps));
        let neglected = owner.is_some() && rng.below(40) == 0;
        let stage = *rng.pick(&[
            LadderStage::Target,
            LadderStage::Potential,
            LadderStage::Potential,
            LadderStage::Prospect,
            LadderStage::Prospect,
            LadderStage::Customer,
            LadderStage::Customer,
            LadderStage::Customer,
            LadderStage::Vip,
            LadderStage::Dormant,
        ]);
        let phone = format!(
            "0{}-{:04}{:04}",
            510 + rng.below(80),
            2000 + rng.below(7999),
            rng.below(9999)
        );
        let mut last_owner_follow_up = None;
        let visits = 1 + rng.below(max_follow_ups);
        for n in 0..visits {
            let age_days = if n + 1 == visits && owner.is_some() {
                if neglected {
                    35 + rng.below(25)
                } else {
                    1 + rng.below(24)
                }
            } else {
                30 + rng.below(690)
            };
            let happened_at = (now - Duration::days(age_days as i64)).max(created);
            let author = owner.unwrap_or_else(|| *rng.pick(&reps));
            let open = n + 1 == visits && owner.is_some() && !neglected;
            if owner == Some(author) {
                last_owner_follow_up = last_owner_follow_up.max(Some(happened_at));
            }
            follow_ups.push((
                id,
                follow_up::ActiveModel {
                    author_id: Set(author),
                    kind: Set(rng.pick(FollowUpKind::ALL).as_str().to_string()),
                    contact_id: Set(None),
                    summary: Set(rng.pick(&SUMMARIES).to_string()),
                    intent: Set(rng.pick(Intent::ALL).as_str().to_string()),
                    next_date: Set(
                        open.then(|| (now + Duration::days(rng.below(10) as i64 - 3)).date_naive())
                    ),
                    next_action: Set(if open {
                        "电话确认报价反馈".to_string()
                    } else {
                        String::new()
                    }),
                    next_done: Set(!open),
                    happened_at: Set(happened_at),
                    ..Default::default()
                },
            ));
        }
        let mut people: Vec<(String, String)> = Vec::new();
        for n in 0..1 + rng.below(2) {
            let person = format!(
                "{}{}",
                rng.pick(&SURNAMES),
                rng.pick(&["伟", "静", "磊", "敏", "强", "丽", "军", "婷", "涛", "燕"])
            );
            let title = rng.pick(&TITLES).to_string();
            let mobile = format!("13{}{:08}", rng.below(10), rng.next_u64() % 100_000_000);
            people.push((person.clone(), mobile.clone()));
            contacts.push((
                id,
                contact::ActiveModel {
                    name: Set(person),
                    title: Set(title),
                    phone: Set(mobile),
                    is_primary: Set(n == 0),
                    created_at: Set(created),
                    ..Default::default()
                },
            ));
        }
        events.push((
            id,
            customer_event::ActiveModel {
                actor_id: Set(owner),
                kind: Set("created".to_string()),
                detail: Set(String::new()),
                at: Set(created),
                ..Default::default()
            },
        ));
        let initials = crate::customers::name_initials(&name);
        customers.push(customer::ActiveModel {
            name_key: Set(company_name_key(&name)),
            name_initials: Set(initials.clone()),
            search_text: Set(search_text(
                &name,
                &format!("{core}{trade}"),
                &initials,
                &phone,
                &people
                    .iter()
                    .map(|(n, p)| (n.as_str(), p.as_str()))
                    .collect::<Vec<_>>(),
            )),
            name: Set(name),
            short_name: Set(format!("{core}{trade}")),
            phone_key: Set(phone_key(&phone)),
            phone: Set(phone),
            tax_id: Set(String::new()),
            tax_key: Set(String::new()),
            province: Set(province.to_string()),
            city: Set(city.to_string()),
            district: Set(String::new()),
            street: Set(format!("{}路{}号", rng.pick(&CORES), 1 + rng.below(999))),
            website: Set(String::new()),
            industry: Set(industry.to_string()),
            source: Set(rng.pick(&SOURCES).to_string()),
            ladder_stage: Set(stage.as_str().to_string()),
            owner_id: Set(owner),
            owned_since: Set(owner.map(|_| created)),
            last_follow_up_at: Set(last_owner_follow_up),
            notes: Set(String::new()),
            version: Set(1),
            created_at: Set(created),
            updated_at: Set(last_owner_follow_up.unwrap_or(created)),
            ..Default::default()
        });
    }
    let count = customers.len();
    let keys: Vec<String> = customers
        .iter()
        .map(|c| c.name_key.clone().unwrap())
        .collect();
    for chunk in customers.chunks(300) {
        customer::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    let ids: HashMap<String, i64> = customer::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.name_key, c.id))
        .collect();
    let id_of = |index: usize| Set(ids[&keys[index]]);
    let contacts: Vec<_> = contacts
        .into_iter()
        .map(|(i, mut row)| {
            row.customer_id = id_of(i);
            row
        })
        .collect();
    let follow_ups: Vec<_> = follow_ups
        .into_iter()
        .map(|(i, mut row)| {
            row.customer_id = id_of(i);
            row
        })
        .collect();
    let events: Vec<_> = events
        .into_iter()
        .map(|(i, mut row)| {
            row.customer_id = id_of(i);
            row
        })
        .collect();
    for chunk in contacts.chunks(500) {
        contact::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in follow_ups.chunks(500) {
        follow_up::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in events.chunks(500) {
        customer_event::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(count)
}
