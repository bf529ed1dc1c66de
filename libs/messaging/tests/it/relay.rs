//! Outbox → broker: persistence, properties, envelope, transactions, parallel relays.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pa_db::testing;
use pa_domain::TenantId;
use pa_messaging::{Envelope, Event, EventMeta, OutboxRelay, enqueue};
use serde::{Deserialize, Serialize};

use crate::support::{self, init};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct RelayProbe {
    name: String,
    seats: u32,
}

impl Event for RelayProbe {
    const TYPE: &'static str = "test.messaging.relay_probe";
}

#[derive(Serialize)]
struct ParallelProbe {
    n: usize,
}

impl Event for ParallelProbe {
    const TYPE: &'static str = "test.messaging.parallel_probe";
}

#[tokio::test]
async fn an_enqueued_event_is_published_persistent_with_the_envelope_intact() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let tap = support::tap(&channel, "pa.events", RelayProbe::TYPE).await;
    let tenant = TenantId::new();
    let event = RelayProbe {
        name: "Clinic A".into(),
        seats: 12,
    };

    let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: Some("req-relay-1".into()),
    };
    let id = enqueue(&mut tx, &meta, &event).await.expect("enqueue");
    tx.commit().await.expect("commit");

    let relay = OutboxRelay::new(pool.clone(), support::settings());
    relay.drain_once().await.expect("drain");
    assert!(
        !support::in_outbox(&pool, id).await,
        "published rows leave the outbox"
    );

    let got = support::drain_queue(
        &channel,
        &tap,
        10,
        Duration::from_secs(10),
        Duration::from_millis(300),
    )
    .await;
    let ours: Vec<_> = got
        .iter()
        .filter(|m| {
            m.delivery
                .properties
                .message_id()
                .as_ref()
                .map(|s| s.as_str())
                == Some(id.to_string().as_str())
        })
        .collect();
    assert_eq!(ours.len(), 1, "published exactly once");
    let message = ours[0];
    let p = &message.delivery.properties;
    assert_eq!(*p.delivery_mode(), Some(2), "persistent");
    assert_eq!(
        p.content_type().as_ref().map(|s| s.as_str()),
        Some("application/json")
    );
    assert_eq!(
        p.kind().as_ref().map(|s| s.as_str()),
        Some(RelayProbe::TYPE)
    );
    assert!(p.timestamp().is_some());
    assert_eq!(support::header(p, "tenant_id"), Some(tenant.to_string()));
    assert_eq!(
        support::header(p, "request_id").as_deref(),
        Some("req-relay-1")
    );
    assert_eq!(message.delivery.routing_key.as_str(), RelayProbe::TYPE);
    assert_eq!(message.delivery.exchange.as_str(), "pa.events");

    let envelope: Envelope = serde_json::from_slice(&message.delivery.data).expect("envelope JSON");
    assert_eq!(envelope.id, id);
    assert_eq!(envelope.event_type, RelayProbe::TYPE);
    assert_eq!(envelope.tenant_id, Some(tenant));
    assert_eq!(envelope.request_id.as_deref(), Some("req-relay-1"));
    assert_eq!(envelope.data_as::<RelayProbe>().expect("data"), event);
    let raw: serde_json::Value = serde_json::from_slice(&message.delivery.data).expect("json");
    assert!(
        raw["occurred_at"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z')),
        "RFC 3339 UTC: {raw}"
    );
}

#[tokio::test]
async fn an_event_enqueued_in_a_rolled_back_transaction_is_never_published() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    let id = enqueue(
        &mut tx,
        &meta,
        &RelayProbe {
            name: "gone".into(),
            seats: 0,
        },
    )
    .await
    .expect("enqueue");
    assert!(
        !support::in_outbox(&pool, id).await,
        "invisible before commit"
    );
    tx.rollback().await.expect("rollback");
    assert!(!support::in_outbox(&pool, id).await, "gone after rollback");
}

