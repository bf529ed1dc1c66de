//! Typed values of the service (parse, don't validate).

mod run;

/// The run history's cursor: `(queued_at, id)`, newest first.
pub use pa_domain::Cursor as RunsCursor;
pub use run::{RunStatus, UnknownValue, kind_as_str, parse_kind, trigger};
