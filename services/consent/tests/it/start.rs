//! Opening the wizard with a setup link: distinct errors per link state, rate limiting,
//! the session cookie, expiry, CSRF.

use reqwest::Method;
use reqwest::header::SET_COOKIE;
use serde_json::json;
use time::Duration;

use crate::browser::Browser;
use crate::helpers::TestApp;
use crate::sim;

#[tokio::test]
async fn expired_revoked_regenerated_used_and_suspended_links_each_get_their_own_error() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "UPDATE setup_links SET created_at = now() - interval '2 days', \
             expires_at = now() - interval '1 second' WHERE tenant_id = $1",
            410,
            "setup_link_expired",
        ),
        (
            "UPDATE setup_links SET revoked_at = now(), revoked_reason = 'revoked' WHERE tenant_id = $1",
            410,
            "setup_link_revoked",
        ),
        (
            "UPDATE setup_links SET revoked_at = now(), revoked_reason = 'regenerated' WHERE tenant_id = $1",
            410,
            "setup_link_regenerated",
        ),
        (
            "UPDATE setup_links SET used_at = now() WHERE tenant_id = $1",
            410,
            "setup_link_used",
        ),
    ];
    for (sql, status, expected) in cases {
        let link = app.provision().await;
        app.tenant_sql(link.tenant, sql, |q| q).await;
        let mut b = Browser::new(&app);
        let r = b.start(&link.token).await;
        r.problem(status, expected);
        assert!(
            r.headers.get(SET_COOKIE).is_none(),
            "{expected}: no session"
        );
        assert!(!r.body.to_string().contains(&link.token));
        let refused = app.audit(link.tenant, "wizard.session_refused").await;
        assert_eq!(refused.len(), 1, "{expected} is audited");
    }
    let link = app.provision().await;
    sqlx::query("UPDATE tenants SET status = 'suspended', suspended_at = now() WHERE id = $1")
        .bind(link.tenant)
        .execute(&app.pool)
        .await
        .expect("suspend");
    Browser::new(&app)
        .start(&link.token)
        .await
        .problem(403, "tenant_unavailable");
}

