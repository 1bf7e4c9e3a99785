//! Sign-in, sessions, throttling, CSRF and the first-run page, through the real HTTP stack.
mod common;

use app::domain::forms::ErrorCode;
use app::domain::throttle::MAX_FAILURES_PER_ACCOUNT;
use app::domain::visibility::Role;
use app::error::AppError;
use common::{fields, TestApp};

#[tokio::test]
async fn demo_accounts_sign_in_with_their_roles() {
    let app = TestApp::demo().await;
    for (username, role) in [
        ("admin", Role::Admin),
        ("director", Role::Director),
        ("manager", Role::Manager),
        ("rep", Role::Rep),
    ] {
        let client = app.signed_in(username).await;
        let me = client.me().await.expect("signed in");
        assert_eq!((me.username.as_str(), me.role), (username, role));
    }
    let rep = app.signed_in("rep").await.me().await.unwrap();
    assert_eq!(rep.display_name, "张伟");
    assert_eq!(rep.team_name.as_deref(), Some("上海一组"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_at_the_password_field() {
    let app = TestApp::demo().await;
    let client = app.client();
    let error = client.login("rep", "wrong-password").await.unwrap_err();
    assert_eq!(
        fields(&error),
        [("password".to_string(), ErrorCode::BadCredentials)]
    );
    let error = client.login("nobody", "demo1234").await.unwrap_err();
    assert_eq!(
        fields(&error),
        [("password".to_string(), ErrorCode::BadCredentials)]
    );
    assert_eq!(client.me().await, None);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::demo().await;
    let client = app.client();
    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        assert!(matches!(
            client.login("manager", "guess").await,
            Err(AppError::Validation(_))
        ));
    }
    match client.login("manager", "demo1234").await {
        Err(AppError::RateLimited {
            retry_after_minutes,
        }) => assert!((1..=15).contains(&retry_after_minutes)),
        other => panic!("expected a lockout, got {other:?}"),
    }
    // Other accounts are not locked by one account's failures.
    assert!(client.login("rep", "demo1234").await.is_ok());
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::demo().await;
    let client = app.signed_in("rep").await;
    assert!(client.me().await.is_some());
    client.call::<()>("logout", &[]).await.unwrap();
    assert_eq!(client.me().await, None);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_at_once() {
    let app = TestApp::demo().await;
    let rep = app.signed_in("rep").await;
    let admin = app.signed_in("admin").await;
    let org: app::org::OrgOverview = admin.call("org/overview", &[]).await.unwrap();
    let row = org.users.iter().find(|u| u.username == "rep").unwrap();
    admin
        .call::<()>(
            "org/set_user_active",
            &[
                ("id", &row.id.to_string()),
                ("active", "false"),
                ("version", &row.version.to_string()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        rep.me().await,
        None,
        "the deactivated rep's session must end"
    );
    assert_eq!(
        rep.call::<Vec<app::org::PersonRow>>("org/people", &[])
            .await,
        Err(AppError::Unauthorized)
    );
    let error = app.client().login("rep", "demo1234").await.unwrap_err();
    assert_eq!(
        fields(&error),
        [("password".to_string(), ErrorCode::BadCredentials)]
    );
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = TestApp::demo().await;
    let client = app.client();
    let response = client
        .http
        .post(format!("{}/api/login", client.base))
        .header("origin", "http://evil.example")
        .form(&[("username", "admin"), ("password", "demo1234")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(client.me().await, None);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::demo().await;
    let response = app
        .client()
        .http
        .post(format!("{}/api/login", app.base))
        .form(&[("username", "rep"), ("password", "demo1234")])
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("jx_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with("jx_locale=zh-CN")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn a_fresh_installation_explains_how_to_create_the_first_admin() {
    let app = TestApp::empty().await;
    let client = app.client();
    assert_eq!(client.call::<bool>("first_run", &[]).await, Ok(true));
    let (status, _, body) = client.get("/login", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("jingxi user add --admin"),
        "first-run notice missing"
    );

    let demo = TestApp::demo().await;
    assert_eq!(
        demo.client().call::<bool>("first_run", &[]).await,
        Ok(false)
    );
}

#[tokio::test]
async fn the_language_is_remembered_per_user() {
    let app = TestApp::demo().await;
    let client = app.signed_in("rep").await;
    client
        .call::<()>("set_locale", &[("locale", "en")])
        .await
        .unwrap();
    client.call::<()>("logout", &[]).await.unwrap();

    // A new browser: the sign-in sets the language the rep chose.
    let fresh = app.client();
    let response = fresh
        .http
        .post(format!("{}/api/login", fresh.base))
        .form(&[("username", "rep"), ("password", "demo1234")])
        .send()
        .await
        .unwrap();
    let locale_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("jx_locale="))
        .expect("locale cookie");
    assert!(
        locale_cookie.starts_with("jx_locale=en;"),
        "{locale_cookie}"
    );
    let (_, _, page) = fresh.get("/dashboard", &[]).await;
    assert!(
        page.contains("<html lang=\"en\""),
        "dashboard not in English"
    );
    assert!(page.contains("Dashboard"));
}
