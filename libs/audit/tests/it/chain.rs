//! The hash chain: sealing, and verification finding the first broken record.

use std::time::{Duration, Instant};

use pa_audit::{
    BreakReason, ChainBreak, ChainHash, ChainVerification, SealOutcome, Sealer, SealerSettings,
    verify_chain,
};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use sqlx::PgPool;
use uuid::Uuid;

use crate::init;
use crate::support::{seal, tamper, tamper_seq, write};

/// A tenant with `n` sealed records; returns their ids in chain order.
async fn sealed_chain(pool: &PgPool, n: usize) -> (TenantId, Vec<Uuid>) {
    let tenant = TenantId::new();
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(write(pool, tenant, &format!("test.step_{i}")).await);
    }
    seal(&Sealer::new(pool.clone()), tenant).await;
    (tenant, ids)
}

async fn expect_broken(pool: &PgPool, tenant: TenantId) -> ChainBreak {
    match verify_chain(pool, tenant, None).await.expect("verified") {
        ChainVerification::Broken(b) => b,
        ChainVerification::Intact(i) => panic!("tampering went unnoticed: {i:?}"),
    }
}

async fn chain_ids(pool: &PgPool, tenant: TenantId) -> Vec<(i64, Uuid)> {
    let mut tx = begin_tenant(pool, tenant).await.expect("begin");
    sqlx::query_as("SELECT seq, audit_id FROM audit_chain WHERE tenant_id = $1 ORDER BY seq")
        .bind(tenant)
        .fetch_all(&mut *tx)
        .await
        .expect("chain")
}

#[tokio::test]
async fn sealed_records_form_an_intact_chain_in_write_order() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 4).await;

    let chain = chain_ids(&pool, tenant).await;
    let expected: Vec<(i64, Uuid)> = (1..).zip(ids.iter().copied()).collect();
    assert_eq!(chain, expected);
    let ChainVerification::Intact(intact) = verify_chain(&pool, tenant, None).await.expect("ok")
    else {
        panic!("an untouched chain must verify");
    };
    assert_eq!(
        (intact.verified, intact.first_seq, intact.head_seq),
        (4, 1, 4)
    );
    assert_ne!(intact.head_hash, ChainHash::GENESIS);
    assert_eq!((intact.unsealed, intact.checkpoint), (0, None));
}

#[tokio::test]
async fn an_altered_record_is_found_and_named() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 5).await;
    tamper(
        "UPDATE audit_log SET details = '{\"covered\": \"up\"}' WHERE tenant_id = $1 AND id = $2",
        tenant,
        ids[2],
    )
    .await;

    let b = expect_broken(&pool, tenant).await;
    assert_eq!(
        b,
        ChainBreak {
            seq: 3,
            audit_id: Some(ids[2]),
            reason: BreakReason::ContentAltered,
            verified: 2,
        }
    );
    assert_eq!(b.reason.code(), "content_altered");
}

#[tokio::test]
async fn a_changed_timestamp_or_actor_is_an_alteration_too() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 2).await;
    tamper(
        "UPDATE audit_log SET occurred_at = occurred_at - interval '1 microsecond' \
         WHERE tenant_id = $1 AND id = $2",
        tenant,
        ids[0],
    )
    .await;
    let b = expect_broken(&pool, tenant).await;
    assert_eq!((b.seq, b.reason), (1, BreakReason::ContentAltered));

    let (tenant, ids) = sealed_chain(&pool, 2).await;
    tamper(
        "UPDATE audit_log SET actor_type = 'console_user' WHERE tenant_id = $1 AND id = $2",
        tenant,
        ids[1],
    )
    .await;
    let b = expect_broken(&pool, tenant).await;
    assert_eq!((b.seq, b.reason), (2, BreakReason::ContentAltered));
}

#[tokio::test]
async fn a_deleted_record_is_found_and_named() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 4).await;
    tamper(
        "DELETE FROM audit_log WHERE tenant_id = $1 AND id = $2",
        tenant,
        ids[1],
    )
    .await;

    let b = expect_broken(&pool, tenant).await;
    assert_eq!(
        b,
        ChainBreak {
            seq: 2,
            audit_id: Some(ids[1]),
            reason: BreakReason::RecordDeleted,
            verified: 1,
        }
    );
}

#[tokio::test]
async fn a_record_deleted_with_its_chain_row_leaves_a_gap() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 4).await;
    tamper(
        "DELETE FROM audit_log WHERE tenant_id = $1 AND id = $2",
        tenant,
        ids[2],
    )
    .await;
    tamper_seq(
        "DELETE FROM audit_chain WHERE tenant_id = $1 AND seq = $2",
        tenant,
        3,
    )
    .await;

    let b = expect_broken(&pool, tenant).await;
    assert_eq!(
        (b.seq, b.audit_id, b.reason),
        (3, None, BreakReason::ChainRowMissing)
    );
}

