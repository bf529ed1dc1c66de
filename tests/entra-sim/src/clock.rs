//! The simulator's clock: wall time plus a test-controlled offset, optionally frozen.
//!
//! Everything time-dependent (token `exp`/`nbf`, assertion windows, code expiry, delta-token age, RU refill,
//! consent propagation) reads this clock, so tests can jump forward with [`SimClock::advance`].

use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

#[derive(Clone, Default)]
pub struct SimClock {
    inner: Arc<Mutex<ClockState>>,
}

#[derive(Default)]
struct ClockState {
    offset_ms: i64,
    frozen_at_ms: Option<i64>,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl SimClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Milliseconds since the Unix epoch, as the simulator sees it.
    pub fn now_ms(&self) -> i64 {
        let s = self.inner.lock();
        match s.frozen_at_ms {
            Some(f) => f,
            None => wall_ms() + s.offset_ms,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(self.now_ms() as i128 * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Jump forward (works whether frozen or not).
    pub fn advance(&self, by: Duration) {
        let mut s = self.inner.lock();
        let ms = by.as_millis() as i64;
        match s.frozen_at_ms.as_mut() {
            Some(f) => *f += ms,
            None => s.offset_ms += ms,
        }
    }

    /// Stop the clock at the current instant (time then moves only through [`advance`](Self::advance)).
    pub fn freeze(&self) {
        let now = self.now_ms();
        self.inner.lock().frozen_at_ms = Some(now);
    }

    /// Let the clock run again from where it stands.
    pub fn unfreeze(&self) {
        let mut s = self.inner.lock();
        if let Some(f) = s.frozen_at_ms.take() {
            s.offset_ms = f - wall_ms();
        }
    }

    pub fn is_frozen(&self) -> bool {
        self.inner.lock().frozen_at_ms.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_a_frozen_clock_exactly() {
        let c = SimClock::new();
        c.freeze();
        let t0 = c.now_ms();
        c.advance(Duration::from_secs(10));
        assert_eq!(c.now_ms(), t0 + 10_000);
        c.unfreeze();
        assert!(c.now_ms() >= t0 + 10_000);
    }
}
