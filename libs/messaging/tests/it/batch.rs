//! `ConsumerSpec::batch`: several deliveries per transaction, with per-message outcomes.

use std::time::Duration;

use pa_db::testing;
use pa_domain::TenantId;
use pa_messaging::{Event, OutboxRelay};
use serde::Serialize;
use sqlx::PgPool;

use crate::support::{self, Behaviour, Recorder, RunningConsumer, init};

#[derive(Serialize)]
struct Batched {
    n: usize,
    reject: bool,
}

impl Event for Batched {
    const TYPE: &'static str = "test.messaging.batched";
}

/// The same payload under its own type (and so its own queue binding), for the other test.
#[derive(Serialize)]
struct BatchedWithFailure {
    n: usize,
    reject: bool,
}

impl Event for BatchedWithFailure {
    const TYPE: &'static str = "test.messaging.batched-with-failure";
}

/// Transactions that recorded `consumer`'s processed messages.
async fn transactions(pool: &PgPool, consumer: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(DISTINCT xmin::text) FROM processed_messages WHERE consumer = $1",
    )
    .bind(consumer)
    .fetch_one(pool)
    .await
    .expect("count transactions")
}

#[tokio::test]
async fn a_batching_consumer_handles_a_backlog_of_several_tenants_once_each_in_few_transactions() {
    init();
    const TENANTS: usize = 3;
    const PER_TENANT: usize = 40;
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let mut spec = support::declared_spec(&channel, "batch", Batched::TYPE).await;
    spec.batch = 64;
    // One lane: every batch holds several tenants, so the tenant context switches within it.
    spec.concurrency = 1;
    let tenants: Vec<TenantId> = (0..TENANTS).map(|_| TenantId::new()).collect();
    let relay = OutboxRelay::new(pool.clone(), support::settings());

    // One message published twice (as after a relay retry), both copies in the backlog.
    let mut tx = pa_db::begin_tenant(&pool, tenants[0]).await.expect("begin");
    let meta = pa_messaging::EventMeta {
        tenant_id: Some(tenants[0]),
        request_id: None,
    };
    let twice = Batched {
        n: usize::MAX,
        reject: false,
    };
    let twice = pa_messaging::enqueue(&mut tx, &meta, &twice)
        .await
        .expect("enqueue");
    let (payload, headers): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("SELECT payload, headers FROM outbox WHERE id = $1")
            .bind(twice)
            .fetch_one(&mut *tx)
            .await
            .expect("outbox row");
    tx.commit().await.expect("commit");
    relay.drain_once().await.expect("drain");
    sqlx::query("INSERT INTO outbox (id, event_type, payload, headers) VALUES ($1, $2, $3, $4)")
        .bind(twice)
        .bind(Batched::TYPE)
        .bind(&payload)
        .bind(&headers)
        .execute(&pool)
        .await
        .expect("re-enqueue the same id");
    for n in 0..PER_TENANT {
        for tenant in &tenants {
            let event = Batched { n, reject: false };
            support::enqueue_committed(&pool, *tenant, &event).await;
        }
    }
    relay.drain_once().await.expect("drain the backlog");

    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    let expected = |i: usize| PER_TENANT as i64 + i64::from(i == 0);
    assert!(
        support::eventually(Duration::from_secs(60), || async {
            for (i, tenant) in tenants.iter().enumerate() {
                if support::effects(&pool, *tenant).await != expected(i) {
                    return false;
                }
            }
            true
        })
        .await,
        "every message handled"
    );
    // Nothing more arrives later, and nothing ran twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (i, tenant) in tenants.iter().enumerate() {
        assert_eq!(support::effects(&pool, *tenant).await, expected(i));
    }
    let calls = recorder.calls();
    assert_eq!(
        calls.len(),
        TENANTS * PER_TENANT + 1,
        "one call per distinct id"
    );
    assert_eq!(calls.iter().filter(|c| **c == twice).count(), 1);
    assert_eq!(support::processed(&pool, &spec.queue, twice).await, 1);
    let mut committed = recorder.committed();
    committed.sort();
    committed.dedup();
    assert_eq!(
        committed.len(),
        TENANTS * PER_TENANT + 1,
        "every handled message reported committed once its batch committed"
    );
    assert_eq!(recorder.committed().len(), committed.len(), "each once");
    // The Recorder's audit rows pass RLS only under each envelope's own tenant, so the
    // counts above also show the context followed the messages within a transaction.
    let commits = transactions(&pool, &spec.queue).await;
    assert!(
        commits < (TENANTS * PER_TENANT) as i64 / 2,
        "{commits} transactions for {} messages: not batched",
        TENANTS * PER_TENANT + 1
    );

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}

#[tokio::test]
async fn a_failing_message_in_a_batch_is_dead_lettered_alone_and_the_rest_commit_once() {
    init();
    const EVENTS: usize = 30;
    const FAILING: usize = 11;
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let mut spec = support::declared_spec(&channel, "batch-fail", BatchedWithFailure::TYPE).await;
    spec.batch = 64;
    spec.concurrency = 1;
    let tenant = TenantId::new();
    let mut ids = Vec::new();
    for n in 0..EVENTS {
        let event = BatchedWithFailure {
            n,
            reject: n == FAILING,
        };
        ids.push(support::enqueue_committed(&pool, tenant, &event).await);
    }
    OutboxRelay::new(pool.clone(), support::settings())
        .drain_once()
        .await
        .expect("drain");

    let recorder = Recorder::new(Behaviour::RejectMarked);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    assert!(
        support::eventually(Duration::from_secs(60), || async {
            support::effects(&pool, tenant).await == EVENTS as i64 - 1
        })
        .await,
        "every other message handled"
    );
    // The rejected one was tried (in its batch, then alone) and never committed.
    assert!(
        support::eventually(Duration::from_secs(10), || async {
            recorder
                .calls()
                .iter()
                .filter(|c| **c == ids[FAILING])
                .count()
                >= 2
        })
        .await,
        "the failing message was retried alone after its batch rolled back"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(support::effects(&pool, tenant).await, EVENTS as i64 - 1);
    assert!(
        !recorder.committed().contains(&ids[FAILING]),
        "the rolled-back batch reported nothing committed"
    );
    for (n, id) in ids.iter().enumerate() {
        let expected = i64::from(n != FAILING);
        assert_eq!(
            support::processed(&pool, &spec.queue, *id).await,
            expected,
            "message {n}"
        );
    }

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}
