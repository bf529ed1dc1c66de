//! `tenant.purged`: the console deletes the tenant's data itself (tenant-provisioning's purge
//! reaches only its own tables since each service has its own PostgreSQL role), revokes its
//! API tokens and emergency accounts (never deleted: the audit trail names them), audits
//! it, and leaves every other tenant alone.

use std::time::Duration;

use pa_domain::TenantId;
use pa_events::tenant::TenantPurged;
use pa_messaging::{EventMeta, OutboxSignal};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Browser, TestApp, audit_actions, delete_queue, own_events_queue};

const TABLES: [&str; 6] = [
    "console_tenants",
    "console_settings",
    "console_access_config",
    "console_access_groups",
    "console_sessions",
    "console_signin_states",
];

/// The tenant's rows per table in [`TABLES`], and its unrevoked API tokens.
async fn console_rows(app: &TestApp, tenant: TenantId) -> (Vec<i64>, i64) {
    let mut tx = pa_db::begin_tenant(&app.pool, tenant).await.unwrap();
    let mut counts = Vec::new();
    for table in TABLES {
        let sql = format!("SELECT count(*) FROM {table} WHERE tenant_id = $1");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        counts.push(n);
    }
    let live_tokens: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM console_api_tokens WHERE tenant_id = $1 AND revoked_at IS NULL",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (counts, live_tokens)
}

#[tokio::test]
async fn a_purged_tenants_console_data_is_deleted_its_tokens_revoked_and_others_keep_theirs() {
    let queue = own_events_queue();
    let app = TestApp::spawn_with(|s| s.console.events_queue = queue.clone()).await;
    let other = app.other_tenant().await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut b = app.signed_in(&admin).await;
    let (status, created) = b
        .json(
            Method::POST,
            "/v1/api-tokens",
            Some(&json!({"name": "siem", "role": "viewer", "expires_in_days": 30})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let mut tool = Browser::with_token(&app.base, created["token"].as_str().unwrap());
    assert_eq!(tool.get("/v1/users").await.status(), 200);
    let (before, live) = console_rows(&app, app.tenant).await;
    assert!(
        before[..3].iter().all(|n| *n > 0) && before[4] > 0,
        "{before:?}"
    );
    assert_eq!(live, 1);
    let other_before = console_rows(&app, other.tenant).await;

    // What tenant-provisioning's purge publishes once it has deleted its own rows.
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    let meta = EventMeta {
        tenant_id: Some(app.tenant),
        request_id: None,
    };
    let event = TenantPurged {
        tenant_id: app.tenant,
    };
    pa_messaging::enqueue(&mut tx, &meta, &event).await.unwrap();
    OutboxSignal::new().commit(tx).await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (rows, live) = console_rows(&app, app.tenant).await;
        if rows.iter().all(|n| *n == 0) && live == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still there: {rows:?}, {live} live tokens"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let audited = audit_actions(&app.pool, app.tenant, "console.tenant_data_purged").await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    let purged = audited[0].2["purged"].to_string();
    assert!(
        purged.contains("console_sessions") && purged.contains("console_api_tokens"),
        "{purged}"
    );
    assert_eq!(
        tool.get("/v1/users").await.status(),
        401,
        "the token is dead"
    );
    assert_eq!(
        b.get("/v1/users").await.status(),
        401,
        "the session is gone"
    );
    assert_eq!(
        console_rows(&app, other.tenant).await,
        other_before,
        "another tenant's console data"
    );
    delete_queue(&queue).await;
}
