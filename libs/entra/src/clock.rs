//! Injected time: every wait (retry backoff, `Retry-After`, consent propagation) and every token
//! lifetime decision goes through a [`Clock`], so tests can make waits exact and instant.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// Monotonic time and sleeping, as seen by the client.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current monotonic instant.
    fn now(&self) -> Instant;
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock: tokio's timer (so a paused tokio clock in tests is honoured too).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A virtual clock for tests and benchmarks: `sleep` returns at once, advances virtual time by the
/// requested duration and records it, so a test can assert the exact waits the client chose.
#[derive(Debug)]
pub struct ManualClock {
    origin: Instant,
    state: Mutex<ManualState>,
}

#[derive(Debug, Default)]
struct ManualState {
    offset: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A new virtual clock starting at the real current instant.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            origin: Instant::now(),
            state: Mutex::new(ManualState::default()),
        })
    }

    /// Moves virtual time forward without recording a sleep.
    pub fn advance(&self, by: Duration) {
        self.lock().offset += by;
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Sum of all recorded sleeps.
    pub fn total_slept(&self) -> Duration {
        self.lock().sleeps.iter().sum()
    }

    /// Forgets the recorded sleeps (virtual time is kept).
    pub fn clear_sleeps(&self) {
        self.lock().sleeps.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.origin + self.lock().offset
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        {
            let mut state = self.lock();
            state.offset += duration;
            state.sleeps.push(duration);
        }
        Box::pin(tokio::task::yield_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_records_sleeps_and_advances_virtual_time() {
        let clock = ManualClock::new();
        let start = clock.now();
        clock.sleep(Duration::from_secs(2)).await;
        clock.sleep(Duration::from_millis(1500)).await;
        clock.advance(Duration::from_secs(10));
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(2), Duration::from_millis(1500)]
        );
        assert_eq!(clock.total_slept(), Duration::from_millis(3500));
        assert_eq!(clock.now() - start, Duration::from_millis(13_500));
    }
}
