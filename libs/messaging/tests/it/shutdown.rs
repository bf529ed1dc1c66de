//! Both loops stop promptly when asked.

use std::time::{Duration, Instant};

use pa_db::testing;
use pa_messaging::OutboxRelay;

use crate::support::{self, Behaviour, Recorder, RunningConsumer, init};

#[tokio::test]
async fn the_relay_and_the_consumer_stop_when_shutdown_is_signalled() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "shutdown", "test.messaging.shutdown").await;
    let consumer = RunningConsumer::start(
        pool.clone(),
        spec.clone(),
        Recorder::new(Behaviour::Succeed),
    );
    let (stop, rx) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(OutboxRelay::new(pool.clone(), support::settings()).run(rx));
    tokio::time::sleep(Duration::from_millis(500)).await;

    let started = Instant::now();
    stop.send(true).expect("relay listening");
    tokio::time::timeout(Duration::from_secs(5), relay)
        .await
        .expect("relay stops within 5 s")
        .expect("relay task did not panic");
    consumer.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    support::delete_queue(&channel, &spec.queue).await;
}
