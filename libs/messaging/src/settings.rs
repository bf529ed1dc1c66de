//! [`AmqpSettings`]: the `amqp` section of a service's configuration.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

/// How a service reaches RabbitMQ and shapes its traffic.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmqpSettings {
    /// Broker URL with credentials, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
    pub url: SecretString,
    /// Topic exchange for domain events.
    pub exchange: String,
    /// Dead-letter exchange every consumer queue points at.
    pub dead_letter_exchange: String,
    /// Quorum queue collecting everything dead-lettered.
    pub dead_letter_queue: String,
    /// Default consumer prefetch (unacknowledged deliveries in flight per consumer).
    pub prefetch: u16,
    /// Default number of ordered consumer lanes (parallel across tenants, in order within one).
    pub consumer_concurrency: u16,
    /// `x-delivery-limit` of consumer queues: deliveries returned more often than this
    /// are dead-lettered.
    pub delivery_limit: u32,
    /// AMQP heartbeat (seconds); detects a dead broker in ~2 heartbeats.
    pub heartbeat_secs: u16,
    /// Outbox rows claimed, published and confirmed per relay batch.
    pub publish_batch_size: u32,
    /// How often an idle relay polls the outbox (ms); its `OutboxSignal` wakes it earlier.
    pub poll_interval_ms: u64,
    /// Longest wait for the broker to confirm a published batch (ms).
    pub confirm_timeout_ms: u64,
    /// Ceiling of the reconnect backoff (ms; default 1 000): after a broker or database
    /// outage, the relay publishes and consumers consume again within about this long of
    /// its end. Attempts against a stopped broker are refused at once, so a short ceiling
    /// is cheap; a long one delays every event of a long outage by up to that much more.
    pub max_backoff_ms: u64,
    /// How long a consumer remembers a handled message id in `processed_messages` (hours;
    /// 0 keeps them forever). A duplicate arriving later than this would run again, so
    /// keep it above the longest backlog a queue may hold; each consumer prunes its own
    /// entries hourly.
    pub processed_retention_hours: u32,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("amqp://guest:guest@127.0.0.1:5672/%2f"),
            exchange: "pa.events".to_owned(),
            dead_letter_exchange: "pa.dlx".to_owned(),
            dead_letter_queue: "pa.dead-letter".to_owned(),
            prefetch: 200,
            consumer_concurrency: 8,
            delivery_limit: 5,
            heartbeat_secs: 10,
            publish_batch_size: 200,
            poll_interval_ms: 1_000,
            confirm_timeout_ms: 30_000,
            max_backoff_ms: 1_000,
            processed_retention_hours: 24 * 7,
        }
    }
}

impl AmqpSettings {
    pub(crate) fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(10))
    }

    pub(crate) fn confirm_timeout(&self) -> Duration {
        Duration::from_millis(self.confirm_timeout_ms.max(100))
    }

    /// `None` when entries are kept forever.
    pub(crate) fn processed_retention(&self) -> Option<Duration> {
        (self.processed_retention_hours > 0)
            .then(|| Duration::from_secs(u64::from(self.processed_retention_hours) * 3_600))
    }

    pub(crate) fn max_backoff(&self) -> Duration {
        Duration::from_millis(self.max_backoff_ms.max(100))
    }
}
