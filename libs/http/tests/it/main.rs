//! pa-http integration tests: every behaviour through a real actix app (no network).
#![allow(clippy::unwrap_used)]

mod support;

mod common_routes;
mod contract;
mod hygiene;
mod json_body;
mod problems;
mod query_params;
mod request_ids;
mod request_span;
mod settings;
mod spa;
mod tracing_context;
