//! The product path: events enqueued in batched transactions with `pa_messaging::enqueue`,
//! published by one or more `OutboxRelay`s, consumed by `pa_messaging::run_consumer` whose
//! handler writes one row. Timed from the first enqueue commit to the moment every handler
//! row is committed (visible to another connection).

use std::sync::Arc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_trait::async_trait;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use pa_bench::{amqp, benchdb::BenchDb};
use pa_domain::TenantId;
use pa_messaging::{
    ConsumerSpec, Envelope, Event, EventMeta, Handler, HandlerError, OutboxRelay, OutboxSignal,
    Shutdown,
};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;
use uuid::Uuid;

/// Routing key and event type of the bench events; only the bench's queue binds it.
pub const EVENT_TYPE: &str = "bench.event";

#[derive(Serialize)]
struct BenchEvent {
    run: Uuid,
    seq: u64,
    /// Makes the envelope about as large as a real domain event.
    padding: &'static str,
}

impl Event for BenchEvent {
    const TYPE: &'static str = EVENT_TYPE;
}

/// Writes one row per message into `bench_sink`, keyed by the run the event belongs to.
pub struct SinkHandler;

#[async_trait]
impl Handler for SinkHandler {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let run = envelope
            .data
            .get("run")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| HandlerError::Reject(anyhow::anyhow!("bench event without a run id")))?;
        sqlx::query(
            "INSERT INTO bench_sink (run_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(run)
        .bind(envelope.id)
        .execute(conn)
        .await
        .map_err(|e| HandlerError::Retry(e.into()))?;
        Ok(())
    }
}

pub struct Params {
    pub events: u64,
    pub batch: u64,
    pub producers: u64,
    pub relays: usize,
    /// `run_consumer` instances on the one queue (competing consumers, as replicas would be).
    pub consumers: usize,
    pub prefetch: u16,
    /// `ConsumerSpec::batch`: deliveries per consumer transaction.
    pub consumer_batch: u16,
    /// Connections of each consumer's pool (a service's default `max_connections` is 10;
    /// the consumer's lanes each hold one while handling).
    pub consumer_pool: u32,
    /// Events are spread round-robin over this many tenants (lanes are per tenant).
    pub tenants: u64,
    pub timeout: Duration,
}

impl Params {
    /// The bench consumer on `queue`: the bench's event type, prefetch and batch.
    pub fn consumer_spec(&self, queue: &str) -> ConsumerSpec {
        let mut spec = ConsumerSpec::new(queue, [EVENT_TYPE]);
        spec.prefetch = self.prefetch;
        spec.batch = self.consumer_batch;
        spec
    }
}

pub struct Outcome {
    /// First enqueue commit → last consumer commit.
    pub elapsed: Duration,
    /// First enqueue commit → last enqueue commit.
    pub enqueue_elapsed: Duration,
}

pub async fn run(db: &BenchDb, p: &Params) -> anyhow::Result<Outcome> {
    let run = Uuid::new_v4();
    let queue = format!("pa.bench.events-{}", run.simple());
    // Each component gets its own pool, as separate services would.
    let producer_pool = db.app_pool(p.producers as u32).await?;
    let watch_pool = db.app_pool(1).await?;

    // Stale rows from an aborted run would be published into this run's queue.
    sqlx::query("DELETE FROM outbox")
        .execute(&watch_pool)
        .await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut consumers = Vec::new();
    for _ in 0..p.consumers.max(1) {
        // Lanes: pa-messaging's default (`AmqpSettings::consumer_concurrency`).
        let spec = p.consumer_spec(&queue);
        consumers.push(tokio::spawn(pa_messaging::run_consumer(
            db.app_pool(p.consumer_pool).await?,
            amqp_settings(),
            spec,
            Arc::new(SinkHandler),
            Shutdown::from(stop_rx.clone()),
        )));
    }
    wait_for_queue(&queue, p.timeout).await?;

    // Producers commit through the signal the relays share, as the services do.
    let signal = OutboxSignal::new();
    let mut relays = Vec::new();
    for _ in 0..p.relays {
        let pool = db.app_pool(2).await?;
        let relay = OutboxRelay::new(pool, amqp_settings()).with_signal(signal.clone());
        relays.push(tokio::spawn(relay.run(Shutdown::from(stop_rx.clone()))));
    }

    let (first, last_enqueue) = enqueue_all(&producer_pool, &signal, run, p).await?;

    let done = wait_for_sink(&watch_pool, run, p.events, first + p.timeout).await;
    let _ = stop_tx.send(true);
    for relay in relays {
        let _ = tokio::time::timeout(Duration::from_secs(10), relay).await;
    }
    for consumer in consumers {
        let _ = tokio::time::timeout(Duration::from_secs(10), consumer).await;
    }
    delete_queue(&queue).await;
    let last_commit = done?;
    Ok(Outcome {
        elapsed: last_commit - first,
        enqueue_elapsed: last_enqueue - first,
    })
}

