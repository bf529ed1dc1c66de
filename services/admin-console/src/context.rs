//! [`RequestContext`]: who is acting, for the audit trail and event metadata.

use std::net::IpAddr;

use pa_audit::{Actor, AuditEntry};
use pa_domain::TenantId;
use pa_messaging::EventMeta;

/// The actor behind a state change and where the request came from.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub client_addr: Option<IpAddr>,
}

impl RequestContext {
    pub fn new(actor: Actor, request_id: Option<String>, client_addr: Option<IpAddr>) -> Self {
        Self {
            actor,
            request_id,
            client_addr,
        }
    }

    /// The service itself (a consumer or a background job).
    pub fn system(component: &'static str) -> Self {
        Self::new(Actor::System { component }, None, None)
    }

    /// A successful audit entry for `action` by this actor (add target and details).
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry {
            request_id: self.request_id.as_deref(),
            client_addr: self.client_addr,
            ..AuditEntry::new(self.actor, action)
        }
    }

    /// Event metadata for an event about `tenant`.
    pub fn event_meta(&self, tenant: TenantId) -> EventMeta {
        EventMeta {
            tenant_id: Some(tenant),
            request_id: self.request_id.clone(),
        }
    }

    /// The actor as events and `*_by` columns name it: `console_user:{oid}`, `api_token:{id}`,
    /// `emergency_access:{id}`, `system:{component}`.
    pub fn actor_label(&self) -> String {
        format!("{}:{}", self.actor.kind(), self.actor.id())
    }
}
