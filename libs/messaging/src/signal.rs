//! [`OutboxSignal`]: tells this process's outbox relay that committed events are waiting.

use std::sync::Arc;

use sqlx::{Postgres, Transaction};
use tokio::sync::Notify;

/// Wakes the [`OutboxRelay`](crate::OutboxRelay) it was given to after a commit that
/// enqueued events, so they are published at once instead of at the next poll.
///
/// Cheap to clone; keep one in the application state, hand a clone to the relay with
/// [`OutboxRelay::with_signal`](crate::OutboxRelay::with_signal) and commit through
/// [`commit`](Self::commit).
///
/// Why not a `NOTIFY` from an outbox trigger (as migration 0001 first did): PostgreSQL
/// serialises every committing transaction that has a pending `NOTIFY` on one cluster-wide
/// lock held through the WAL flush, so notifying writes cannot share a group commit. On the
/// 2-core bench box that capped `INSERT + NOTIFY` transactions at ≈ 2,150/s against
/// ≈ 8,150/s without it (pgbench, 32 clients). Every instance runs its own relay, so waking
/// the committing instance's relay is enough; rows left by any other writer are found by
/// the relay's poll.
#[derive(Clone, Debug, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    /// A new signal, not yet attached to a relay.
    pub fn new() -> Self {
        Self::default()
    }

    /// Call after committing a transaction that enqueued events. A signal sent while the
    /// relay is busy is kept (one permit), so it drains again right after.
    pub fn committed(&self) {
        self.0.notify_one();
    }

    /// Commits `tx`, then signals the relay.
    pub async fn commit(&self, tx: Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        tx.commit().await?;
        self.committed();
        Ok(())
    }

    /// Resolves at the next signal (or at once if one arrived since the last wait).
    pub(crate) async fn notified(&self) {
        self.0.notified().await;
    }
}

/// Two signals are equal when they wake the same relay.
impl PartialEq for OutboxSignal {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for OutboxSignal {}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_signal_sent_before_the_wait_is_not_lost() {
        let signal = OutboxSignal::new();
        signal.committed();
        tokio::time::timeout(Duration::from_secs(1), signal.clone().notified())
            .await
            .expect("the stored permit wakes the waiter");
    }

    #[tokio::test]
    async fn without_a_signal_the_wait_does_not_end() {
        let signal = OutboxSignal::new();
        let waited = tokio::time::timeout(Duration::from_millis(50), signal.notified()).await;
        assert!(waited.is_err());
    }
}
