//! Every state change reaches the bus (outbox → relay → `pa.events`), without secrets.

use serde_json::{Value, json};

use crate::bus::EventTap;
use crate::helpers::{TestApp, id_of};

#[tokio::test]
async fn every_state_change_publishes_its_event_without_any_token() {
    let mut tap = EventTap::start().await;
    let app = TestApp::spawn_with(|s| s.deprovision.grace_period_secs = 0).await;
    let tenant = app
        .create_tenant_with(json!({"external_ref": "CRM-events", "environment": "non_production"}))
        .await;
    let id = id_of(&tenant);
    let email = tenant["contact_email"].as_str().expect("email").to_owned();
    // Mails go out asynchronously; a link revoked before its mail went out is never mailed,
    // so wait for each mail before the next change.
    let first_token = app.token_in_mail(&email, 1).await;
    app.patch(
        &format!("/v1/tenants/{id}"),
        &json!({"display_name": "Evented"}),
    )
    .await;
    app.post_empty(&format!("/v1/tenants/{id}/setup-links/regenerate"))
        .await;
    let second_token = app.token_in_mail(&email, 2).await;
    app.delete(&format!("/v1/tenants/{id}/setup-links/active"))
        .await;
    app.post(
        &format!("/v1/tenants/{id}/suspend"),
        &json!({"reason": "audit"}),
    )
    .await;
    app.post_empty(&format!("/v1/tenants/{id}/resume")).await;
    app.post_empty(&format!("/v1/tenants/{id}/deprovision"))
        .await;
    crate::helpers::purge(&app, &id).await;

    let expected = [
        "tenant.provisioned",
        "tenant.setup_link_issued",
        "tenant.updated",
        "tenant.setup_link_revoked",
        "tenant.suspended",
        "tenant.resumed",
        "tenant.deprovisioned",
        "tenant.purged",
    ];
    let events = tap.wait_for(&id, &expected).await;
    let tokens = [first_token, second_token];
    for (envelope, raw) in &events {
        assert_eq!(envelope.tenant_id.map(|t| t.to_string()), Some(id.clone()));
        assert_eq!(raw["data"]["tenant_id"], id);
        let text = raw.to_string();
        assert!(!text.contains("pa_setup_"), "{text}");
        assert!(
            !tokens
                .iter()
                .any(|t| text.contains(&t["pa_setup_".len()..])),
            "{text}"
        );
        assert!(
            !text.contains(&email),
            "no contact e-mail on the bus: {text}"
        );
    }
    let data = |t: &str| -> Value {
        events
            .iter()
            .find(|(e, _)| e.event_type == t)
            .map(|(_, raw)| raw["data"].clone())
            .expect("event")
    };
    assert_eq!(data("tenant.provisioned")["external_ref"], "CRM-events");
    assert_eq!(data("tenant.updated")["changed"], json!(["display_name"]));
    assert_eq!(data("tenant.suspended")["reason"], "audit");
    assert_eq!(data("tenant.resumed")["status"], "pending_setup");
    assert!(data("tenant.deprovisioned")["purge_after"].is_string());
    let issued: Vec<_> = events
        .iter()
        .filter(|(e, _)| e.event_type == "tenant.setup_link_issued")
        .collect();
    assert_eq!(issued.len(), 2);
    assert!(issued[1].1["data"]["replaces_link_id"].is_string());
    let revoked: Vec<_> = events
        .iter()
        .filter(|(e, _)| e.event_type == "tenant.setup_link_revoked")
        .map(|(_, r)| r["data"]["reason"].clone())
        .collect();
    assert_eq!(revoked, [json!("regenerated"), json!("revoked")]);
    let request_ids: Vec<_> = events
        .iter()
        .filter(|(e, _)| e.event_type != "tenant.purged")
        .map(|(e, _)| e.request_id.clone())
        .collect();
    assert!(
        request_ids.iter().all(Option::is_some),
        "operator events carry the request id"
    );
}
