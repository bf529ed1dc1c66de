//! Shared test fixtures: settings, unique queues, a recording handler, waiting helpers.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lapin::options::{
    BasicAckOptions, BasicGetOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection};
use pa_domain::TenantId;
use pa_messaging::{AmqpSettings, ConsumerSpec, Envelope, Handler, HandlerError, topology};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Process-wide setup every test calls first.
pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    pa_telemetry::init_for_tests();
}

/// Default settings with test-friendly timings.
pub fn settings() -> AmqpSettings {
    AmqpSettings {
        poll_interval_ms: 100,
        max_backoff_ms: 1_000,
        ..AmqpSettings::default()
    }
}

/// A queue name no other test (or run) uses.
pub fn unique_queue(name: &str) -> String {
    topology::queue_name("test", &format!("{name}.{}", Uuid::now_v7().simple()))
}

/// A consumer spec for a fresh queue bound to `routing_key`, declared right away so no
/// event published from now on can miss it.
pub async fn declared_spec(channel: &Channel, name: &str, routing_key: &str) -> ConsumerSpec {
    let s = settings();
    topology::declare_exchanges(channel, &s)
        .await
        .expect("exchanges");
    let spec = ConsumerSpec::new(unique_queue(name), [routing_key]);
    topology::declare_consumer_queue(channel, &s, &spec)
        .await
        .expect("consumer queue");
    spec
}

/// A classic, exclusive queue bound to `exchange` with `routing_key`, for inspecting
/// what arrives there. Deleted with the connection.
pub async fn tap(channel: &Channel, exchange: &str, routing_key: &str) -> String {
    topology::declare_exchanges(channel, &settings())
        .await
        .expect("exchanges");
    let name = format!("pa.test.tap.{}", Uuid::now_v7().simple());
    let options = QueueDeclareOptions {
        exclusive: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(name.as_str().into(), options, FieldTable::default())
        .await
        .expect("tap queue");
    channel
        .queue_bind(
            name.as_str().into(),
            exchange.into(),
            routing_key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("tap binding");
    name
}

/// A connection and channel for the test's own inspection.
pub async fn channel() -> (Connection, Channel) {
    let connection = pa_messaging::connect(&settings(), "pa-messaging-tests")
        .await
        .expect("broker reachable");
    let channel = connection.create_channel().await.expect("channel");
    (connection, channel)
}

/// Gets (and acks) up to `max` messages from `queue`, waiting up to `timeout` for the
/// first and for each next one up to `quiet` after the previous.
pub async fn drain_queue(
    channel: &Channel,
    queue: &str,
    max: usize,
    timeout: Duration,
    quiet: Duration,
) -> Vec<lapin::message::BasicGetMessage> {
    let mut got = Vec::new();
    let mut deadline = Instant::now() + timeout;
    while got.len() < max && Instant::now() < deadline {
        match channel
            .basic_get(queue.into(), BasicGetOptions::default())
            .await
            .expect("basic.get")
        {
            Some(message) => {
                message
                    .delivery
                    .acker
                    .ack(BasicAckOptions::default())
                    .await
                    .expect("ack");
                got.push(message);
                deadline = Instant::now() + quiet;
            }
            None => tokio::time::sleep(Duration::from_millis(25)).await,
        }
    }
    got
}

/// Deletes a test's durable queue (quorum queues outlive connections).
pub async fn delete_queue(channel: &Channel, queue: &str) {
    let _ = channel
        .queue_delete(queue.into(), QueueDeleteOptions::default())
        .await;
}

/// A string header of a message.
pub fn header(properties: &lapin::BasicProperties, name: &str) -> Option<String> {
    match properties.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// Polls `check` every 50 ms until it returns true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What [`Recorder`] answers.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    Succeed,
    Retry,
    Reject,
    /// Reject the envelopes whose data has `"reject": true`; succeed for the rest.
    RejectMarked,
}

/// A handler that writes one `audit_log` row per handled message (an effect that only
/// commits with the transaction, and that RLS accepts only under the envelope's tenant),
/// remembers every call, and answers per [`Behaviour`].
pub struct Recorder {
    behaviour: Behaviour,
    calls: Mutex<Vec<Envelope>>,
    committed: Mutex<Vec<Uuid>>,
    trace_ids: Mutex<Vec<Option<String>>>,
}

impl Recorder {
    pub fn new(behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self {
            behaviour,
            calls: Mutex::new(Vec::new()),
            committed: Mutex::new(Vec::new()),
            trace_ids: Mutex::new(Vec::new()),
        })
    }

    /// Envelope ids the handler was called with (in order, with repeats).
    pub fn calls(&self) -> Vec<Uuid> {
        self.calls
            .lock()
            .expect("lock")
            .iter()
            .map(|e| e.id)
            .collect()
    }

    /// Envelope ids whose handling committed ([`Handler::committed`]), in order.
    pub fn committed(&self) -> Vec<Uuid> {
        self.committed.lock().expect("lock").clone()
    }

    /// The envelopes received.
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.calls.lock().expect("lock").clone()
    }

    /// The trace id of the handler's span at each call.
    pub fn trace_ids(&self) -> Vec<Option<String>> {
        self.trace_ids.lock().expect("lock").clone()
    }
}

