//! Retention: expired records are purged through audit_purge() and the chain still verifies.

use pa_audit::{
    ChainVerification, Retention, RetentionPurger, Sealer, purge_expired, set_tenant_retention,
    tenant_retention, verify_chain,
};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::init;
use crate::support::{seal, write_at};

/// The tests purge "in the future" (now + this), so records they write a few days apart
/// are expired for them — and for nobody else: a real-time purge by a parallel test never
/// touches them.
const YEARS_AHEAD: i64 = 7;

fn future_now() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(365 * YEARS_AHEAD)
}

/// `old` records occurred just past the default retention at [`future_now`]; `recent` ones
/// well inside it. All sealed.
async fn tenant_with_history(pool: &PgPool, old: usize, recent: usize) -> (TenantId, Vec<Uuid>) {
    let tenant = TenantId::new();
    let now = future_now();
    let expired = Retention::DEFAULT.cutoff(now) - Duration::days(1);
    let mut ids = Vec::new();
    for i in 0..old {
        ids.push(
            write_at(
                pool,
                tenant,
                "test.old",
                expired - Duration::hours(i as i64),
            )
            .await,
        );
    }
    for i in 0..recent {
        ids.push(
            write_at(
                pool,
                tenant,
                "test.recent",
                now - Duration::days(30 + i as i64),
            )
            .await,
        );
    }
    seal(&Sealer::new(pool.clone()), tenant).await;
    (tenant, ids)
}

async fn remaining(pool: &PgPool, tenant: TenantId, action: &str) -> i64 {
    let mut tx = begin_tenant(pool, tenant).await.expect("begin");
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = $2")
        .bind(tenant)
        .bind(action)
        .fetch_one(&mut *tx)
        .await
        .expect("count")
}

#[tokio::test]
async fn expired_records_are_purged_and_the_rest_of_the_chain_still_verifies() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, _) = tenant_with_history(&pool, 3, 2).await;

    let outcome = purge_expired(&pool, tenant, future_now())
        .await
        .expect("purged");
    assert_eq!(outcome.purged, 3);
    let (through, _) = outcome.checkpoint.expect("a checkpoint");
    assert_eq!(through, 3);
    assert_eq!(remaining(&pool, tenant, "test.old").await, 0);
    assert_eq!(remaining(&pool, tenant, "test.recent").await, 2);

    // The purge recorded itself; once that is sealed too, everything after the cut verifies.
    seal(&Sealer::new(pool.clone()), tenant).await;
    let ChainVerification::Intact(intact) = verify_chain(&pool, tenant, None).await.expect("ok")
    else {
        panic!("the chain must verify from its checkpoint");
    };
    let checkpoint = intact.checkpoint.expect("checkpoint");
    assert_eq!((checkpoint.through_seq, checkpoint.purged), (3, 3));
    assert_eq!(
        (intact.first_seq, intact.verified, intact.head_seq),
        (4, 3, 6)
    );
    assert_eq!(remaining(&pool, tenant, "audit.records_purged").await, 1);

    // Nothing more is due: a second purge deletes nothing and keeps the checkpoint.
    let again = purge_expired(&pool, tenant, future_now())
        .await
        .expect("purged");
    assert_eq!((again.purged, again.checkpoint.map(|c| c.0)), (0, Some(3)));
}

#[tokio::test]
async fn an_expired_record_that_is_not_sealed_is_never_purged() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, _) = tenant_with_history(&pool, 2, 0).await;
    // An expired record nothing queued for sealing (triggers off), then a sealed one after
    // it: the unsealed one stays, whatever its age.
    let admin = testing::admin_pool().await;
    let mut tx = admin.begin().await.expect("begin");
    sqlx::raw_sql("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .expect("replica");
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, occurred_at, actor_type, actor_id, action, outcome) \
         VALUES ($1, $2, $3, 'system', 'audit-test', 'test.unsealed', 'success')",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(Retention::DEFAULT.cutoff(future_now()) - Duration::days(400))
    .execute(&mut *tx)
    .await
    .expect("inserted");
    tx.commit().await.expect("commit");

    let outcome = purge_expired(&pool, tenant, future_now())
        .await
        .expect("purged");
    assert_eq!(outcome.purged, 2);
    assert_eq!(remaining(&pool, tenant, "test.unsealed").await, 1);
}

