//! Admin consent: Microsoft's errors explained with the fix, the grant proven by token, and
//! the callback's state one-time and bound to its session.

use std::time::Duration;

use entra_sim::UserFaults;
use serde_json::Value;

use crate::browser::{Browser, Reply};
use crate::helpers::TestApp;
use crate::sim::{self, Hospital};

/// The callback sent the browser to the front-end with `code`; the state explains it.
async fn refused_with(b: &Browser<'_>, r: &Reply, code: &str) -> Value {
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        r.location()
            .ends_with(&format!("/setup?consent=error&code={code}")),
        "{}",
        r.location()
    );
    let state = b.state().await.body;
    assert_eq!(state["consent"]["last_error"]["code"], code, "{state}");
    assert!(
        state["consent"]["last_error"]["remediation"]
            .as_str()
            .is_some_and(|t| t.len() > 40),
        "{state}"
    );
    assert_ne!(state["consent"]["status"], "granted");
    state
}

async fn at_consent<'a>(app: &'a TestApp, name: &str) -> (Hospital, Browser<'a>) {
    let h = sim::hospital(&app.sim, name);
    let link = app.provision().await;
    let b = Browser::started(app, &link).await;
    b.walk(&h, "consent").await;
    (h, b)
}

#[tokio::test]
async fn a_declined_consent_is_explained_and_can_be_retried() {
    let app = TestApp::spawn().await;
    let (h, b) = at_consent(&app, "Decline Clinic").await;
    app.sim
        .update_tenant_faults(h.tenant, |f| f.consent_decline = true)
        .expect("knob");
    let r = b.consent_as(&h.admin_upn).await;
    let state = refused_with(&b, &r, "consent_declined").await;
    assert_eq!(
        state["consent"]["last_error"]["microsoft_code"],
        "AADSTS65004"
    );
    assert_eq!(state["consent"]["last_error"]["retry"], "consent");
    assert_eq!(state["steps"][1]["status"], "failed");
    app.sim
        .update_tenant_faults(h.tenant, |f| f.consent_decline = false)
        .expect("knob");
    let r = b.consent_as(&h.admin_upn).await;
    assert!(
        r.location().ends_with("consent=granted"),
        "{}",
        r.location()
    );
    let state = b.state().await.body;
    assert_eq!(state["consent"]["status"], "granted");
    assert!(state["consent"]["last_error"].is_null());
}

#[tokio::test]
async fn a_non_admin_consenting_sees_microsofts_approval_page_and_an_admin_can_then_consent() {
    let app = TestApp::spawn().await;
    let (h, b) = at_consent(&app, "Non Admin Clinic").await;
    app.sim
        .set_user_faults(
            h.tenant,
            &h.admin_upn,
            UserFaults {
                not_admin: true,
                ..UserFaults::default()
            },
        )
        .expect("knob");
    let url = b.consent_url().await;
    let page = b
        .at_microsoft(&url, &h.admin_upn)
        .await
        .expect_err("no redirect");
    assert!(page.contains("AADSTS90094"), "{page}");
    let state = b.state().await.body;
    assert_eq!(state["consent"]["status"], "not_granted");
    assert_eq!(
        state["prerequisites"]["consent_roles"][0],
        "Global Administrator"
    );
    // The same consent URL works for a real administrator.
    app.sim
        .set_user_faults(h.tenant, &h.admin_upn, UserFaults::default())
        .expect("knob");
    let back = b.at_microsoft(&url, &h.admin_upn).await.expect("redirect");
    let r = b.callback(&back).await;
    assert!(
        r.location().ends_with("consent=granted"),
        "{}",
        r.location()
    );
}

#[tokio::test]
async fn conditional_access_or_mfa_at_the_admins_sign_in_is_explained_with_the_fix() {
    let app = TestApp::spawn().await;
    let (h, b) = at_consent(&app, "Sign-in Policy Clinic").await;
    let cases = [
        (
            UserFaults {
                ca_block: true,
                ..UserFaults::default()
            },
            "conditional_access_blocked",
            "AADSTS53003",
        ),
        (
            UserFaults {
                mfa_required: true,
                ..UserFaults::default()
            },
            "mfa_required",
            "AADSTS50076",
        ),
    ];
    for (faults, code, microsoft) in cases {
        app.sim
            .set_user_faults(h.tenant, &h.admin_upn, faults)
            .expect("knob");
        let r = b.consent_as(&h.admin_upn).await;
        let state = refused_with(&b, &r, code).await;
        assert_eq!(state["consent"]["last_error"]["microsoft_code"], microsoft);
        assert_eq!(state["consent"]["can_check_again"], false);
    }
}

