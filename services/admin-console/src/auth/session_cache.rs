//! This instance's memory of sessions it has just found live: the session check's read
//! ([`sessions::find_live_now`](crate::repo::sessions::find_live_now): six tables joined, one
//! database round trip) is reused for at most `console.session_cache_ms` (default 1 s) by the
//! requests of the same session, instead of being made again by each of them.
//!
//! What it may and may not decide:
//! - It only ever *accepts*. An entry is a session row whose verdict was "live" when read; a
//!   hit is judged again with the current time (idle timeout, absolute lifetime), and any
//!   other outcome goes to the database, which decides (and ends the session if it is over).
//! - Every write made through this instance forgets the sessions of the tenant it wrote for,
//!   once it has committed: any state-changing HTTP request (sign-out, ending sessions, blocks,
//!   settings, emergency accounts, …; [`forget_after_writes`], which forgets every tenant's
//!   when the request named none) and every event the consumer applied (a leaver's or mover's
//!   sessions, a suspended tenant). A read that started before such a write does not store its
//!   (older) row afterwards ([`Ticket`]). One tenant's writes leave the other tenants'
//!   sessions remembered: on an instance serving many tenants the cache stays useful.
//! - A change made elsewhere is forgotten as soon as this instance hears of it
//!   ([`super::session_hints`]: another instance's writes, and the domain events that end
//!   sessions or change roles — a leaver, a mover, a suspended tenant). Hints are best effort;
//!   whatever this instance does not hear of (a lost hint, a direct database change) it sees
//!   within the cache's lifetime: that is the bound on how long an ended session or a lost
//!   role can outlive its end here. `0` turns the cache off (every request reads the
//!   database).
//!
//! Keys are SHA-256 hashes of the session secrets (never the secrets); the map holds at most
//! [`CAPACITY`] sessions (when full, expired entries go, and a new one is not kept).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use pa_domain::TenantId;
use time::OffsetDateTime;

use crate::domain::SecretHash;
use crate::repo::sessions::SessionRow;
use crate::state::AppState;

/// Most sessions remembered at once (a few hundred bytes each).
pub const CAPACITY: usize = 50_000;

/// The cache's state when a database read began: the row read is stored only if nothing of
/// its tenant was forgotten since ([`SessionCache::ticket`]).
#[derive(Clone, Copy, Debug)]
pub struct Ticket(u64);

/// The tenant a request wrote for, when it authenticated (request extension set by `auth`):
/// [`forget_after_writes`] forgets that tenant's sessions only.
#[derive(Clone, Copy, Debug)]
pub struct RequestTenant(pub TenantId);

/// Recently checked live sessions (see the module documentation).
#[derive(Debug)]
pub struct SessionCache {
    lifetime: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Counts forgets (of a tenant or of all); a [`Ticket`] is its value when taken.
    forgets: u64,
    /// `forgets` after the last [`SessionCache::forget_all`].
    all_forgotten: u64,
    /// `forgets` after each tenant's last [`SessionCache::forget_tenant`] (cleared by
    /// `forget_all`, which outdates every ticket; one number per tenant written for).
    forgotten: HashMap<TenantId, u64>,
    entries: HashMap<SecretHash, Entry>,
}

impl Inner {
    fn outdated(&self, ticket: Ticket, tenant: TenantId) -> bool {
        self.all_forgotten > ticket.0 || self.forgotten.get(&tenant).is_some_and(|&f| f > ticket.0)
    }
}

#[derive(Debug)]
struct Entry {
    tenant: TenantId,
    row: SessionRow,
    read_at: Instant,
}

