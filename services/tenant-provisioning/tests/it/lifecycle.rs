//! Suspend, resume, deprovision, purge.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{TestApp, assert_problem, id_of};

fn at(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().expect("timestamp"), &Rfc3339).expect("rfc3339")
}

#[tokio::test]
async fn a_tenant_can_be_suspended_with_a_reason_and_resumed_to_pending_setup() {
    let app = TestApp::spawn().await;
    let id = id_of(&app.create_tenant().await);
    let response = app
        .post(
            &format!("/v1/tenants/{id}/suspend"),
            &json!({"reason": "Contract paused"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let suspended: Value = response.json().await.expect("json");
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(suspended["status_reason"], "Contract paused");
    assert!(suspended["suspended_at"].is_string());

    let resumed: Value = app
        .post_empty(&format!("/v1/tenants/{id}/resume"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(resumed["status"], "pending_setup");
    assert_eq!(resumed["status_reason"], Value::Null);
    assert_eq!(resumed["suspended_at"], Value::Null);
}

#[tokio::test]
async fn resuming_returns_to_active_when_the_customer_had_completed_setup() {
    let app = TestApp::spawn().await;
    let id = id_of(&app.create_tenant().await);
    // What the consent service will do when the wizard completes.
    sqlx::query(
        "UPDATE tenants SET status = 'active', setup_completed_at = now() WHERE id = $1::uuid",
    )
    .bind(&id)
    .execute(&app.pool)
    .await
    .expect("complete setup");
    app.post_empty(&format!("/v1/tenants/{id}/suspend")).await;
    let resumed: Value = app
        .post_empty(&format!("/v1/tenants/{id}/resume"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(resumed["status"], "active");
}

#[tokio::test]
async fn illegal_transitions_are_409_naming_the_current_status() {
    let app = TestApp::spawn().await;
    let id = id_of(&app.create_tenant().await);
    let problem = assert_problem(
        app.post_empty(&format!("/v1/tenants/{id}/resume")).await,
        409,
        "invalid_state_transition",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("pending_setup"),
        "{problem}"
    );

    app.post_empty(&format!("/v1/tenants/{id}/suspend")).await;
    let problem = assert_problem(
        app.post_empty(&format!("/v1/tenants/{id}/suspend")).await,
        409,
        "invalid_state_transition",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("suspended")
    );

    app.post_empty(&format!("/v1/tenants/{id}/deprovision"))
        .await;
    for action in ["suspend", "resume", "deprovision"] {
        let problem = assert_problem(
            app.post_empty(&format!("/v1/tenants/{id}/{action}")).await,
            409,
            "invalid_state_transition",
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .expect("detail")
                .contains("deprovisioned")
        );
    }
    let patch = app
        .patch(&format!("/v1/tenants/{id}"), &json!({"display_name": "x"}))
        .await;
    assert_problem(patch, 409, "invalid_tenant_state").await;
}

#[tokio::test]
async fn deprovisioning_schedules_the_purge_and_revokes_the_open_setup_link() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant().await;
    let id = id_of(&tenant);
    let email = tenant["contact_email"].as_str().expect("email").to_owned();
    let token = app.token_in_mail(&email, 1).await;

    let response = app
        .post(
            &format!("/v1/tenants/{id}/deprovision"),
            &json!({"reason": "Customer left"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let gone: Value = response.json().await.expect("json");
    assert_eq!(gone["status"], "deprovisioned");
    let grace = at(&gone["purge_after"]) - at(&gone["deprovisioned_at"]);
    assert_eq!(grace.whole_days(), 30);

    let (_, _, status) = app.lookup(&token).await.expect("known token");
    assert_eq!(status, "revoked");
    let links: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(links["items"][0]["revoked_reason"], "tenant_deprovisioned");
}

#[tokio::test]
async fn the_purge_deletes_tenant_data_after_the_grace_period_but_keeps_the_audit_trail() {
    let app = TestApp::spawn_with(|s| s.deprovision.grace_period_secs = 0).await;
    let tenant = app.create_tenant().await;
    let id = id_of(&tenant);
    app.post_empty(&format!("/v1/tenants/{id}/deprovision"))
        .await;

    crate::helpers::purge(&app, &id).await;

    let purged: Value = app
        .get(&format!("/v1/tenants/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(purged["status"], "purged");
    assert!(purged["purged_at"].is_string());
    assert_eq!(
        purged["contact_email"],
        Value::Null,
        "personal data is forgotten"
    );

    let mut tx = app.pool.begin().await.expect("tx");
    let tenant_id = pa_domain::TenantId::parse(&id).expect("uuid");
    pa_db::set_tenant(&mut tx, tenant_id)
        .await
        .expect("context");
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM setup_links WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(links, 0);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant_id)
            .fetch_all(&mut *tx)
            .await
            .expect("audit");
    assert_eq!(
        actions,
        [
            "tenant.provisioned",
            "tenant.setup_link_issued",
            "tenant.setup_link_revoked",
            "tenant.deprovisioned",
            "tenant.purged"
        ]
    );
    let details: Value = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE tenant_id = $1 AND action = 'tenant.purged'",
    )
    .bind(tenant_id)
    .fetch_one(&mut *tx)
    .await
    .expect("purge record");
    assert!(
        details["deleted"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r["relation"] == "setup_links" && r["deleted"] == 1),
        "{details}"
    );
    // Connected as pa_tp, the purge reaches tenant-provisioning's own tables only; the other
    // services delete theirs on `tenant.purged`.
    assert!(
        details["deleted"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["relation"] == "setup_links"),
        "{details}"
    );

    // Purged tenants accept nothing any more.
    let problem = assert_problem(
        app.post_empty(&format!("/v1/tenants/{id}/setup-links"))
            .await,
        409,
        "invalid_tenant_state",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("purged")
    );
}
