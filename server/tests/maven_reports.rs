//! The Maven CRM data set (`JINGXI_DATA_DIR`) imported into the demo company, then the reports
//! checked against figures worked out here straight from its CSV files: won and lost deals, won
//! value and win rate per agent, won value and deal counts per manager's team, and the company's
//! stage counts. Skips, saying so, where the data set is absent.
mod common;

use app::entities::{team, user};
use common::{data_dir, maven_files, Client, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::collections::BTreeMap;

/// What one agent's or one team's deals add up to, counted from the CSV.
#[derive(Default, Debug, Clone, Copy, PartialEq)]
struct Tally {
    deals: u64,
    prospecting: u64,
    engaging: u64,
    won: u64,
    lost: u64,
    won_cents: i64,
}

/// Rows of a CSV without quoted fields (true of the two Maven files read here), header first.
fn rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .map(|line| line.trim_end_matches('\r').split(',').collect())
        .filter(|row: &Vec<&str>| row.len() > 1)
        .collect()
}

/// Per agent, from `sales_pipeline.csv` (columns: id, agent, product, account, stage, engage, close, value).
fn tally_by_agent(pipeline: &str) -> BTreeMap<String, Tally> {
    let mut by_agent: BTreeMap<String, Tally> = BTreeMap::new();
    for row in rows(pipeline).into_iter().skip(1) {
        let tally = by_agent.entry(row[1].to_string()).or_default();
        tally.deals += 1;
        match row[4] {
            "Prospecting" => tally.prospecting += 1,
            "Engaging" => tally.engaging += 1,
            "Won" => {
                tally.won += 1;
                tally.won_cents += row[7].parse::<i64>().expect("whole dollars") * 100;
            }
            "Lost" => tally.lost += 1,
            other => panic!("unexpected stage {other}"),
        }
    }
    by_agent
}

fn add(a: Tally, b: Tally) -> Tally {
    Tally {
        deals: a.deals + b.deals,
        prospecting: a.prospecting + b.prospecting,
        engaging: a.engaging + b.engaging,
        won: a.won + b.won,
        lost: a.lost + b.lost,
        won_cents: a.won_cents + b.won_cents,
    }
}

/// Dollars as the reports write money: a decimal string with two places.
fn dollars(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// won ÷ (won + lost) as the reports write shares: four places, rounded half up.
fn win_rate(tally: &Tally) -> Value {
    let closed = tally.won + tally.lost;
    if closed == 0 {
        return Value::Null;
    }
    let bp = (tally.won * 20_000 + closed) / (closed * 2);
    Value::String(format!("{}.{:04}", bp / 10_000, bp % 10_000))
}

async fn report(client: &Client, path: &str) -> Value {
    let (status, _, body) = client.get(path, &[("accept", "application/json")]).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn reports_over_the_maven_data_set_match_its_csv() {
    let Some(dir) = data_dir("maven_crm_sales_opportunities") else {
        return;
    };
    let app = TestApp::demo().await;
    let files = maven_files(&dir);
    let imported = app::imports::presets::import_maven_crm(&app.db, &files, true, &|_, _, _| {})
        .await
        .unwrap();
    assert!(imported.committed, "{imported:?}");

    let by_agent = tally_by_agent(&files.sales_pipeline);
    let manager_of: BTreeMap<String, String> = rows(&files.sales_teams)
        .into_iter()
        .skip(1)
        .map(|row| (row[0].to_string(), row[1].to_string()))
        .collect();
    let mut by_manager: BTreeMap<String, Tally> = BTreeMap::new();
    for (agent, tally) in &by_agent {
        let entry = by_manager.entry(manager_of[agent].clone()).or_default();
        *entry = add(*entry, *tally);
    }
    let company = by_agent.values().copied().fold(Tally::default(), add);
    assert_eq!(
        (company.deals, company.won, company.won_cents),
        (8_800, 4_238, 1_000_553_400),
        "the data set as its SOURCE.txt describes it"
    );

    let admin = app.signed_in("admin").await;
    // Every deal closed in 2017; the demo company's records lie years later.
    let reps = report(&admin, "/api/v1/reports/reps?from=2016-10-01&to=2017-12-31").await;
    let rows_by_name: BTreeMap<&str, &Value> = reps["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["name"].as_str().unwrap(), row))
        .collect();
    for (agent, tally) in &by_agent {
        let row = rows_by_name
            .get(agent.as_str())
            .unwrap_or_else(|| panic!("{agent} is on the leaderboard"));
        let seen = (
            row["won"].as_u64().unwrap(),
            row["lost"].as_u64().unwrap(),
            row["won_value"].clone(),
            row["sales"].clone(),
            row["win_rate"].clone(),
        );
        assert_eq!(
            seen,
            (
                tally.won,
                tally.lost,
                Value::String(dollars(tally.won_cents)),
                Value::String(dollars(tally.won_cents)),
                win_rate(tally)
            ),
            "{agent}"
        );
    }
    let total = &reps["total"];
    assert_eq!(
        (
            total["won"].as_u64(),
            total["lost"].as_u64(),
            total["won_value"].as_str()
        ),
        (
            Some(company.won),
            Some(company.lost),
            Some(dollars(company.won_cents).as_str())
        )
    );

    let mut funnel_deals = 0;
    for (manager, tally) in &by_manager {
        let person = user::Entity::find()
            .filter(user::Column::DisplayName.eq(manager.as_str()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let team = team::Entity::find()
            .filter(team::Column::ManagerId.eq(person.id))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let team_reps = report(
            &admin,
            &format!(
                "/api/v1/reports/reps?from=2016-10-01&to=2017-12-31&team={}",
                team.id
            ),
        )
        .await;
        assert_eq!(
            team_reps["total"]["won_value"].as_str(),
            Some(dollars(tally.won_cents).as_str()),
            "won value of {manager}'s team"
        );
        assert_eq!(
            team_reps["total"]["win_rate"],
            win_rate(tally),
            "win rate of {manager}'s team"
        );

        // The funnel's cohort is the deals created in the window: every Maven deal, including
        // the prospecting ones the import dates to the day it ran.
        // A report covers at most ten years: the data set's years, then the import's.
        let mut seen = (0, 0, 0, 0);
        let mut deals_here = 0;
        for (from, to) in [("2016-01-01", "2025-12-31"), ("2026-01-01", "2035-12-31")] {
            let funnel = report(
                &admin,
                &format!(
                    "/api/v1/reports/funnel?from={from}&to={to}&team={}",
                    team.id
                ),
            )
            .await;
            let line = &funnel["total"];
            let first_step = &line["steps"][0];
            let n = |v: &Value| v.as_u64().unwrap_or(0);
            seen = (
                seen.0 + n(&line["deals"]),
                seen.1 + n(&line["won"]),
                seen.2 + n(&first_step["reached"]),
                seen.3 + n(&first_step["advanced"]),
            );
            deals_here += n(&line["deals"]);
        }
        assert_eq!(
            seen,
            (
                tally.deals,
                tally.won,
                tally.deals,
                tally.engaging + tally.won
            ),
            "{manager}'s funnel: deals, won, and past the first stage"
        );
        funnel_deals += deals_here;
    }
    assert_eq!(funnel_deals, company.deals);
    assert_eq!(
        (
            company.prospecting,
            company.engaging,
            company.won,
            company.lost
        ),
        (500, 1_589, 4_238, 2_473),
        "stage counts"
    );
}
