//! Tenant activation: the consumer of the consent service's `setup.completed` makes a pending
//! tenant `active`, marks its link used, audits it and publishes `tenant.activated`; it never
//! resurrects a suspended or deprovisioned tenant.

use std::time::Duration;

use pa_domain::TenantId;
use pa_events::{AccessRole, ConfiguredGroup, InitialAdmin, SetupCompleted};
use pa_messaging::{EventMeta, OutboxSignal};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::bus::EventTap;
use crate::helpers::{TestApp, id_of};

/// What the consent service commits when its wizard finishes, written to the outbox as it
/// does (the test's relay publishes it).
async fn publish_setup_completed(app: &TestApp, tenant: &str, link: Uuid) -> OffsetDateTime {
    let completed_at = OffsetDateTime::now_utc().replace_nanosecond(0).expect("ns");
    publish_setup_completed_at(app, tenant, link, completed_at).await
}

/// [`publish_setup_completed`] with a given `completed_at` (whole seconds).
async fn publish_setup_completed_at(
    app: &TestApp,
    tenant: &str,
    link: Uuid,
    completed_at: OffsetDateTime,
) -> OffsetDateTime {
    let tenant: TenantId = tenant.parse().expect("tenant id");
    let event = SetupCompleted {
        tenant_id: tenant,
        entra_tenant_id: Uuid::new_v4(),
        link_id: link,
        wizard_session_id: Uuid::now_v7(),
        completed_at,
        initial_admin: InitialAdmin {
            object_id: Uuid::new_v4(),
            user_principal_name: "avery@customer.example".into(),
            display_name: "Avery".into(),
            mail: Some("avery@customer.example".into()),
        },
        groups: vec![ConfiguredGroup {
            group_id: Uuid::new_v4(),
            display_name: "Patient Access Admins".into(),
            role: AccessRole::Admin,
        }],
        config_version: 1,
    };
    let mut tx = pa_db::begin_tenant(&app.pool, tenant).await.expect("tx");
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    pa_messaging::enqueue(&mut tx, &meta, &event)
        .await
        .expect("enqueue");
    OutboxSignal::new().commit(tx).await.expect("commit");
    completed_at
}

async fn link_of(app: &TestApp, tenant: &str) -> Value {
    let page: Value = app
        .get(&format!("/v1/tenants/{tenant}/setup-links"))
        .await
        .json()
        .await
        .expect("json");
    page["items"][0].clone()
}

async fn tenant_json(app: &TestApp, tenant: &str) -> Value {
    app.get(&format!("/v1/tenants/{tenant}"))
        .await
        .json()
        .await
        .expect("json")
}

/// Polls until `check` holds for the tenant's JSON (the consumer runs asynchronously).
async fn until(app: &TestApp, tenant: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let t = tenant_json(app, tenant).await;
        if check(&t) {
            return t;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "tenant never reached the expected state: {t}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `action` records in the tenant's audit trail.
async fn audit_actions(app: &TestApp, tenant: &str, action: &str) -> i64 {
    let id: TenantId = tenant.parse().expect("id");
    let mut tx = pa_db::begin_tenant(&app.pool, id).await.expect("tx");
    let n =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = $2")
            .bind(id)
            .bind(action)
            .fetch_one(&mut *tx)
            .await
            .expect("count");
    tx.commit().await.expect("commit");
    n
}

#[tokio::test]
async fn setup_completed_activates_a_pending_tenant_marks_its_link_used_and_publishes_tenant_activated()
 {
    let mut tap = EventTap::start().await;
    let app = TestApp::spawn().await;
    let id = id_of(&app.create_tenant().await);
    let link = link_of(&app, &id).await;
    let link_id: Uuid = link["id"].as_str().expect("link id").parse().expect("uuid");
    let completed_at = publish_setup_completed(&app, &id, link_id).await;

    let tenant = until(&app, &id, |t| t["status"] == "active").await;
    let at = OffsetDateTime::parse(
        tenant["setup_completed_at"].as_str().expect("timestamp"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    assert_eq!(at, completed_at);
    let link = link_of(&app, &id).await;
    assert_eq!(link["status"], "used");
    assert_eq!(link["used_at"], tenant["setup_completed_at"]);
    assert_eq!(audit_actions(&app, &id, "tenant.activated").await, 1);

    let events = tap.wait_for(&id, &["tenant.activated"]).await;
    let (envelope, _) = events
        .iter()
        .find(|(e, _)| e.event_type == "tenant.activated")
        .expect("tenant.activated");
    let activated: pa_events::tenant::TenantActivated =
        envelope.data_as().expect("TenantActivated");
    assert_eq!(activated.tenant_id.to_string(), id);
    assert_eq!(activated.setup_completed_at, completed_at);

    // A second setup.completed for the same tenant (a later one) changes nothing and is
    // recorded as ignored.
    publish_setup_completed_at(
        &app,
        &id,
        link_id,
        completed_at + time::Duration::seconds(1),
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while audit_actions(&app, &id, "tenant.setup_completed_ignored").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never ignored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let again = tenant_json(&app, &id).await;
    assert_eq!(again["setup_completed_at"], tenant["setup_completed_at"]);
    assert_eq!(audit_actions(&app, &id, "tenant.activated").await, 1);
}

#[tokio::test]
async fn a_suspended_tenant_stays_suspended_keeps_the_facts_and_resumes_to_active() {
    let app = TestApp::spawn().await;
    let id = id_of(&app.create_tenant().await);
    let link_id: Uuid = link_of(&app, &id).await["id"]
        .as_str()
        .expect("link id")
        .parse()
        .expect("uuid");
    let suspended = app.post_empty(&format!("/v1/tenants/{id}/suspend")).await;
    assert_eq!(suspended.status(), 200);
    publish_setup_completed(&app, &id, link_id).await;

    let tenant = until(&app, &id, |t| t["setup_completed_at"].is_string()).await;
    assert_eq!(tenant["status"], "suspended", "never resurrected");
    assert_eq!(link_of(&app, &id).await["status"], "used");
    assert_eq!(audit_actions(&app, &id, "tenant.activated").await, 0);
    assert_eq!(
        audit_actions(&app, &id, "tenant.setup_completed_ignored").await,
        1
    );
    let resumed: Value = app
        .post_empty(&format!("/v1/tenants/{id}/resume"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(resumed["status"], "active");
}

#[tokio::test]
async fn a_deprovisioned_tenant_is_not_resurrected_by_a_late_setup_completed() {
    let app = TestApp::spawn().await;
    let id = id_of(&app.create_tenant().await);
    let link_id: Uuid = link_of(&app, &id).await["id"]
        .as_str()
        .expect("link id")
        .parse()
        .expect("uuid");
    let gone = app
        .post_empty(&format!("/v1/tenants/{id}/deprovision"))
        .await;
    assert_eq!(gone.status(), 200);
    publish_setup_completed(&app, &id, link_id).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while audit_actions(&app, &id, "tenant.setup_completed_ignored").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never handled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tenant = tenant_json(&app, &id).await;
    assert_eq!(tenant["status"], "deprovisioned");
    assert!(tenant["setup_completed_at"].is_null());
    assert_eq!(link_of(&app, &id).await["status"], "revoked");
}
