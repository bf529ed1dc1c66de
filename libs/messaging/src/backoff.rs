//! Exponential reconnect backoff, and [`Outage`]: logging a run of failures without flooding.

use std::time::{Duration, Instant};

use crate::Shutdown;

/// Doubling delays from 100 ms up to a ceiling; reset after a success.
///
/// The ceiling (`AmqpSettings::max_backoff_ms`, 1 s by default) is also the longest a loop
/// keeps waiting after the broker (or the database) is back: an attempt against a stopped
/// broker is refused at once, so a short ceiling costs next to nothing, while a long one
/// delays every event of a long outage by up to that much more once it is over.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

const INITIAL: Duration = Duration::from_millis(100);

impl Backoff {
    pub(crate) fn new(max: Duration) -> Self {
        Self {
            next: INITIAL.min(max),
            max,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.next = INITIAL.min(self.max);
    }

    /// The current delay; doubles the next one.
    fn advance(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Sleeps for the current delay (cut short by shutdown) and doubles it.
    /// Returns false when shutdown was requested.
    pub(crate) async fn wait(&mut self, shutdown: &mut Shutdown) -> bool {
        let delay = self.advance();
        tokio::select! {
            () = tokio::time::sleep(delay) => !shutdown.is_requested(),
            () = shutdown.requested() => false,
        }
    }
}

/// After the first warning of an outage, at most one more per this period.
const WARN_EVERY: Duration = Duration::from_secs(30);

/// A run of consecutive failures of one loop (relay, consumer): with a short backoff an
/// outage means an attempt a second, so only the first failure and then one every
/// [`WARN_EVERY`] deserve a warning; the recovery is reported with the outage's length.
#[derive(Debug, Default)]
pub(crate) struct Outage {
    since: Option<Instant>,
    failures: u32,
    last_warned: Option<Instant>,
}

impl Outage {
    /// Records a failure; true when it should be logged as a warning.
    pub(crate) fn failed(&mut self) -> bool {
        let now = Instant::now();
        self.since.get_or_insert(now);
        self.failures += 1;
        let warn = self
            .last_warned
            .is_none_or(|last| now.duration_since(last) >= WARN_EVERY);
        if warn {
            self.last_warned = Some(now);
        }
        warn
    }

    /// Failures in the current run.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a success: the failures and how long they lasted, if there were any.
    pub(crate) fn recovered(&mut self) -> Option<(u32, Duration)> {
        let since = self.since.take()?;
        let failures = std::mem::take(&mut self.failures);
        self.last_warned = None;
        Some((failures, since.elapsed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_ceiling_and_restart_after_a_reset() {
        let mut backoff = Backoff::new(Duration::from_secs(1));
        let seen: Vec<u128> = (0..6).map(|_| backoff.advance().as_millis()).collect();
        assert_eq!(seen, [100, 200, 400, 800, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.advance(), INITIAL);
    }

    #[tokio::test]
    async fn shutdown_cuts_a_wait_short() {
        let (stop, rx) = tokio::sync::watch::channel(true);
        let mut backoff = Backoff::new(Duration::from_secs(60));
        backoff.advance();
        backoff.advance();
        let started = Instant::now();
        assert!(!backoff.wait(&mut Shutdown::from(rx)).await);
        assert!(started.elapsed() < Duration::from_secs(1));
        drop(stop);
    }

    #[test]
    fn an_outage_warns_once_then_reports_its_length_when_it_ends() {
        let mut outage = Outage::default();
        assert!(outage.failed(), "the first failure is a warning");
        assert!(!outage.failed(), "the next ones within the period are not");
        assert!(!outage.failed());
        assert_eq!(outage.failures(), 3);
        let (failures, _lasted) = outage.recovered().expect("there was an outage");
        assert_eq!(failures, 3);
        assert!(outage.recovered().is_none(), "nothing to report twice");
        assert!(outage.failed(), "a new outage warns again");
    }
}
