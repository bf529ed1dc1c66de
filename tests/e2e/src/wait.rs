//! Polling until something holds: `let d = Deadline::new(..); loop { if ok { break } d.tick().await }`.

use std::time::{Duration, Instant};

/// A poll loop's deadline.
#[derive(Debug)]
pub struct Deadline {
    what: String,
    started: Instant,
    timeout: Duration,
    every: Duration,
}

impl Deadline {
    /// Waiting for `what`, at most `timeout`, polling every 100 ms.
    pub fn new(what: impl Into<String>, timeout: Duration) -> Self {
        Self {
            what: what.into(),
            started: Instant::now(),
            timeout,
            every: Duration::from_millis(100),
        }
    }

    /// Polls every `every` instead.
    #[must_use]
    pub fn every(mut self, every: Duration) -> Self {
        self.every = every;
        self
    }

    /// Sleeps until the next poll; panics once the deadline has passed.
    pub async fn tick(&self) {
        assert!(
            self.started.elapsed() < self.timeout,
            "timed out after {:?} waiting for {}",
            self.timeout,
            self.what
        );
        tokio::time::sleep(self.every).await;
    }

    /// Time since the wait began.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