pub fn amqp_settings() -> pa_messaging::AmqpSettings {
    pa_messaging::AmqpSettings {
        url: amqp::url().into(),
        exchange: amqp::BENCH_EXCHANGE.to_owned(),
        ..Default::default()
    }
}

/// Enqueues `p.events` events from `p.producers` concurrent tasks, spread over `p.tenants`
/// tenants, committing through `signal`; returns the first and the last commit time.
pub async fn enqueue_all(
    pool: &PgPool,
    signal: &OutboxSignal,
    run: Uuid,
    p: &Params,
) -> anyhow::Result<(Instant, Instant)> {
    let first_commit: Arc<OnceLock<Instant>> = Arc::new(OnceLock::new());
    let tenants: Arc<Vec<TenantId>> = Arc::new(
        (0..p.tenants.max(1))
            .map(|_| TenantId::from(Uuid::now_v7()))
            .collect(),
    );
    let mut producers = Vec::new();
    let per_producer = p.events.div_ceil(p.producers);
    for i in 0..p.producers {
        let range = (i * per_producer)..((i + 1) * per_producer).min(p.events);
        let (pool, first, batch) = (pool.clone(), first_commit.clone(), p.batch);
        let signal = signal.clone();
        let tenants = tenants.clone();
        producers.push(tokio::spawn(produce(
            pool, signal, run, range, batch, tenants, first,
        )));
    }
    let mut last_enqueue = Instant::now();
    for producer in producers {
        last_enqueue = last_enqueue.max(producer.await??);
    }
    let first = *first_commit.get().context("no enqueue committed")?;
    Ok((first, last_enqueue))
}

/// Enqueues the events of `range` in transactions of `batch`; returns its last commit time.
pub async fn produce(
    pool: PgPool,
    signal: OutboxSignal,
    run: Uuid,
    range: std::ops::Range<u64>,
    batch: u64,
    tenants: Arc<Vec<TenantId>>,
    first_commit: Arc<OnceLock<Instant>>,
) -> anyhow::Result<Instant> {
    let metas: Vec<EventMeta> = tenants
        .iter()
        .map(|t| EventMeta {
            tenant_id: Some(*t),
            request_id: None,
        })
        .collect();
    let mut last = Instant::now();
    let mut seq = range.start;
    while seq < range.end {
        let end = (seq + batch).min(range.end);
        let mut tx = pool.begin().await?;
        for s in seq..end {
            let event = BenchEvent {
                run,
                seq: s,
                padding: PADDING,
            };
            let meta = &metas[(s % metas.len() as u64) as usize];
            pa_messaging::enqueue(&mut tx, meta, &event).await?;
        }
        signal.commit(tx).await?;
        last = Instant::now();
        let _ = first_commit.set(last);
        seq = end;
    }
    Ok(last)
}

const PADDING: &str = "display_name=Example Health Network;contact=it-admin@example.org";

/// Polls until the consumer has committed `expected` rows of this run.
pub async fn wait_for_sink(
    pool: &PgPool,
    run: Uuid,
    expected: u64,
    deadline: Instant,
) -> anyhow::Result<Instant> {
    loop {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM bench_sink WHERE run_id = $1")
            .bind(run)
            .fetch_one(pool)
            .await?;
        let now = Instant::now();
        if n as u64 >= expected {
            return Ok(now);
        }
        if now > deadline {
            bail!("timed out with {n} of {expected} events consumed");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the consumer has declared its queue, so no published event is unroutable.
async fn wait_for_queue(queue: &str, timeout: Duration) -> anyhow::Result<()> {
    let conn = amqp::connect().await?;
    let deadline = Instant::now() + timeout;
    loop {
        // A failed passive declare closes the channel: use a fresh one each time.
        let ch = conn.create_channel().await?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        if ch
            .queue_declare(queue.into(), passive, FieldTable::default())
            .await
            .is_ok()
        {
            let _ = conn.close(200, "ok".into()).await;
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the consumer never declared {queue}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn delete_queue(queue: &str) {
    amqp::delete_queue(queue).await;
    amqp::delete_bench_exchange().await;
}
