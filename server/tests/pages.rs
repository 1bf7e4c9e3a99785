//! Server-rendered pages: what a browser without JavaScript receives.
mod common;

use common::TestApp;

#[tokio::test]
async fn the_login_page_is_server_rendered_in_chinese_and_loads_the_wasm_bundle() {
    let app = TestApp::demo().await;
    let (status, _, body) = app.client().get("/login", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("<html lang=\"zh-CN\""));
    assert!(body.contains("登录精细"));
    assert!(
        body.contains("/pkg/jingxi.js") && body.contains(".wasm"),
        "hydration scripts missing"
    );
    assert!(body.contains("rel=\"icon\""));
}

#[tokio::test]
async fn the_browser_language_picks_english_when_no_choice_was_made() {
    let app = TestApp::demo().await;
    let (_, _, body) = app
        .client()
        .get("/login", &[("accept-language", "en-US,en;q=0.9")])
        .await;
    assert!(body.contains("<html lang=\"en\"") && body.contains("Sign in to Jingxi"));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_login_page() {
    let app = TestApp::demo().await;
    for path in ["/dashboard", "/customers", "/settings", "/"] {
        let (status, headers, _) = app.client().get(path, &[]).await;
        assert!(status.is_redirection(), "{path}: {status}");
        assert_eq!(headers.get("location").unwrap(), "/login", "{path}");
    }
}

#[tokio::test]
async fn signed_in_pages_render_the_shell_and_honest_empty_states() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let (status, _, body) = manager.get("/dashboard", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("你好，陈志强"));
    assert!(
        body.contains("团队本周") && body.contains("data-testid=\"dashboard-manager\""),
        "the manager's week"
    );
    assert!(
        body.contains("data-testid=\"dash-leaderboard\"") && body.contains("欧阳明月"),
        "team members on this month's ranking without JavaScript"
    );
    assert!(
        body.contains("data-testid=\"dash-funnel\"")
            && body.contains("data-testid=\"dash-alerts\"")
            && body.contains("data-testid=\"trend-table\""),
        "funnel, alerts and the trend's table"
    );
    assert!(
        !body.contains("data-testid=\"dash-abc\""),
        "ABC is the director's"
    );
    assert!(
        !body.contains("href=\"/settings\""),
        "settings link only for admins"
    );
    let (status, _, body) = manager.get("/customers", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("还没有客户") && body.contains("新建客户"),
        "customers page with its empty state"
    );
    let (status, _, body) = manager.get("/pipeline", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("商机看板") && body.contains("暂无商机"),
        "the deal board with empty columns"
    );
    let (status, _, body) = manager.get("/targets", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("data-testid=\"target-grid\"")
            && body.contains("上海一组")
            && body.contains("未设定"),
        "the team's grid without JavaScript, before any plan"
    );
    let (status, _, body) = manager.get("/analytics", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("ABC 分析")
            && body.contains("该期间没有销售")
            && body.contains("累计占比低于 80%"),
        "the ABC page's rule and empty state without JavaScript"
    );
    let (status, _, body) = manager.get("/analytics/reps", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("data-testid=\"leaderboard\"")
            && body.contains("欧阳明月")
            && !body.contains("刘洋"),
        "the team's leaderboard without JavaScript, zeros before any sale"
    );
    let (status, _, body) = manager.get("/analytics/funnel", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("销售漏斗") && body.contains("data-testid=\"funnel-rule\""),
        "the funnel page states its rule without JavaScript"
    );
    let (status, _, body) = manager.get("/analytics/customers", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("客户分析")
            && body.contains("没有客户")
            && body.contains("data-testid=\"group-by\""),
        "the customer analysis page's empty state and its grouping without JavaScript"
    );
    let (status, _, body) = manager.get("/analytics/products", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("产品分析")
            && body.contains("该期间没有产品销售")
            && body.contains("交叉比率 = 毛利率 × 周转率")
            && !body.contains("data-testid=\"stock-panel\""),
        "the product page's rule and empty state; stock is not a manager's to enter"
    );
    let (status, _, body) = manager.get("/analytics/alerts", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("没有需要关注的预警")
            && body.contains("data-testid=\"alert-rules\"")
            && body.contains("近 30 天销售额低于"),
        "the alerts page's empty state and rules without JavaScript"
    );
    let (status, _, body) = manager.get("/fieldwork", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("还没有计划拜访")
            && body.contains("data-testid=\"report-figures\"")
            && body.contains("没有找到可添加的客户"),
        "the manager's own day: no plan, the report's figures, no customers to add"
    );
    let (status, _, body) = manager.get("/fieldwork/team", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("data-testid=\"team-row\"")
            && body.contains("欧阳明月")
            && body.contains("未提交")
            && !body.contains("刘洋"),
        "the team's day without JavaScript, plans missing"
    );
    let (status, _, body) = manager.get("/fieldwork/efficiency", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("data-testid=\"efficiency-table\"")
            && body.contains("data-testid=\"roll-up-table\"")
            && body.contains("外勤天数为有签到的天数"),
        "efficiency with its rules"
    );
}

