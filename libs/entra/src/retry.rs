//! Retry policy shared by the STS and Graph calls.
//!
//! * 429, 503 and 504 are retried. A `Retry-After` header (whole or fractional seconds) is honoured
//!   exactly; without one the wait is exponential backoff with full jitter:
//!   `random(0, min(max_backoff, base_backoff · 2^(retry-1)))`.
//! * Connection failures and timeouts are retried with the same backoff (every request this crate
//!   sends is idempotent: GETs and client-credentials token requests).
//! * Retries carry a `retry-attempt: n` header, as the Microsoft Graph SDK retry handler does.
//! * A `Retry-After` above `max_retry_after` is not slept in-line; the error is returned with the delay
//!   so a scheduler can come back later.

use std::time::Duration;

use reqwest::StatusCode;

/// Retry limits; built from [`crate::RetrySettings`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request including the first.
    pub max_attempts: u32,
    /// Base of the exponential backoff.
    pub base_backoff: Duration,
    /// Cap of one backoff interval.
    pub max_backoff: Duration,
    /// Longest `Retry-After` waited for in-line.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// Upper bound of the jittered backoff before retry number `retry` (1-based).
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let ceiling = self.base_backoff.saturating_mul(1u32 << exp);
        ceiling.min(self.max_backoff)
    }

    /// Full-jitter backoff before retry number `retry`, with `unit` ∈ [0, 1) the random draw.
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        self.backoff_ceiling(retry).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The wait before retry number `retry`, or `None` when the server asked for longer than
    /// `max_retry_after` (give up in-line and surface the delay).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry, jitter_unit())),
        }
    }
}

/// Statuses that mean "try again later": 429, 503, 504.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Parses a `Retry-After` value in seconds (`10`, `2.128`). HTTP-dates are not used by Entra/Graph and
/// yield `None` (the caller then falls back to backoff).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let secs = value.parse::<f64>().ok()?;
    if secs.is_finite() && secs >= 0.0 {
        Duration::try_from_secs_f64(secs).ok()
    } else {
        None
    }
}

/// A uniform random number in [0, 1) from the OS generator (1.0 — the full ceiling — if unavailable).
pub(crate) fn jitter_unit() -> f64 {
    match getrandom::u64() {
        // 53 random bits → exact f64 in [0, 1).
        Ok(bits) => (bits >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
        }
    }

    #[test]
    fn retry_after_accepts_whole_and_fractional_seconds() {
        assert_eq!(parse_retry_after("10"), Some(Duration::from_secs(10)));
        assert_eq!(
            parse_retry_after(" 2.128 "),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let p = policy();
        assert_eq!(p.backoff_ceiling(1), Duration::from_secs(2));
        assert_eq!(p.backoff_ceiling(2), Duration::from_secs(4));
        assert_eq!(p.backoff_ceiling(5), Duration::from_secs(32));
        assert_eq!(p.backoff_ceiling(6), Duration::from_secs(60));
        assert_eq!(p.backoff_ceiling(500), Duration::from_secs(60));
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling() {
        let p = policy();
        assert_eq!(p.backoff(3, 0.0), Duration::ZERO);
        assert_eq!(p.backoff(3, 0.5), Duration::from_secs(4));
        for _ in 0..1000 {
            let d = p.delay(4, None).unwrap_or_default();
            assert!(d <= Duration::from_secs(16));
        }
    }

    #[test]
    fn retry_after_is_honoured_exactly_unless_too_long() {
        let p = policy();
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(301))), None);
    }

    #[test]
    fn only_throttling_and_unavailability_statuses_are_retryable() {
        assert!(is_retryable_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(is_retryable_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(is_retryable_status(StatusCode::GATEWAY_TIMEOUT));
        assert!(!is_retryable_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_retryable_status(StatusCode::GONE));
    }
}
