//! What an audit record says: [`AuditEntry`], [`Actor`], [`Outcome`].

use std::net::IpAddr;

use uuid::Uuid;

/// Who performed the action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A platform operator, identified by the id of the API key used.
    Operator {
        /// `operator_api_keys.id`.
        key_id: Uuid,
    },
    /// A tenant administrator, identified by their user id.
    Admin {
        /// The admin's user id.
        user_id: Uuid,
    },
    /// An onboarding setup session (before an admin exists).
    SetupSession {
        /// The setup session's id.
        session_id: Uuid,
    },
    /// The platform itself (a background job, a consumer).
    System {
        /// The component acting, e.g. `"sync-dispatch"`.
        component: &'static str,
    },
}

impl Actor {
    /// The `actor_type` column value.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Operator { .. } => "operator",
            Self::Admin { .. } => "admin",
            Self::SetupSession { .. } => "setup_session",
            Self::System { .. } => "system",
        }
    }

    /// The `actor_id` column value (a UUID, or the component name for `System`).
    pub fn id(&self) -> String {
        match self {
            Self::Operator { key_id: id }
            | Self::Admin { user_id: id }
            | Self::SetupSession { session_id: id } => id.to_string(),
            Self::System { component } => (*component).to_owned(),
        }
    }
}

/// Whether the audited action succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The action took effect.
    Success,
    /// The action was attempted and refused or failed (record it all the same).
    Failure,
}

impl Outcome {
    /// The `outcome` column value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// One audit record.
///
/// **`details` must never contain secrets**: no passwords, API keys, client secrets,
/// access/refresh/ID tokens, session tokens, setup links or one-time codes — not even
/// hashed or truncated. Audit logs are kept for years and read by many people; record
/// *that* a secret was issued or rotated (and its public id), never its value. `details`
/// must be a JSON object (`serde_json::json!({})` when there is nothing to add).
#[derive(Clone, Debug)]
pub struct AuditEntry<'a> {
    /// Who acted.
    pub actor: Actor,
    /// What happened, as `resource.verb_past`, e.g. `"tenant.suspended"`.
    pub action: &'a str,
    /// The kind of object acted upon, e.g. `"tenant"`.
    pub target_type: Option<&'a str>,
    /// The id of the object acted upon.
    pub target_id: Option<String>,
    /// The request id, to correlate with logs and traces.
    pub request_id: Option<&'a str>,
    /// The client's address as seen by the service.
    pub client_addr: Option<IpAddr>,
    /// Whether it worked.
    pub outcome: Outcome,
    /// Action-specific facts (a JSON object, never secrets; see the type docs).
    pub details: serde_json::Value,
}

impl<'a> AuditEntry<'a> {
    /// A successful action by `actor` with no target, request context or details; fill in
    /// the rest with struct update syntax or the builder methods.
    pub fn new(actor: Actor, action: &'a str) -> Self {
        Self {
            actor,
            action,
            target_type: None,
            target_id: None,
            request_id: None,
            client_addr: None,
            outcome: Outcome::Success,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// Sets the target.
    pub fn target(mut self, target_type: &'a str, target_id: impl ToString) -> Self {
        self.target_type = Some(target_type);
        self.target_id = Some(target_id.to_string());
        self
    }

    /// Sets the request id.
    pub fn request_id(mut self, request_id: &'a str) -> Self {
        self.request_id = Some(request_id);
        self
    }

    /// Sets the client address.
    pub fn client_addr(mut self, addr: IpAddr) -> Self {
        self.client_addr = Some(addr);
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Sets the details (a JSON object, never secrets).
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_columns() {
        let id = Uuid::nil();
        assert_eq!(Actor::Operator { key_id: id }.kind(), "operator");
        assert_eq!(Actor::Admin { user_id: id }.id(), id.to_string());
        assert_eq!(
            Actor::SetupSession { session_id: id }.kind(),
            "setup_session"
        );
        let system = Actor::System { component: "relay" };
        assert_eq!((system.kind(), system.id().as_str()), ("system", "relay"));
    }

    #[test]
    fn builder_fills_fields() {
        let e = AuditEntry::new(Actor::System { component: "x" }, "tenant.suspended")
            .target("tenant", 42)
            .request_id("r1")
            .outcome(Outcome::Failure);
        assert_eq!(e.target_type, Some("tenant"));
        assert_eq!(e.target_id.as_deref(), Some("42"));
        assert_eq!(e.request_id, Some("r1"));
        assert_eq!(e.outcome.as_str(), "failure");
        assert!(e.details.as_object().is_some_and(|m| m.is_empty()));
    }
}