#[tokio::test]
async fn a_rep_opening_settings_gets_a_forbidden_page() {
    let app = TestApp::demo().await;
    let (status, _, body) = app.signed_in("rep").await.get("/settings", &[]).await;
    assert_eq!(status, 403);
    assert!(body.contains("没有权限"));
    assert!(!body.contains("users-table"));
}

#[tokio::test]
async fn the_admin_sees_users_and_teams_in_settings() {
    let app = TestApp::demo().await;
    let (status, _, body) = app.signed_in("admin").await.get("/settings", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("users-table") && body.contains("欧阳明月") && body.contains("南京组"));
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = TestApp::demo().await;
    let (status, _, body) = app.client().get("/no-such-page", &[]).await;
    assert_eq!(status, 404);
    assert!(body.contains("页面不存在"));
}

/// No inline script runs without the response's nonce: every page's policy names a fresh one
/// and drops `'unsafe-inline'` for scripts, every `<script>` it sends carries it, and what is
/// not a page gets the policy with no nonce at all.
#[tokio::test]
async fn every_inline_script_carries_the_nonce_its_page_policy_names() {
    let app = TestApp::demo().await;
    let manager = app.signed_in("manager").await;
    let mut nonces = Vec::new();
    for (client, path) in [
        (app.client(), "/login"),
        (manager.clone(), "/dashboard"),
        (manager.clone(), "/customers"),
        (manager.clone(), "/pipeline"),
        (manager.clone(), "/nowhere"),
    ] {
        let (_, headers, body) = client.get(path, &[]).await;
        let policy = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no policy"))
            .to_str()
            .unwrap()
            .to_string();
        let scripts = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap()
            .to_string();
        assert!(!scripts.contains("unsafe-inline"), "{path}: {scripts}");
        let nonce = scripts
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {scripts}"))
            .to_string();
        assert!(nonce.len() >= 16, "{path}: {nonce}");
        let tags: Vec<&str> = body
            .split("<script")
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or_default())
            .collect();
        assert!(!tags.is_empty(), "{path} has scripts");
        for tag in tags {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: <script{tag}> without the page's nonce"
            );
        }
        nonces.push(nonce);
    }
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), nonces.len(), "a new nonce for every response");
    let response = manager
        .http
        .post(format!("{}/api/me", manager.base))
        .send()
        .await
        .unwrap();
    let policy = response
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{policy}"
    );
}

/// The policy runs no inline event handler (`onclick="…"` and the like): handlers belong in the
/// app's code (`on:click=…`). A page that wrote one would fail in the browser, not here, so the
/// sources are read for them.
#[test]
fn no_view_writes_an_inline_event_handler() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let handler = line.split_whitespace().any(|word| {
                word.strip_prefix("on").is_some_and(|rest| {
                    rest.split_once("=\"").is_some_and(|(name, _)| {
                        !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase())
                    })
                })
            });
            if handler {
                found.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "inline event handlers, refused by the Content-Security-Policy: {found:#?}"
    );
}
