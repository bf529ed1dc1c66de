//! Baseline: a bare lapin publish/consume loop with no database. Same broker path as the
//! product (persistent messages, publisher confirms awaited per window, a quorum queue with the
//! product's arguments, manual acks one by one, the same prefetch) but nothing else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel};
use pa_bench::amqp;

pub struct Params {
    pub messages: usize,
    /// Publishes in flight before their confirms are awaited (the relay's batch size).
    pub window: usize,
    pub prefetch: u16,
    pub body_bytes: usize,
    pub timeout: Duration,
}

/// Publishes `messages` persistent messages with confirms while a consumer on another
/// connection acks them; returns the time from the first publish to the last ack.
pub async fn run(p: &Params) -> anyhow::Result<Duration> {
    let queue = format!("pa.bench.baseline-{}", uuid::Uuid::new_v4().simple());
    let pub_conn = amqp::connect().await?;
    let sub_conn = amqp::connect().await?;
    let pub_ch = pub_conn.create_channel().await?;
    pub_ch
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            amqp::quorum_queue_args(),
        )
        .await
        .context("declaring the baseline quorum queue")?;
    pub_ch
        .confirm_select(ConfirmSelectOptions::default())
        .await?;

    let sub_ch = sub_conn.create_channel().await?;
    sub_ch
        .basic_qos(p.prefetch, BasicQosOptions::default())
        .await?;
    let consumer = sub_ch
        .basic_consume(
            queue.as_str().into(),
            "pa-bench-baseline".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;

    let started = Instant::now();
    let expected = p.messages;
    let consume = tokio::spawn(async move {
        let mut consumer = consumer;
        let mut seen = 0usize;
        while let Some(delivery) = consumer.next().await {
            delivery?.ack(BasicAckOptions::default()).await?;
            seen += 1;
            if seen == expected {
                return Ok::<_, anyhow::Error>(Instant::now());
            }
        }
        bail!("consumer ended after {seen} of {expected} messages")
    });

    let body: Arc<[u8]> = vec![b'x'; p.body_bytes].into();
    publish_all(&pub_ch, &queue, p, &body).await?;
    let finished = tokio::time::timeout(p.timeout, consume)
        .await
        .context("baseline consumer timed out")???;

    pub_ch
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await?;
    let _ = pub_conn.close(200, "bench done".into()).await;
    let _ = sub_conn.close(200, "bench done".into()).await;
    Ok(finished - started)
}

async fn publish_all(ch: &Channel, queue: &str, p: &Params, body: &[u8]) -> anyhow::Result<()> {
    let mut sent = 0usize;
    while sent < p.messages {
        let n = p.window.min(p.messages - sent);
        let mut confirms = Vec::with_capacity(n);
        for _ in 0..n {
            let props = BasicProperties::default()
                .with_delivery_mode(2)
                .with_content_type("application/json".into())
                .with_message_id(uuid::Uuid::now_v7().to_string().into());
            confirms.push(
                ch.basic_publish(
                    "".into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    body,
                    props,
                )
                .await?,
            );
        }
        for confirm in futures::future::try_join_all(confirms).await? {
            if !confirm.is_ack() {
                bail!("broker nacked a baseline publish");
            }
        }
        sent += n;
    }
    Ok(())
}
