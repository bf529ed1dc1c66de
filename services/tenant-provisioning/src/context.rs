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
    /// An operator request authenticated with the key `key_id`.
    pub fn operator(key_id: uuid::Uuid, request_id: String, client_addr: Option<IpAddr>) -> Self {
        Self {
            actor: Actor::Operator { key_id },
            request_id: Some(request_id),
            client_addr,
        }
    }

    /// The service itself (a background job or the CLI).
    pub fn system(component: &'static str) -> Self {
        Self {
            actor: Actor::System { component },
            request_id: None,
            client_addr: None,
        }
    }

    /// The operator key id, when an operator is acting.
    pub fn operator_key_id(&self) -> Option<uuid::Uuid> {
        match self.actor {
            Actor::Operator { key_id } => Some(key_id),
            _ => None,
        }
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
}
