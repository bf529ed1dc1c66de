//! SQL, one module per table family. Every function takes the tenant first and runs inside the
//! caller's transaction, opened with `pa_db::begin_tenant` (row-level security underneath).

pub mod access;
pub mod api_tokens;
pub mod directory;
pub mod emergency;
pub mod purge;
pub mod sessions;
pub mod settings;
pub mod signin;
pub mod sync;
pub mod user_search;

use crate::domain::AccessRole;

/// Parses a role column (`admin|manager|viewer`); anything else reads as no role.
pub fn role(text: Option<&str>) -> Option<AccessRole> {
    text.and_then(|t| t.parse().ok())
}
