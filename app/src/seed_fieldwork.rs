//! Demo field work for the last two months: each rep plans three to five visits every working
//! day, their manager approves, most visits are checked in (some with a location), costs are
//! recorded and the evening report is submitted (now and then late) and signed off. Today's
//! plans are submitted and wait for the manager; today's reports are not written yet. Demo
//! customers also get coordinates near their city, so the suggested order has a route to follow.
use crate::auth::scope::across_owners;
use crate::clock::start_of_day;
use crate::domain::fieldwork::{Attendance, ExpenseKind, SheetKind, SheetStatus, VisitPurpose};
use crate::domain::visibility::Role;
use crate::entities::{check_in, customer, day_sheet, field_expense, team, user, visit_stop};
use crate::error::AppResult;
use crate::fieldwork::new_sheet;
use crate::seed_customers::Rng;
use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// City centres (latitude, longitude) of the demo's cities.
const CENTRES: [(&str, f64, f64); 12] = [
    ("上海", 31.2304, 121.4737),
    ("杭州", 30.2741, 120.1551),
    ("南京", 32.0603, 118.7969),
    ("苏州", 31.2990, 120.5853),
    ("无锡", 31.4912, 120.3119),
    ("宁波", 29.8683, 121.5440),
    ("合肥", 31.8206, 117.2272),
    ("常州", 31.8107, 119.9741),
    ("嘉兴", 30.7522, 120.7585),
    ("绍兴", 29.9958, 120.5861),
    ("温州", 27.9943, 120.6994),
    ("扬州", 32.3932, 119.4129),
];
const SLOTS: [&str; 5] = [
    "09:00-10:00",
    "10:30-11:30",
    "13:30-14:30",
    "15:00-16:00",
    "16:30-17:30",
];
const COMPETITION: [&str; 4] = [
    "",
    "汇川经销商报价低 8%，交期两周",
    "西门子代理商在做年度框架",
    "本地集成商推出免费调试",
];
const FEEDBACK: [&str; 4] = [
    "",
    "客户计划下季度扩产",
    "采购负责人下月调岗",
    "对交期满意，希望增加备件库存",
];
const LESSONS: [&str; 3] = [
    "",
    "先约技术负责人再见采购，效率更高",
    "报价前先确认预算周期",
];

