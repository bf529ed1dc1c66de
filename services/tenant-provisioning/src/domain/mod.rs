//! Typed domain values: every request body and path/query parameter is converted into
//! these once, at the edge; code past the handlers never re-checks them.

mod display_name;
mod external_ref;
mod idempotency_key;
mod key_name;
mod lifecycle;
mod operator_key;
mod page_limit;
mod secret_token;
mod setup_token;
mod status_reason;
mod tenant_status;
mod text;

pub use display_name::DisplayName;
pub use external_ref::ExternalRef;
pub use idempotency_key::IdempotencyKey;
pub use key_name::KeyName;
pub use lifecycle::{InvalidTransition, LifecycleAction};
pub use operator_key::{OperatorKey, OperatorKeyPrefix};
pub use pa_domain::{Cursor, CursorError};
pub use page_limit::PageLimit;
pub use secret_token::TokenHash;
pub use setup_token::{SetupToken, SetupTokenKey, TokenKeyError};
pub use status_reason::StatusReason;
pub use tenant_status::TenantStatus;
pub use text::TextError;

/// `at` at PostgreSQL's `timestamptz` precision (microseconds), so a value compares equal to
/// what the database gives back.
pub fn pg_micros(at: time::OffsetDateTime) -> time::OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}
