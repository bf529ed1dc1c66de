//! Hints between the instances of a service: transient messages on the events exchange, each
//! received by every running instance on a queue of its own (server-named, exclusive,
//! deleted with its connection) — for what an instance keeps in memory and must drop when
//! another instance, or another service, changes what it reflects (a cache).
//!
//! Not events: no outbox, no persistence, no acknowledgement. A hint published while the
//! broker is away, or arriving while an instance is reconnecting, is lost, so a receiver
//! bounds how long it trusts its memory anyway, and is told ([`run_hint_subscriber`]'s
//! `on_connected`) each time it (re)connects, when hints may have been missed. The
//! subscription may also bind domain event types: an instance then hears of them as soon as
//! they are published, whichever instance's durable queue applies them.

use std::time::Duration;

use futures::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection};
use tokio::sync::Mutex;

use crate::backoff::{Backoff, Outage};
use crate::error::AmqpContext;
use crate::{AmqpSettings, MessagingError, Shutdown, topology};

/// The longest [`HintPublisher::publish`] waits (connecting included) before giving up.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);

/// Publishes hints on the events exchange over a connection of its own, opened on first use
/// and again after a failure.
pub struct HintPublisher {
    settings: AmqpSettings,
    name: String,
    link: Mutex<Option<(Connection, Channel)>>,
}

impl HintPublisher {
    pub fn new(settings: AmqpSettings, name: impl Into<String>) -> Self {
        Self {
            settings,
            name: name.into(),
            link: Mutex::new(None),
        }
    }

    /// Publishes `body` under `routing_key` (transient, no confirm). Best effort: a failure is
    /// logged and the hint dropped; the caller never waits more than a couple of seconds.
    pub async fn publish(&self, routing_key: &str, body: &[u8]) {
        let sent = tokio::time::timeout(PUBLISH_TIMEOUT, self.try_publish(routing_key, body)).await;
        let error = match sent {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(_) => "timed out".to_owned(),
        };
        *self.link.lock().await = None;
        tracing::warn!(
            routing_key,
            error,
            "a hint to the other instances was not published; they rely on their own bound"
        );
    }

    async fn try_publish(&self, routing_key: &str, body: &[u8]) -> Result<(), MessagingError> {
        let mut link = self.link.lock().await;
        if link
            .as_ref()
            .is_none_or(|(c, ch)| !c.status().connected() || !ch.status().connected())
        {
            let connection = crate::connect(&self.settings, &self.name).await?;
            let channel = connection
                .create_channel()
                .await
                .amqp("opening the hint channel")?;
            *link = Some((connection, channel));
        }
        let (_, channel) = link.as_ref().expect("connected above");
        channel
            .basic_publish(
                self.settings.exchange.as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                body,
                BasicProperties::default(),
            )
            .await
            .amqp("publishing a hint")?;
        Ok(())
    }
}

/// Receives, until shutdown, every message published on the events exchange under one of
/// `routing_keys` (topic patterns allowed) on a queue of this process's own, calling
/// `on_hint(routing_key, body)` for each, and `on_connected()` each time the queue is
/// (re)bound — before the first hint, and after every reconnection, when hints may have been
/// missed. Reconnects with backoff.
pub async fn run_hint_subscriber(
    settings: AmqpSettings,
    name: String,
    routing_keys: Vec<String>,
    on_hint: impl Fn(&str, &[u8]) + Send + Sync,
    on_connected: impl Fn() + Send + Sync,
    shutdown: impl Into<Shutdown>,
) {
    let mut shutdown = shutdown.into();
    let mut backoff = Backoff::new(settings.max_backoff());
    let mut outage = Outage::default();
    while !shutdown.is_requested() {
        let session = subscribe(
            &settings,
            &name,
            &routing_keys,
            &on_hint,
            &on_connected,
            &mut shutdown,
            &mut backoff,
            &mut outage,
        )
        .await;
        match session {
            Ok(()) => return,
            Err(error) => {
                if outage.failed() {
                    tracing::warn!(name, error = %error, "hint subscription lost; reconnecting");
                }
                if !backoff.wait(&mut shutdown).await {
                    return;
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn subscribe(
    s: &AmqpSettings,
    name: &str,
    routing_keys: &[String],
    on_hint: &(impl Fn(&str, &[u8]) + Send + Sync),
    on_connected: &(impl Fn() + Send + Sync),
    shutdown: &mut Shutdown,
    backoff: &mut Backoff,
    outage: &mut Outage,
) -> Result<(), MessagingError> {
    let connection = crate::connect(s, name).await?;
    let channel = connection
        .create_channel()
        .await
        .amqp("opening the hint subscription channel")?;
    topology::declare_exchanges(&channel, s).await?;
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .amqp("declaring the hint queue")?;
    for key in routing_keys {
        channel
            .queue_bind(
                queue.name().as_str().into(),
                s.exchange.as_str().into(),
                key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .amqp("binding the hint queue")?;
    }
    let mut deliveries = channel
        .basic_consume(
            queue.name().as_str().into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                exclusive: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .amqp("consuming hints")?;
    on_connected();
    if let Some((failures, lasted)) = outage.recovered() {
        tracing::info!(
            name,
            failures,
            outage_ms = u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
            "hint subscription restored"
        );
    }
    backoff.reset();
    let result = loop {
        let next = tokio::select! {
            next = deliveries.next() => next,
            () = shutdown.requested() => break Ok(()),
        };
        match next {
            Some(Ok(delivery)) => on_hint(delivery.routing_key.as_str(), &delivery.data),
            Some(Err(e)) => break Err(e).amqp("receiving hints"),
            None => break Err(MessagingError::Disconnected("hint stream ended")),
        }
    };
    let close = connection.close(200, "hint subscriber stopping".into());
    let _ = tokio::time::timeout(Duration::from_secs(2), close).await;
    result
}
