//! The customer ladder's rules through the real HTTP stack: suggestions with the fact behind them,
//! one-click confirmation by a manager (and the denials), the rules an administrator edits, new
//! and old customers, and the reason kept with a hand-made stage change.
mod common;

use app::customers::ladder::LadderSuggestions;
use app::customers::{CustomerDetail, TimelineKind};
use app::domain::customer::{LadderReason, LadderStage, StageChange};
use app::domain::events::CustomerEvent;
use app::domain::forms::ErrorCode;
use app::error::AppError;
use app::pipeline::{Board, Card};
use common::{fields, Client, TestApp};

async fn detail(client: &Client, id: i64) -> CustomerDetail {
    client
        .call("customers/detail", &[("id", &id.to_string())])
        .await
        .unwrap()
}

async fn suggestions(client: &Client) -> Result<LadderSuggestions, AppError> {
    client.call("customers/ladder_suggestions", &[]).await
}

async fn confirm(client: &Client, choices: &str) -> Result<u64, AppError> {
    client
        .call("customers/ladder_confirm", &[("choices", choices)])
        .await
}

async fn save_rules(
    client: &Client,
    version: i32,
    vip: &str,
    dormant: &str,
    new_months: &str,
) -> Result<(), AppError> {
    let version = version.to_string();
    let form = [
        ("form[version]", version.as_str()),
        ("form[vip_threshold]", vip),
        ("form[dormant_after_months]", dormant),
        ("form[new_customer_months]", new_months),
    ];
    client.call("customers/ladder_rules_save", &form).await
}

/// A prospect of `rep` with one deal won today for ¥12,345.67.
async fn prospect_with_a_won_deal(rep: &Client, name: &str) -> i64 {
    let customer: i64 = rep
        .call(
            "customers/save",
            &[("form[name]", name), ("form[stage]", "prospect")],
        )
        .await
        .unwrap();
    let deal = [
        ("form[customer_id]", customer.to_string()),
        ("form[title]", "首单".into()),
        ("form[amount]", "12345.67".into()),
        ("form[expected_close_on]", "2026-12-31".into()),
        ("form[owner_id]", String::new()),
        ("form[version]", "0".into()),
    ];
    let deal: Vec<(&str, &str)> = deal.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let deal_id: i64 = rep.call("pipeline/save", &deal).await.unwrap();
    let board: Board = rep.call("pipeline/board", &[]).await.unwrap();
    let card: &Card = board
        .columns
        .iter()
        .flat_map(|c| &c.cards)
        .find(|c| c.id == deal_id)
        .unwrap();
    let won = board.columns.iter().find(|c| c.stage.won).unwrap().stage.id;
    let request = [
        ("request[id]", card.id.to_string()),
        ("request[version]", card.version.to_string()),
        ("request[to_stage_id]", won.to_string()),
        ("request[won_amount]", "12345.67".into()),
    ];
    let request: Vec<(&str, &str)> = request.iter().map(|(k, v)| (*k, v.as_str())).collect();
    rep.call::<Card>("pipeline/move", &request).await.unwrap();
    customer
}

#[tokio::test]
async fn a_first_order_is_suggested_with_its_date_and_a_manager_confirms_it_once() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let manager = app.signed_in("manager").await;
    let customer = prospect_with_a_won_deal(&rep, "杭州新锐包装材料有限公司").await;
    let today = app::clock::today();

    let listed = suggestions(&manager).await.unwrap();
    let row = listed
        .rows
        .iter()
        .find(|r| r.customer_id == customer)
        .expect("the manager sees the suggestion");
    assert_eq!(
        (row.current, row.suggestion.stage),
        (LadderStage::Prospect, LadderStage::Customer)
    );
    assert_eq!(row.suggestion.reason, LadderReason::FirstOrder(today));
    assert_eq!(
        detail(&manager, customer).await.is_new,
        Some(true),
        "a first order today makes a new customer"
    );

    // Denied: a rep neither lists nor confirms; a manager of another team does not see the customer.
    assert_eq!(suggestions(&rep).await, Err(AppError::Forbidden));
    assert_eq!(
        confirm(&rep, &format!("{customer}:customer")).await,
        Err(AppError::Forbidden)
    );
    let other_manager = app.signed_in("liu.yang").await;
    assert!(suggestions(&other_manager)
        .await
        .unwrap()
        .rows
        .iter()
        .all(|r| r.customer_id != customer));
    assert_eq!(
        confirm(&other_manager, &format!("{customer}:customer")).await,
        Err(AppError::Conflict),
        "nothing it may change was applied"
    );
    assert_eq!(
        app.client()
            .call::<LadderSuggestions>("customers/ladder_suggestions", &[])
            .await,
        Err(AppError::Unauthorized)
    );
    assert_eq!(
        fields(&confirm(&manager, "12:nowhere").await.unwrap_err()),
        vec![("choices".into(), ErrorCode::UnknownChoice)]
    );

    // A choice the rules no longer make is not applied; the one they make is, with its reason.
    assert_eq!(
        confirm(&manager, &format!("{customer}:vip")).await,
        Err(AppError::Conflict)
    );
    assert_eq!(
        confirm(&manager, &format!("{customer}:customer")).await,
        Ok(1)
    );
    let after = detail(&rep, customer).await;
    assert_eq!(after.stage, LadderStage::Customer);
    let event = after
        .timeline
        .iter()
        .find(|e| matches!(e.kind, TimelineKind::Event(CustomerEvent::Stage(_))))
        .unwrap();
    let TimelineKind::Event(CustomerEvent::Stage(change)) = &event.kind else {
        unreachable!("found as a stage change")
    };
    assert_eq!(
        *change,
        StageChange {
            from: LadderStage::Prospect,
            to: LadderStage::Customer,
            reason: Some(LadderReason::FirstOrder(today))
        }
    );
    assert!(event.actor_name.is_some(), "who confirmed it is kept");
    assert_eq!(
        confirm(&manager, &format!("{customer}:customer")).await,
        Err(AppError::Conflict),
        "confirmed once only"
    );
    assert!(suggestions(&manager)
        .await
        .unwrap()
        .rows
        .iter()
        .all(|r| r.customer_id != customer));
}

