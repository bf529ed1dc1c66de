use crate::common::{app_token, client, demo_sim, post_token, query_of};
use base64::Engine;
use entra_sim::{DEMO_ADMIN_UPN, DEMO_DOMAIN, DEMO_TENANT_ID, SimHandle, UserFaults};

const CALLBACK: &str = "http://localhost:8082/consent/callback";

async fn consent(sim: &SimHandle, seg: &str, params: &[(&str, &str)]) -> reqwest::Response {
    let url = format!("{}{seg}/v2.0/adminconsent", sim.login_base_url());
    client()
        .get(url)
        .query(params)
        .send()
        .await
        .expect("adminconsent")
}

fn params<'a>(client_id: &'a str, redirect: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", client_id),
        ("scope", "https://graph.microsoft.com/.default"),
        ("redirect_uri", redirect),
        ("state", "st-123"),
    ]
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn admin_consent_redirects_with_tenant_scope_and_state_and_enables_tokens() {
    let sim = demo_sim().await;
    let app = sim.app();
    let r = consent(&sim, "organizations", &params(&app.client_id, CALLBACK)).await;
    assert_eq!(r.status().as_u16(), 302);
    let loc = location(&r);
    assert!(
        loc.starts_with(&format!("{CALLBACK}?admin_consent=True&tenant=")),
        "{loc}"
    );
    let q = query_of(&loc);
    assert_eq!(q["tenant"], DEMO_TENANT_ID.to_string());
    assert_eq!(q["scope"], "https://graph.microsoft.com/.default");
    assert_eq!(q["state"], "st-123");
    let tok = app_token(&sim, DEMO_DOMAIN).await;
    let payload = tok.split('.').nth(1).unwrap_or_default();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(claims["tid"], DEMO_TENANT_ID.to_string());
}

#[tokio::test]
async fn a_redirect_uri_mismatch_shows_the_50011_page_and_never_redirects() {
    let sim = demo_sim().await;
    let app = sim.app();
    let r = consent(
        &sim,
        DEMO_DOMAIN,
        &params(&app.client_id, "https://evil.example/cb"),
    )
    .await;
    assert_ne!(r.status().as_u16(), 302);
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.expect("html").contains("AADSTS50011"));
    let r = consent(
        &sim,
        DEMO_DOMAIN,
        &params("00000000-1111-2222-3333-444444444444", CALLBACK),
    )
    .await;
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.expect("html").contains("AADSTS700016"));
}

#[tokio::test]
async fn declined_consent_redirects_with_65004_and_not_admin_gets_the_90094_page() {
    let sim = demo_sim().await;
    let app = sim.app();
    sim.update_tenant_faults(DEMO_TENANT_ID, |f| f.consent_decline = true)
        .expect("knob");
    let r = consent(&sim, DEMO_DOMAIN, &params(&app.client_id, CALLBACK)).await;
    let q = query_of(&location(&r));
    assert_eq!(q["admin_consent"], "True");
    assert_eq!(q["error"], "consent_required");
    assert!(q["error_description"].starts_with("AADSTS65004:"));
    assert_eq!(q["state"], "st-123");
    sim.update_tenant_faults(DEMO_TENANT_ID, |f| f.consent_decline = false)
        .expect("knob");
    sim.set_user_faults(
        DEMO_TENANT_ID,
        DEMO_ADMIN_UPN,
        UserFaults {
            not_admin: true,
            ..UserFaults::default()
        },
    )
    .expect("user knob");
    let r = consent(&sim, DEMO_DOMAIN, &params(&app.client_id, CALLBACK)).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.expect("html").contains("AADSTS90094"));
    assert!(!sim.tenant(DEMO_TENANT_ID).expect("t").consented);
}

