//! The company's clock decides "today", not the server's: the test process runs in UTC (CI sets
//! `TZ=UTC`), the company is in Shanghai, and the clock is set where the two calendars differ.
//! Its own test binary, since the clock is process-wide.
mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::TestApp;

/// Moves the clock so that it reads `at` now.
fn set_clock(at: chrono::DateTime<Utc>) {
    app::clock::set_offset(at - Utc::now());
}

#[tokio::test]
async fn a_shanghai_day_begins_at_sixteen_hundred_utc_whatever_the_server_zone() {
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
