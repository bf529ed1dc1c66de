//! Idempotent consumers: [`Handler`], [`HandlerError`], [`ConsumerSpec`], [`run_consumer`].

mod lanes;
mod process;
mod retention;
mod session;

pub use retention::prune_processed;

use std::sync::Arc;

use sqlx::{PgConnection, PgPool};

use crate::backoff::{Backoff, Outage};
use crate::relay::error_chain;
use crate::{AmqpSettings, Envelope, MessagingError, OutboxSignal, Shutdown};

/// Application logic for one consumer queue.
#[async_trait::async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Handles one message.
    ///
    /// Runs inside a transaction (tenant context already set when the envelope has a
    /// `tenant_id`); the message id is recorded in `processed_messages` in the same
    /// transaction; the message is acked after commit. A redelivery of a processed id is
    /// acked without calling the handler again. Returning an error rolls everything back.
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError>;

    /// Called once the transaction that handled `envelope` has committed (before the ack), for
    /// what must follow the commit outside the database, such as forgetting state cached in
    /// memory that the handler changed. Not called for duplicates or failures. Must not block.
    fn committed(&self, _envelope: &Envelope) {}
}

/// Why a handler did not complete.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Transient trouble: the message is requeued and redelivered, at most
    /// `x-delivery-limit` times, then dead-lettered.
    #[error("handler asked for a retry")]
    Retry(#[source] anyhow::Error),
    /// The message can never succeed: it goes straight to the dead-letter queue.
    #[error("handler rejected the message")]
    Reject(#[source] anyhow::Error),
}

impl HandlerError {
    /// [`HandlerError::Retry`] from any error.
    pub fn retry(e: impl Into<anyhow::Error>) -> Self {
        Self::Retry(e.into())
    }

    /// [`HandlerError::Reject`] from any error.
    pub fn reject(e: impl Into<anyhow::Error>) -> Self {
        Self::Reject(e.into())
    }
}

/// Database errors are worth retrying.
impl From<sqlx::Error> for HandlerError {
    fn from(e: sqlx::Error) -> Self {
        Self::Retry(e.into())
    }
}

/// Database errors are worth retrying.
impl From<pa_db::DbError> for HandlerError {
    fn from(e: pa_db::DbError) -> Self {
        Self::Retry(e.into())
    }
}

/// A payload that does not deserialise never will.
impl From<serde_json::Error> for HandlerError {
    fn from(e: serde_json::Error) -> Self {
        Self::Reject(e.into())
    }
}

/// Which queue a consumer reads and what it subscribes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerSpec {
    /// The consumer's own quorum queue, `pa.<service>.<consumer>`
    /// ([`crate::topology::queue_name`]); also its key in `processed_messages`.
    pub queue: String,
    /// Routing keys (event types, topic patterns allowed) bound to `pa.events`.
    pub routing_keys: Vec<String>,
    /// Unacknowledged deliveries in flight; 0 means `AmqpSettings::prefetch` (200).
    pub prefetch: u16,
    /// Ordered lanes handling deliveries in parallel: one tenant's messages always share
    /// a lane and are handled in order. 0 means `AmqpSettings::consumer_concurrency`.
    pub concurrency: u16,
    /// Signalled after each handled message's commit, so the events a handler enqueued
    /// leave at once (give it the service's relay signal); without one they wait for the
    /// relay's poll.
    pub outbox: Option<OutboxSignal>,
    /// Most deliveries a lane handles in ONE transaction (1, the default, means one each).
    ///
    /// A lane takes what is already buffered, up to this many, records their ids in one
    /// statement and runs the handler for each in order, then commits once and acks them:
    /// one commit per batch instead of per message. If any handler fails (or the database
    /// does), the whole transaction rolls back and those deliveries are handled again one
    /// at a time, with the usual per-message outcome. So a handler runs again after its
    /// effects were rolled back: only consumers whose handler's effects are ALL inside the
    /// transaction may batch (not, e.g., one that sends mail).
    pub batch: u16,
}

impl ConsumerSpec {
    /// A spec with the default prefetch (200).
    pub fn new(
        queue: impl Into<String>,
        routing_keys: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            queue: queue.into(),
            routing_keys: routing_keys.into_iter().map(Into::into).collect(),
            prefetch: 200,
            concurrency: 0,
            outbox: None,
            batch: 1,
        }
    }
}

/// Consumes `spec.queue` until `shutdown` fires.
///
/// Declares the topology (idempotently), sets the prefetch, and handles deliveries in ordered per-tenant lanes ([`ConsumerSpec::concurrency`]) with manual acks: `Ok` → commit, ack; [`HandlerError::Retry`] → roll back,
/// nack with requeue; [`HandlerError::Reject`] or an unparseable body → roll back, nack
/// without requeue (dead-letter). Database outages are retried in place with backoff so
/// they do not use up the delivery limit. When the broker goes away it reconnects with
/// backoff and resumes; unacked deliveries are redelivered by the broker and deduplicated
/// by message id. Returns `Ok(())` after shutdown, `Err` only for an unusable URL.
pub async fn run_consumer(
    pool: PgPool,
    amqp: AmqpSettings,
    spec: ConsumerSpec,
    handler: Arc<dyn Handler>,
    shutdown: impl Into<Shutdown>,
) -> Result<(), MessagingError> {
    let mut shutdown = shutdown.into();
    let mut backoff = Backoff::new(amqp.max_backoff());
    // Stopped with this function, however it returns.
    let _pruner = amqp
        .processed_retention()
        .map(|retention| retention::Pruner::start(pool.clone(), spec.queue.clone(), retention));
    let ctx = Arc::new(process::Context::new(
        pool,
        spec.queue.clone(),
        handler,
        amqp.max_backoff(),
        spec.outbox.clone(),
    ));
    let mut outage = Outage::default();
    tracing::info!(queue = %spec.queue, "consumer started");
    while !shutdown.is_requested() {
        match session::run(&ctx, &amqp, &spec, &mut shutdown, &mut backoff, &mut outage).await {
            Ok(()) => break,
            Err(MessagingError::InvalidUrl(e)) => return Err(MessagingError::InvalidUrl(e)),
            Err(error) => {
                if outage.failed() {
                    tracing::warn!(queue = %spec.queue, error = %error_chain(&error), failures = outage.failures(), "consumer disconnected; reconnecting");
                } else {
                    tracing::debug!(queue = %spec.queue, error = %error_chain(&error), failures = outage.failures(), "consumer still disconnected");
                }
                if !backoff.wait(&mut shutdown).await {
                    break;
                }
            }
        }
    }
    tracing::info!(queue = %spec.queue, "consumer stopped");
    Ok(())
}
