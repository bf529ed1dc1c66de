//! Bodies of `/v1/operator-keys`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::KeyName;
use crate::repo::operator_keys::OperatorKeyRecord;

/// A key to create.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorKeyIn {
    /// Who holds the key or what uses it.
    #[schema(example = "ci-pipeline")]
    pub name: KeyName,
}

/// An operator API key's metadata.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OperatorKeyOut {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters (`pa_op_` + 8), to recognise it; not a secret.
    #[schema(example = "pa_op_Xk3v9QaB")]
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The key that created this one; `null` when created with the CLI.
    pub created_by: Option<Uuid>,
    /// Last authenticated use (updated at most once a minute).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<Uuid>,
    /// The key itself: present ONLY in the response that created it. It is stored as a
    /// hash and cannot be shown again; an idempotent replay of the creating request returns
    /// the metadata without it (create a new key if it was lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "pa_op_Xk3v9QaB…")]
    pub key: Option<String>,
}

impl From<OperatorKeyRecord> for OperatorKeyOut {
    fn from(r: OperatorKeyRecord) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.key_prefix,
            created_at: r.created_at,
            created_by: r.created_by,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            revoked_by: r.revoked_by,
            key: None,
        }
    }
}

/// One page of operator keys, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorKeyPage {
    pub items: Vec<OperatorKeyOut>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Paging of `GET /v1/operator-keys`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OperatorKeyListQuery {
    /// The `next_cursor` of the previous page.
    #[param(
        pattern = r"^A[Q-Za-f][A-Za-z0-9_-]{31}[AQgw]$",
        min_length = 34,
        max_length = 34
    )]
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}