#[tokio::test]
async fn the_last_records_deleted_with_their_chain_rows_are_missed_by_the_head() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 3).await;
    tamper(
        "DELETE FROM audit_log WHERE tenant_id = $1 AND id = $2",
        tenant,
        ids[2],
    )
    .await;
    tamper_seq(
        "DELETE FROM audit_chain WHERE tenant_id = $1 AND seq = $2",
        tenant,
        3,
    )
    .await;

    let b = expect_broken(&pool, tenant).await;
    assert_eq!(
        (b.seq, b.reason, b.verified),
        (3, BreakReason::ChainRowMissing, 2)
    );
}

#[tokio::test]
async fn reordered_records_are_found() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 4).await;
    // Swap which records positions 2 and 3 seal.
    let admin = testing::admin_pool().await;
    let mut tx = admin.begin().await.expect("begin");
    sqlx::raw_sql("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .expect("replica");
    // Three steps: the (tenant_id, audit_id) key is checked row by row.
    for (seq, id) in [(2, Uuid::nil()), (3, ids[1]), (2, ids[2])] {
        sqlx::query("UPDATE audit_chain SET audit_id = $3 WHERE tenant_id = $1 AND seq = $2")
            .bind(tenant)
            .bind(seq)
            .bind(id)
            .execute(&mut *tx)
            .await
            .expect("swapped");
    }
    tx.commit().await.expect("commit");

    let b = expect_broken(&pool, tenant).await;
    assert_eq!(
        (b.seq, b.audit_id, b.reason),
        (2, Some(ids[2]), BreakReason::ContentAltered)
    );
}

#[tokio::test]
async fn a_rehashed_chain_row_breaks_the_link_of_the_next() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, _) = sealed_chain(&pool, 3).await;
    tamper_seq(
        "UPDATE audit_chain SET hash = sha256(hash) WHERE tenant_id = $1 AND seq = $2",
        tenant,
        1,
    )
    .await;

    // Position 1 no longer matches its record; had the forger also fixed that, position 2
    // would still not link to it.
    let b = expect_broken(&pool, tenant).await;
    assert_eq!((b.seq, b.reason), (1, BreakReason::ContentAltered));
}

#[tokio::test]
async fn verification_can_start_at_a_later_position() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, ids) = sealed_chain(&pool, 5).await;
    let ChainVerification::Intact(part) = verify_chain(&pool, tenant, Some(4))
        .await
        .expect("verified")
    else {
        panic!("intact");
    };
    assert_eq!((part.first_seq, part.verified, part.head_seq), (4, 2, 5));

    // An alteration before `from` is outside what was asked.
    tamper(
        "UPDATE audit_log SET action = 'x.y' WHERE tenant_id = $1 AND id = $2",
        tenant,
        ids[0],
    )
    .await;
    assert!(matches!(
        verify_chain(&pool, tenant, Some(2))
            .await
            .expect("verified"),
        ChainVerification::Intact(_)
    ));
    assert_eq!(expect_broken(&pool, tenant).await.seq, 1);
}

#[tokio::test]
async fn sealing_continues_the_chain_across_batches_and_calls() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let small = Sealer::with_settings(
        pool.clone(),
        SealerSettings {
            batch_size: 2,
            ..SealerSettings::default()
        },
    );
    for i in 0..5 {
        write(&pool, tenant, &format!("test.first_{i}")).await;
    }
    seal(&small, tenant).await;
    for i in 0..3 {
        write(&pool, tenant, &format!("test.second_{i}")).await;
    }
    seal(&small, tenant).await;

    let ChainVerification::Intact(intact) = verify_chain(&pool, tenant, None).await.expect("ok")
    else {
        panic!("intact");
    };
    assert_eq!(
        (intact.verified, intact.head_seq, intact.unsealed),
        (8, 8, 0)
    );
}

#[tokio::test]
async fn a_sealer_skips_a_tenant_another_one_is_sealing_and_writers_never_wait() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, _) = sealed_chain(&pool, 1).await;
    // Another sealer's transaction, holding the tenant's chain head.
    let mut other = begin_tenant(&pool, tenant).await.expect("begin");
    sqlx::query("SELECT seq FROM audit_chain_heads WHERE tenant_id = $1 FOR UPDATE")
        .bind(tenant)
        .execute(&mut *other)
        .await
        .expect("locked");

    let started = Instant::now();
    let id = write(&pool, tenant, "test.written_meanwhile").await;
    let outcome = Sealer::new(pool.clone())
        .seal_tenant(tenant)
        .await
        .expect("ok");
    assert_eq!(outcome, SealOutcome::Busy);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    other.rollback().await.expect("rollback");

    seal(&Sealer::new(pool.clone()), tenant).await;
    assert_eq!(chain_ids(&pool, tenant).await.last(), Some(&(2, id)));
}

