//! What the schema guarantees on its own: the chain encoding covers every column, the
//! console's actors are accepted, and the application role can't rewrite the chain.

use pa_audit::{Actor, AuditEntry, record_platform, record_tenant};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use uuid::Uuid;

use crate::init;

/// Every column the chain encoding (version 1) hashes, in its order.
const ENCODED_COLUMNS: [&str; 12] = [
    "tenant_id",
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "request_id",
    "client_addr",
    "outcome",
    "details",
];

#[tokio::test]
async fn the_chain_encoding_covers_every_column_of_audit_log() {
    init();
    let pool = testing::owner_pool().await;
    let mut columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = 'audit_log' ORDER BY ordinal_position",
    )
    .fetch_all(&pool)
    .await
    .expect("columns");
    columns.sort();
    let mut encoded: Vec<String> = ENCODED_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    encoded.sort();
    assert_eq!(
        columns, encoded,
        "a new audit_log column needs a new chain encoding version (chain::encoding)"
    );
}

#[tokio::test]
async fn the_console_actors_are_accepted_in_both_audit_tables() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let id = Uuid::now_v7();
    let actors = [
        Actor::ConsoleUser { object_id: id },
        Actor::ApiToken { token_id: id },
        Actor::EmergencyAccess { account_id: id },
    ];
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    for actor in actors {
        let entry = AuditEntry::new(actor, "session.started");
        record_tenant(&mut tx, tenant, &entry)
            .await
            .expect("tenant record");
        record_platform(&mut tx, &entry)
            .await
            .expect("platform record");
    }
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT actor_type::text FROM audit_log WHERE tenant_id = $1 ORDER BY actor_type",
    )
    .bind(tenant)
    .fetch_all(&mut *tx)
    .await
    .expect("kinds");
    assert_eq!(kinds, ["api_token", "console_user", "emergency_access"]);
    tx.rollback().await.expect("rollback");

    // The rule itself is still enforced.
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let err = sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, outcome) \
         VALUES ($1, $2, 'intruder', 'x', 'x.y', 'success')",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .execute(&mut *tx)
    .await
    .expect_err("unknown actor type");
    assert!(err.to_string().contains("audit_actor_type_check"), "{err}");
}

#[tokio::test]
async fn the_application_role_cannot_rewrite_the_chain_or_forge_a_checkpoint() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    for sql in [
        "UPDATE audit_chain SET seq = seq WHERE tenant_id = $1",
        "DELETE FROM audit_chain WHERE tenant_id = $1",
        "DELETE FROM audit_chain_heads WHERE tenant_id = $1",
        "DELETE FROM audit_seal_queue WHERE tenant_id = $1",
        "INSERT INTO audit_chain_checkpoints (tenant_id, through_seq, through_hash, purged, cutoff) \
         VALUES ($1, 1, decode(repeat('00', 32), 'hex'), 0, now())",
        "DELETE FROM audit_retention WHERE tenant_id = $1",
    ] {
        let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
        let err = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .execute(&mut *tx)
            .await
            .expect_err(sql);
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }

    // The purge's escape hatch is not one for the application role.
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    sqlx::query("SELECT set_config('pa_audit.purging', 'on', true)")
        .execute(&mut *tx)
        .await
        .expect("anyone may set a custom setting");
    let err = sqlx::query("DELETE FROM audit_log WHERE tenant_id = $1")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .expect_err("still no privilege");
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn even_the_owner_cannot_delete_chain_rows_outside_the_purge() {
    init();
    let owner = testing::owner_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&owner, tenant).await.expect("begin");
    sqlx::query(
        "INSERT INTO audit_chain (tenant_id, seq, audit_id, encoding, prev_hash, hash) \
         VALUES ($1, 1, $2, 1, decode(repeat('00', 32), 'hex'), decode(repeat('11', 32), 'hex'))",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .execute(&mut *tx)
    .await
    .expect("insert");
    let err = sqlx::query("DELETE FROM audit_chain WHERE tenant_id = $1")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .expect_err("append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
}
