//! Pre-flight checks and the "needs attention" record, as stored (jsonb) and served.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::error::MicrosoftFailure;

/// What a pre-flight check exercises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// A fresh app token for the directory, then `GET /organization` (the directory's own
    /// record, its id equal to the one entered).
    Organization,
    /// `GET /users` (Read all users' full profiles).
    Users,
    /// `GET /groups` (Read all groups).
    Groups,
}

/// One pre-flight check's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreflightCheck {
    pub name: CheckName,
    pub passed: bool,
    /// What was seen when it passed (e.g. the organization's name), for the admin.
    pub detail: Option<String>,
    /// Why it failed: Microsoft's error and the fix.
    pub failure: Option<MicrosoftFailure>,
}

/// The directory needs its IT admin: Microsoft no longer knows Patient Access there
/// (AADSTS700016 after the grant: consent revoked or the enterprise app deleted). Shown in the
/// state until consent is granted again; never retried on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attention {
    /// `consent_revoked`.
    pub reason: String,
    /// Microsoft's error and what to do.
    pub failure: MicrosoftFailure,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}
