//! Retry, delivery limit and dead-lettering.

use std::time::Duration;

use lapin::BasicProperties;
use lapin::options::BasicPublishOptions;
use pa_db::testing;
use pa_domain::TenantId;
use pa_messaging::{Envelope, Event, OutboxRelay};
use serde::Serialize;

use crate::support::{self, Behaviour, Recorder, RunningConsumer, init};

#[derive(Serialize)]
struct AlwaysRetried {}

impl Event for AlwaysRetried {
    const TYPE: &'static str = "test.messaging.always_retried";
}

#[derive(Serialize)]
struct Rejected {}

impl Event for Rejected {
    const TYPE: &'static str = "test.messaging.rejected";
}

const GARBAGE_TYPE: &str = "test.messaging.garbage";

#[tokio::test]
async fn a_retried_message_is_redelivered_until_the_delivery_limit_then_dead_lettered() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "retried", AlwaysRetried::TYPE).await;
    let dead = support::tap(&channel, "pa.dlx", AlwaysRetried::TYPE).await;
    let recorder = Recorder::new(Behaviour::Retry);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());

    let tenant = TenantId::new();
    let id = support::enqueue_committed(&pool, tenant, &AlwaysRetried {}).await;
    OutboxRelay::new(pool.clone(), support::settings())
        .drain_once()
        .await
        .expect("drain");

    let got =
        support::drain_queue(&channel, &dead, 1, Duration::from_secs(20), Duration::ZERO).await;
    assert_eq!(got.len(), 1, "dead-lettered after the delivery limit");
    let envelope: Envelope = serde_json::from_slice(&got[0].delivery.data).expect("envelope");
    assert_eq!(envelope.id, id);
    let attempts = recorder.calls().iter().filter(|c| **c == id).count();
    let limit = support::settings().delivery_limit as usize;
    assert_eq!(attempts, limit + 1, "first delivery + {limit} redeliveries");
    assert_eq!(
        support::effects(&pool, tenant).await,
        0,
        "every attempt rolled back"
    );
    assert_eq!(support::processed(&pool, &spec.queue, id).await, 0);
    assert!(
        !recorder.committed().contains(&id),
        "a rolled-back attempt is never reported as committed"
    );
    eprintln!(
        "retried message: {attempts} deliveries before dead-lettering (x-delivery-limit {limit})"
    );

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}

#[tokio::test]
async fn a_rejected_message_goes_straight_to_the_dead_letter_queue() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "rejected", Rejected::TYPE).await;
    let dead = support::tap(&channel, "pa.dlx", Rejected::TYPE).await;
    let recorder = Recorder::new(Behaviour::Reject);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());

    let tenant = TenantId::new();
    let id = support::enqueue_committed(&pool, tenant, &Rejected {}).await;
    OutboxRelay::new(pool.clone(), support::settings())
        .drain_once()
        .await
        .expect("drain");

    let got =
        support::drain_queue(&channel, &dead, 1, Duration::from_secs(20), Duration::ZERO).await;
    assert_eq!(got.len(), 1);
    let envelope: Envelope = serde_json::from_slice(&got[0].delivery.data).expect("envelope");
    assert_eq!(envelope.id, id);
    assert_eq!(
        recorder.calls().iter().filter(|c| **c == id).count(),
        1,
        "no retry"
    );
    assert_eq!(support::effects(&pool, tenant).await, 0);

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}

#[tokio::test]
async fn an_unparseable_message_is_dead_lettered_without_reaching_the_handler() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "garbage", GARBAGE_TYPE).await;
    let dead = support::tap(&channel, "pa.dlx", GARBAGE_TYPE).await;
    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());

    channel
        .basic_publish(
            "pa.events".into(),
            GARBAGE_TYPE.into(),
            BasicPublishOptions::default(),
            b"{not json",
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .expect("publish");

    let got =
        support::drain_queue(&channel, &dead, 1, Duration::from_secs(20), Duration::ZERO).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].delivery.data, b"{not json");
    assert!(recorder.calls().is_empty());

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}
