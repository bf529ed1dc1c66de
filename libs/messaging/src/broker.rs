//! Connecting to RabbitMQ.

use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};
use secrecy::ExposeSecret;

use crate::error::AmqpContext;
use crate::{AmqpSettings, MessagingError};

/// Opens a connection with the configured heartbeat, named `name` in the management UI.
///
/// No lapin auto-recovery: pa-messaging's loops rebuild connection, channel, topology and
/// consumers themselves after a failure, which keeps delivery tags and confirms simple to
/// reason about. Services may also use this for their readiness check.
pub async fn connect(s: &AmqpSettings, name: &str) -> Result<Connection, MessagingError> {
    let mut uri: AMQPUri = s
        .url
        .expose_secret()
        .parse()
        .map_err(|e: String| MessagingError::InvalidUrl(redact(&e)))?;
    if uri.query.heartbeat.is_none() {
        uri.query.heartbeat = Some(s.heartbeat_secs);
    }
    if uri.query.connection_timeout.is_none() {
        uri.query.connection_timeout = Some(10_000);
    }
    let props = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect_uri(uri, props)
        .await
        .amqp("connecting to the broker")
}

/// URL parse errors may quote the URL; never let a password reach the logs.
fn redact(message: &str) -> String {
    if message.contains('@') {
        "unparseable URL".to_owned()
    } else {
        message.to_owned()
    }
}
