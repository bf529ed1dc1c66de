//! Broker outages (stop_app / start_app). Run serially in the `fault_` pass only.

use std::process::Command;
use std::time::{Duration, Instant};

use pa_db::testing;
use pa_domain::TenantId;
use pa_messaging::{AmqpSettings, Event, OutboxRelay};
use serde::Serialize;

use crate::support::{self, Behaviour, Recorder, RunningConsumer, init};

#[derive(Serialize)]
struct DuringOutage {
    n: u32,
}

impl Event for DuringOutage {
    const TYPE: &'static str = "test.messaging.during_outage";
}

#[derive(Serialize)]
struct AfterLongOutage {
    n: u32,
}

impl Event for AfterLongOutage {
    const TYPE: &'static str = "test.messaging.after_long_outage";
}

#[derive(Serialize)]
struct AfterRestart {
    n: u32,
}

impl Event for AfterRestart {
    const TYPE: &'static str = "test.messaging.after_restart";
}

fn rabbitmqctl(args: &[&str]) {
    let status = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("rabbitmqctl {args:?}: {e}"));
    assert!(
        status.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Stops the broker's application; starts it again when dropped, even if the test fails,
/// so a failing test never leaves the shared broker down.
struct BrokerOutage {
    running: bool,
}

impl BrokerOutage {
    fn begin() -> Self {
        rabbitmqctl(&["stop_app"]);
        Self { running: false }
    }

    fn end(&mut self) {
        if !self.running {
            rabbitmqctl(&["start_app"]);
            rabbitmqctl(&["await_startup"]);
            self.running = true;
        }
    }
}

impl Drop for BrokerOutage {
    fn drop(&mut self) {
        if !self.running {
            let _ = Command::new("rabbitmqctl").arg("start_app").status();
            let _ = Command::new("rabbitmqctl").arg("await_startup").status();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_outbox_event_written_while_rabbitmq_is_stopped_is_delivered_after_restart() {
    init();
    let pool = testing::app_pool().await;
    let (conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "outage", DuringOutage::TYPE).await;
    drop(channel);
    drop(conn);
    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    let (stop_relay, rx) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(OutboxRelay::new(pool.clone(), support::settings()).run(rx));
    // The readiness probe rides along: one connection while the broker is up.
    let probe = pa_messaging::BrokerProbe::new(support::settings(), "pa-messaging-test.probe");
    probe.check().await.expect("broker up");
    probe.check().await.expect("broker still up");
    assert_eq!(probe.connections_opened(), 1);

    let mut outage = BrokerOutage::begin();
    let tenant = TenantId::new();
    let id = support::enqueue_committed(&pool, tenant, &DuringOutage { n: 1 }).await;
    // Let the relay fail against the stopped broker a few times.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        support::in_outbox(&pool, id).await,
        "kept in the outbox while the broker is down"
    );
    assert!(recorder.calls().is_empty());
    assert!(
        probe.check().await.is_err(),
        "not ready while the broker is down"
    );
    outage.end();
    probe
        .check()
        .await
        .expect("ready again once the broker is back");
    assert_eq!(probe.connections_opened(), 2, "reconnected once");

    assert!(
        support::eventually(Duration::from_secs(60), || async {
            support::effects(&pool, tenant).await >= 1
        })
        .await,
        "delivered after the broker came back"
    );
    // Give any duplicate a chance to show up before asserting exactly once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        support::effects(&pool, tenant).await,
        1,
        "exactly one effect"
    );
    assert_eq!(
        recorder.calls().iter().filter(|c| **c == id).count(),
        1,
        "handled exactly once"
    );
    assert_eq!(support::processed(&pool, &spec.queue, id).await, 1);
    assert!(!support::in_outbox(&pool, id).await);

    stop_relay.send(true).expect("relay running");
    tokio::time::timeout(Duration::from_secs(10), relay)
        .await
        .expect("relay stops")
        .expect("no panic");
    consumer.stop().await;
    let (_conn, channel) = support::channel().await;
    support::delete_queue(&channel, &spec.queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_consumer_recovers_after_broker_restart() {
    init();
    let pool = testing::app_pool().await;
    let (conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "recovery", AfterRestart::TYPE).await;
    drop(channel);
    drop(conn);
    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    let relay = OutboxRelay::new(pool.clone(), support::settings());

    let tenant = TenantId::new();
    let before = support::enqueue_committed(&pool, tenant, &AfterRestart { n: 1 }).await;
    relay.drain_once().await.expect("drain");
    assert!(
        support::eventually(Duration::from_secs(10), || async {
            support::effects(&pool, tenant).await == 1
        })
        .await
    );

    let mut outage = BrokerOutage::begin();
    tokio::time::sleep(Duration::from_secs(2)).await;
    outage.end();

    let after = support::enqueue_committed(&pool, tenant, &AfterRestart { n: 2 }).await;
    // The relay's old connection died with the broker; it must notice and reconnect.
    assert!(
        support::eventually(Duration::from_secs(30), || async {
            relay.drain_once().await.is_ok()
        })
        .await,
        "relay reconnects"
    );
    assert!(
        support::eventually(Duration::from_secs(60), || async {
            support::effects(&pool, tenant).await >= 2
        })
        .await,
        "the consumer resumed after the restart"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        support::effects(&pool, tenant).await,
        2,
        "each event had exactly one effect"
    );
    let calls = recorder.calls();
    assert_eq!(calls.iter().filter(|c| **c == before).count(), 1);
    assert_eq!(calls.iter().filter(|c| **c == after).count(), 1);

    consumer.stop().await;
    let (_conn, channel) = support::channel().await;
    support::delete_queue(&channel, &spec.queue).await;
}

/// How long the broker stays down: long enough that a doubling backoff with the old 30 s
/// ceiling would be asleep for 25 s when it returns (attempts at 0, 0.1, 0.3, … 12.7, 25.5,
/// 51.1 s), so only a short ceiling passes.
const LONG_OUTAGE: Duration = Duration::from_secs(25);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_after_a_long_broker_outage_publishing_resumes_within_two_seconds_of_its_return() {
    init();
    let pool = testing::app_pool().await;
    let (conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "long-outage", AfterLongOutage::TYPE).await;
    drop(channel);
    drop(conn);
    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());
    // The relay as services run it: the default backoff ceiling.
    let relay_settings = AmqpSettings {
        poll_interval_ms: 100,
        ..AmqpSettings::default()
    };
    let (stop_relay, rx) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(OutboxRelay::new(pool.clone(), relay_settings.clone()).run(rx));

    let mut outage = BrokerOutage::begin();
    let tenant = TenantId::new();
    let id = support::enqueue_committed(&pool, tenant, &AfterLongOutage { n: 1 }).await;
    tokio::time::sleep(LONG_OUTAGE).await;
    assert!(
        support::in_outbox(&pool, id).await,
        "kept while the broker is down"
    );
    rabbitmqctl(&["start_app"]);
    // The broker is back when it accepts an AMQP connection again.
    let back = loop {
        if let Ok(Ok(connection)) = tokio::time::timeout(
            Duration::from_secs(2),
            pa_messaging::connect(&relay_settings, "pa-messaging-test.return"),
        )
        .await
        {
            let _ = connection.close(200, "probe".into()).await;
            break Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        support::eventually(Duration::from_secs(30), || async {
            !support::in_outbox(&pool, id).await
        })
        .await,
        "published after the broker came back"
    );
    let published_after = back.elapsed();
    rabbitmqctl(&["await_startup"]);
    outage.running = true;
    assert!(
        support::eventually(Duration::from_secs(30), || async {
            support::effects(&pool, tenant).await >= 1
        })
        .await,
        "delivered after the broker came back"
    );
    let delivered_after = back.elapsed();
    eprintln!(
        "broker down {LONG_OUTAGE:?}: published {published_after:?} and handled {delivered_after:?} after it accepted connections again"
    );
    assert!(
        published_after <= Duration::from_secs(2),
        "published {published_after:?} after the broker's return"
    );
    assert_eq!(
        support::effects(&pool, tenant).await,
        1,
        "exactly one effect"
    );

    stop_relay.send(true).expect("relay running");
    tokio::time::timeout(Duration::from_secs(10), relay)
        .await
        .expect("relay stops")
        .expect("no panic");
    consumer.stop().await;
    let (_conn, channel) = support::channel().await;
    support::delete_queue(&channel, &spec.queue).await;
}
