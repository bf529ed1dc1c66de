//! Declaring exchanges and queues (idempotent; run at every (re)connect).
//!
//! * `pa.events`: durable topic exchange for domain events (routing key = event type).
//! * `pa.dlx`: durable topic dead-letter exchange, bound to the quorum queue
//!   `pa.dead-letter` with `#`.
//! * one durable quorum queue per consumer, `pa.<service>.<consumer>`, with
//!   `x-delivery-limit` and `x-dead-letter-exchange`, bound to `pa.events` with the
//!   consumer's routing keys.
//!
//! Redeclaring a queue with different arguments fails with PRECONDITION_FAILED; changing a
//! queue's arguments means a new queue name (or deleting the old one deliberately).

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};

use crate::error::AmqpContext;
use crate::{AmqpSettings, ConsumerSpec, MessagingError};

/// The conventional consumer queue name `pa.<service>.<consumer>`.
pub fn queue_name(service: &str, consumer: &str) -> String {
    format!("pa.{service}.{consumer}")
}

/// Declares the events exchange, the dead-letter exchange and the dead-letter queue.
pub async fn declare_exchanges(channel: &Channel, s: &AmqpSettings) -> Result<(), MessagingError> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            s.exchange.as_str().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await
        .amqp("declaring the events exchange")?;
    channel
        .exchange_declare(
            s.dead_letter_exchange.as_str().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await
        .amqp("declaring the dead-letter exchange")?;
    declare_quorum_queue(channel, &s.dead_letter_queue, quorum_args()).await?;
    channel
        .queue_bind(
            s.dead_letter_queue.as_str().into(),
            s.dead_letter_exchange.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .amqp("binding the dead-letter queue")?;
    Ok(())
}

/// Declares (and binds) a consumer's quorum queue with delivery limit and dead-lettering.
pub async fn declare_consumer_queue(
    channel: &Channel,
    s: &AmqpSettings,
    spec: &ConsumerSpec,
) -> Result<(), MessagingError> {
    let mut args = quorum_args();
    let limit = i64::from(s.delivery_limit);
    args.insert("x-delivery-limit".into(), AMQPValue::LongLongInt(limit));
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(LongString::from(s.dead_letter_exchange.as_str())),
    );
    declare_quorum_queue(channel, &spec.queue, args).await?;
    for key in &spec.routing_keys {
        channel
            .queue_bind(
                spec.queue.as_str().into(),
                s.exchange.as_str().into(),
                key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .amqp("binding a consumer queue")?;
    }
    Ok(())
}

fn quorum_args() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args
}

async fn declare_quorum_queue(
    channel: &Channel,
    name: &str,
    args: FieldTable,
) -> Result<(), MessagingError> {
    let options = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(name.into(), options, args)
        .await
        .amqp("declaring a quorum queue")?;
    Ok(())
}
