//! Typed values of the service (parse, don't validate).

mod cursor;
mod run;

pub use cursor::RunsCursor;
pub use run::{RunStatus, UnknownValue, kind_as_str, parse_kind, trigger};
