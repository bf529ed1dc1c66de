//! Idle waiting for the relay: LISTEN `pa_outbox` as a hint, the poll interval as the rule.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::Shutdown;

/// The NOTIFY channel the outbox insert trigger signals (migration 0001).
const CHANNEL: &str = "pa_outbox";

/// After a NOTIFY, how long to let further commits land before claiming: under load every
/// commit notifies, and claiming per notification would publish batches of one.
const COALESCE: Duration = Duration::from_millis(5);

/// Waits for a NOTIFY, the poll interval or shutdown, whichever comes first. The
/// listener is (re)created lazily and simply skipped while it cannot be.
pub(super) struct Wakeup {
    pool: PgPool,
    listener: Option<PgListener>,
}

impl Wakeup {
    pub(super) fn new(pool: PgPool) -> Self {
        Self {
            pool,
            listener: None,
        }
    }

    pub(super) async fn wait(&mut self, poll: Duration, shutdown: &mut Shutdown) {
        if self.listener.is_none() {
            self.listener = listen(&self.pool).await;
        }
        let sleep = tokio::time::sleep(poll);
        match self.listener.as_mut() {
            Some(listener) => tokio::select! {
                received = listener.recv() => {
                    if received.is_err() {
                        // Connection trouble: drop it, poll instead, retry next time.
                        self.listener = None;
                    } else {
                        tokio::time::sleep(COALESCE).await;
                        // The notifications that arrived meanwhile are covered by this drain.
                        while listener.next_buffered().is_some() {}
                    }
                }
                () = sleep => {}
                () = shutdown.requested() => {}
            },
            None => tokio::select! {
                () = sleep => {}
                () = shutdown.requested() => {}
            },
        }
    }
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}
