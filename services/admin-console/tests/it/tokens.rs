//! API tokens: shown once, stored hashed, role-limited (never above the creator, re-checked on
//! every use), expiring, revocable, every use audited.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Browser, TestApp, assert_problem, audit_actions};

#[tokio::test]
async fn an_api_token_is_shown_once_acts_with_its_role_and_every_use_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut b = app.signed_in(&admin).await;
    let resp = b
        .call(
            Method::POST,
            "/v1/api-tokens",
            Some(&json!({"name": "siem", "role": "viewer", "expires_in_days": 30})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let created: serde_json::Value = resp.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("pa_api_") && token.len() == 7 + 64);
    let (_, list) = b.json(Method::GET, "/v1/api-tokens", None).await;
    assert!(list["items"][0].get("token").is_none(), "never shown again");
    assert!(!list.to_string().contains(&token[7..]));
    let mut tool = Browser::with_token(&app.base, &token);
    assert_eq!(tool.get("/v1/users").await.status(), 200);
    assert_problem(
        tool.call(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"sync_interval_secs": 90})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        tool.get("/v1/api-tokens").await,
        403,
        "interactive_session_required",
    )
    .await;
    let used = audit_actions(&app.pool, app.tenant, "api_token.used").await;
    assert_eq!(used.len(), 3);
    assert_eq!(
        (used[0].0.as_str(), used[0].1.as_str()),
        ("api_token", created["id"].as_str().unwrap())
    );
    assert_eq!(used[0].2["route"], "/v1/users");
    // Revoked: refused from the next request on.
    let (s, _) = b
        .json(
            Method::DELETE,
            &format!("/v1/api-tokens/{}", created["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_problem(tool.get("/v1/users").await, 401, "unauthorized").await;
    assert_problem(
        Browser::with_token(&app.base, "pa_api_garbage")
            .get("/v1/users")
            .await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn a_token_never_acts_above_its_creator_and_expires() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let manager = app.person("Mia", Some("manager")).await;
    let mut b = app.signed_in(&admin).await;
    let mut m = app.signed_in(&manager).await;
    assert_problem(
        m.call(
            Method::POST,
            "/v1/api-tokens",
            Some(&json!({"name": "x", "role": "viewer", "expires_in_days": 1})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let (s, v) = b
        .json(
            Method::POST,
            "/v1/api-tokens",
            Some(&json!({"name": "x", "role": "admin", "expires_in_days": 400})),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].as_str()),
        (422, Some("expires_in_days"))
    );
    let (_, created) = b
        .json(
            Method::POST,
            "/v1/api-tokens",
            Some(&json!({"name": "ops", "role": "admin", "expires_in_days": 1})),
        )
        .await;
    let mut tool = Browser::with_token(&app.base, created["token"].as_str().unwrap());
    assert_eq!(
        tool.call(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"sync_interval_secs": 90}))
        )
        .await
        .status(),
        200
    );
    // The creator is demoted by sync: the token is capped at their role at once.
    app.exec(
        "UPDATE directory_users SET role = 'viewer' WHERE tenant_id = $1 AND object_id = $2",
        admin.object_id,
    )
    .await;
    assert_problem(
        tool.call(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"sync_interval_secs": 95})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(tool.get("/v1/users").await.status(), 200);
    // A day later it has expired.
    app.clock.advance(24 * 3600 + 1);
    assert_problem(tool.get("/v1/users").await, 401, "unauthorized").await;
}
