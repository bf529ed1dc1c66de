//! [`EventProbe`]: reads what the service publishes, from the test's exchange, as a
//! consumer would (a queue bound to `user.#`, `sync.#` and `directory.#`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use pa_messaging::lapin::options::{
    BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions,
};
use pa_messaging::lapin::types::FieldTable;
use pa_messaging::{AmqpSettings, Envelope};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Collects every envelope published under the probed routing keys.
pub struct EventProbe {
    seen: Arc<Mutex<Vec<Envelope>>>,
    task: Option<JoinHandle<()>>,
}

impl EventProbe {
    /// Binds an exclusive, auto-deleted queue to the test's exchange and starts collecting.
    pub async fn start(amqp: &AmqpSettings) -> Self {
        let conn = pa_messaging::connect(amqp, "sync-dispatch-it.probe")
            .await
            .expect("broker");
        let channel = conn.create_channel().await.expect("channel");
        pa_messaging::topology::declare_exchanges(&channel, amqp)
            .await
            .expect("exchanges");
        let queue = format!("pa.test.probe.{}", Uuid::now_v7().simple());
        let options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(queue.as_str().into(), options, FieldTable::default())
            .await
            .expect("queue");
        for key in ["user.#", "sync.run_finished", "directory.#"] {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    amqp.exchange.as_str().into(),
                    key.into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("bind");
        }
        let mut deliveries = channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            let _keep = (conn, channel);
            while let Some(Ok(delivery)) = deliveries.next().await {
                // The drift check of SQL-built envelopes: every message must parse.
                let envelope: Envelope =
                    serde_json::from_slice(&delivery.data).expect("a valid envelope");
                sink.lock().expect("lock").push(envelope);
                let _ = delivery.acker.ack(BasicAckOptions::default()).await;
            }
        });
        Self {
            seen,
            task: Some(task),
        }
    }

    /// Every envelope of `event_type` seen so far.
    pub fn events(&self, event_type: &str) -> Vec<Envelope> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| e.event_type == event_type)
            .cloned()
            .collect()
    }

    /// Waits (up to `timeout`) for an envelope of `event_type` matching `pred`.
    pub async fn wait_for(
        &self,
        event_type: &str,
        timeout: Duration,
        pred: impl Fn(&Envelope) -> bool,
    ) -> Envelope {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(e) = self.events(event_type).into_iter().find(|e| pred(e)) {
                return e;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {event_type} event matched within {timeout:?}; seen: {:#?}",
                self.seen
                    .lock()
                    .expect("lock")
                    .iter()
                    .map(|e| (&e.event_type, &e.data))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}
