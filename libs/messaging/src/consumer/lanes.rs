//! Ordered lanes: deliveries of one tenant are handled in order, different tenants in
//! parallel.
//!
//! A single consumer handling one message at a time is bound by one database commit per
//! message. Lanes give parallelism without giving up the ordering that matters: every
//! delivery is routed by its `tenant_id` header (or, without one, its message id) to one of
//! `n` lanes, and each lane handles its deliveries strictly one after another (with
//! `ConsumerSpec::batch` > 1, the ones already buffered together, in order, in one
//! transaction).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use lapin::message::Delivery;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::process::{Context, string_header};
use crate::outbox::header;
use crate::{MessagingError, Shutdown};

/// The lanes of one consumer session.
pub(super) struct Lanes {
    senders: Vec<mpsc::Sender<Delivery>>,
    tasks: JoinSet<()>,
    failures: mpsc::Receiver<MessagingError>,
}

impl Lanes {
    /// Starts `count` lanes (at least one), each buffering up to `depth` deliveries and
    /// handling up to `batch` of them per transaction.
    pub(super) fn start(
        ctx: Arc<Context>,
        count: usize,
        depth: usize,
        batch: usize,
        shutdown: &Shutdown,
    ) -> Self {
        let count = count.max(1);
        let (fail_tx, failures) = mpsc::channel(count);
        let mut tasks = JoinSet::new();
        let senders = (0..count)
            .map(|_| {
                let (tx, mut rx) = mpsc::channel::<Delivery>(depth.max(1));
                let ctx = Arc::clone(&ctx);
                let fail_tx = fail_tx.clone();
                let mut shutdown = shutdown.clone();
                tasks.spawn(async move {
                    while let Some(first) = rx.recv().await {
                        let mut deliveries = vec![first];
                        while deliveries.len() < batch {
                            match rx.try_recv() {
                                Ok(next) => deliveries.push(next),
                                Err(_) => break,
                            }
                        }
                        if let Err(error) = ctx.process_all(deliveries, &mut shutdown).await {
                            // The channel is gone: tell the session to reconnect and stop.
                            let _ = fail_tx.send(error).await;
                            return;
                        }
                    }
                });
                tx
            })
            .collect();
        Self {
            senders,
            tasks,
            failures,
        }
    }

    /// Hands a delivery to its lane, waiting while that lane is full.
    pub(super) async fn dispatch(&self, delivery: Delivery) -> Result<(), MessagingError> {
        let lane = lane_of(&delivery, self.senders.len());
        self.senders[lane]
            .send(delivery)
            .await
            .map_err(|_| MessagingError::Disconnected("a consumer lane stopped"))
    }

    /// Resolves with the first channel failure reported by a lane.
    pub(super) async fn failed(&mut self) -> MessagingError {
        self.failures
            .recv()
            .await
            .unwrap_or(MessagingError::Disconnected("every consumer lane stopped"))
    }

    /// Lets the lanes finish what they hold (bounded by `grace`), then stops them.
    /// Deliveries left unacked return to the queue when the channel closes.
    pub(super) async fn stop(mut self, grace: Duration) {
        self.senders.clear();
        let drain = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, drain).await.is_err() {
            self.tasks.abort_all();
        }
    }
}

/// The lane of a delivery: by tenant so one tenant's events stay in order.
fn lane_of(delivery: &Delivery, lanes: usize) -> usize {
    if lanes == 1 {
        return 0;
    }
    let mut hasher = DefaultHasher::new();
    match string_header(delivery, header::TENANT_ID) {
        Some(tenant) => tenant.hash(&mut hasher),
        None => delivery
            .properties
            .message_id()
            .as_ref()
            .map(|id| id.as_str().to_owned())
            .hash(&mut hasher),
    }
    // The modulo keeps the value below `lanes`, so the narrowing cannot truncate.
    (hasher.finish() % lanes as u64) as usize
}
