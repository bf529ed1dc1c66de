//! Records are written with every field, inside the caller's transaction.

use std::net::IpAddr;

use pa_audit::{Actor, AuditEntry, AuditError, Outcome, record_platform, record_tenant};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use serde_json::json;
use uuid::Uuid;

use crate::init;

#[derive(sqlx::FromRow, Debug)]
struct Row {
    actor_type: String,
    actor_id: String,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    request_id: Option<String>,
    client_addr: Option<IpAddr>,
    outcome: String,
    details: serde_json::Value,
}

macro_rules! select_columns {
    () => {
        "SELECT actor_type, actor_id, action, target_type, target_id, request_id, client_addr, \
         outcome, details "
    };
}

#[tokio::test]
async fn a_tenant_record_is_written_with_every_field() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let admin = Uuid::now_v7();
    let addr: IpAddr = "203.0.113.7".parse().expect("ip");
    let entry = AuditEntry::new(Actor::Admin { user_id: admin }, "tenant.settings_changed")
        .target("tenant", tenant)
        .request_id("req-42")
        .client_addr(addr)
        .details(json!({"changed": ["display_name"]}));

    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let id = record_tenant(&mut tx, tenant, &entry)
        .await
        .expect("recorded");
    tx.commit().await.expect("commit");
    assert_eq!(id.get_version_num(), 7);

    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let row: Row = sqlx::query_as(concat!(
        select_columns!(),
        "FROM audit_log WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .expect("row");
    assert_eq!(row.actor_type, "admin");
    assert_eq!(row.actor_id, admin.to_string());
    assert_eq!(row.action, "tenant.settings_changed");
    assert_eq!(row.target_type.as_deref(), Some("tenant"));
    assert_eq!(row.target_id, Some(tenant.to_string()));
    assert_eq!(row.request_id.as_deref(), Some("req-42"));
    assert_eq!(row.client_addr, Some(addr));
    assert_eq!(row.outcome, "success");
    assert_eq!(row.details, json!({"changed": ["display_name"]}));
}

#[tokio::test]
async fn a_platform_record_is_written_without_a_tenant_context() {
    init();
    let pool = testing::app_pool().await;
    let key = Uuid::now_v7();
    let entry = AuditEntry {
        actor: Actor::Operator { key_id: key },
        action: "tenant.suspended",
        target_type: Some("tenant"),
        target_id: Some(TenantId::new().to_string()),
        request_id: None,
        client_addr: Some("2001:db8::1".parse().expect("ip")),
        outcome: Outcome::Failure,
        details: json!({"reason": "not_found"}),
    };
    let mut tx = pool.begin().await.expect("begin");
    let id = record_platform(&mut tx, &entry).await.expect("recorded");
    tx.commit().await.expect("commit");

    let row: Row = sqlx::query_as(concat!(
        select_columns!(),
        "FROM platform_audit_log WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&pool)
    .await
    .expect("row");
    assert_eq!(
        (row.actor_type.as_str(), row.outcome.as_str()),
        ("operator", "failure")
    );
    assert_eq!(row.actor_id, key.to_string());
    assert_eq!(row.client_addr, entry.client_addr);
    assert_eq!(row.request_id, None);
}

#[tokio::test]
async fn a_record_rolls_back_with_the_action_it_describes() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let entry = AuditEntry::new(
        Actor::System {
            component: "audit-test",
        },
        "tenant.rolled_back",
    );
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    record_tenant(&mut tx, tenant, &entry)
        .await
        .expect("recorded");
    tx.rollback().await.expect("rollback");

    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_tenant_record_needs_the_same_tenant_context() {
    init();
    let pool = testing::app_pool().await;
    let entry = AuditEntry::new(
        Actor::System {
            component: "audit-test",
        },
        "tenant.mismatch",
    );
    let mut tx = begin_tenant(&pool, TenantId::new()).await.expect("begin");
    let err = record_tenant(&mut tx, TenantId::new(), &entry)
        .await
        .expect_err("another tenant's context");
    assert!(matches!(err, AuditError::TenantContext(_)), "{err:?}");
}

#[tokio::test]
async fn details_must_be_a_json_object() {
    init();
    let pool = testing::app_pool().await;
    let entry = AuditEntry::new(
        Actor::System {
            component: "audit-test",
        },
        "x.y",
    )
    .details(json!(["a"]));
    let mut tx = pool.begin().await.expect("begin");
    let err = record_platform(&mut tx, &entry)
        .await
        .expect_err("not an object");
    assert!(matches!(err, AuditError::DetailsNotAnObject), "{err:?}");
}
