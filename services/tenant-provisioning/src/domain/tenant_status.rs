//! [`TenantStatus`]: where a tenant is in its lifecycle.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A tenant's lifecycle state (wire and database form in snake_case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    /// Provisioned; the customer has not completed the setup wizard yet.
    PendingSetup,
    /// Setup completed; the tenant is in use.
    Active,
    /// Temporarily disabled by an operator; can be resumed.
    Suspended,
    /// Disabled for good; its data is purged after the grace period.
    Deprovisioned,
    /// Its data has been deleted; only the registry entry and audit trail remain.
    Purged,
}

/// The text is not a tenant status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("status must be one of pending_setup, active, suspended, deprovisioned, purged")]
pub struct TenantStatusError;

impl TenantStatus {
    /// The wire / database form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PendingSetup => "pending_setup",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deprovisioned => "deprovisioned",
            Self::Purged => "purged",
        }
    }

    /// Parses the wire form (exact).
    pub fn parse(s: &str) -> Result<Self, TenantStatusError> {
        match s {
            "pending_setup" => Ok(Self::PendingSetup),
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "deprovisioned" => Ok(Self::Deprovisioned),
            "purged" => Ok(Self::Purged),
            _ => Err(TenantStatusError),
        }
    }

    /// True while the customer may still use the tenant (or finish setting it up), i.e.
    /// setup links may be issued.
    pub const fn accepts_setup_links(self) -> bool {
        matches!(self, Self::PendingSetup | Self::Active)
    }

    /// True once the tenant is deprovisioned or purged: its data may no longer change.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Deprovisioned | Self::Purged)
    }
}

impl fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl sqlx::Type<sqlx::Postgres> for TenantStatus {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <String as sqlx::Type<sqlx::Postgres>>::type_info()
    }
    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl sqlx::Encode<'_, sqlx::Postgres> for TenantStatus {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.as_str(), buf)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for TenantStatus {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let s = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        Ok(Self::parse(s)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_round_trips() {
        for s in [
            TenantStatus::PendingSetup,
            TenantStatus::Active,
            TenantStatus::Suspended,
            TenantStatus::Deprovisioned,
            TenantStatus::Purged,
        ] {
            assert_eq!(TenantStatus::parse(s.as_str()), Ok(s));
            let json = serde_json::to_string(&s).expect("ser");
            assert_eq!(json, format!("\"{s}\""));
        }
        assert!(TenantStatus::parse("Active").is_err());
    }
}
