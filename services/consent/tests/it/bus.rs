//! A test consumer on `pa.events`: a private, auto-deleted queue bound before the test acts.

use std::time::Duration;

use futures::StreamExt;
use pa_messaging::lapin::options::{
    BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions,
};
use pa_messaging::lapin::types::FieldTable;
use pa_messaging::lapin::{Connection, Consumer};
use pa_messaging::{AmqpSettings, Envelope};
use uuid::Uuid;

pub struct EventTap {
    _connection: Connection,
    consumer: Consumer,
    seen: Vec<Envelope>,
}

impl EventTap {
    /// Binds a fresh queue to `routing_keys`.
    pub async fn start(routing_keys: &[&str]) -> Self {
        let settings = AmqpSettings::default();
        let connection = pa_messaging::connect(&settings, "consent-it")
            .await
            .expect("broker");
        let channel = connection.create_channel().await.expect("channel");
        pa_messaging::topology::declare_exchanges(&channel, &settings)
            .await
            .expect("exchanges");
        let queue = format!("pa.test.consent.tap.{}", Uuid::now_v7().simple());
        let options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(queue.as_str().into(), options, FieldTable::default())
            .await
            .expect("queue");
        for key in routing_keys {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    settings.exchange.as_str().into(),
                    (*key).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("bind");
        }
        let consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume");
        Self {
            _connection: connection,
            consumer,
            seen: Vec::new(),
        }
    }

    /// Waits for `count` events of `event_type` for `tenant`; returns all of that type so far.
    pub async fn wait_for(
        &mut self,
        tenant: &str,
        event_type: &str,
        count: usize,
    ) -> Vec<Envelope> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mine: Vec<Envelope> = self
                .seen
                .iter()
                .filter(|e| {
                    e.event_type == event_type
                        && e.tenant_id.is_some_and(|t| t.to_string() == tenant)
                })
                .cloned()
                .collect();
            if mine.len() >= count {
                return mine;
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let next = tokio::time::timeout(remaining, self.consumer.next()).await;
            let Ok(Some(Ok(delivery))) = next else {
                panic!("timed out waiting for {count} {event_type} of tenant {tenant}");
            };
            delivery.ack(BasicAckOptions::default()).await.expect("ack");
            let envelope: Envelope = serde_json::from_slice(&delivery.data).expect("envelope");
            self.seen.push(envelope);
        }
    }

    /// Collects what arrives for `wait`, then returns every event of `event_type` for `tenant`.
    pub async fn settle(
        &mut self,
        tenant: &str,
        event_type: &str,
        wait: Duration,
    ) -> Vec<Envelope> {
        let until = tokio::time::Instant::now() + wait;
        while let Ok(Some(Ok(delivery))) =
            tokio::time::timeout_at(until, self.consumer.next()).await
        {
            delivery.ack(BasicAckOptions::default()).await.expect("ack");
            let envelope: Envelope = serde_json::from_slice(&delivery.data).expect("envelope");
            self.seen.push(envelope);
        }
        self.seen
            .iter()
            .filter(|e| {
                e.event_type == event_type && e.tenant_id.is_some_and(|t| t.to_string() == tenant)
            })
            .cloned()
            .collect()
    }
}