/// `POST /v1/wizard/sessions` as a client at `addr` behind the trusted proxy (127.0.0.1).
async fn start_from(app: &TestApp, addr: &str, token: &str) -> crate::browser::Reply {
    let r = app
        .client
        .post(format!("{}/v1/wizard/sessions", app.base))
        .header("x-forwarded-for", format!("203.0.113.9, {addr}"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("request");
    crate::browser::reply(r).await
}

#[tokio::test]
async fn malformed_or_unknown_tokens_are_refused_and_a_client_trying_too_many_is_rate_limited() {
    let app = TestApp::spawn_with(|s| {
        s.wizard.start_failure_limit = 3;
        s.wizard.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    // A client address of this test alone (the limiter is shared by every instance).
    let me = format!("2001:db8::{:x}", rand_u16());
    let other = format!("2001:db8:1::{:x}", rand_u16());
    let link = app.provision().await;
    let unknown = format!("pa_setup_{}", "A".repeat(43));
    for bad in ["", "pa_setup_short", unknown.as_str()] {
        let r = start_from(&app, &me, bad).await;
        r.problem(401, "setup_link_invalid");
        assert_eq!(r.body["errors"], serde_json::Value::Null);
        assert!(
            bad.is_empty() || !r.body.to_string().contains(bad),
            "echoed {bad}"
        );
    }
    // Over the limit, even a valid token waits; another client does not.
    let r = start_from(&app, &me, &link.token).await;
    r.problem(429, "too_many_attempts");
    let retry_after: i64 = r.headers["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(start_from(&app, &other, &link.token).await.status, 201);
    // After the window the client may try again.
    app.clock.advance(Duration::minutes(16));
    let r = start_from(&app, &me, &link.token).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The session records the client address behind the proxy.
    let started = app.audit(link.tenant, "wizard.session_started").await;
    assert_eq!(started.last().and_then(|r| r.3.clone()), Some(me.clone()));
}

fn rand_u16() -> u16 {
    let mut b = [0u8; 2];
    getrandom::fill(&mut b).expect("rng");
    u16::from_le_bytes(b) | 0x1000
}

#[tokio::test]
async fn the_session_cookie_is_httponly_samesite_lax_secure_and_only_its_hash_is_stored() {
    let app = TestApp::spawn().await;
    let link = app.provision().await;
    let mut b = Browser::new(&app);
    let r = b.start(&link.token).await;
    assert_eq!(r.status, 201);
    let cookie = r.headers[SET_COOKIE].to_str().expect("cookie");
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
        "Max-Age=7200",
    ] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let value = b
        .cookie
        .as_deref()
        .expect("cookie")
        .trim_start_matches("pa_wizard=");
    assert!(value.len() > 100, "at least 128 random bits");
    let mut tx = pa_db::begin_tenant(&app.pool, link.tenant)
        .await
        .expect("tx");
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT token_hash FROM consent_sessions WHERE tenant_id = $1")
            .bind(link.tenant)
            .fetch_one(&mut *tx)
            .await
            .expect("session");
    tx.commit().await.expect("commit");
    use sha2::Digest;
    assert_eq!(stored, sha2::Sha256::digest(value.as_bytes()).to_vec());
    let csrf = b.csrf.clone().expect("csrf token");
    assert_ne!(csrf, value);
    assert!(
        !r.body.to_string().contains(value),
        "cookie value in the body"
    );
}

#[tokio::test]
async fn a_session_ends_after_its_idle_time_and_after_its_absolute_lifetime() {
    let app = TestApp::spawn().await;
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(b.state().await.status, 200, "activity within 15 minutes");
    app.clock.advance(Duration::minutes(16));
    b.state().await.problem(401, "wizard_session_expired");

    let b = Browser::started(&app, &link).await;
    for _ in 0..8 {
        app.clock.advance(Duration::minutes(14));
        assert_eq!(b.state().await.status, 200);
    }
    app.clock.advance(Duration::minutes(14));
    // 126 minutes in: past the 2-hour absolute lifetime however active.
    b.state().await.problem(401, "wizard_session_expired");
    // Without any cookie, or with a forged one.
    Browser::new(&app)
        .state()
        .await
        .problem(401, "wizard_session_required");
    let mut forged = Browser::new(&app);
    forged.cookie = Some(format!(
        "pa_wizard={}.{}.{}",
        link.tenant.as_uuid().simple(),
        uuid::Uuid::now_v7().simple(),
        "A".repeat(43)
    ));
    forged.state().await.problem(401, "wizard_session_invalid");
}

#[tokio::test]
async fn state_changes_need_the_sessions_csrf_token_and_the_wizards_origin() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "CSRF Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    let mut no_token = b.clone();
    no_token.csrf = None;
    no_token
        .set_directory(&h.domain)
        .await
        .problem(403, "csrf_failed");
    let mut wrong = b.clone();
    wrong.csrf = Some("A".repeat(43));
    wrong
        .set_directory(&h.domain)
        .await
        .problem(403, "csrf_failed");
    let foreign = app
        .client
        .put(format!("{}/v1/wizard/directory", app.base))
        .header("cookie", b.cookie.as_deref().expect("cookie"))
        .header("x-csrf-token", b.csrf.as_deref().expect("csrf"))
        .header("origin", "https://evil.example")
        .json(&json!({ "tenant": h.domain }))
        .send()
        .await
        .expect("request");
    crate::browser::reply(foreign)
        .await
        .problem(403, "csrf_failed");
    assert!(
        b.state().await.body["directory"].is_null(),
        "nothing stored"
    );
    let same_origin = app
        .client
        .put(format!("{}/v1/wizard/directory", app.base))
        .header("cookie", b.cookie.as_deref().expect("cookie"))
        .header("x-csrf-token", b.csrf.as_deref().expect("csrf"))
        .header("origin", app.base.as_str())
        .json(&json!({ "tenant": h.domain }))
        .send()
        .await
        .expect("request");
    assert_eq!(same_origin.status(), 200);
    // Signing out ends the session.
    let out = b
        .send(Method::DELETE, "/v1/wizard/sessions/current", None)
        .await;
    assert_eq!(out.status, 204);
    b.state().await.problem(401, "wizard_session_invalid");
}

#[tokio::test]
async fn a_link_regenerated_mid_wizard_ends_its_sessions_and_the_new_link_resumes_the_wizard() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Regen Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "consent").await;
    app.tenant_sql(
        link.tenant,
        "UPDATE setup_links SET revoked_at = now(), revoked_reason = 'regenerated' WHERE tenant_id = $1",
        |q| q,
    )
    .await;
    b.state().await.problem(410, "setup_link_regenerated");
    let fresh = app.issue_link(link.tenant).await;
    let resumed = Browser::started(&app, &fresh).await;
    let state = resumed.state().await;
    assert_eq!(
        state.body["directory"]["entra_tenant_id"],
        h.tenant.to_string()
    );
    assert_eq!(state.body["next_step"], "consent");
}