#[tokio::test]
async fn concurrent_sealers_and_writers_build_one_gapless_chain() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    write(&pool, tenant, &format!("test.w{w}_{i}")).await;
                }
            })
        })
        .collect();
    let sealers: Vec<_> = (0..3)
        .map(|_| {
            let sealer = Sealer::new(pool.clone());
            tokio::spawn(async move {
                for _ in 0..20 {
                    sealer.seal_tenant(tenant).await.expect("no error");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    for task in writers.into_iter().chain(sealers) {
        task.await.expect("task");
    }
    seal(&Sealer::new(pool.clone()), tenant).await;

    let chain = chain_ids(&pool, tenant).await;
    assert_eq!(chain.len(), 100);
    assert!(chain.iter().zip(1..).all(|((seq, _), n)| *seq == n));
    let ChainVerification::Intact(intact) = verify_chain(&pool, tenant, None).await.expect("ok")
    else {
        panic!("intact");
    };
    assert_eq!((intact.verified, intact.unsealed), (100, 0));
}

#[tokio::test]
async fn the_sealer_loop_seals_a_record_within_about_a_second() {
    init();
    let pool = testing::app_pool().await;
    // Whatever earlier runs left queued is sealed first, so the measurement is of the loop.
    Sealer::new(pool.clone())
        .seal_pending()
        .await
        .expect("drained");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(Sealer::new(pool.clone()).run(stopped));

    let tenant = TenantId::new();
    let id = write(&pool, tenant, "test.sealed_soon").await;
    let written = Instant::now();
    loop {
        if chain_ids(&pool, tenant).await == vec![(1, id)] {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(3),
            "not sealed after 3 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let latency = written.elapsed();
    stop.send(true).expect("loop alive");
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the loop stops on shutdown")
        .expect("task");
    assert!(latency < Duration::from_millis(1_500), "{latency:?}");
}

#[tokio::test]
async fn a_record_inserted_past_the_queue_is_reported_unsealed() {
    init();
    let pool = testing::app_pool().await;
    let (tenant, _) = sealed_chain(&pool, 1).await;
    // With triggers off nothing queues the record: it is never sealed.
    let admin = testing::admin_pool().await;
    let mut tx = admin.begin().await.expect("begin");
    sqlx::raw_sql("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .expect("replica");
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, outcome) \
         VALUES ($1, $2, 'system', 'forger', 'test.forged', 'success')",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .execute(&mut *tx)
    .await
    .expect("inserted");
    tx.commit().await.expect("commit");

    let ChainVerification::Intact(intact) = verify_chain(&pool, tenant, None).await.expect("ok")
    else {
        panic!("the sealed part is intact");
    };
    assert_eq!((intact.verified, intact.unsealed), (1, 1));
    assert!(intact.oldest_unsealed_at.is_some());
}

#[tokio::test]
async fn a_queue_entry_without_a_record_is_dropped_by_the_sealer() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let kept = write(&pool, tenant, "test.real").await;
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    sqlx::query("INSERT INTO audit_seal_queue (tenant_id, audit_id) VALUES ($1, $2)")
        .bind(tenant)
        .bind(Uuid::now_v7())
        .execute(&mut *tx)
        .await
        .expect("queued");
    tx.commit().await.expect("commit");

    seal(&Sealer::new(pool.clone()), tenant).await;
    assert_eq!(chain_ids(&pool, tenant).await, vec![(1, kept)]);
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_seal_queue WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await
            .expect("count");
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn a_tenant_sees_and_verifies_only_its_own_chain() {
    init();
    let pool = testing::app_pool().await;
    let (mine, _) = sealed_chain(&pool, 2).await;
    let (theirs, _) = sealed_chain(&pool, 3).await;

    let mut tx = begin_tenant(&pool, mine).await.expect("begin");
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_chain WHERE tenant_id = $1")
        .bind(theirs)
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(
        visible, 0,
        "row-level security hides another tenant's chain"
    );
    let heads: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_chain_heads")
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(heads, 1);
    let ChainVerification::Intact(intact) = verify_chain(&pool, mine, None).await.expect("ok")
    else {
        panic!("intact");
    };
    assert_eq!(intact.head_seq, 2);
}
