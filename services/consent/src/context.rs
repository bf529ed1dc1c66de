//! [`WizardCtx`]: an authenticated wizard session, for the audit trail and event metadata.

use std::net::IpAddr;

use pa_audit::{Actor, AuditEntry};
use pa_domain::TenantId;
use pa_messaging::EventMeta;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::CsrfToken;

/// The session a request runs in (built by the `routes::auth` extractor).
#[derive(Clone, Debug)]
pub struct WizardCtx {
    pub tenant: TenantId,
    pub session_id: Uuid,
    /// The setup link the session was opened with.
    pub link_id: Uuid,
    pub csrf: CsrfToken,
    pub expires_at: OffsetDateTime,
    pub idle_expires_at: OffsetDateTime,
    pub request_id: Option<String>,
    pub client_addr: Option<IpAddr>,
}

impl WizardCtx {
    /// A successful audit entry for `action` by this session (add target and details).
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry {
            request_id: self.request_id.as_deref(),
            client_addr: self.client_addr,
            ..AuditEntry::new(
                Actor::SetupSession {
                    session_id: self.session_id,
                },
                action,
            )
        }
    }

    /// Event metadata for this tenant.
    pub fn event_meta(&self) -> EventMeta {
        EventMeta {
            tenant_id: Some(self.tenant),
            request_id: self.request_id.clone(),
        }
    }
}
