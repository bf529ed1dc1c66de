//! Sign-in with Entra ID: the happy path and every rejection the issue lists.

use reqwest::Method;
use url::Url;

use crate::helpers::{
    Browser, TestApp, assert_problem, audit_actions, create_tenant, set_tenant_status,
};

fn replace_param(url: Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear();
    for (k, v) in pairs {
        out.query_pairs_mut()
            .append_pair(&k, if k == name { value } else { &v });
    }
    out
}

#[tokio::test]
async fn an_active_user_with_a_role_signs_in_and_gets_a_session_cookie_and_csrf_token() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice Admin", Some("admin")).await;
    let mut b = Browser::new(&app.base);
    let authorize = app.start_sign_in(&mut b, app.tenant, &alice.upn).await;
    assert!(
        authorize
            .path()
            .starts_with(&format!("/{}/oauth2/v2.0/authorize", app.entra_tenant)),
        "tenant-specific authority: {authorize}"
    );
    let q: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["nonce"].len() >= 32 && q["state"].starts_with("st."));
    assert!(b.cookies.contains_key("pa_console_signin"));
    let resp = b
        .get_url(&app.callback_url(&app.authorize(authorize).await))
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "http://frontend.test/console/");
    let set_cookie: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("pa_console="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    let token = session
        .trim_start_matches("pa_console=")
        .split(';')
        .next()
        .unwrap();
    assert!(
        token.len() >= 3 + 64,
        "≥ 128 bits of randomness plus the tenant: {token}"
    );
    assert!(
        !b.cookies.contains_key("pa_console_signin"),
        "pre-session cleared"
    );
    b.load_csrf().await;
    let (_, me) = b.json(Method::GET, "/v1/session", None).await;
    assert_eq!(me["object_id"], alice.object_id.to_string());
    assert_eq!(me["role"], "admin");
    assert_eq!(me["idle_timeout_secs"], 900);
    // Only the token's hash is stored.
    let stored: Vec<Vec<u8>> = {
        let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
        let rows =
            sqlx::query_scalar("SELECT token_hash FROM console_sessions WHERE tenant_id = $1")
                .bind(app.tenant)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        rows
    };
    assert!(
        stored
            .iter()
            .all(|h| h.len() == 32 && !token.as_bytes().windows(32).any(|w| w == h.as_slice()))
    );
    let signed_in = audit_actions(&app.pool, app.tenant, "session.signed_in").await;
    assert_eq!(signed_in.len(), 1);
    assert_eq!(
        (signed_in[0].0.as_str(), signed_in[0].1.clone()),
        ("console_user", alice.object_id.to_string())
    );
}

#[tokio::test]
async fn a_forged_reused_or_foreign_browser_state_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("admin")).await;
    // Forged state.
    let mut b = Browser::new(&app.base);
    let resp = app
        .sign_in(&mut b, &alice, |u| replace_param(u, "state", "st.forged"))
        .await;
    assert_problem(resp, 400, "signin_state_invalid").await;
    // The real state, but from another browser (no pre-session cookie).
    let mut b = Browser::new(&app.base);
    let redirect = app
        .authorize(app.start_sign_in(&mut b, app.tenant, &alice.upn).await)
        .await;
    let mut thief = Browser::new(&app.base);
    assert_problem(
        thief.get_url(&app.callback_url(&redirect)).await,
        400,
        "signin_state_invalid",
    )
    .await;
    // …which also used it up: the right browser cannot replay it.
    assert_problem(
        b.get_url(&app.callback_url(&redirect)).await,
        400,
        "signin_state_invalid",
    )
    .await;
    assert!(
        audit_actions(&app.pool, app.tenant, "session.sign_in_failed")
            .await
            .len()
            >= 2
    );
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("admin")).await;
    let mut b = Browser::new(&app.base);
    let resp = app
        .sign_in(&mut b, &alice, |u| {
            replace_param(u, "nonce", "a-nonce-the-console-never-issued")
        })
        .await;
    let body = assert_problem(resp, 401, "id_token_invalid").await;
    assert!(body["detail"].as_str().unwrap().contains("nonce"), "{body}");
}

#[tokio::test]
async fn a_code_redeemed_with_another_pkce_challenge_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("admin")).await;
    let mut b = Browser::new(&app.base);
    let resp = app
        .sign_in(&mut b, &alice, |u| {
            replace_param(
                u,
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            )
        })
        .await;
    assert_problem(resp, 401, "pkce_mismatch").await;
}

