//! [`ServiceRole`]: the PostgreSQL role each service connects as.
//!
//! Least privilege: every service has its own login role that may write only the tables it
//! owns and read what it needs (migrations/README.md "One owner per table"). The roles are
//! created by `deploy/postgres/bootstrap-roles.sql` and get their privileges from the
//! migrations (0053 onwards); each is a member of `pa_service`, the group holding what
//! every service does to the shared infrastructure tables (outbox, processed messages,
//! writing audit records). None owns anything or bypasses row-level security.
//!
//! `pa_app`, the role every service shared before, stays for tools only (benchmarks, the
//! libraries' own tests, test fixtures that seed other owners' tables): no service
//! connects as it.

/// A service's PostgreSQL role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceRole {
    /// `pa_tp`: tenants, setup links, operator keys, idempotency keys.
    TenantProvisioning,
    /// `pa_consent`: the setup wizard's `consent_*` tables.
    Consent,
    /// `pa_sync`: the `sync_*` and `directory_*` tables.
    SyncDispatch,
    /// `pa_console`: the `console_*` tables, and audit sealing, queries and retention.
    AdminConsole,
}

impl ServiceRole {
    /// Every service role.
    pub const ALL: [Self; 4] = [
        Self::TenantProvisioning,
        Self::Consent,
        Self::SyncDispatch,
        Self::AdminConsole,
    ];

    /// The group role every service role is a member of (shared infrastructure).
    pub const GROUP: &'static str = "pa_service";

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::TenantProvisioning => "pa_tp",
            Self::Consent => "pa_consent",
            Self::SyncDispatch => "pa_sync",
            Self::AdminConsole => "pa_console",
        }
    }

    /// The service (crate and binary) that connects as it.
    pub fn service(self) -> &'static str {
        match self {
            Self::TenantProvisioning => "tenant-provisioning",
            Self::Consent => "consent",
            Self::SyncDispatch => "sync-dispatch",
            Self::AdminConsole => "admin-console",
        }
    }
}

impl std::fmt::Display for ServiceRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_its_own_name_and_service() {
        let names: std::collections::HashSet<_> =
            ServiceRole::ALL.iter().map(|r| r.name()).collect();
        let services: std::collections::HashSet<_> =
            ServiceRole::ALL.iter().map(|r| r.service()).collect();
        assert_eq!(names.len(), ServiceRole::ALL.len());
        assert_eq!(services.len(), ServiceRole::ALL.len());
        assert!(!names.contains("pa_app") && !names.contains(ServiceRole::GROUP));
    }
}
