//! [`OutboxRelay`]: publishes committed outbox rows to RabbitMQ.

mod batch;
mod link;
mod wakeup;
mod window;

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Mutex;

use crate::backoff::{Backoff, Outage};
pub(crate) use pa_telemetry::error_chain;

use crate::{AmqpSettings, MessagingError, OutboxSignal, Shutdown};
use link::Link;
use window::ClaimWindow;

/// Moves events from the `outbox` table to the `pa.events` exchange.
///
/// Each batch: claim up to `publish_batch_size` rows with `FOR UPDATE SKIP LOCKED` and
/// delete them in the same statement, publish them all as persistent messages, await the
/// whole window of publisher confirms and commit — one transaction, rolled back (rows kept)
/// when any publish fails or is nacked. Several relays can
/// run at once (each claims different rows), so in the normal case nothing is published
/// twice; after a crash or broker failure between publish and commit a message may be
/// published again (at-least-once), which idempotent consumers absorb.
///
/// Rows are claimed oldest first, but parallel relays and consumer retries mean there is no
/// global delivery order.
///
/// On failure the claim is rolled back, the connection dropped, and [`run`](Self::run)
/// backs off and reconnects. Its [`OutboxSignal`], sent after a commit, wakes an idle relay
/// at once; polling every `poll_interval_ms` is what guarantees progress.
pub struct OutboxRelay {
    pool: PgPool,
    amqp: AmqpSettings,
    /// The broker link and where the next claim starts, used by one drain at a time.
    state: Mutex<(Option<Link>, ClaimWindow)>,
    signal: OutboxSignal,
}

impl OutboxRelay {
    /// A relay publishing from `pool`'s outbox to the broker of `amqp`. Connects lazily.
    pub fn new(pool: PgPool, amqp: AmqpSettings) -> Self {
        Self {
            pool,
            amqp,
            state: Mutex::new((None, ClaimWindow::new())),
            signal: OutboxSignal::new(),
        }
    }

    /// Wakes on `signal` (shared with the code that commits) instead of a signal of its own.
    #[must_use]
    pub fn with_signal(mut self, signal: OutboxSignal) -> Self {
        self.signal = signal;
        self
    }

    /// The signal that wakes this relay: commit through it (see [`OutboxSignal::commit`]).
    pub fn signal(&self) -> OutboxSignal {
        self.signal.clone()
    }

    /// Publishes batches until the outbox has no claimable rows; returns how many messages
    /// this call published. Connects (and declares the exchanges) first if needed.
    pub async fn drain_once(&self) -> Result<usize, MessagingError> {
        let mut guard = self.state.lock().await;
        let (slot, window) = &mut *guard;
        let link = match slot.take() {
            Some(link) if link.is_usable() => link,
            _ => Link::open(&self.amqp).await?,
        };
        let batch_size = self.amqp.publish_batch_size.max(1);
        let mut total = 0;
        loop {
            let published =
                batch::publish(&self.pool, &link, &self.amqp, batch_size, window).await?;
            total += published.count;
            if !published.full {
                break;
            }
        }
        // Only a link that worked goes back; on error it is dropped (and closed).
        *slot = Some(link);
        Ok(total)
    }

    /// Runs until `shutdown` fires: drains, then sleeps until signalled or the poll interval;
    /// on failure logs, backs off (100 ms doubling to `max_backoff_ms`, 1 s by default) and
    /// reconnects — so after an outage publishing resumes within about that ceiling of the
    /// broker's (or the database's) return.
    pub async fn run(self, shutdown: impl Into<Shutdown>) {
        let mut shutdown = shutdown.into();
        let mut backoff = Backoff::new(self.amqp.max_backoff());
        let mut outage = Outage::default();
        tracing::info!("outbox relay started");
        while !shutdown.is_requested() {
            match self.drain_once().await {
                Ok(count) => {
                    backoff.reset();
                    if let Some((failures, lasted)) = outage.recovered() {
                        tracing::info!(
                            failures,
                            outage_ms = u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
                            published = count,
                            "outbox relay publishing again"
                        );
                    }
                    if count > 0 {
                        tracing::debug!(count, "outbox batch published");
                    }
                    // `drain_once` returns after a batch that was not full: the outbox is
                    // (nearly) empty, so wait for the next signal (+ coalescing) or poll
                    // rather than re-claiming at once in batches of one or two.
                    wakeup::wait(&self.signal, self.amqp.poll_interval(), &mut shutdown).await;
                }
                Err(error) => {
                    if outage.failed() {
                        tracing::warn!(error = %error_chain(&error), failures = outage.failures(), "outbox relay failed; retrying");
                    } else {
                        tracing::debug!(error = %error_chain(&error), failures = outage.failures(), "outbox relay failed again");
                    }
                    if !backoff.wait(&mut shutdown).await {
                        break;
                    }
                }
            }
        }
        self.close().await;
        tracing::info!("outbox relay stopped");
    }

    async fn close(&self) {
        if let Some(link) = self.state.lock().await.0.take() {
            link.close(Duration::from_secs(2)).await;
        }
    }
}