#[tokio::test]
async fn an_id_token_issued_to_another_application_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("admin")).await;
    app.sim
        .update_tenant_faults(app.entra_tenant, |f| {
            f.id_token_audience = Some("0b5ad111-2222-3333-4444-555555555555".into())
        })
        .unwrap();
    let mut b = Browser::new(&app.base);
    let body = assert_problem(
        app.sign_in(&mut b, &alice, |u| u).await,
        401,
        "id_token_invalid",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("another application"),
        "{body}"
    );
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    // The sign-in itself may take long (3 h) so that only the token's expiry is at stake.
    let app = TestApp::spawn_with(|s| s.console.signin_ttl_secs = 4 * 3600).await;
    let alice = app.person("Alice", Some("admin")).await;
    let mut b = Browser::new(&app.base);
    let redirect = app
        .authorize(app.start_sign_in(&mut b, app.tenant, &alice.upn).await)
        .await;
    app.clock.advance(2 * 3600);
    let body = assert_problem(
        b.get_url(&app.callback_url(&redirect)).await,
        401,
        "id_token_invalid",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_and_suspended_tenants_cannot_start_a_sign_in() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app.base);
    assert_problem(
        b.get(&format!("/auth/login?tenant={}", uuid::Uuid::now_v7()))
            .await,
        404,
        "tenant_unknown",
    )
    .await;
    assert_problem(
        b.get("/auth/login?tenant=not-a-uuid").await,
        400,
        "invalid_query_parameter",
    )
    .await;
    let pending = create_tenant(&app.pool, "suspended").await;
    assert_problem(
        b.get(&format!("/auth/login?tenant={pending}")).await,
        403,
        "tenant_not_active",
    )
    .await;
    // Suspended between the start and the callback.
    let alice = app.person("Alice", Some("admin")).await;
    let redirect = app
        .authorize(app.start_sign_in(&mut b, app.tenant, &alice.upn).await)
        .await;
    set_tenant_status(&app.pool, app.tenant, "suspended").await;
    assert_problem(
        b.get_url(&app.callback_url(&redirect)).await,
        403,
        "tenant_not_active",
    )
    .await;
}

#[tokio::test]
async fn people_without_a_role_disabled_or_blocked_are_refused() {
    let app = TestApp::spawn().await;
    let nobody = app.person("No Role", None).await;
    let mut b = Browser::new(&app.base);
    assert_problem(
        app.sign_in(&mut b, &nobody, |u| u).await,
        403,
        "no_console_role",
    )
    .await;
    // In the directory, but never synced into scope: no row at all.
    let stranger = app
        .sim
        .add_user(
            app.entra_tenant,
            entra_sim::NewUser::new(&format!("stranger@{}", app.domain), "Stranger"),
        )
        .unwrap();
    let stranger = crate::helpers::Person {
        object_id: stranger.id,
        upn: stranger.user_principal_name,
    };
    assert_problem(
        app.sign_in(&mut b, &stranger, |u| u).await,
        403,
        "no_console_role",
    )
    .await;
    // Disabled in Entra ID, as sync recorded it.
    let leaver = app.person("Leaver", Some("viewer")).await;
    app.exec("UPDATE directory_users SET account_enabled = false WHERE tenant_id = $1 AND object_id = $2", leaver.object_id).await;
    assert_problem(
        app.sign_in(&mut b, &leaver, |u| u).await,
        403,
        "user_inactive",
    )
    .await;
}

#[tokio::test]
async fn microsofts_refusals_become_clear_problems_or_a_front_end_redirect() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("admin")).await;
    app.sim
        .update_tenant_faults(app.entra_tenant, |f| f.signin_mfa_required = true)
        .unwrap();
    let mut b = Browser::new(&app.base);
    let body = assert_problem(
        app.sign_in(&mut b, &alice, |u| u).await,
        401,
        "mfa_required",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("multifactor"));
    // MFA surfacing at the token endpoint instead.
    app.sim
        .update_tenant_faults(app.entra_tenant, |f| f.mfa_at = "token".into())
        .unwrap();
    assert_problem(
        app.sign_in(&mut b, &alice, |u| u).await,
        401,
        "mfa_required",
    )
    .await;
    // Conditional Access, for a browser: back to the front-end with the code.
    app.sim
        .update_tenant_faults(app.entra_tenant, |f| {
            f.signin_mfa_required = false;
            f.signin_ca_block = true;
        })
        .unwrap();
    let redirect = app
        .authorize(app.start_sign_in(&mut b, app.tenant, &alice.upn).await)
        .await;
    let resp = b
        .client
        .get(app.callback_url(&redirect))
        .header("accept", "text/html")
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        "http://frontend.test/console/?signin_error=conditional_access_blocked"
    );
    let failed = audit_actions(&app.pool, app.tenant, "session.sign_in_failed").await;
    assert!(
        failed.iter().any(|(_, _, d)| d["aadsts"] == 53003),
        "{failed:?}"
    );
}
