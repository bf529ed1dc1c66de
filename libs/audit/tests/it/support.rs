//! Helpers shared by the chain, query, export and retention tests.

use std::time::Duration;

use pa_audit::{Actor, AuditEntry, SealOutcome, Sealer, record_tenant};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Writes one record through pa-audit (queued for sealing like any writer's).
pub async fn write(pool: &PgPool, tenant: TenantId, action: &str) -> Uuid {
    let entry = AuditEntry::new(
        Actor::System {
            component: "audit-test",
        },
        action,
    );
    write_entry(pool, tenant, &entry).await
}

/// Writes `entry` for `tenant` in its own transaction.
pub async fn write_entry(pool: &PgPool, tenant: TenantId, entry: &AuditEntry<'_>) -> Uuid {
    let mut tx = begin_tenant(pool, tenant).await.expect("begin");
    let id = record_tenant(&mut tx, tenant, entry)
        .await
        .expect("recorded");
    tx.commit().await.expect("commit");
    id
}

/// Writes a record that occurred at `at` (as pa_app, through the queue like any writer).
pub async fn write_at(pool: &PgPool, tenant: TenantId, action: &str, at: OffsetDateTime) -> Uuid {
    let id = Uuid::now_v7();
    let mut tx = begin_tenant(pool, tenant).await.expect("begin");
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, occurred_at, actor_type, actor_id, action, outcome) \
         VALUES ($1, $2, $3, 'system', 'audit-test', $4, 'success')",
    )
    .bind(tenant)
    .bind(id)
    .bind(at)
    .bind(action)
    .execute(&mut *tx)
    .await
    .expect("insert");
    tx.commit().await.expect("commit");
    id
}

/// Seals `tenant`'s queued records, waiting out another sealer (tests run in parallel, and
/// one of them runs the sealer loop over every tenant).
pub async fn seal(sealer: &Sealer, tenant: TenantId) {
    for _ in 0..200 {
        match sealer.seal_tenant(tenant).await.expect("sealed") {
            SealOutcome::Sealed { .. } => return,
            SealOutcome::Busy => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("tenant {tenant} stayed busy");
}

/// Runs `sql` (binding `tenant` as $1 and `id` as $2) as the superuser with triggers off
/// (`session_replication_role = replica`): how someone with full database access would
/// tamper with the trail behind the application's back.
pub async fn tamper(sql: &str, tenant: TenantId, id: Uuid) {
    tamper_with(sql, |q| q.bind(tenant).bind(id)).await;
}

/// [`tamper`] binding `tenant` as $1 and a chain position as $2.
pub async fn tamper_seq(sql: &str, tenant: TenantId, seq: i64) {
    tamper_with(sql, |q| q.bind(tenant).bind(seq)).await;
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

async fn tamper_with(sql: &str, bind: impl for<'q> FnOnce(Query<'q>) -> Query<'q>) {
    let admin = testing::admin_pool().await;
    let mut tx = admin.begin().await.expect("begin");
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .expect("replica role");
    let done = bind(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())))
        .execute(&mut *tx)
        .await
        .expect("tampered");
    assert!(done.rows_affected() > 0, "{sql} changed nothing");
    tx.commit().await.expect("commit");
}
