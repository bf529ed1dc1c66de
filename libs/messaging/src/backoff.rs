//! Exponential reconnect backoff.

use std::time::Duration;

use crate::Shutdown;

/// Doubling delays from 100 ms up to a ceiling; reset after a success.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

const INITIAL: Duration = Duration::from_millis(100);

impl Backoff {
    pub(crate) fn new(max: Duration) -> Self {
        Self { next: INITIAL, max }
    }

    pub(crate) fn reset(&mut self) {
        self.next = INITIAL;
    }

    /// Sleeps for the current delay (cut short by shutdown) and doubles it.
    /// Returns false when shutdown was requested.
    pub(crate) async fn wait(&mut self, shutdown: &mut Shutdown) -> bool {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        tokio::select! {
            () = tokio::time::sleep(delay) => !shutdown.is_requested(),
            () = shutdown.requested() => false,
        }
    }
}
