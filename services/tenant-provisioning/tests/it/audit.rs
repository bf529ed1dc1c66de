//! The audit trail: every change, with who, request id and client address.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, id_of};

#[derive(sqlx::FromRow)]
struct AuditRow {
    action: String,
    actor_type: String,
    actor_id: String,
    request_id: Option<String>,
    client_addr: Option<String>,
    details: Value,
}

#[tokio::test]
async fn every_change_is_audited_with_the_operator_request_id_and_client_address() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant().await;
    let id = id_of(&tenant);
    let email = tenant["contact_email"].as_str().expect("email").to_owned();
    let suspend = app
        .request(Method::POST, &format!("/v1/tenants/{id}/suspend"))
        .header("X-Request-Id", "req-audit-1")
        .json(&json!({"reason": "non-payment"}))
        .send()
        .await
        .expect("request");
    assert_eq!(suspend.status(), 200);
    app.post_empty(&format!("/v1/tenants/{id}/resume")).await;
    app.patch(
        &format!("/v1/tenants/{id}"),
        &json!({"contact_email": crate::helpers::unique_email()}),
    )
    .await;
    app.post_empty(&format!("/v1/tenants/{id}/setup-links/regenerate"))
        .await;

    let tenant_id = pa_domain::TenantId::parse(&id).expect("uuid");
    let mut tx = pa_db::begin_tenant(&app.pool, tenant_id).await.expect("tx");
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT action, actor_type, actor_id, request_id, host(client_addr) AS client_addr, details \
           FROM audit_log WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(tenant_id)
    .fetch_all(&mut *tx)
    .await
    .expect("audit rows");
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "tenant.provisioned",
            "tenant.setup_link_issued",
            "tenant.suspended",
            "tenant.resumed",
            "tenant.updated",
            "tenant.setup_link_revoked",
            "tenant.setup_link_issued",
        ]
    );
    for row in &rows {
        let action = &row.action;
        assert_eq!(row.actor_type, "operator", "{action}");
        assert_eq!(row.actor_id, app.key_id.to_string(), "{action}");
        assert!(row.request_id.is_some(), "{action}");
        assert_eq!(row.client_addr.as_deref(), Some("127.0.0.1"), "{action}");
        let text = row.details.to_string();
        assert!(
            !text.contains("pa_setup_") && !text.contains(&email),
            "no token or e-mail in {action}: {text}"
        );
    }
    assert_eq!(rows[2].request_id.as_deref(), Some("req-audit-1"));
    assert_eq!(rows[2].details["reason"], "non-payment");
    assert_eq!(rows[4].details["changed"], json!(["contact_email"]));
}

#[tokio::test]
async fn operator_key_changes_are_audited_on_the_platform_trail() {
    let app = TestApp::spawn().await;
    let created: Value = app
        .post("/v1/operator-keys", &json!({"name": "audited"}))
        .await
        .json()
        .await
        .expect("json");
    let key_id = created["id"].as_str().expect("id").to_owned();
    app.delete(&format!("/v1/operator-keys/{key_id}")).await;
    let rows: Vec<(String, String, String, Value)> = sqlx::query_as(
        "SELECT action, actor_type, actor_id, details FROM platform_audit_log \
          WHERE target_type = 'operator_key' AND target_id = $1 ORDER BY id",
    )
    .bind(&key_id)
    .fetch_all(&app.pool)
    .await
    .expect("rows");
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["operator_key.created", "operator_key.revoked"]);
    assert!(
        rows.iter()
            .all(|r| r.1 == "operator" && r.2 == app.key_id.to_string())
    );
    let secret = created["key"].as_str().expect("key");
    assert!(
        rows.iter()
            .all(|r| !r.3.to_string().contains(&secret[14..]))
    );
}
