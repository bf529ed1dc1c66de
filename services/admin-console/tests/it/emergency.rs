//! Emergency access: created by Admins, secret + TOTP, a short session marked in the audit trail,
//! an alert event, replay and brute-force protection, revocation.

use admin_console::domain::totp;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, assert_problem, audit_actions};

fn decode_base32(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

#[tokio::test]
async fn a_break_glass_account_signs_in_with_secret_and_totp_once_per_code_and_is_flagged() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut b = app.signed_in(&admin).await;
    let resp = b
        .call(
            Method::POST,
            "/v1/emergency-accounts",
            Some(&json!({"name": "break-glass-1"})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let account: Value = resp.json().await.unwrap();
    let seed = decode_base32(account["totp_secret"].as_str().unwrap());
    assert!(
        account["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let (_, list) = b.json(Method::GET, "/v1/emergency-accounts", None).await;
    assert!(list["items"][0].get("secret").is_none());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = totp::code_at_step(&seed, now / 30);
    let body = json!({"tenant_id": app.tenant, "account_id": account["id"], "secret": account["secret"], "code": code});
    let mut glass = Browser::new(&app.base);
    let (s, session) = glass
        .json(Method::POST, "/auth/emergency", Some(&body))
        .await;
    assert_eq!(s, 200, "{session}");
    glass.csrf = session["csrf_token"].as_str().map(str::to_owned);
    let (_, me) = glass.json(Method::GET, "/v1/session", None).await;
    assert_eq!(
        (me["kind"].as_str(), me["role"].as_str()),
        (Some("emergency"), Some("admin"))
    );
    // It can act as an Admin, attributed to the account.
    let (s, _) = glass
        .json(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"sync_interval_secs": 300})),
        )
        .await;
    assert_eq!(s, 200);
    let changed = audit_actions(&app.pool, app.tenant, "settings.changed").await;
    assert_eq!(
        (changed[0].0.as_str(), changed[0].1.as_str()),
        ("emergency_access", account["id"].as_str().unwrap())
    );
    let used = audit_actions(&app.pool, app.tenant, "emergency_access.used").await;
    assert_eq!(used[0].2["emergency"], true);
    // The same code twice: refused (replay).
    assert_problem(
        Browser::new(&app.base)
            .call(Method::POST, "/auth/emergency", Some(&body))
            .await,
        401,
        "emergency_signin_failed",
    )
    .await;
    // The session is short: 1 h by default.
    app.clock.advance(3601);
    assert_problem(glass.get("/v1/session").await, 401, "session_expired").await;
}

#[tokio::test]
async fn wrong_secrets_lock_the_account_and_revocation_ends_its_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut b = app.signed_in(&admin).await;
    let (_, account) = b
        .json(
            Method::POST,
            "/v1/emergency-accounts",
            Some(&json!({"name": "break-glass-2"})),
        )
        .await;
    let (s, dup) = b
        .json(
            Method::POST,
            "/v1/emergency-accounts",
            Some(&json!({"name": "Break-Glass-2"})),
        )
        .await;
    assert_eq!(
        (s, dup["code"].as_str()),
        (409, Some("emergency_account_name_taken"))
    );
    let seed = decode_base32(account["totp_secret"].as_str().unwrap());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let wrong = json!({"tenant_id": app.tenant, "account_id": account["id"], "secret": "pa_bg_wrong", "code": totp::code_at_step(&seed, now / 30)});
    let mut x = Browser::new(&app.base);
    for _ in 0..5 {
        assert_problem(
            x.call(Method::POST, "/auth/emergency", Some(&wrong)).await,
            401,
            "emergency_signin_failed",
        )
        .await;
    }
    let right = json!({"tenant_id": app.tenant, "account_id": account["id"], "secret": account["secret"], "code": totp::code_at_step(&seed, now / 30 + 1)});
    let resp = x.call(Method::POST, "/auth/emergency", Some(&right)).await;
    assert!(resp.headers().contains_key("retry-after"));
    assert_problem(resp, 429, "emergency_account_locked").await;
    assert_eq!(
        audit_actions(&app.pool, app.tenant, "emergency_access.sign_in_failed")
            .await
            .len(),
        5
    );
    // After the lockout, the right secret and a fresh code work; revoking ends that session.
    app.clock.advance(901);
    let later = (now + 901) / 30;
    let right = json!({"tenant_id": app.tenant, "account_id": account["id"], "secret": account["secret"], "code": totp::code_at_step(&seed, later)});
    let mut glass = Browser::new(&app.base);
    let (s, v) = glass
        .json(Method::POST, "/auth/emergency", Some(&right))
        .await;
    assert_eq!(s, 200, "{v}");
    let mut b = app.signed_in(&admin).await;
    let (s, _) = b
        .json(
            Method::DELETE,
            &format!("/v1/emergency-accounts/{}", account["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_problem(glass.get("/v1/session").await, 401, "unauthorized").await;
}
