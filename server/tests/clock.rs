//! The company's clock decides "today", not the server's: the test process runs in UTC (CI sets
//! `TZ=UTC`), the company is in Shanghai, and the clock is set where the two calendars differ.
//! Its own test binary, since the clock is process-wide.
mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::TestApp;

/// The clock is process-wide and tests run in parallel: each test that moves it holds this.
static CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Moves the clock so that it reads `at` now.
fn set_clock(at: chrono::DateTime<Utc>) {
    app::clock::set_offset(at - Utc::now());
}

#[tokio::test]
async fn a_shanghai_day_begins_at_sixteen_hundred_utc_whatever_the_server_zone() {
    let _clock = CLOCK.lock().await;
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let utc_day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();

    // 15:30 UTC: still the 1st in Shanghai (23:30).
    set_clock(Utc.from_utc_datetime(&utc_day.and_hms_opt(15, 30, 0).unwrap()));
    let day: app::fieldwork::FieldDay = rep.call("fieldwork/day", &[]).await.unwrap();
    assert_eq!((day.today, day.day), (utc_day, utc_day));

    // 16:30 UTC: the 2nd has begun in Shanghai (00:30), though the server's own calendar says the 1st.
    set_clock(Utc.from_utc_datetime(&utc_day.and_hms_opt(16, 30, 0).unwrap()));
    assert_eq!(
        app::clock::now().date_naive(),
        utc_day,
        "the server's zone (UTC) is still on the 1st"
    );
    let day: app::fieldwork::FieldDay = rep.call("fieldwork/day", &[]).await.unwrap();
    assert_eq!(
        day.today,
        utc_day + Duration::days(1),
        "the company's day decides"
    );
    assert_eq!(
        app::jobs::hour_slot(app::clock::now()),
        "2026-12-02T00",
        "jobs are scheduled by the company's hours"
    );

    // An administrator moves the company to Berlin: the 1st again (17:30).
    let admin = app.signed_in("admin").await;
    assert_eq!(
        admin
            .call::<()>(
                "org/time_zone",
                &[("name", "Mars/Olympus"), ("version", "0")]
            )
            .await
            .map_err(|e| common::fields(&e)),
        Err(vec![(
            "time_zone".to_string(),
            app::domain::forms::ErrorCode::UnknownChoice
        )])
    );
    assert_eq!(
        rep.call::<()>(
            "org/time_zone",
            &[("name", "Europe/Berlin"), ("version", "0")]
        )
        .await,
        Err(app::error::AppError::Forbidden)
    );
    admin
        .call::<()>(
            "org/time_zone",
            &[("name", "Europe/Berlin"), ("version", "0")],
        )
        .await
        .unwrap();
    let day: app::fieldwork::FieldDay = rep.call("fieldwork/day", &[]).await.unwrap();
    assert_eq!(day.today, utc_day);
    admin
        .call::<()>(
            "org/time_zone",
            &[("name", "Asia/Shanghai"), ("version", "1")],
        )
        .await
        .unwrap();
    app::clock::set_offset(Duration::zero());
}

#[tokio::test]
async fn pages_show_the_day_of_a_late_evening_record_in_the_companys_calendar() {
    let _clock = CLOCK.lock().await;
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let utc_day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let shanghai_day = utc_day + Duration::days(1);

    // 16:30 UTC is 00:30 on the 2nd in Shanghai: a rep logging a visit just after midnight.
    set_clock(Utc.from_utc_datetime(&utc_day.and_hms_opt(16, 30, 0).unwrap()));
    let id: i64 = rep
        .call("customers/save", &[("form[name]", "午夜拜访测试客户")])
        .await
        .unwrap();
    let _: i64 = rep
        .call(
            "customers/follow_up",
            &[
                ("form[customer_id]", &id.to_string()),
                ("form[kind]", "visit"),
                ("form[summary]", "零点后补录的拜访"),
                ("form[intent]", "medium"),
                ("form[next_date]", ""),
                ("form[next_action]", ""),
            ],
        )
        .await
        .unwrap();
    let page: app::customers::CustomerPage = rep
        .call("customers/list", &[("q", "午夜拜访测试客户")])
        .await
        .unwrap();
    let detail: app::customers::CustomerDetail = rep
        .call("customers/detail", &[("id", &id.to_string())])
        .await
        .unwrap();
    let admin = app.signed_in("admin").await;
    let org: app::org::OrgOverview = admin.call("org/overview", &[]).await.unwrap();
    let wang = org
        .users
        .iter()
        .find(|u| u.username == "wang.fang")
        .unwrap()
        .id;
    let moved: u64 = admin
        .call(
            "customers/reassign",
            &[("customer_ids", &id.to_string()), ("to", &wang.to_string())],
        )
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let audit: Vec<app::audit::AuditEntry> = admin
        .call(
            "audit/search",
            &[
                ("query[kind]", "customer"),
                ("query[record]", &id.to_string()),
            ],
        )
        .await
        .unwrap();
    app::clock::set_offset(Duration::zero());

    assert!(!audit.is_empty());
    for entry in &audit {
        assert_eq!(
            (entry.at.date_naive(), entry.local_at.date()),
            (utc_day, shanghai_day),
            "the audit log shows the company's time"
        );
    }
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].last_follow_up_on, Some(shanghai_day));
    assert_eq!(detail.created_on, shanghai_day);
    assert!(!detail.timeline.is_empty());
    for entry in &detail.timeline {
        assert_eq!(entry.at.date_naive(), utc_day, "stored in UTC");
        assert_eq!(entry.day, shanghai_day, "shown in the company's calendar");
    }
}
