//! Audit tables are append-only for the application role and even for the owner.

use pa_audit::{Actor, AuditEntry, record_platform, record_tenant};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use sqlx::PgConnection;

use crate::init;

fn entry() -> AuditEntry<'static> {
    AuditEntry::new(
        Actor::System {
            component: "audit-test",
        },
        "test.append_only",
    )
}

async fn statement_error(conn: &mut PgConnection, sql: &'static str, id: uuid::Uuid) -> String {
    sqlx::query(sql)
        .bind(id)
        .execute(conn)
        .await
        .expect_err("statement must be rejected")
        .to_string()
}

#[tokio::test]
async fn the_application_role_cannot_update_or_delete_tenant_records() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let id = record_tenant(&mut tx, tenant, &entry())
        .await
        .expect("recorded");
    tx.commit().await.expect("commit");

    for sql in [
        "UPDATE audit_log SET action = 'forged' WHERE id = $1",
        "DELETE FROM audit_log WHERE id = $1",
    ] {
        let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
        let err = statement_error(&mut tx, sql, id).await;
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let err = sqlx::query("TRUNCATE audit_log")
        .execute(&mut *tx)
        .await
        .expect_err("truncate");
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn the_application_role_cannot_update_or_delete_platform_records() {
    init();
    let pool = testing::app_pool().await;
    let mut tx = pool.begin().await.expect("begin");
    let id = record_platform(&mut tx, &entry()).await.expect("recorded");
    tx.commit().await.expect("commit");

    for sql in [
        "UPDATE platform_audit_log SET outcome = 'failure' WHERE id = $1",
        "DELETE FROM platform_audit_log WHERE id = $1",
    ] {
        let mut conn = pool.acquire().await.expect("acquire");
        let err = statement_error(&mut conn, sql, id).await;
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
}

#[tokio::test]
async fn even_the_owner_cannot_rewrite_the_audit_trail() {
    init();
    let app = testing::app_pool().await;
    let mut tx = app.begin().await.expect("begin");
    let platform_id = record_platform(&mut tx, &entry()).await.expect("recorded");
    tx.commit().await.expect("commit");
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&app, tenant).await.expect("begin");
    let tenant_id = record_tenant(&mut tx, tenant, &entry())
        .await
        .expect("recorded");
    tx.commit().await.expect("commit");

    let owner = testing::owner_pool().await;
    let mut conn = owner.acquire().await.expect("acquire");
    let err = statement_error(
        &mut conn,
        "DELETE FROM platform_audit_log WHERE id = $1",
        platform_id,
    )
    .await;
    assert!(err.contains("append-only"), "{err}");
    let err = statement_error(
        &mut conn,
        "UPDATE platform_audit_log SET action = 'x' WHERE id = $1",
        platform_id,
    )
    .await;
    assert!(err.contains("append-only"), "{err}");

    let mut tx = begin_tenant(&owner, tenant).await.expect("begin");
    let err = statement_error(
        &mut tx,
        "UPDATE audit_log SET action = 'x' WHERE id = $1",
        tenant_id,
    )
    .await;
    assert!(err.contains("append-only"), "{err}");
}