impl SessionCache {
    /// A cache whose entries live `lifetime` (zero: nothing is ever kept).
    pub fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            inner: Mutex::default(),
        }
    }

    fn enabled(&self) -> bool {
        !self.lifetime.is_zero()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-done (each operation is one map
        // operation): keep using the map.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session row read less than the lifetime ago, if any.
    pub fn get(&self, hash: &SecretHash) -> Option<SessionRow> {
        self.get_at(hash, Instant::now())
    }

    fn get_at(&self, hash: &SecretHash, now: Instant) -> Option<SessionRow> {
        if !self.enabled() {
            return None;
        }
        let inner = self.lock();
        let entry = inner.entries.get(hash)?;
        (now.saturating_duration_since(entry.read_at) < self.lifetime).then(|| entry.row.clone())
    }

    /// Take before reading a session from the database; hand to [`SessionCache::put`].
    pub fn ticket(&self) -> Ticket {
        Ticket(self.lock().forgets)
    }

    /// Remembers `row`, a session of `tenant` read after `ticket` was taken and judged live,
    /// unless that tenant's sessions were forgotten in between (the row may predate the write).
    pub fn put(&self, ticket: Ticket, tenant: TenantId, hash: SecretHash, row: SessionRow) {
        self.put_at(ticket, tenant, hash, row, Instant::now());
    }

    fn put_at(
        &self,
        ticket: Ticket,
        tenant: TenantId,
        hash: SecretHash,
        row: SessionRow,
        now: Instant,
    ) {
        if !self.enabled() {
            return;
        }
        let mut inner = self.lock();
        if inner.outdated(ticket, tenant) {
            return;
        }
        if inner.entries.len() >= CAPACITY && !inner.entries.contains_key(&hash) {
            let lifetime = self.lifetime;
            inner
                .entries
                .retain(|_, e| now.saturating_duration_since(e.read_at) < lifetime);
            if inner.entries.len() >= CAPACITY {
                return;
            }
        }
        inner.entries.insert(
            hash,
            Entry {
                tenant,
                row,
                read_at: now,
            },
        );
    }

    /// Records activity written for a remembered session (its idle clock restarts).
    pub fn touched(&self, hash: &SecretHash, at: OffsetDateTime) {
        if let Some(entry) = self.lock().entries.get_mut(hash) {
            entry.row.last_seen_at = entry.row.last_seen_at.max(at);
        }
    }

    /// Forgets one session (its verdict is no longer "live").
    pub fn forget(&self, hash: &SecretHash) {
        self.lock().entries.remove(hash);
    }

    /// Forgets every session of `tenant`, and makes reads of them in flight not store what
    /// they read: call after a write for that tenant has committed.
    pub fn forget_tenant(&self, tenant: TenantId) {
        let mut inner = self.lock();
        inner.forgets += 1;
        let now = inner.forgets;
        inner.forgotten.insert(tenant, now);
        inner.entries.retain(|_, e| e.tenant != tenant);
    }

    /// Forgets the sessions of the tenant a write was for, or every tenant's when it named
    /// none.
    pub fn forget_for(&self, tenant: Option<TenantId>) {
        match tenant {
            Some(tenant) => self.forget_tenant(tenant),
            None => self.forget_all(),
        }
    }

    /// Forgets every session of every tenant, likewise (a write whose tenant is not known).
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.forgets += 1;
        inner.all_forgotten = inner.forgets;
        inner.forgotten.clear();
        inner.entries.clear();
    }

    /// Sessions remembered now (expired entries included until they are replaced or pruned).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Middleware: after every state-changing request (whatever its outcome: its writes, if any,
/// have committed by the time it answers), this instance forgets the sessions of the tenant
/// the caller authenticated for ([`RequestTenant`]), or of every tenant when the request
/// named none (sign-in attempts, refused requests), and tells the other instances to do the
/// same ([`super::session_hints`]).
pub async fn forget_after_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = (!super::session::is_safe(req.method()))
        .then(|| req.app_data::<web::Data<AppState>>().cloned())
        .flatten();
    let response = next.call(req).await;
    if let Some(state) = state {
        let tenant = match &response {
            Ok(res) => res
                .request()
                .extensions()
                .get::<RequestTenant>()
                .map(|t| t.0),
            Err(_) => None,
        };
        state.sessions.forget_for(tenant);
        // And the other instances, at once (`session_hints`).
        state.session_hints.tell(tenant);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn row() -> SessionRow {
        let now = OffsetDateTime::now_utc();
        SessionRow {
            id: Uuid::now_v7(),
            object_id: Some(Uuid::now_v7()),
            emergency_account_id: None,
            last_seen_at: now,
            absolute_expires_at: now + time::Duration::hours(12),
            tenant_status: "active".into(),
            idle_timeout_secs: 900,
            user_status: Some("active".into()),
            user_role: Some("admin".into()),
            blocked: false,
            account_revoked: false,
        }
    }

    fn hash(n: u32) -> SecretHash {
        SecretHash::of(&format!("s1.secret-{n}"))
    }

    fn tenant(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    const T: u128 = 1;

    #[test]
    fn an_entry_is_served_for_its_lifetime_only() {
        let cache = SessionCache::new(Duration::from_millis(1000));
        let t0 = Instant::now();
        let r = row();
        cache.put_at(cache.ticket(), tenant(T), hash(1), r.clone(), t0);
        let hit = cache.get_at(&hash(1), t0 + Duration::from_millis(999));
        assert_eq!(hit.map(|h| h.id), Some(r.id));
        assert!(
            cache
                .get_at(&hash(1), t0 + Duration::from_millis(1000))
                .is_none()
        );
        assert!(cache.get_at(&hash(2), t0).is_none(), "another session");
    }

    #[test]
    fn a_read_that_began_before_forget_all_is_not_stored() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let before = cache.ticket();
        cache.forget_all();
        cache.put(before, tenant(T), hash(1), row());
        assert!(cache.get(&hash(1)).is_none());
        let after = cache.ticket();
        cache.put(after, tenant(T), hash(1), row());
        assert!(cache.get(&hash(1)).is_some());
        cache.forget_all();
        assert!(cache.get(&hash(1)).is_none() && cache.is_empty());
    }

    #[test]
    fn forgetting_a_tenant_keeps_the_others_and_outdates_only_its_reads() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let (a, b) = (tenant(1), tenant(2));
        let before = cache.ticket();
        cache.put(cache.ticket(), a, hash(1), row());
        cache.put(cache.ticket(), b, hash(2), row());
        cache.forget_tenant(a);
        assert!(
            cache.get(&hash(1)).is_none(),
            "the written tenant's session"
        );
        assert!(cache.get(&hash(2)).is_some(), "another tenant's stays");
        cache.put(before, a, hash(3), row());
        assert!(
            cache.get(&hash(3)).is_none(),
            "a read of A begun before the write"
        );
        cache.put(before, b, hash(4), row());
        assert!(
            cache.get(&hash(4)).is_some(),
            "a read of B is not outdated by A's write"
        );
        cache.put(cache.ticket(), a, hash(3), row());
        assert!(cache.get(&hash(3)).is_some(), "a read of A begun after it");
        cache.forget_all();
        cache.put(before, b, hash(5), row());
        assert!(cache.is_empty(), "forget_all outdates every earlier read");
    }

    #[test]
    fn forget_and_touch_change_one_session() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let (a, b) = (row(), row());
        let later = a.last_seen_at + time::Duration::seconds(30);
        cache.put(cache.ticket(), tenant(T), hash(1), a);
        cache.put(cache.ticket(), tenant(T), hash(2), b.clone());
        cache.touched(&hash(2), later);
        cache.touched(&hash(2), later - time::Duration::seconds(60));
        assert_eq!(cache.get(&hash(2)).map(|r| r.last_seen_at), Some(later));
        cache.forget(&hash(1));
        assert!(cache.get(&hash(1)).is_none());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_zero_lifetime_keeps_nothing() {
        let cache = SessionCache::new(Duration::ZERO);
        cache.put(cache.ticket(), tenant(T), hash(1), row());
        assert!(cache.get(&hash(1)).is_none() && cache.is_empty());
    }

    #[test]
    fn a_full_cache_makes_room_from_expired_entries_only() {
        let cache = SessionCache::new(Duration::from_secs(1));
        let t0 = Instant::now();
        for n in 0..CAPACITY as u32 {
            cache.put_at(cache.ticket(), tenant(T), hash(n), row(), t0);
        }
        let full = CAPACITY as u32;
        cache.put_at(cache.ticket(), tenant(T), hash(full), row(), t0);
        assert!(cache.get_at(&hash(full), t0).is_none(), "full: not kept");
        assert!(cache.get_at(&hash(0), t0).is_some(), "nothing live evicted");
        let later = t0 + Duration::from_secs(2);
        cache.put_at(cache.ticket(), tenant(T), hash(full), row(), later);
        assert_eq!(cache.len(), 1, "the expired entries made room");
        assert!(cache.get_at(&hash(full), later).is_some());
    }
}
