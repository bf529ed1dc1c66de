//! Broker settings and the queue arguments the product uses, for the bare-lapin baseline.

use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Connection, ConnectionProperties};

/// `PA_BENCH_AMQP_URL`, else the local broker.
pub fn url() -> String {
    std::env::var("PA_BENCH_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

pub async fn connect() -> anyhow::Result<Connection> {
    Ok(Connection::connect(&url(), ConnectionProperties::default()).await?)
}

/// Arguments of a consumer queue as pa-messaging declares them: quorum, bounded redelivery,
/// dead letters to `pa.dlx`.
pub fn quorum_queue_args() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(ShortString::from("x-queue-type"), AMQPValue::LongString("quorum".into()));
    args.insert(ShortString::from("x-delivery-limit"), AMQPValue::LongInt(5));
    args.insert(ShortString::from("x-dead-letter-exchange"), AMQPValue::LongString("pa.dlx".into()));
    args
}
