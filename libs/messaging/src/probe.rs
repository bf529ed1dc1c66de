//! [`BrokerProbe`]: a readiness check for RabbitMQ that keeps one connection open.

use std::sync::atomic::{AtomicU64, Ordering};

use lapin::Connection;
use tokio::sync::Mutex;

use crate::{AmqpSettings, MessagingError};

/// Answers "is the broker reachable?" for `/readyz` from ONE long-lived connection: while
/// it is up (lapin notices a dead broker at once on a closed socket, or within two
/// heartbeats) a check costs nothing; when it is down the check connects again. A probe that
/// opened a connection per check would make every kubelet probe a connection handshake on
/// the broker.
pub struct BrokerProbe {
    amqp: AmqpSettings,
    name: String,
    connection: Mutex<Option<Connection>>,
    opened: AtomicU64,
}

impl BrokerProbe {
    /// A probe whose connection shows as `name` in the management UI. Connects lazily.
    pub fn new(amqp: AmqpSettings, name: impl Into<String>) -> Self {
        Self {
            amqp,
            name: name.into(),
            connection: Mutex::new(None),
            opened: AtomicU64::new(0),
        }
    }

    /// `Ok` when the probe's connection is up, after reconnecting if it was not.
    pub async fn check(&self) -> Result<(), MessagingError> {
        let mut connection = self.connection.lock().await;
        if connection.as_ref().is_some_and(|c| c.status().connected()) {
            return Ok(());
        }
        // A dead connection is dropped, not closed: its peer would never answer.
        *connection = None;
        let fresh = crate::connect(&self.amqp, &self.name).await?;
        self.opened.fetch_add(1, Ordering::Relaxed);
        *connection = Some(fresh);
        Ok(())
    }

    /// Connections this probe has opened so far (1 while the broker stays up).
    pub fn connections_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }
}
