//! Telling the other console instances that a tenant's sessions changed — and hearing it from
//! them — so their session caches ([`super::session_cache`]) forget that tenant's sessions at
//! once instead of within their lifetime.
//!
//! - After every write through this instance, [`SessionHints::tell`] queues a hint
//!   `console.sessions_changed` (`{"tenant_id": …}`, `null`: every tenant); one task publishes
//!   them (pa-messaging's [`HintPublisher`]: transient, on the events exchange).
//! - Every instance listens on a queue of its own ([`run_hint_subscriber`]) to those hints and
//!   to the domain events that end sessions or change what a session may do —
//!   `user.deactivated`, `user.role_changed`, `tenant.suspended`, `tenant.deprovisioned`,
//!   `tenant.purged`, published only once their change has committed — and forgets the
//!   tenant's sessions: the next request of one of them reads the database, which already
//!   says what changed, whichever instance's durable queue applies the event. On every
//!   (re)connection it forgets them all (hints may have been missed meanwhile).
//! - Hints are best effort (lost while the broker is away): the cache's lifetime still bounds
//!   how long a change made elsewhere can go unseen.

use std::sync::{Arc, Mutex};

use pa_domain::TenantId;
use pa_events::tenant::{TenantDeprovisioned, TenantPurged, TenantSuspended};
use pa_events::{UserDeactivated, UserRoleChanged};
use pa_messaging::{AmqpSettings, Event, HintPublisher, run_hint_subscriber};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::session_cache::SessionCache;

/// The routing key of the console's own hint.
pub const SESSIONS_CHANGED: &str = "console.sessions_changed";

/// Hints waiting to be published; when full, a hint is dropped (the lifetime covers it).
const QUEUED: usize = 1024;

/// A hint's body, and the part of a domain event's envelope the subscriber reads.
#[derive(Debug, Serialize, Deserialize)]
struct TenantOf {
    tenant_id: Option<TenantId>,
}

/// The routing keys every instance listens to.
pub fn routing_keys() -> Vec<String> {
    [
        SESSIONS_CHANGED,
        UserDeactivated::TYPE,
        UserRoleChanged::TYPE,
        TenantSuspended::TYPE,
        TenantDeprovisioned::TYPE,
        TenantPurged::TYPE,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Queues hints for the publishing task (cheap to clone; inert when hints are off).
#[derive(Clone, Debug, Default)]
pub struct SessionHints {
    queue: Option<mpsc::Sender<Option<TenantId>>>,
}

impl SessionHints {
    /// Tells the other instances that `tenant`'s sessions (every tenant's: `None`) changed.
    pub fn tell(&self, tenant: Option<TenantId>) {
        if let Some(queue) = &self.queue
            && queue.try_send(tenant).is_err()
        {
            tracing::warn!(
                "session hint queue full or closed; the other instances rely on their cache lifetime"
            );
        }
    }
}

/// What [`start`] runs: the handle to queue hints, the two tasks, and a signal that fires when
/// the subscription is first in place.
pub struct Started {
    pub hints: SessionHints,
    pub tasks: Vec<JoinHandle<()>>,
    pub subscribed: oneshot::Receiver<()>,
}

/// Starts the publisher and the subscriber (until `stop`).
pub fn start(
    amqp: &AmqpSettings,
    cache: Arc<SessionCache>,
    stop: watch::Receiver<bool>,
) -> Started {
    let (queue, mut queued) = mpsc::channel::<Option<TenantId>>(QUEUED);
    let publisher = HintPublisher::new(amqp.clone(), "pa-admin-console session hints");
    let mut publisher_stop = stop.clone();
    let publish = tokio::spawn(async move {
        loop {
            let tenant = tokio::select! {
                next = queued.recv() => match next {
                    Some(tenant) => tenant,
                    None => return,
                },
                _ = publisher_stop.wait_for(|stop| *stop) => return,
            };
            let body =
                serde_json::to_vec(&TenantOf { tenant_id: tenant }).expect("a uuid serialises");
            publisher.publish(SESSIONS_CHANGED, &body).await;
        }
    });
    let (subscribed_tx, subscribed) = oneshot::channel();
    let first = Mutex::new(Some(subscribed_tx));
    let on_hint = {
        let cache = Arc::clone(&cache);
        move |_key: &str, body: &[u8]| match serde_json::from_slice::<TenantOf>(body) {
            Ok(hint) => cache.forget_for(hint.tenant_id),
            Err(_) => cache.forget_all(),
        }
    };
    let on_connected = move || {
        cache.forget_all();
        if let Some(tx) = first.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(());
        }
    };
    let subscribe = tokio::spawn(run_hint_subscriber(
        amqp.clone(),
        "pa-admin-console session hints".to_owned(),
        routing_keys(),
        on_hint,
        on_connected,
        stop,
    ));
    Started {
        hints: SessionHints { queue: Some(queue) },
        tasks: vec![publish, subscribe],
        subscribed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_and_an_envelope_both_name_their_tenant_the_same_way() {
        let tenant = TenantId::new();
        let hint = serde_json::to_vec(&TenantOf {
            tenant_id: Some(tenant),
        })
        .unwrap();
        let parsed: TenantOf = serde_json::from_slice(&hint).unwrap();
        assert_eq!(parsed.tenant_id, Some(tenant));
        let envelope = serde_json::json!({
            "id": uuid::Uuid::now_v7(), "type": "user.deactivated", "tenant_id": tenant,
            "occurred_at": "2026-12-06T10:00:00Z", "request_id": null, "data": {}
        });
        let parsed: TenantOf = serde_json::from_value(envelope).unwrap();
        assert_eq!(parsed.tenant_id, Some(tenant));
        let all: TenantOf = serde_json::from_slice(br#"{"tenant_id":null}"#).unwrap();
        assert_eq!(all.tenant_id, None);
    }

    #[test]
    fn every_event_that_ends_sessions_is_listened_to() {
        let keys = routing_keys();
        for consumed in crate::consumer::ROUTING_KEYS {
            if consumed != pa_events::SetupCompleted::TYPE {
                assert!(keys.iter().any(|k| k == consumed), "{consumed}");
            }
        }
    }
}
