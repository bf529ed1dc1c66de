//! The use cases. Each function runs inside the caller's transaction (the handler owns
//! begin/commit, so it can store an idempotent response in the same transaction) and
//! writes the state change, its audit record and its outbox event together.

pub mod lifecycle;
pub mod operator_keys;
pub mod setup_links;
pub mod tenants;
