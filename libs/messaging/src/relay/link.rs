//! The relay's broker connection: one channel in confirm mode.

use std::time::Duration;

use lapin::options::ConfirmSelectOptions;
use lapin::{Channel, Connection};

use crate::error::AmqpContext;
use crate::{AmqpSettings, MessagingError, topology};

/// A connection plus a confirm-mode channel, with the exchanges declared.
pub(super) struct Link {
    connection: Connection,
    pub(super) channel: Channel,
}

impl Link {
    pub(super) async fn open(s: &AmqpSettings) -> Result<Self, MessagingError> {
        let connection = crate::connect(s, "pa-outbox-relay").await?;
        let channel = connection
            .create_channel()
            .await
            .amqp("opening the relay channel")?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .amqp("enabling publisher confirms")?;
        topology::declare_exchanges(&channel, s).await?;
        Ok(Self {
            connection,
            channel,
        })
    }

    pub(super) fn is_usable(&self) -> bool {
        self.connection.status().connected() && self.channel.status().connected()
    }

    /// Closes politely, giving up after `timeout` (a dead peer never answers).
    pub(super) async fn close(self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.connection.close(200, "relay stopping".into()))
            .await;
    }
}