#[tokio::test]
async fn consent_given_in_a_different_tenant_than_entered_is_refused() {
    let app = TestApp::spawn().await;
    let (h, b) = at_consent(&app, "Entered Clinic").await;
    let elsewhere = sim::hospital(&app.sim, "Somewhere Else");
    // The admin signs in to their own tenant through the organizations endpoint.
    let url = b
        .consent_url()
        .await
        .replace(&format!("/{}/v2.0/", h.tenant), "/organizations/v2.0/");
    let back = b
        .at_microsoft(&url, &elsewhere.admin_upn)
        .await
        .expect("redirect");
    assert!(back.contains(&elsewhere.tenant.to_string()), "{back}");
    let r = b.callback(&back).await;
    let state = refused_with(&b, &r, "tenant_mismatch").await;
    assert!(
        state["consent"]["last_error"]["remediation"]
            .as_str()
            .unwrap_or_default()
            .contains(&h.tenant.to_string()),
        "names the tenant entered: {state}"
    );
}

#[tokio::test]
async fn a_grant_missing_one_permission_is_refused_naming_it_and_check_again_sees_the_fix() {
    let app = TestApp::spawn().await;
    let (h, b) = at_consent(&app, "Partial Grant Clinic").await;
    app.sim
        .update_tenant_faults(h.tenant, |f| {
            f.consent_roles = Some(vec!["Directory.Read.All".into(), "User.Read.All".into()])
        })
        .expect("knob");
    let r = b.consent_as(&h.admin_upn).await;
    let state = refused_with(&b, &r, "missing_permissions").await;
    assert_eq!(
        state["consent"]["last_error"]["missing_permissions"],
        serde_json::json!(["Group.Read.All"])
    );
    assert_eq!(state["consent"]["status"], "unverified");
    assert_eq!(state["consent"]["can_check_again"], true);
    let again = b.post("/v1/wizard/consent/verification").await;
    again.problem(409, "missing_permissions");
    assert_eq!(again.body["errors"][1]["message"], "Group.Read.All");
    // An administrator grants the missing permission in the portal; checking again proves it.
    app.sim.grant_consent(h.tenant, None).expect("grant all");
    let ok = b.post("/v1/wizard/consent/verification").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["consent"]["status"], "granted");
}

#[tokio::test]
async fn consent_still_propagating_is_explained_and_check_again_succeeds_once_it_arrives() {
    let app = TestApp::spawn().await;
    let (h, b) = at_consent(&app, "Slow Directory Clinic").await;
    app.sim
        .update_tenant_faults(h.tenant, |f| f.consent_propagation_seconds = 600)
        .expect("knob");
    let r = b.consent_as(&h.admin_upn).await;
    let state = refused_with(&b, &r, "consent_not_completed").await;
    assert_eq!(
        state["consent"]["last_error"]["microsoft_code"],
        "AADSTS700016"
    );
    assert_eq!(state["consent"]["last_error"]["retry"], "verify");
    assert_eq!(state["consent"]["can_check_again"], true);
    b.post("/v1/wizard/consent/verification")
        .await
        .problem(409, "consent_not_completed");
    app.sim.advance_clock(Duration::from_secs(601));
    let ok = b.post("/v1/wizard/consent/verification").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["consent"]["status"], "granted");
    assert_eq!(ok.body["next_step"], "preflight");
}