#[tokio::test]
async fn a_consent_grant_missing_a_permission_yields_tokens_without_that_role() {
    let sim = demo_sim().await;
    let app = sim.app();
    sim.update_tenant_faults(DEMO_TENANT_ID, |f| {
        f.consent_roles = Some(vec!["User.Read.All".into()])
    })
    .expect("knob");
    let r = consent(&sim, DEMO_DOMAIN, &params(&app.client_id, CALLBACK)).await;
    assert_eq!(r.status().as_u16(), 302);
    let tok = app_token(&sim, DEMO_DOMAIN).await;
    let groups = crate::common::graph(&sim, &tok, "groups", &[]).await;
    assert_eq!(groups.status, 403);
    assert_eq!(
        crate::common::graph(&sim, &tok, "users", &[]).await.status,
        200
    );
    sim.revoke_consent(DEMO_TENANT_ID).expect("revoke");
    let (s, b) = post_token(
        &sim,
        DEMO_DOMAIN,
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (400, Some(700016)));
}

#[tokio::test]
async fn the_consenting_admins_conditional_access_and_mfa_failures_are_redirected_with_their_aadsts_code()
 {
    let sim = demo_sim().await;
    let app = sim.app();
    let knobs = [
        (
            UserFaults {
                ca_block: true,
                ..UserFaults::default()
            },
            "access_denied",
            "AADSTS53003:",
        ),
        (
            UserFaults {
                mfa_required: true,
                ..UserFaults::default()
            },
            "interaction_required",
            "AADSTS50076:",
        ),
    ];
    for (faults, error, code) in knobs {
        sim.set_user_faults(DEMO_TENANT_ID, DEMO_ADMIN_UPN, faults)
            .expect("user knob");
        let mut p = params(&app.client_id, CALLBACK);
        p.push(("login_hint", DEMO_ADMIN_UPN));
        let r = consent(&sim, DEMO_DOMAIN, &p).await;
        assert_eq!(r.status().as_u16(), 302, "{error}");
        let loc = location(&r);
        assert!(loc.starts_with(CALLBACK), "{loc}");
        let q = query_of(&loc);
        assert_eq!(q["admin_consent"], "True");
        assert_eq!(q["error"], error);
        assert!(q["error_description"].starts_with(code), "{q:?}");
        assert_eq!(q["state"], "st-123");
        assert!(!q.contains_key("tenant"));
        assert!(!sim.tenant(DEMO_TENANT_ID).expect("t").consented);
    }
    sim.set_user_faults(DEMO_TENANT_ID, DEMO_ADMIN_UPN, UserFaults::default())
        .expect("user knob");
    // The tenant-wide sign-in knobs apply to whoever consents.
    for (knob, code) in [("ca", "AADSTS53003:"), ("mfa", "AADSTS50076:")] {
        sim.update_tenant_faults(DEMO_TENANT_ID, |f| {
            f.signin_ca_block = knob == "ca";
            f.signin_mfa_required = knob == "mfa";
        })
        .expect("knob");
        let mut p = params(&app.client_id, CALLBACK);
        p.push(("login_hint", DEMO_ADMIN_UPN));
        let q = query_of(&location(&consent(&sim, DEMO_DOMAIN, &p).await));
        assert!(q["error_description"].starts_with(code), "{q:?}");
    }
    sim.update_tenant_faults(DEMO_TENANT_ID, |f| {
        f.signin_ca_block = false;
        f.signin_mfa_required = false;
    })
    .expect("knob");
    let mut p = params(&app.client_id, CALLBACK);
    p.push(("login_hint", DEMO_ADMIN_UPN));
    let q = query_of(&location(&consent(&sim, DEMO_DOMAIN, &p).await));
    assert_eq!(q["tenant"], DEMO_TENANT_ID.to_string());
    assert!(sim.tenant(DEMO_TENANT_ID).expect("t").consented);
}

#[tokio::test]
async fn a_disabled_account_gets_the_50057_page_from_admin_consent() {
    let sim = demo_sim().await;
    let app = sim.app();
    sim.disable_user(DEMO_TENANT_ID, DEMO_ADMIN_UPN)
        .expect("disable");
    let mut p = params(&app.client_id, CALLBACK);
    p.push(("login_hint", DEMO_ADMIN_UPN));
    let r = consent(&sim, DEMO_DOMAIN, &p).await;
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.expect("html").contains("AADSTS50057"));
    assert!(!sim.tenant(DEMO_TENANT_ID).expect("t").consented);
}
