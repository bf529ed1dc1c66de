//! Use cases: each runs inside the caller's tenant transaction and writes the change, its audit
//! record and (where others care) its event together.

pub mod access;
pub mod settings;
pub mod setup;
