//! A test consumer on `pa.events`: a private, auto-deleted queue per test bound to
//! `tenant.#`, so the test reads exactly what the relay published.

use std::time::Duration;

use futures::StreamExt;
use pa_messaging::lapin::options::{
    BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions,
};
use pa_messaging::lapin::types::FieldTable;
use pa_messaging::lapin::{Connection, Consumer};
use pa_messaging::{AmqpSettings, Envelope};
use serde_json::Value;
use uuid::Uuid;

pub struct EventTap {
    _connection: Connection,
    consumer: Consumer,
    seen: Vec<(Envelope, Value)>,
}

impl EventTap {
    /// Binds a fresh queue before the test acts, so no event is missed.
    pub async fn start() -> Self {
        let settings = AmqpSettings::default();
        let connection = pa_messaging::connect(&settings, "tenant-provisioning-it")
            .await
            .expect("broker");
        let channel = connection.create_channel().await.expect("channel");
        pa_messaging::topology::declare_exchanges(&channel, &settings)
            .await
            .expect("exchanges");
        let queue = format!("pa.test.tenant-provisioning.{}", Uuid::now_v7().simple());
        let options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(queue.as_str().into(), options, FieldTable::default())
            .await
            .expect("queue");
        channel
            .queue_bind(
                queue.as_str().into(),
                settings.exchange.as_str().into(),
                "tenant.#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind");
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

    /// Waits until events of every type in `types` arrived for `tenant`; returns them all
    /// (envelope + raw body) in arrival order.
    pub async fn wait_for(&mut self, tenant: &str, types: &[&str]) -> Vec<(Envelope, Value)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mine: Vec<_> = self
                .seen
                .iter()
                .filter(|(e, _)| e.tenant_id.is_some_and(|t| t.to_string() == tenant))
                .cloned()
                .collect();
            if types
                .iter()
                .all(|t| mine.iter().any(|(e, _)| e.event_type == *t))
            {
                return mine;
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let next = tokio::time::timeout(remaining, self.consumer.next()).await;
            let Ok(Some(Ok(delivery))) = next else {
                let got: Vec<_> = mine.iter().map(|(e, _)| e.event_type.clone()).collect();
                panic!("timed out waiting for {types:?} of tenant {tenant}; got {got:?}");
            };
            delivery.ack(BasicAckOptions::default()).await.expect("ack");
            let raw: Value = serde_json::from_slice(&delivery.data).expect("json body");
            let envelope: Envelope = serde_json::from_value(raw.clone()).expect("envelope");
            self.seen.push((envelope, raw));
        }
    }
}
