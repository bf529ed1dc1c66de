//! Graph identity throttling (§6.2): a resource-unit token bucket per (application, tenant), refilled
//! continuously from the sim clock, with the documented per-request costs.

use parking_lot::Mutex;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Default)]
pub struct Throttle {
    buckets: Mutex<HashMap<(String, Uuid), Bucket>>,
}

struct Bucket {
    tokens: f64,
    last_ms: i64,
}

pub enum Decision {
    /// Allowed; fraction of the quota in use afterwards (0.0–1.0).
    Allow { used: f64 },
    /// Throttled; whole seconds until the request would fit.
    Deny { retry_after: u64 },
}

/// Bucket contents as the control API reports them.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ThrottleStatus {
    pub limit_per_10s: u32,
    pub available: f64,
}

impl Throttle {
    fn refill(b: &mut Bucket, limit: u32, now_ms: i64) {
        let elapsed = (now_ms - b.last_ms).max(0) as f64;
        b.tokens = (b.tokens + elapsed * limit as f64 / 10_000.0).min(limit as f64);
        b.last_ms = now_ms;
    }

    pub fn charge(&self, app: &str, tenant: Uuid, limit: u32, cost: u32, now_ms: i64) -> Decision {
        let mut map = self.buckets.lock();
        let b = map.entry((app.to_string(), tenant)).or_insert(Bucket {
            tokens: limit as f64,
            last_ms: now_ms,
        });
        Self::refill(b, limit, now_ms);
        let cost = cost as f64;
        if b.tokens >= cost {
            b.tokens -= cost;
            return Decision::Allow {
                used: 1.0 - b.tokens / limit as f64,
            };
        }
        let rate_per_s = limit as f64 / 10.0;
        let wait = ((cost - b.tokens) / rate_per_s).ceil().max(1.0);
        Decision::Deny {
            retry_after: wait as u64,
        }
    }

    pub fn status(&self, app: &str, tenant: Uuid, limit: u32, now_ms: i64) -> ThrottleStatus {
        let mut map = self.buckets.lock();
        let available = match map.get_mut(&(app.to_string(), tenant)) {
            Some(b) => {
                Self::refill(b, limit, now_ms);
                b.tokens
            }
            None => limit as f64,
        };
        ThrottleStatus {
            limit_per_10s: limit,
            available,
        }
    }

    /// Empty or refill a bucket (tests).
    pub fn set(&self, app: &str, tenant: Uuid, tokens: f64, now_ms: i64) {
        self.buckets.lock().insert(
            (app.to_string(), tenant),
            Bucket {
                tokens,
                last_ms: now_ms,
            },
        );
    }
}

/// Which documented base cost applies.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CostClass {
    Users,
    Members,
    TransitiveMembers,
    Other,
}

/// Base cost with the `$select` −1, `$expand` +1, `$top` < 20 −1 modifiers; floor 1.
pub fn cost(class: CostClass, select: bool, expand: bool, top: Option<usize>) -> u32 {
    let base: i32 = match class {
        CostClass::Users => 2,
        CostClass::Members => 3,
        CostClass::TransitiveMembers => 5,
        CostClass::Other => 1,
    };
    let mut c = base;
    if select {
        c -= 1;
    }
    if expand {
        c += 1;
    }
    if top.is_some_and(|t| t < 20) {
        c -= 1;
    }
    c.max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_the_documented_table() {
        assert_eq!(cost(CostClass::Users, false, false, None), 2);
        assert_eq!(cost(CostClass::Users, true, false, Some(999)), 1);
        assert_eq!(cost(CostClass::TransitiveMembers, true, false, Some(5)), 3);
        assert_eq!(cost(CostClass::Other, true, false, Some(5)), 1);
    }

    #[test]
    fn an_empty_bucket_denies_with_whole_seconds() {
        let t = Throttle::default();
        let id = Uuid::nil();
        t.set("app", id, 0.0, 0);
        match t.charge("app", id, 3500, 2, 0) {
            Decision::Deny { retry_after } => assert_eq!(retry_after, 1),
            Decision::Allow { .. } => panic!("should throttle"),
        }
        assert!(matches!(
            t.charge("app", id, 3500, 2, 1000),
            Decision::Allow { .. }
        ));
    }
}
