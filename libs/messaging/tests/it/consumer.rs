//! Broker → handler: tenant context, acks, idempotency.

use std::time::Duration;

use pa_db::testing;
use pa_domain::TenantId;
use pa_messaging::{Event, OutboxRelay};
use serde::Serialize;

use crate::support::{self, Behaviour, Recorder, RunningConsumer, init};

#[derive(Serialize)]
struct Handled {
    step: u32,
}

impl Event for Handled {
    const TYPE: &'static str = "test.messaging.handled";
}

#[derive(Serialize)]
struct Deduplicated {
    step: u32,
}

impl Event for Deduplicated {
    const TYPE: &'static str = "test.messaging.deduplicated";
}

#[tokio::test]
async fn a_relayed_event_is_handled_once_in_its_tenant_context() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "handled", Handled::TYPE).await;
    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());

    let tenant = TenantId::new();
    let id = support::enqueue_committed(&pool, tenant, &Handled { step: 1 }).await;
    OutboxRelay::new(pool.clone(), support::settings())
        .drain_once()
        .await
        .expect("drain");

    assert!(
        support::eventually(Duration::from_secs(10), || async {
            support::effects(&pool, tenant).await == 1
        })
        .await,
        "the handler's effect commits"
    );
    assert_eq!(support::processed(&pool, &spec.queue, id).await, 1);
    let envelope = recorder
        .envelopes()
        .into_iter()
        .find(|e| e.id == id)
        .expect("handled");
    assert_eq!(envelope.tenant_id, Some(tenant));
    assert_eq!(envelope.event_type, Handled::TYPE);
    assert_eq!(
        recorder.committed().iter().filter(|c| **c == id).count(),
        1,
        "told once that its handling committed"
    );

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}

#[tokio::test]
async fn a_message_delivered_twice_with_the_same_id_has_no_second_effect() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "dedupe", Deduplicated::TYPE).await;
    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    let relay = OutboxRelay::new(pool.clone(), support::settings());

    let tenant = TenantId::new();
    // Keep a copy of the outbox row to publish the very same message again later, read
    // before the commit: once committed, any test's relay may publish and delete it.
    let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
    let meta = pa_messaging::EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    let id = pa_messaging::enqueue(&mut tx, &meta, &Deduplicated { step: 1 })
        .await
        .expect("enqueue");
    let (payload, headers): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("SELECT payload, headers FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .expect("outbox row");
    tx.commit().await.expect("commit");
    relay.drain_once().await.expect("drain");
    assert!(
        support::eventually(Duration::from_secs(10), || async {
            support::effects(&pool, tenant).await == 1
        })
        .await
    );

    // The same message id again (as after a publisher retry or a broker redelivery)…
    sqlx::query("INSERT INTO outbox (id, event_type, payload, headers) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(Deduplicated::TYPE)
        .bind(&payload)
        .bind(&headers)
        .execute(&pool)
        .await
        .expect("re-enqueue the same id");
    // …followed by a sentinel: once it is handled, the duplicate before it was consumed.
    let sentinel = support::enqueue_committed(&pool, tenant, &Deduplicated { step: 2 }).await;
    relay.drain_once().await.expect("drain again");
    assert!(
        support::eventually(Duration::from_secs(10), || async {
            recorder.calls().contains(&sentinel)
        })
        .await,
        "sentinel handled"
    );

    assert_eq!(
        recorder.calls().iter().filter(|c| **c == id).count(),
        1,
        "handler ran once for the id"
    );
    assert_eq!(
        recorder.committed().iter().filter(|c| **c == id).count(),
        1,
        "a duplicate is not reported as committed"
    );
    assert_eq!(
        support::effects(&pool, tenant).await,
        2,
        "one effect per distinct message"
    );
    assert_eq!(support::processed(&pool, &spec.queue, id).await, 1);

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}

#[derive(Serialize)]
struct Backlog {
    n: usize,
}

impl Event for Backlog {
    const TYPE: &'static str = "test.messaging.backlog";
}

#[tokio::test]
async fn a_consumer_works_through_a_backlog_of_a_thousand_messages() {
    init();
    const EVENTS: usize = 1_000;
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "backlog", Backlog::TYPE).await;
    let tenant = TenantId::new();
    let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
    let meta = pa_messaging::EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    for n in 0..EVENTS {
        pa_messaging::enqueue(&mut tx, &meta, &Backlog { n })
            .await
            .expect("enqueue");
    }
    tx.commit().await.expect("commit");
    OutboxRelay::new(pool.clone(), support::settings())
        .drain_once()
        .await
        .expect("drain");

    let recorder = Recorder::new(Behaviour::Succeed);
    let started = std::time::Instant::now();
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    assert!(
        support::eventually(Duration::from_secs(90), || async {
            support::effects(&pool, tenant).await == EVENTS as i64
        })
        .await,
        "all handled"
    );
    let elapsed = started.elapsed();
    eprintln!(
        "consumer throughput: {EVENTS} messages in {elapsed:?} = {:.0} msg/s",
        EVENTS as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(recorder.calls().len(), EVENTS);

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}

#[tokio::test]
async fn lanes_handle_tenants_in_parallel_but_each_tenants_events_in_order() {
    init();
    const TENANTS: usize = 4;
    const PER_TENANT: usize = 60;
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let mut spec = support::declared_spec(&channel, "lanes", Laned::TYPE).await;
    spec.concurrency = 4;
    let tenants: Vec<TenantId> = (0..TENANTS).map(|_| TenantId::new()).collect();
    // Interleave the tenants' events in the outbox so lanes really run side by side.
    for n in 0..PER_TENANT {
        for tenant in &tenants {
            let mut tx = pa_db::begin_tenant(&pool, *tenant).await.expect("begin");
            let meta = pa_messaging::EventMeta {
                tenant_id: Some(*tenant),
                request_id: None,
            };
            pa_messaging::enqueue(&mut tx, &meta, &Laned { n })
                .await
                .expect("enqueue");
            tx.commit().await.expect("commit");
        }
    }
    OutboxRelay::new(pool.clone(), support::settings())
        .drain_once()
        .await
        .expect("drain");

    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    assert!(
        support::eventually(Duration::from_secs(90), || async {
            recorder.calls().len() >= TENANTS * PER_TENANT
        })
        .await,
        "all handled"
    );
    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;

    let envelopes = recorder.envelopes();
    assert_eq!(
        envelopes.len(),
        TENANTS * PER_TENANT,
        "each event handled once"
    );
    for tenant in &tenants {
        let seen: Vec<u64> = envelopes
            .iter()
            .filter(|e| e.tenant_id == Some(*tenant))
            .map(|e| e.data["n"].as_u64().expect("n"))
            .collect();
        let expected: Vec<u64> = (0..PER_TENANT as u64).collect();
        assert_eq!(seen, expected, "tenant {tenant} handled in enqueue order");
    }
}

/// Its own event type, so no other test's queue receives these events.
#[derive(Serialize)]
struct Laned {
    n: usize,
}

impl Event for Laned {
    const TYPE: &'static str = "test.messaging.laned";
}