#[tokio::test]
async fn administrators_set_the_rules_and_the_suggestions_follow_them() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let admin = app.signed_in("admin").await;
    let customer = prospect_with_a_won_deal(&rep, "苏州恒信精密模具有限公司").await;

    let rules = suggestions(&admin).await.unwrap();
    assert!(rules.can_edit_rules);
    assert_eq!(rules.rules_version, 0, "never saved: the defaults");
    let manager = app.signed_in("manager").await;
    assert!(!suggestions(&manager).await.unwrap().can_edit_rules);
    assert_eq!(
        save_rules(&manager, 0, "10000", "6", "12").await,
        Err(AppError::Forbidden)
    );

    let refused = save_rules(&admin, 0, "-5", "0", "abc").await.unwrap_err();
    assert_eq!(
        fields(&refused),
        vec![
            ("vip_threshold".into(), ErrorCode::InvalidAmount),
            (
                "dormant_after_months".into(),
                ErrorCode::OutOfRange { min: 1, max: 120 }
            ),
            (
                "new_customer_months".into(),
                ErrorCode::OutOfRange { min: 1, max: 120 }
            ),
        ]
    );
    assert_eq!(
        suggestions(&admin).await.unwrap().rules_version,
        0,
        "nothing was saved"
    );

    save_rules(&admin, 0, "10,000", "6", "12").await.unwrap();
    assert_eq!(
        save_rules(&admin, 0, "20000", "6", "12").await,
        Err(AppError::Conflict),
        "a stale version does not overwrite"
    );
    let listed = suggestions(&admin).await.unwrap();
    assert_eq!(
        (listed.rules.vip_threshold_fen, listed.rules_version),
        (1_000_000, 1)
    );
    let row = listed
        .rows
        .iter()
        .find(|r| r.customer_id == customer)
        .unwrap();
    assert_eq!(
        row.suggestion.stage,
        LadderStage::Vip,
        "¥12,345.67 in 12 months is above a ¥10,000 threshold"
    );
    assert_eq!(
        row.suggestion.reason,
        LadderReason::TrailingSales(1_234_567)
    );
}

#[tokio::test]
async fn a_stage_changed_by_hand_keeps_its_reason() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let id: i64 = rep
        .call("customers/save", &[("form[name]", "无锡长江电缆有限公司")])
        .await
        .unwrap();
    let version = detail(&rep, id).await.version.to_string();
    let edit = [
        ("form[id]", id.to_string()),
        ("form[version]", version),
        ("form[name]", "无锡长江电缆有限公司".into()),
        ("form[stage]", "lost".into()),
        ("form[stage_reason]", "改用竞争对手的产品".into()),
    ];
    let edit: Vec<(&str, &str)> = edit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    rep.call::<i64>("customers/save", &edit).await.unwrap();
    let after = detail(&rep, id).await;
    assert_eq!(after.is_new, None, "no order yet: neither new nor old");
    let change = after
        .timeline
        .iter()
        .find_map(|e| match &e.kind {
            TimelineKind::Event(CustomerEvent::Stage(change)) => Some(change.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        change.reason,
        Some(LadderReason::Note("改用竞争对手的产品".into()))
    );
}
