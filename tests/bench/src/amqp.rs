//! Broker settings and the queue arguments the product uses, for the bare-lapin baseline.

use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Connection, ConnectionProperties};

/// Topic exchange the benches' relays publish to instead of `pa.events`: the same broker work,
/// but no queue a developer's test run left bound to `pa.events` receives bench events.
pub const BENCH_EXCHANGE: &str = "pa.bench.events";

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
    args.insert(
        ShortString::from("x-queue-type"),
        AMQPValue::LongString("quorum".into()),
    );
    args.insert(
        ShortString::from("x-delivery-limit"),
        AMQPValue::LongLongInt(5),
    );
    args.insert(
        ShortString::from("x-dead-letter-exchange"),
        AMQPValue::LongString("pa.dlx".into()),
    );
    args
}

/// Removes [`BENCH_EXCHANGE`] (best effort; relays declare it again when they reconnect).
pub async fn delete_bench_exchange() {
    if let Ok(conn) = connect().await {
        if let Ok(ch) = conn.create_channel().await {
            let _ = ch
                .exchange_delete(BENCH_EXCHANGE.into(), ExchangeDeleteOptions::default())
                .await;
        }
        let _ = conn.close(200, "bench done".into()).await;
    }
}

/// Deletes a queue the bench declared (best effort).
pub async fn delete_queue(queue: &str) {
    if let Ok(conn) = connect().await {
        if let Ok(ch) = conn.create_channel().await {
            let _ = ch
                .queue_delete(queue.into(), QueueDeleteOptions::default())
                .await;
        }
        let _ = conn.close(200, "bench done".into()).await;
    }
}
