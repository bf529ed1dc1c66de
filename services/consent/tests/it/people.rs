//! The initial administrator, the groups, and a consent revoked after the grant.

use serde_json::json;

use crate::browser::Browser;
use crate::bus::EventTap;
use crate::helpers::TestApp;
use crate::sim;

#[tokio::test]
async fn malformed_unknown_and_disabled_upns_are_rejected_and_any_enabled_user_may_be_admin() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Admin Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "admin").await;
    let ghost = format!("ghost@{}", h.domain);
    let cases = [
        ("not-an-upn", 422, "invalid_upn"),
        ("a b@contoso.com", 422, "invalid_upn"),
        (ghost.as_str(), 422, "user_not_found"),
        (h.disabled_upn.as_str(), 422, "user_disabled"),
    ];
    for (upn, status, code) in cases {
        let r = b
            .put("/v1/wizard/admin", json!({ "user_principal_name": upn }))
            .await;
        r.problem(status, code);
        assert_eq!(r.body["errors"][0]["field"], "user_principal_name");
    }
    assert!(b.state().await.body["admin"].is_null(), "nothing stored");
    // Not a directory administrator, no mail address: still a valid first administrator.
    let r = b
        .put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.nomail_upn }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["admin"]["user_principal_name"], h.nomail_upn);
    assert!(r.body["admin"]["mail"].is_null());
    // Choosing groups then another administrator re-reads the membership.
    let r = b
        .put("/v1/wizard/groups", json!({ "admin_groups": [h.admins] }))
        .await;
    assert_eq!(
        r.body["groups"]["admin_groups"][0]["admin_is_member"],
        false
    );
    assert_eq!(r.body["groups"]["admin_in_an_admin_group"], false);
    let r = b
        .put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.admin_upn }),
        )
        .await;
    assert_eq!(r.body["groups"]["admin_groups"][0]["admin_is_member"], true);
}

#[tokio::test]
async fn the_group_type_ahead_finds_security_groups_by_name_and_pages() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Search Clinic");
    for i in 0..5 {
        app.sim
            .add_group(
                h.tenant.to_string(),
                entra_sim::NewGroup::security(&format!("Ward {i} Staff")),
            )
            .expect("group");
    }
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "admin").await;
    let get = |q: &str| {
        let b = b.clone();
        let path = format!("/v1/wizard/groups?{q}");
        async move { b.send(reqwest::Method::GET, &path, None).await }
    };
    let first = get("search=ward&limit=2").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["items"].as_array().expect("items").len(), 2);
    assert_eq!(first.body["next_page"], 2);
    let third = get("search=ward&limit=2&page=3").await;
    assert_eq!(third.body["items"].as_array().expect("items").len(), 1);
    assert!(third.body["next_page"].is_null());
    let team = get("search=hospital%20team").await;
    assert_eq!(
        team.body["items"],
        json!([]),
        "Microsoft 365 groups are not offered"
    );
    get("page=0").await.problem(400, "invalid_query_parameter");
    get("limit=51")
        .await
        .problem(400, "invalid_query_parameter");
    get("sort=name")
        .await
        .problem(400, "invalid_query_parameter");
}

#[tokio::test]
async fn unacceptable_groups_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Group Rules Clinic");
    let foreign = sim::hospital(&app.sim, "Foreign Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "groups").await;
    let cases = [
        (
            json!({ "admin_groups": [] }),
            "admin_group_required",
            "admin_groups",
        ),
        (
            json!({ "admin_groups": [h.admin_id] }),
            "not_a_group",
            "admin_groups[0]",
        ),
        (
            json!({ "admin_groups": [h.admins, h.m365] }),
            "not_a_security_group",
            "admin_groups[1]",
        ),
        (
            json!({ "admin_groups": [h.empty] }),
            "group_empty",
            "admin_groups[0]",
        ),
        (
            json!({ "admin_groups": [foreign.admins] }),
            "group_not_found",
            "admin_groups[0]",
        ),
        (
            json!({ "admin_groups": [h.admins], "user_groups": [{ "group_id": h.admins, "role": "viewer" }] }),
            "duplicate_group",
            "user_groups[0].group_id",
        ),
        (
            json!({ "admin_groups": [h.admins], "user_groups": [{ "group_id": h.m365, "role": "viewer" }] }),
            "not_a_security_group",
            "user_groups[0].group_id",
        ),
    ];
    for (body, code, field) in cases {
        let r = b.put("/v1/wizard/groups", body.clone()).await;
        r.problem(422, code);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}");
    }
    b.put(
        "/v1/wizard/groups",
        json!({ "admin_groups": [h.admins], "user_groups": [{ "group_id": h.nurses, "role": "owner" }] }),
    )
    .await
    .problem(422, "invalid_field");
    b.put(
        "/v1/wizard/groups",
        json!({ "admin_groups": ["not-a-uuid"] }),
    )
    .await
    .problem(422, "invalid_field");
    let state = b.state().await.body;
    assert_eq!(state["groups"]["admin_groups"], json!([]), "nothing stored");
    assert_eq!(state["next_step"], "groups");
    // An empty USER group is fine (members come later).
    let r = b
        .put(
            "/v1/wizard/groups",
            json!({ "admin_groups": [h.admins], "user_groups": [{ "group_id": h.empty, "role": "viewer" }] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn consent_revoked_after_the_grant_shows_needs_attention_and_is_not_retried() {
    let mut tap = EventTap::start(&["directory.needs_attention"]).await;
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Revoked Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "admin").await;
    app.sim.revoke_consent(h.tenant).expect("revoke");
    let r = b.post("/v1/wizard/preflight").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let state = &r.body;
    assert_eq!(state["preflight"]["status"], "failed");
    assert_eq!(state["consent"]["status"], "needs_attention");
    let attention = &state["consent"]["attention"];
    assert_eq!(attention["reason"], "consent_revoked");
    assert_eq!(attention["failure"]["microsoft_code"], "AADSTS700016");
    assert!(
        attention["failure"]["remediation"]
            .as_str()
            .is_some_and(|t| t.len() > 40)
    );
    assert_eq!(state["steps"][1]["status"], "needs_attention");
    assert_eq!(state["next_step"], "consent");
    let events = tap
        .wait_for(&link.tenant.to_string(), "directory.needs_attention", 1)
        .await;
    let event: pa_events::DirectoryNeedsAttention = events[0].data_as().expect("event");
    assert_eq!(event.microsoft_code.as_deref(), Some("AADSTS700016"));
    // Nothing retries it: later steps wait for a new consent.
    let r = b
        .put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.admin_upn }),
        )
        .await;
    r.problem(409, "step_out_of_order");
    assert_eq!(r.body["errors"][0]["code"], "consent");
    assert_eq!(
        app.audit(link.tenant, "directory.needs_attention")
            .await
            .len(),
        1
    );
    // A new consent clears it.
    let r = b.consent_as(&h.admin_upn).await;
    assert!(
        r.location().ends_with("consent=granted"),
        "{}",
        r.location()
    );
    let state = b.state().await.body;
    assert!(state["consent"]["attention"].is_null());
    assert_eq!(state["next_step"], "preflight");
}
