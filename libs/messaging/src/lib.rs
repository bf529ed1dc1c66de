//! RabbitMQ messaging with at-least-once delivery and exactly-once effect.
//!
//! * **Publishing** goes through the transactional outbox: [`enqueue`] writes the event in
//!   the caller's transaction; [`OutboxRelay`] publishes committed rows to the `pa.events`
//!   topic exchange as persistent messages with publisher confirms and deletes them;
//!   committing through an [`OutboxSignal`] wakes the relay at once.
//! * **Consuming**: [`run_consumer`] feeds a [`Handler`] from a durable quorum queue with
//!   manual acks; each message runs in one database transaction together with its
//!   `processed_messages` entry, so a redelivery has no second effect. Consumers whose
//!   effects are all in PostgreSQL may handle several buffered deliveries per transaction
//!   ([`ConsumerSpec::batch`]); each consumer forgets its ids after
//!   `AmqpSettings::processed_retention_hours` ([`prune_processed`]).
//! * **Hints** between the instances of a service ([`HintPublisher`], [`run_hint_subscriber`]):
//!   transient messages every running instance receives on a queue of its own, for dropping
//!   what an instance caches; at most once, so receivers keep their own bound.
//! * **Readiness**: [`BrokerProbe`] answers "is the broker up?" from one kept connection.
//! * **Topology** ([`topology`]): exchanges `pa.events` and `pa.dlx`, the `pa.dead-letter`
//!   queue, and one quorum queue per consumer with a delivery limit and dead-lettering.
//!
//! Both long-running loops reconnect with backoff after broker restarts and stop when the
//! shutdown signal (a `tokio::sync::watch::Receiver<bool>` turning `true`) fires.

mod backoff;
mod broker;
mod consumer;
mod envelope;
mod error;
mod hints;
mod outbox;
mod probe;
mod relay;
mod settings;
mod shutdown;
mod signal;
pub mod topology;
mod trace;

pub use async_trait::async_trait;
pub use broker::connect;
pub use consumer::{ConsumerSpec, Handler, HandlerError, prune_processed, run_consumer};
pub use envelope::{Envelope, Event, EventMeta};
pub use error::MessagingError;
pub use hints::{HintPublisher, run_hint_subscriber};
pub use outbox::{OutboxBatch, enqueue};
pub use probe::BrokerProbe;
pub use relay::OutboxRelay;
pub use settings::AmqpSettings;
pub use shutdown::Shutdown;
pub use signal::OutboxSignal;

/// The lapin version this crate is built on, for callers that need its types.
pub use lapin;