#[tokio::test]
async fn several_relays_in_parallel_publish_every_event_exactly_once() {
    init();
    const EVENTS: usize = 2_000;
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let tap = support::tap(&channel, "pa.events", ParallelProbe::TYPE).await;
    let tenant = TenantId::new();

    // One transaction, many events (as a bulk operation would).
    let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    let mut ids = HashSet::new();
    for n in 0..EVENTS {
        ids.insert(
            enqueue(&mut tx, &meta, &ParallelProbe { n })
                .await
                .expect("enqueue"),
        );
    }
    tx.commit().await.expect("commit");

    let relays: Vec<_> = (0..3)
        .map(|_| OutboxRelay::new(pool.clone(), support::settings()))
        .collect();
    let started = Instant::now();
    let counts = futures::future::join_all(relays.iter().map(|r| r.drain_once())).await;
    let elapsed = started.elapsed();
    // Relays of tests running in parallel share the outbox and may publish some of ours.
    let counts: Vec<usize> = counts.into_iter().map(|c| c.expect("drain")).collect();
    let published: usize = counts.iter().sum();
    eprintln!("per relay: {counts:?}");
    for id in &ids {
        assert!(!support::in_outbox(&pool, *id).await, "{id} left behind");
    }

    let got = support::drain_queue(
        &channel,
        &tap,
        EVENTS * 2,
        Duration::from_secs(30),
        Duration::from_secs(1),
    )
    .await;
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    for message in &got {
        let envelope: Envelope = serde_json::from_slice(&message.delivery.data).expect("envelope");
        if envelope.tenant_id == Some(tenant) && !seen.insert(envelope.id) {
            duplicates += 1;
        }
    }
    assert_eq!(duplicates, 0, "no event published twice");
    assert_eq!(seen, ids, "every event published");
    eprintln!(
        "relay throughput: {published} messages by 3 relays in {elapsed:?} = {:.0} msg/s",
        published as f64 / elapsed.as_secs_f64()
    );
}

#[derive(Serialize)]
struct WakeUp {}

impl Event for WakeUp {
    const TYPE: &'static str = "test.messaging.wake_up";
}

#[tokio::test]
async fn an_idle_relay_is_woken_by_its_signal_long_before_its_next_poll() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let tap = support::tap(&channel, "pa.events", WakeUp::TYPE).await;
    let settings = pa_messaging::AmqpSettings {
        poll_interval_ms: 30_000,
        ..support::settings()
    };
    let (stop, rx) = tokio::sync::watch::channel(false);
    let relay = OutboxRelay::new(pool.clone(), settings);
    let signal = relay.signal();
    let relay = tokio::spawn(relay.run(rx));
    // Let it drain whatever is there and go idle.
    tokio::time::sleep(Duration::from_millis(1_000)).await;

    let started = Instant::now();
    let tenant = TenantId::new();
    let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    enqueue(&mut tx, &meta, &WakeUp {}).await.expect("enqueue");
    signal.commit(tx).await.expect("commit");
    let got =
        support::drain_queue(&channel, &tap, 1, Duration::from_secs(10), Duration::ZERO).await;
    let latency = started.elapsed();
    assert_eq!(got.len(), 1);
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    eprintln!("enqueue → broker latency with an idle relay: {latency:?}");

    stop.send(true).expect("relay running");
    tokio::time::timeout(Duration::from_secs(5), relay)
        .await
        .expect("relay stops")
        .expect("no panic");
}

#[derive(Serialize)]
struct LateCommit {}

impl Event for LateCommit {
    const TYPE: &'static str = "test.messaging.late_commit";
}

/// A row whose transaction began long before it committed sits far below the rows the
/// relay has already claimed; the periodic sweep from the oldest row still publishes it.
#[tokio::test]
async fn a_row_committed_long_after_its_transaction_began_is_still_published() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let tap = support::tap(&channel, "pa.events", LateCommit::TYPE).await;
    let relay = OutboxRelay::new(pool.clone(), support::settings());
    let tenant = TenantId::new();
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };

    let recent = support::enqueue_committed(&pool, tenant, &LateCommit {}).await;
    relay.drain_once().await.expect("drain");
    assert!(!support::in_outbox(&pool, recent).await);

    let late = Envelope::new(&meta, &LateCommit {}).expect("envelope");
    let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
    sqlx::query(
        "INSERT INTO outbox (id, event_type, payload, headers, created_at) \
         VALUES ($1, $2, $3, '{}', now() - interval '1 hour')",
    )
    .bind(late.id)
    .bind(LateCommit::TYPE)
    .bind(sqlx::types::Json(&late))
    .execute(&mut *tx)
    .await
    .expect("insert a row dated an hour back");
    tx.commit().await.expect("commit");

    let deadline = Instant::now() + Duration::from_secs(20);
    while support::in_outbox(&pool, late.id).await {
        assert!(
            Instant::now() < deadline,
            "the late row was never published"
        );
        relay.drain_once().await.expect("drain");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = support::drain_queue(
        &channel,
        &tap,
        2,
        Duration::from_secs(10),
        Duration::from_secs(2),
    )
    .await;
    let ids: HashSet<String> = got
        .iter()
        .filter_map(|m| {
            m.delivery
                .properties
                .message_id()
                .as_ref()
                .map(|s| s.to_string())
        })
        .collect();
    assert!(ids.contains(&late.id.to_string()), "{ids:?}");
    assert!(ids.contains(&recent.to_string()), "{ids:?}");
}
