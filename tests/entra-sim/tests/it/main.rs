//! entra-sim integration tests: black-box over HTTP, one simulator per test (port 0).

mod authorize;
mod common;
mod consent;
mod delta;
mod discovery;
mod generator;
mod graph_paging;
mod graph_query;
mod throttling;
mod token;
