//! One consumer connection's lifetime: connect, declare, consume until error or shutdown.

use std::time::Duration;

use futures::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;

use std::sync::Arc;

use super::lanes::Lanes;
use super::process::Context;
use crate::backoff::{Backoff, Outage};
use crate::error::AmqpContext;
use crate::{AmqpSettings, ConsumerSpec, MessagingError, Shutdown, topology};

/// Runs one session. `Ok(())` means shutdown was requested; `Err` means reconnect.
pub(super) async fn run(
    ctx: &Arc<Context>,
    s: &AmqpSettings,
    spec: &ConsumerSpec,
    shutdown: &mut Shutdown,
    backoff: &mut Backoff,
    outage: &mut Outage,
) -> Result<(), MessagingError> {
    let connection = crate::connect(s, &format!("pa-consumer {}", spec.queue)).await?;
    let channel = connection
        .create_channel()
        .await
        .amqp("opening the consumer channel")?;
    topology::declare_exchanges(&channel, s).await?;
    topology::declare_consumer_queue(&channel, s, spec).await?;
    let prefetch = if spec.prefetch == 0 {
        s.prefetch
    } else {
        spec.prefetch
    };
    // Per-consumer QoS (global = false): quorum queues reject global QoS.
    channel
        .basic_qos(prefetch, BasicQosOptions { global: false })
        .await
        .amqp("setting the prefetch")?;
    let mut deliveries = channel
        .basic_consume(
            spec.queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .amqp("starting to consume")?;
    match outage.recovered() {
        Some((failures, lasted)) => tracing::info!(
            queue = %spec.queue,
            prefetch,
            failures,
            outage_ms = u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
            "consuming again"
        ),
        None => tracing::info!(queue = %spec.queue, prefetch, "consuming"),
    }
    backoff.reset();

    let concurrency = if spec.concurrency == 0 {
        s.consumer_concurrency
    } else {
        spec.concurrency
    };
    let mut lanes = Lanes::start(
        Arc::clone(ctx),
        usize::from(concurrency),
        usize::from(prefetch),
        usize::from(spec.batch.max(1)),
        shutdown,
    );
    let result = loop {
        let next = tokio::select! {
            next = deliveries.next() => next,
            error = lanes.failed() => break Err(error),
            () = shutdown.requested() => break Ok(()),
        };
        match next {
            Some(Ok(delivery)) => {
                if let Err(error) = lanes.dispatch(delivery).await {
                    break Err(error);
                }
            }
            Some(Err(e)) => break Err(e).amqp("receiving deliveries"),
            None => break Err(MessagingError::Disconnected("consumer stream ended")),
        }
    };
    lanes.stop(Duration::from_secs(5)).await;
    // Unacked deliveries return to the queue when the channel closes.
    let close = async {
        let _ = channel.close(200, "consumer stopping".into()).await;
        let _ = connection.close(200, "consumer stopping".into()).await;
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), close).await;
    result
}