#[pa_messaging::async_trait]
impl Handler for Recorder {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        self.calls.lock().expect("lock").push(envelope.clone());
        self.trace_ids
            .lock()
            .expect("lock")
            .push(pa_telemetry::trace_id_of(&tracing::Span::current()));
        let tenant = envelope
            .tenant_id
            .ok_or_else(|| HandlerError::reject(anyhow::anyhow!("test events carry a tenant")))?;
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, target_id, outcome) \
             VALUES ($1, $2, 'system', 'messaging-test', $3, $4, 'success')",
        )
        .bind(tenant)
        .bind(Uuid::now_v7())
        .bind(&envelope.event_type)
        .bind(envelope.id.to_string())
        .execute(conn)
        .await?;
        match self.behaviour {
            Behaviour::Succeed => Ok(()),
            Behaviour::Retry => Err(HandlerError::retry(anyhow::anyhow!("try again later"))),
            Behaviour::Reject => Err(HandlerError::reject(anyhow::anyhow!("never valid"))),
            Behaviour::RejectMarked if envelope.data["reject"] == true => {
                Err(HandlerError::reject(anyhow::anyhow!("marked to fail")))
            }
            Behaviour::RejectMarked => Ok(()),
        }
    }

    fn committed(&self, envelope: &Envelope) {
        self.committed.lock().expect("lock").push(envelope.id);
    }
}

/// Committed effects of the handler for `tenant` (audit rows written by [`Recorder`]).
pub async fn effects(pool: &PgPool, tenant: TenantId) -> i64 {
    let mut tx = pa_db::begin_tenant(pool, tenant).await.expect("begin");
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND actor_id = 'messaging-test'",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await
    .expect("count effects")
}

/// Rows in `processed_messages` for `consumer` and `message_id`.
pub async fn processed(pool: &PgPool, consumer: &str, message_id: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM processed_messages WHERE consumer = $1 AND message_id = $2",
    )
    .bind(consumer)
    .bind(message_id)
    .fetch_one(pool)
    .await
    .expect("count processed")
}

/// Whether the outbox still holds `id`.
pub async fn in_outbox(pool: &PgPool, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("outbox lookup")
}

/// Enqueues `event` for `tenant` in a committed transaction.
pub async fn enqueue_committed<E: pa_messaging::Event>(
    pool: &PgPool,
    tenant: TenantId,
    event: &E,
) -> Uuid {
    let mut tx = pa_db::begin_tenant(pool, tenant).await.expect("begin");
    let meta = pa_messaging::EventMeta {
        tenant_id: Some(tenant),
        request_id: Some(format!("req-{}", Uuid::now_v7().simple())),
    };
    let id = pa_messaging::enqueue(&mut tx, &meta, event)
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

/// A running consumer task and its stop switch.
pub struct RunningConsumer {
    pub stop: tokio::sync::watch::Sender<bool>,
    pub task: tokio::task::JoinHandle<Result<(), pa_messaging::MessagingError>>,
}

impl RunningConsumer {
    pub fn start(pool: PgPool, spec: ConsumerSpec, handler: Arc<dyn Handler>) -> Self {
        let (stop, rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(pa_messaging::run_consumer(
            pool,
            settings(),
            spec,
            handler,
            rx,
        ));
        Self { stop, task }
    }

    /// Signals shutdown and waits (bounded) for the task to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let joined = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        let result = joined
            .expect("consumer stops within 10 s")
            .expect("consumer task did not panic");
        result.expect("consumer ends cleanly");
    }
}
