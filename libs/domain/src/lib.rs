//! Typed domain values shared by every service.
//!
//! Parse, don't validate: each type has private fields and can only be built through a
//! constructor that checks its invariants (`parse`, `TryFrom`, `FromStr`), so code that
//! receives one never has to re-check it.

mod cursor;
mod email;
mod environment;
mod request_id;
mod tenant_id;
pub mod text;

pub use cursor::{CURSOR_LEN, CURSOR_PATTERN, Cursor, CursorError};
pub use email::{EmailAddress, EmailError};
pub use environment::{Environment, EnvironmentError};
pub use request_id::{RequestId, RequestIdError};
pub use tenant_id::{TenantId, TenantIdError};
pub use text::TextError;
