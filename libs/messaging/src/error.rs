//! [`MessagingError`].

/// Every failure pa-messaging reports.
#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    /// The AMQP URL could not be parsed.
    #[error("invalid AMQP URL: {0}")]
    InvalidUrl(String),
    /// A broker operation failed (connection, channel, declare, publish, ack).
    #[error("AMQP operation failed: {context}")]
    Amqp {
        /// What was being done.
        context: &'static str,
        /// The lapin error.
        #[source]
        source: lapin::Error,
    },
    /// The broker connection or channel went away.
    #[error("broker connection lost: {0}")]
    Disconnected(&'static str),
    /// The broker did not confirm a published batch in time.
    #[error("broker did not confirm {pending} published messages in time")]
    ConfirmTimeout {
        /// Messages left unconfirmed.
        pending: usize,
    },
    /// The broker refused (nacked) published messages; they stay in the outbox.
    #[error("broker nacked {count} published messages")]
    Nacked {
        /// Messages nacked.
        count: usize,
    },
    /// A database operation failed.
    #[error("database operation failed")]
    Db(#[from] pa_db::DbError),
    /// An event or envelope could not be (de)serialised.
    #[error("event serialisation failed")]
    Json(#[from] serde_json::Error),
}

impl From<sqlx::Error> for MessagingError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// `.amqp("what")?` on lapin results.
pub(crate) trait AmqpContext<T> {
    fn amqp(self, context: &'static str) -> Result<T, MessagingError>;
}

impl<T> AmqpContext<T> for Result<T, lapin::Error> {
    fn amqp(self, context: &'static str) -> Result<T, MessagingError> {
        self.map_err(|source| MessagingError::Amqp { context, source })
    }
}