#[tokio::test]
async fn conditional_access_blocking_the_app_fails_verification_and_preflight_names_the_block() {
    let app = TestApp::spawn().await;
    let (h, b) = at_consent(&app, "Blocked App Clinic").await;
    app.sim
        .update_tenant_faults(h.tenant, |f| f.token_ca_block = true)
        .expect("knob");
    let r = b.consent_as(&h.admin_upn).await;
    let state = refused_with(&b, &r, "conditional_access_blocked").await;
    assert_eq!(state["consent"]["last_error"]["retry"], "verify");
    let remediation = state["consent"]["last_error"]["remediation"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(remediation.contains("setup step 3"), "{remediation}");
    app.sim
        .update_tenant_faults(h.tenant, |f| f.token_ca_block = false)
        .expect("knob");
    assert_eq!(b.post("/v1/wizard/consent/verification").await.status, 200);

    // A policy added after the grant shows in pre-flight, check by check.
    app.sim
        .update_tenant_faults(h.tenant, |f| f.token_ca_block = true)
        .expect("knob");
    let r = b.post("/v1/wizard/preflight").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["preflight"]["status"], "failed");
    for check in r.body["preflight"]["checks"].as_array().expect("checks") {
        assert_eq!(check["passed"], false);
        assert_eq!(check["failure"]["microsoft_code"], "AADSTS53003", "{check}");
        assert!(
            check["failure"]["remediation"]
                .as_str()
                .unwrap_or_default()
                .contains("Conditional Access")
        );
    }
    assert_eq!(r.body["next_step"], "preflight");
    app.sim
        .update_tenant_faults(h.tenant, |f| f.token_ca_block = false)
        .expect("knob");
    let r = b.post("/v1/wizard/preflight").await;
    assert_eq!(r.body["preflight"]["status"], "passed", "{}", r.body);
}

#[tokio::test]
async fn a_replayed_callback_an_expired_state_and_another_sessions_state_are_refused() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "State Clinic");
    let link = app.provision().await;
    let a = Browser::started(&app, &link).await;
    a.walk(&h, "consent").await;
    let other = Browser::started(&app, &link).await;

    // Another session's state: refused for browser B, no cookie at all: refused too.
    let url = a.consent_url().await;
    let back = a.at_microsoft(&url, &h.admin_upn).await.expect("redirect");
    other
        .callback(&back)
        .await
        .problem(403, "consent_state_mismatch");
    Browser::new(&app)
        .callback(&back)
        .await
        .problem(401, "wizard_session_required");
    assert_eq!(a.state().await.body["consent"]["status"], "not_granted");
    // The owner's callback works once; the replay is refused.
    let r = a.callback(&back).await;
    assert!(
        r.location().ends_with("consent=granted"),
        "{}",
        r.location()
    );
    a.callback(&back)
        .await
        .problem(409, "consent_state_replayed");

    // A state older than its lifetime.
    let url = a.consent_url().await;
    let back = a.at_microsoft(&url, &h.admin_upn).await.expect("redirect");
    app.clock.advance(time::Duration::minutes(11));
    a.callback(&back)
        .await
        .problem(400, "consent_state_expired");
}

#[tokio::test]
async fn a_callback_with_garbage_or_missing_parameters_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Garbage Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "consent").await;
    let base = format!("{}/consent/callback", app.base);
    let tenant = h.tenant;
    let cases = [
        (String::new(), "invalid_consent_callback"),
        (
            format!("?admin_consent=True&tenant={tenant}"),
            "invalid_consent_callback",
        ),
        ("?foo=bar&state=x".to_owned(), "invalid_consent_callback"),
        (
            format!("?admin_consent=True&tenant={tenant}&state=abc&state=def"),
            "invalid_consent_callback",
        ),
        (
            format!("?admin_consent=True&tenant={tenant}&state=%3Cscript%3E"),
            "consent_state_unknown",
        ),
        (
            format!(
                "?admin_consent=True&tenant={tenant}&state={}.{}",
                link.tenant.as_uuid().simple(),
                "A".repeat(43)
            ),
            "consent_state_unknown",
        ),
    ];
    for (query, code) in cases {
        let r = b.callback(&format!("{base}{query}")).await;
        r.problem(400, code);
        assert!(!r.body.to_string().contains("<script>"), "{}", r.body);
    }
    let state = b.state().await.body;
    assert_eq!(state["consent"]["status"], "not_granted");
    assert!(state["consent"]["last_error"].is_null(), "nothing stored");
}