pub async fn seed_demo_field_work(
    db: &(impl sea_orm::ConnectionTrait + TransactionTrait),
    today: NaiveDate,
) -> AppResult<usize> {
    let txn = crate::db::begin_write(db).await?;
    if day_sheet::Entity::find().count(&txn).await? > 0 {
        return Ok(0);
    }
    let mut rng = Rng(0x5EED_F1E1D);
    let centres: HashMap<&str, (f64, f64)> = CENTRES
        .iter()
        .map(|(city, lat, lon)| (*city, (*lat, *lon)))
        .collect();
    let customers = across_owners::<customer::Entity>()
        .filter(customer::Column::LatitudeE6.is_null())
        .order_by_asc(customer::Column::Id)
        .all(&txn)
        .await?;
    let mut by_owner: HashMap<i64, Vec<i64>> = HashMap::new();
    for c in customers {
        if let Some(owner) = c.owner_id {
            by_owner.entry(owner).or_default().push(c.id);
        }
        if let Some((lat, lon)) = centres.get(c.city.as_str()) {
            let offset = |rng: &mut Rng| (rng.below(16_001) as i64 - 8_000) * 10;
            let mut row: customer::ActiveModel = c.into();
            row.latitude_e6 = Set(Some((lat * 1e6) as i64 + offset(&mut rng)));
            row.longitude_e6 = Set(Some((lon * 1e6) as i64 + offset(&mut rng)));
            row.update(&txn).await?;
        }
    }
    let managers: HashMap<i64, i64> = team::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|t| Some((t.id, t.manager_id?)))
        .collect();
    let reps: Vec<user::Model> = across_owners::<user::Entity>()
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .filter(|u| u.role() == Role::Rep)
        .collect();
    let mut sheets = 0;
    for rep in &reps {
        let Some(manager) = rep.team_id.and_then(|t| managers.get(&t)).copied() else {
            continue;
        };
        let Some(own) = by_owner.get(&rep.id).filter(|c| c.len() >= 5) else {
            continue;
        };
        let first = today - Duration::days(61);
        for day in first.iter_days().take_while(|d| *d <= today) {
            // Reps rest at weekends, but today always has a submitted plan: the demo (and the
            // browser test that checks in at its first stop) must not depend on the weekday.
            if day.weekday().number_from_monday() > 5 && day != today {
                continue;
            }
            let at = |minutes: i64| start_of_day(day) + Duration::minutes(minutes);
            let is_today = day == today;
            let sheet =
                |kind: SheetKind,
                 status: SheetStatus,
                 submitted: i64,
                 reviewed: Option<(i64, &str)>| day_sheet::ActiveModel {
                    version: Set(2),
                    submitted_at: Set(Some(at(submitted))),
                    reviewed_by: Set(reviewed.map(|_| manager)),
                    reviewed_at: Set(reviewed.map(|(m, _)| at(m))),
                    review_comment: Set(reviewed.map(|(_, c)| c.to_string()).unwrap_or_default()),
                    created_at: Set(at(submitted - 20)),
                    ..new_sheet(kind, rep.id, day, status, at(submitted))
                };
            let review = if is_today {
                None
            } else {
                Some((
                    9 * 60 + 5 + rng.below(40) as i64,
                    *rng.pick(&["", "", "注意回款", "重点跟进大客户"]),
                ))
            };
            let mut plan = sheet(
                SheetKind::Plan,
                if is_today {
                    SheetStatus::Submitted
                } else {
                    SheetStatus::Approved
                },
                8 * 60 + 30 + rng.below(30) as i64,
                review,
            );
            plan.area = Set("市区".into());
            let plan = plan.insert(&txn).await?;
            sheets += 1;
            let count = 3 + rng.below(3);
            let mut chosen: Vec<i64> = Vec::new();
            while chosen.len() < count {
                let id = *rng.pick(own);
                if !chosen.contains(&id) {
                    chosen.push(id);
                }
            }
            for (index, customer_id) in chosen.iter().enumerate() {
                let purpose = *rng.pick(&[
                    VisitPurpose::Service,
                    VisitPurpose::TakeOrder,
                    VisitPurpose::Develop,
                    VisitPurpose::Collection,
                    VisitPurpose::Research,
                    VisitPurpose::Complaint,
                ]);
                let stop = visit_stop::ActiveModel {
                    sheet_id: Set(plan.id),
                    customer_id: Set(*customer_id),
                    position: Set(index as i32 + 1),
                    time_slot: Set(SLOTS[index].to_string()),
                    purpose: Set(purpose.as_str().into()),
                    note: Set(String::new()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                if is_today || rng.below(10) < 2 {
                    continue;
                }
                let located = rng.below(2) == 0;
                check_in::ActiveModel {
                    owner_id: Set(rep.id),
                    customer_id: Set(*customer_id),
                    stop_id: Set(Some(stop.id)),
                    day: Set(day),
                    at: Set(at(9 * 60 + 90 * index as i64 + rng.below(30) as i64)),
                    latitude_e6: Set(located.then_some(31_230_400 + rng.below(10_000) as i64)),
                    longitude_e6: Set(located.then_some(121_473_700 + rng.below(10_000) as i64)),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            if is_today {
                continue;
            }
            if rng.below(5) == 0 {
                check_in::ActiveModel {
                    owner_id: Set(rep.id),
                    customer_id: Set(*rng.pick(own)),
                    stop_id: Set(None),
                    day: Set(day),
                    at: Set(at(17 * 60)),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            let expense = |kind: ExpenseKind, fen: i64| field_expense::ActiveModel {
                owner_id: Set(rep.id),
                day: Set(day),
                customer_id: Set(None),
                kind: Set(kind.as_str().into()),
                amount_fen: Set(fen),
                note: Set(String::new()),
                created_at: Set(at(18 * 60)),
                ..Default::default()
            };
            expense(ExpenseKind::Travel, (30 + rng.below(90) as i64) * 100)
                .insert(&txn)
                .await?;
            if rng.below(3) == 0 {
                expense(ExpenseKind::Meal, (40 + rng.below(80) as i64) * 100)
                    .insert(&txn)
                    .await?;
            }
            // Reports come in between 17:30 and 19:50; those after the 19:00 default are late.
            let submitted = 17 * 60 + 30 + rng.below(140) as i64;
            let mut report = sheet(
                SheetKind::Report,
                SheetStatus::Approved,
                submitted,
                Some((24 * 60 + 8 * 60 + 40 + rng.below(60) as i64, "")),
            );
            report.attendance = Set(if rng.below(20) == 0 {
                Attendance::HalfDay
            } else {
                Attendance::Present
            }
            .as_str()
            .into());
            report.competitors = Set(rng.pick(&COMPETITION).to_string());
            report.feedback = Set(rng.pick(&FEEDBACK).to_string());
            report.lessons = Set(rng.pick(&LESSONS).to_string());
            report.insert(&txn).await?;
            sheets += 1;
        }
    }
    txn.commit().await?;
    Ok(sheets)
}
