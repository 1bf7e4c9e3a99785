//! The demo company: deterministic, so screenshots, tests and the README stay true.
use crate::auth::hash_password;
use crate::domain::visibility::Role;
use crate::entities::{department, team, user};
use crate::error::{AppError, AppResult};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait, TransactionSession,
    TransactionTrait,
};

pub const DEMO_PASSWORD: &str = "demo1234";

/// (username, name) of each team's manager, then its reps. `manager` and `rep` are the documented
/// demo accounts.
const TEAMS: [(&str, (&str, &str), [(&str, &str); 5]); 3] = [
    (
        "上海一组",
        ("manager", "陈志强"),
        [
            ("rep", "张伟"),
            ("wang.fang", "王芳"),
            ("li.na", "李娜"),
            ("ouyang.mingyue", "欧阳明月"),
            ("zhou.jie", "周杰"),
        ],
    ),
    (
        "杭州组",
        ("liu.yang", "刘洋"),
        [
            ("sun.li", "孙丽"),
            ("wu.gang", "吴刚"),
            ("zheng.shuang", "郑爽"),
            ("huang.lei", "黄磊"),
            ("xu.jing", "徐静"),
        ],
    ),
    (
        "南京组",
        ("zhao.lei", "赵磊"),
        [
            ("ma.chao", "马超"),
            ("hu.ge", "胡歌"),
            ("guo.jing", "郭靖"),
            ("lin.xiaoyu", "林晓雨"),
            ("he.jiong", "何炯"),
        ],
    ),
];

#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    Created,
    /// The database already has users: nothing was changed.
    AlreadyPopulated,
}

pub async fn seed_demo(
    db: &(impl sea_orm::ConnectionTrait + TransactionTrait),
    production: bool,
) -> AppResult<SeedOutcome> {
    if production {
        tracing::warn!("refusing to create demo accounts with a known password in production");
        return Err(AppError::Forbidden);
    }
    let txn = crate::db::begin_write(db).await?;
    if user::Entity::find().count(&txn).await? > 0 {
        return Ok(SeedOutcome::AlreadyPopulated);
    }
    let now = Utc::now();
    // One hash for every demo account: they share the documented password, and argon2 is slow
    // on purpose.
    let hash = hash_password(DEMO_PASSWORD);
    let add_user = |username: &str,
                    name: &str,
                    role: Role,
                    team_id: Option<i64>,
                    department_id: Option<i64>| user::ActiveModel {
        username: Set(username.to_string()),
        display_name: Set(name.to_string()),
        password_hash: Set(hash.clone()),
        role: Set(role.as_str().to_string()),
        team_id: Set(team_id),
        department_id: Set(department_id),
        locale: Set("zh-CN".to_string()),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };

    let department = department::ActiveModel {
        name: Set("华东销售部".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    add_user("admin", "系统管理员", Role::Admin, None, None)
        .insert(&txn)
        .await?;
    add_user(
        "director",
        "王建国",
        Role::Director,
        None,
        Some(department.id),
    )
    .insert(&txn)
    .await?;
    for (team_name, (manager_username, manager_name), reps) in TEAMS {
        let team = team::ActiveModel {
            name: Set(team_name.to_string()),
            department_id: Set(Some(department.id)),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let manager = add_user(
            manager_username,
            manager_name,
            Role::Manager,
            Some(team.id),
            Some(department.id),
        )
        .insert(&txn)
        .await?;
        let mut team: team::ActiveModel = team.into();
        team.manager_id = Set(Some(manager.id));
        team.update(&txn).await?;
        for (username, name) in reps {
            add_user(
                username,
                name,
                Role::Rep,
                Some(manager.team_id.unwrap_or_default()),
                Some(department.id),
            )
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(SeedOutcome::Created)
}

/// What `seed_demo_company` created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCompany {
    pub customers: usize,
    pub deals: usize,
    pub target_plans: usize,
    pub field_sheets: usize,
}

/// The whole demo company in one place: people, customers, deals, targets, ABC classes, field
/// work and stock, then one audit entry saying so (the log starts with how the data got there).
/// `None` when the database already has users (nothing is changed).
pub async fn seed_demo_company(
    db: &(impl sea_orm::ConnectionTrait + TransactionTrait),
    production: bool,
    deals: crate::seed_pipeline::DealPlan,
) -> AppResult<Option<DemoCompany>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    if seed_demo(db, production).await? == SeedOutcome::AlreadyPopulated {
        return Ok(None);
    }
    let today = crate::clock::today();
    let company = DemoCompany {
        customers: crate::seed_customers::seed_demo_customers(db, Utc::now()).await?,
        deals: crate::seed_pipeline::seed_pipeline(db, Utc::now(), deals).await?,
        target_plans: crate::targets::seed_demo_targets(db, today).await?,
        field_sheets: {
            crate::analytics::refresh_customer_classes(db, today).await?;
            crate::seed_fieldwork::seed_demo_field_work(db, today).await?
        },
    };
    crate::analytics::products::seed_demo_stock(db, today).await?;
    let admin = user::Entity::find()
        .filter(user::Column::Username.eq("admin"))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("the demo has no admin"))?;
    let admin = crate::auth::load_actor(db, admin).await?;
    crate::audit::record(
        db,
        &admin,
        crate::audit::Action::DemoLoaded,
        crate::audit::Subject::Import("demo".into()),
        serde_json::Value::Null,
        serde_json::json!({
            "customers": company.customers,
            "deals": company.deals,
            "target_plans": company.target_plans,
            "field_sheets": company.field_sheets,
        }),
    )
    .await?;
    Ok(Some(company))
}
