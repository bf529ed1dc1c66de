//! What an audit record says: [`AuditEntry`], [`Actor`], [`Outcome`].

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

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
    /// A person signed in to the admin console, identified by their Entra object id
    /// (`oid`: immutable and unique in the tenant's directory; never the mutable UPN).
    ConsoleUser {
        /// The user's Entra object id.
        object_id: Uuid,
    },
    /// A partner tool calling the console API with a tenant API token.
    ApiToken {
        /// The token's id (never the token itself).
        token_id: Uuid,
    },
    /// A break-glass console account (HIPAA 164.312(a)(2)(ii) emergency access).
    EmergencyAccess {
        /// The emergency account's id.
        account_id: Uuid,
    },
}

impl Actor {
    /// The `actor_type` column value.
    pub fn kind(&self) -> &'static str {
        self.actor_kind().as_str()
    }

    /// The kind of actor, typed.
    pub fn actor_kind(&self) -> ActorKind {
        match self {
            Self::Operator { .. } => ActorKind::Operator,
            Self::Admin { .. } => ActorKind::Admin,
            Self::SetupSession { .. } => ActorKind::SetupSession,
            Self::System { .. } => ActorKind::System,
            Self::ConsoleUser { .. } => ActorKind::ConsoleUser,
            Self::ApiToken { .. } => ActorKind::ApiToken,
            Self::EmergencyAccess { .. } => ActorKind::EmergencyAccess,
        }
    }

    /// The `actor_id` column value (a UUID, or the component name for `System`).
    pub fn id(&self) -> String {
        match self {
            Self::Operator { key_id: id }
            | Self::Admin { user_id: id }
            | Self::SetupSession { session_id: id }
            | Self::ConsoleUser { object_id: id }
            | Self::ApiToken { token_id: id }
            | Self::EmergencyAccess { account_id: id } => id.to_string(),
            Self::System { component } => (*component).to_owned(),
        }
    }
}

/// The kinds of [`Actor`] (the `actor_type` column): what the console's audit filter and
/// the records read back carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorKind {
    /// `operator`: a platform operator (API key).
    Operator,
    /// `admin`: a tenant administrator (user id).
    Admin,
    /// `setup_session`: an onboarding setup session.
    SetupSession,
    /// `system`: the platform itself.
    System,
    /// `console_user`: a signed-in console user (Entra object id).
    ConsoleUser,
    /// `api_token`: a tenant API token.
    ApiToken,
    /// `emergency_access`: a break-glass console account.
    EmergencyAccess,
}

impl ActorKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 7] = [
        Self::Operator,
        Self::Admin,
        Self::SetupSession,
        Self::System,
        Self::ConsoleUser,
        Self::ApiToken,
        Self::EmergencyAccess,
    ];

    /// The `actor_type` column value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Admin => "admin",
            Self::SetupSession => "setup_session",
            Self::System => "system",
            Self::ConsoleUser => "console_user",
            Self::ApiToken => "api_token",
            Self::EmergencyAccess => "emergency_access",
        }
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of the `actor_type` values ([`ActorKind::as_str`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown actor type (expected one of operator, admin, setup_session, system, console_user, api_token, emergency_access)"
)]
pub struct UnknownActorKind;

impl FromStr for ActorKind {
    type Err = UnknownActorKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(UnknownActorKind)
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

    /// The outcome a column value names.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            _ => None,
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
    fn console_actors_are_recorded_by_their_immutable_ids() {
        let id = Uuid::now_v7();
        let console = Actor::ConsoleUser { object_id: id };
        assert_eq!(
            (console.kind(), console.id()),
            ("console_user", id.to_string())
        );
        assert_eq!(Actor::ApiToken { token_id: id }.kind(), "api_token");
        assert_eq!(
            Actor::EmergencyAccess { account_id: id }.kind(),
            "emergency_access"
        );
    }

    #[test]
    fn every_actor_kind_parses_back_from_its_column_value() {
        for kind in ActorKind::ALL {
            assert_eq!(kind.as_str().parse::<ActorKind>(), Ok(kind));
        }
        assert_eq!("Admin".parse::<ActorKind>(), Err(UnknownActorKind));
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
