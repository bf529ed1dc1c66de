//! The same pipeline one stage at a time, to show which stage limits it: enqueue everything
//! (no relay running), then one relay drains the full outbox into the queue (no consumer),
//! then one consumer drains the full queue. Each stage's rate is events/s over its own span.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use pa_bench::benchdb::BenchDb;
use pa_messaging::{ConsumerSpec, OutboxRelay, Shutdown};
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::outbox::{self, Params, SinkHandler};

pub struct StageRates {
    pub enqueue: Duration,
    pub relay: Duration,
    pub consume: Duration,
}

pub async fn run(db: &BenchDb, p: &Params) -> anyhow::Result<StageRates> {
    let run = Uuid::new_v4();
    let queue = format!("pa.bench.stages-{}", run.simple());
    let spec = p.consumer_spec(&queue);
    let settings = outbox::amqp_settings();
    let conn = pa_messaging::connect(&settings, "pa-bench stages").await?;
    let channel = conn.create_channel().await?;
    pa_messaging::topology::declare_exchanges(&channel, &settings).await?;
    pa_messaging::topology::declare_consumer_queue(&channel, &settings, &spec).await?;
    let _ = conn.close(200, "declared".into()).await;

    let watch_pool = db.app_pool(1).await?;
    sqlx::query("DELETE FROM outbox")
        .execute(&watch_pool)
        .await?;
    let result = stages(db, p, run, spec, &watch_pool).await;
    outbox::delete_queue(&queue).await;
    result
}

async fn stages(
    db: &BenchDb,
    p: &Params,
    run: Uuid,
    spec: ConsumerSpec,
    watch_pool: &PgPool,
) -> anyhow::Result<StageRates> {
    let producer_pool = db.app_pool(p.producers as u32).await?;
    let (first, last) =
        outbox::enqueue_all(&producer_pool, &pa_messaging::OutboxSignal::new(), run, p).await?;
    let enqueue = last - first;

    let (stop_tx, stop_rx) = watch::channel(false);
    let relay = OutboxRelay::new(db.app_pool(2).await?, outbox::amqp_settings());
    let started = Instant::now();
    let relay = tokio::spawn(relay.run(Shutdown::from(stop_rx.clone())));
    wait_for_empty_outbox(watch_pool, started + p.timeout).await?;
    let relayed = started.elapsed();
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), relay).await;

    let (stop_tx, stop_rx) = watch::channel(false);
    let started = Instant::now();
    let consumer = tokio::spawn(pa_messaging::run_consumer(
        db.app_pool(p.consumer_pool).await?,
        outbox::amqp_settings(),
        spec,
        Arc::new(SinkHandler),
        Shutdown::from(stop_rx),
    ));
    let done = outbox::wait_for_sink(watch_pool, run, p.events, started + p.timeout).await;
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), consumer).await;
    Ok(StageRates {
        enqueue,
        relay: relayed,
        consume: done? - started,
    })
}

async fn wait_for_empty_outbox(pool: &PgPool, deadline: Instant) -> anyhow::Result<()> {
    loop {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
            .fetch_one(pool)
            .await?;
        if n == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out with {n} events still in the outbox");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
