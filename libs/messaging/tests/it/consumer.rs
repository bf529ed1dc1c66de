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
    let id = support::enqueue_committed(&pool, tenant, &Deduplicated { step: 1 }).await;
    // Keep a copy of the outbox row to publish the very same message again later.
    let (payload, headers): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("SELECT payload, headers FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("outbox row");
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
        support::effects(&pool, tenant).await,
        2,
        "one effect per distinct message"
    );
    assert_eq!(support::processed(&pool, &spec.queue, id).await, 1);

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}
