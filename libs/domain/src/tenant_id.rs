//! [`TenantId`]: the identifier of a customer tenant of the platform.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The platform's identifier of a tenant (a UUID; new ids are v7 so they sort by creation time).
///
/// Serialises as a bare UUID string, is stored as a PostgreSQL `uuid`, and appears in
/// OpenAPI as `string` / `format: uuid`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct TenantId(Uuid);

impl utoipa::PartialSchema for TenantId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Uuid,
            )))
            .into()
    }
}

impl utoipa::ToSchema for TenantId {}

/// The text given was not a UUID.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("tenant id must be a UUID")]
pub struct TenantIdError;

impl TenantId {
    /// A fresh, time-ordered (UUID v7) tenant id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Wraps an existing UUID (e.g. one read back from the database).
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    /// Parses the hyphenated (or any form `uuid` accepts) textual form.
    pub fn parse(s: &str) -> Result<Self, TenantIdError> {
        Uuid::parse_str(s.trim())
            .map(Self)
            .map_err(|_| TenantIdError)
    }

    /// The underlying UUID.
    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl Default for TenantId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl FromStr for TenantId {
    type Err = TenantIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<Uuid> for TenantId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl From<TenantId> for Uuid {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let id = TenantId::new();
        assert_eq!(id.to_string().parse::<TenantId>(), Ok(id));
    }

    #[test]
    fn parse_rejects_non_uuids() {
        assert_eq!(TenantId::parse("not-a-uuid"), Err(TenantIdError));
        assert_eq!(TenantId::parse(""), Err(TenantIdError));
    }

    #[test]
    fn serde_is_a_bare_uuid_string() {
        let id = TenantId::parse("0190a0c4-5b7e-7c3a-9c1e-2f0b5e8d9a11").expect("valid");
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, "\"0190a0c4-5b7e-7c3a-9c1e-2f0b5e8d9a11\"");
        assert_eq!(serde_json::from_str::<TenantId>(&json).expect("parse"), id);
        assert!(serde_json::from_str::<TenantId>("\"nope\"").is_err());
    }

    #[test]
    fn new_ids_are_version_7() {
        assert_eq!(TenantId::new().as_uuid().get_version_num(), 7);
    }

    #[test]
    fn openapi_schema_is_a_uuid_string() {
        let schema = serde_json::to_value(<TenantId as utoipa::PartialSchema>::schema())
            .expect("schema serialises");
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["format"], "uuid");
    }
}