#[tokio::test]
async fn the_purge_stops_at_the_first_seal_that_is_not_expired() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let now = future_now();
    let expired = Retention::DEFAULT.cutoff(now) - Duration::days(1);
    // Sealed in this order: old, recent, old. Only a prefix of the chain can be cut.
    write_at(&pool, tenant, "test.old", expired).await;
    seal(&Sealer::new(pool.clone()), tenant).await;
    write_at(&pool, tenant, "test.recent", now).await;
    seal(&Sealer::new(pool.clone()), tenant).await;
    write_at(&pool, tenant, "test.old", expired).await;
    seal(&Sealer::new(pool.clone()), tenant).await;

    let outcome = purge_expired(&pool, tenant, now).await.expect("purged");
    assert_eq!(
        (outcome.purged, outcome.checkpoint.map(|c| c.0)),
        (1, Some(1))
    );
    assert_eq!(remaining(&pool, tenant, "test.old").await, 1);
}

#[tokio::test]
async fn retention_is_set_per_tenant() {
    init();
    let pool = testing::app_pool().await;
    let (short, _) = tenant_with_history(&pool, 0, 1).await;
    let (default, _) = tenant_with_history(&pool, 0, 1).await;
    // Both have one record 30 days before "now"; a year's retention 400 days later expires it.
    let mut tx = begin_tenant(&pool, short).await.expect("begin");
    let year = Retention::from_days(365).expect("valid");
    set_tenant_retention(&mut tx, short, year)
        .await
        .expect("set");
    assert_eq!(tenant_retention(&mut tx, short).await.expect("read"), year);
    tx.commit().await.expect("commit");

    let later = future_now() + Duration::days(400);
    assert_eq!(
        purge_expired(&pool, short, later).await.expect("ok").purged,
        1
    );
    assert_eq!(
        purge_expired(&pool, default, later)
            .await
            .expect("ok")
            .purged,
        0
    );
    let mut tx = begin_tenant(&pool, default).await.expect("begin");
    assert_eq!(
        tenant_retention(&mut tx, default).await.expect("read"),
        Retention::DEFAULT
    );
}

#[tokio::test]
async fn the_purge_function_refuses_without_a_tenant_context() {
    init();
    let pool = testing::app_pool().await;
    let err = sqlx::query("SELECT * FROM audit_purge(now(), 10)")
        .fetch_all(&pool)
        .await
        .expect_err("no tenant context");
    assert!(err.to_string().contains("no tenant context"), "{err}");
}

#[tokio::test]
async fn the_purge_job_sweeps_every_tenant_with_a_chain() {
    init();
    let pool = testing::app_pool().await;
    // Real time here: a record 400 days old under a one-year retention.
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    set_tenant_retention(&mut tx, tenant, Retention::from_days(365).expect("valid"))
        .await
        .expect("set");
    tx.commit().await.expect("commit");
    let now = OffsetDateTime::now_utc();
    write_at(&pool, tenant, "test.old", now - Duration::days(400)).await;
    write_at(&pool, tenant, "test.recent", now).await;
    seal(&Sealer::new(pool.clone()), tenant).await;

    let sweep = RetentionPurger::new(pool.clone())
        .purge_all(now)
        .await
        .expect("swept");
    assert!(sweep.tenants >= 1 && sweep.purged >= 1, "{sweep:?}");
    assert_eq!(sweep.failed, 0);
    assert_eq!(remaining(&pool, tenant, "test.old").await, 0);
    assert_eq!(remaining(&pool, tenant, "test.recent").await, 1);
}
