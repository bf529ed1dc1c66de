//! The directory step, the order of steps, and one directory per live production tenant.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::TestApp;
use crate::sim;

#[tokio::test]
async fn malformed_unknown_and_non_organization_directories_are_rejected_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    let cases = [
        ("72f988bf-86f1-41af-91ab-2d7cd011db4", "invalid_directory"),
        (
            "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
            "invalid_directory",
        ),
        ("contoso", "invalid_directory"),
        ("admin@contoso.com", "invalid_directory"),
        ("common", "not_an_organization"),
        (
            "9188040d-6c67-4c5b-b112-36a304b66dad",
            "not_an_organization",
        ),
        ("nobody-here.onmicrosoft.com", "directory_not_found"),
        (
            "11111111-2222-3333-4444-555555555555",
            "directory_not_found",
        ),
    ];
    for (input, expected) in cases {
        let r = b.set_directory(input).await;
        r.problem(422, expected);
        assert_eq!(r.body["errors"][0]["field"], "tenant", "{input}");
        assert!(
            r.body["detail"].as_str().is_some_and(|d| d.len() > 20),
            "{input}: explained"
        );
    }
    let unknown = b.set_directory("nobody-here.onmicrosoft.com").await;
    assert_eq!(unknown.body["errors"][0]["code"], "directory_not_found");
    assert!(
        unknown.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("AADSTS90002"),
        "{}",
        unknown.body
    );
    let missing = b.put("/v1/wizard/directory", json!({})).await;
    missing.problem(422, "invalid_field");
    let extra = b
        .put(
            "/v1/wizard/directory",
            json!({ "tenant": "x.com", "more": 1 }),
        )
        .await;
    extra.problem(422, "unknown_field");
    let state = b.state().await;
    assert!(state.body["directory"].is_null(), "nothing stored");
    assert_eq!(state.body["next_step"], "directory");
    let failures = app.audit(link.tenant, "directory.set").await;
    assert!(
        failures.iter().all(|f| f.2 == "failure"),
        "refusals are audited"
    );
    assert!(failures.len() >= cases.len());
}

#[tokio::test]
async fn steps_out_of_order_are_refused_naming_the_missing_step() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Order Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    let missing = |r: &crate::browser::Reply, step: &str| {
        r.problem(409, "step_out_of_order");
        assert_eq!(r.body["errors"][0]["field"], "missing_step");
        assert_eq!(r.body["errors"][0]["code"], step, "{}", r.body);
    };
    missing(&b.post("/v1/wizard/consent-requests").await, "directory");
    missing(&b.post("/v1/wizard/preflight").await, "directory");
    missing(&b.post("/v1/wizard/finish").await, "directory");
    b.walk(&h, "consent").await;
    missing(&b.post("/v1/wizard/preflight").await, "consent");
    missing(
        &b.put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.admin_upn }),
        )
        .await,
        "consent",
    );
    b.walk(&h, "preflight").await;
    missing(
        &b.put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.admin_upn }),
        )
        .await,
        "preflight",
    );
    missing(
        &b.send(reqwest::Method::GET, "/v1/wizard/groups?search=x", None)
            .await,
        "preflight",
    );
    b.walk(&h, "admin").await;
    missing(
        &b.put("/v1/wizard/groups", json!({ "admin_groups": [h.admins] }))
            .await,
        "admin",
    );
    b.walk(&h, "groups").await;
    missing(&b.post("/v1/wizard/finish").await, "groups");
}

#[tokio::test]
async fn the_same_directory_again_keeps_later_steps_and_another_one_clears_them() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Revisit Clinic");
    let other = sim::hospital(&app.sim, "Other Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "groups").await;
    let again = b.set_directory(&h.tenant.to_string()).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["next_step"], "groups");
    assert_eq!(again.body["consent"]["status"], "granted");
    assert_eq!(again.body["directory"]["input"], h.tenant.to_string());
    let changed = b.set_directory(&other.domain).await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.body["next_step"], "consent");
    assert_eq!(changed.body["consent"]["status"], "not_granted");
    assert!(changed.body["admin"].is_null());
    assert_eq!(changed.body["preflight"]["status"], "not_run");
}

#[tokio::test]
async fn a_directory_connected_to_another_live_production_tenant_is_refused_but_a_non_production_sibling_may_share_it()
 {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Shared Directory Hospital");
    let customer = format!("crm-{}", uuid::Uuid::now_v7().simple());
    let production = app.provision_with("production", Some(&customer)).await;
    Browser::started(&app, &production)
        .await
        .walk(&h, "done")
        .await;

    // Another customer's production tenant: refused at the directory step.
    let rival = app.provision_with("production", None).await;
    let b = Browser::started(&app, &rival).await;
    let r = b.set_directory(&h.domain).await;
    r.problem(409, "directory_in_use");
    assert!(b.state().await.body["directory"].is_null());

    // The same customer's non-production tenant may share it, to the end.
    let staging = app.provision_with("non_production", Some(&customer)).await;
    let s = Browser::started(&app, &staging).await;
    s.walk(&h, "done").await;
    assert_eq!(s.state().await.body["status"], "completed");

    // Once the production tenant is deprovisioned the directory is free again.
    sqlx::query(
        "UPDATE tenants SET status = 'deprovisioned', deprovisioned_at = now(), \
         purge_after = now() + interval '30 days' WHERE id = $1",
    )
    .bind(production.tenant)
    .execute(&app.pool)
    .await
    .expect("deprovision");
    assert_eq!(b.set_directory(&h.domain).await.status, 200);
}
