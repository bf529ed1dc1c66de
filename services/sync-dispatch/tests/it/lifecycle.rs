//! The tenant's lifecycle (tenant-provisioning's events): suspended and deprovisioned
//! tenants are not synced; a purged tenant's synced data is deleted.

use std::time::Duration;

use pa_events::tenant::{TenantPurged, TenantResumed, TenantSuspended};
use pa_events::{DeactivationReason, SyncKind, SyncRequested, UserDeactivated};
use reqwest::Method;

use crate::support::{Stack, hospital, is_active};

#[tokio::test]
async fn a_suspended_tenant_is_not_synced_until_it_is_resumed() {
    let stack = Stack::start().await;
    let t = stack.tenant("Suspended Hospital").await;
    let h = hospital::build(&stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;
    // tenant-provisioning suspends it: the registry and the event.
    sqlx::query("UPDATE tenants SET status = 'suspended', suspended_at = now() WHERE id = $1")
        .bind(t.id)
        .execute(&stack.admin)
        .await
        .unwrap();
    stack
        .publish(t.id, &TenantSuspended { tenant_id: t.id })
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status: serde_json::Value = stack
            .get(&format!("/v1/tenants/{}/sync", t.id))
            .await
            .json()
            .await
            .unwrap();
        if status["lifecycle"] == "suspended" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let response = stack
        .request(Method::POST, &format!("/v1/tenants/{}/sync", t.id))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "tenant_not_syncable");
    // The console's "sync now" is remembered, but nothing runs while suspended.
    let runs = stack.run_ids(&t).await;
    let request = SyncRequested {
        tenant_id: t.id,
        kind: SyncKind::Incremental,
        requested_by: "user:it".into(),
    };
    stack.publish(t.id, &request).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stack.run_ids(&t).await, runs);

    sqlx::query("UPDATE tenants SET status = 'active', suspended_at = NULL WHERE id = $1")
        .bind(t.id)
        .execute(&stack.admin)
        .await
        .unwrap();
    let resumed = TenantResumed {
        tenant_id: t.id,
        status: "active".into(),
    };
    stack.publish(t.id, &resumed).await;
    let run = stack.wait_run(&t, &runs, |r| !is_active(r)).await;
    assert_eq!(
        (run.trigger.as_str(), run.status.as_str()),
        ("sync_now", "succeeded")
    );
    stack.shutdown().await;
}

#[tokio::test]
async fn a_purged_tenants_synced_data_is_deleted_and_its_active_users_are_ended() {
    let stack = Stack::start().await;
    let t = stack.tenant("Purged Hospital").await;
    let h = hospital::build(&stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;

    stack.publish(t.id, &TenantPurged { tenant_id: t.id }).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stack
        .count(&t, "SELECT count(*) FROM sync_tenants WHERE tenant_id = $1")
        .await
        > 0
    {
        assert!(tokio::time::Instant::now() < deadline, "not purged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for table in [
        "directory_users",
        "directory_user_grants",
        "directory_groups",
        "directory_user_history",
        "sync_group_closure",
        "sync_runs",
        "sync_access_groups",
        "sync_direct_assignments",
    ] {
        let left = stack
            .count(
                &t,
                &format!("SELECT count(*) FROM {table} WHERE tenant_id = $1"),
            )
            .await;
        assert_eq!(left, 0, "{table}");
    }
    let event = stack
        .probe
        .wait_for("user.deactivated", Duration::from_secs(20), |e| {
            e.data["object_id"] == h.user("alice").to_string()
        })
        .await;
    let event: UserDeactivated = event.data_as().unwrap();
    assert_eq!(event.reason, DeactivationReason::TenantPurged);
    assert_eq!(
        stack.probe.events("user.deactivated").len(),
        7,
        "every active user"
    );
    let audited = stack
        .count(&t, "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'sync.tenant_data_purged'")
        .await;
    assert_eq!(audited, 1, "the audit trail stays");
    stack.shutdown().await;
}
