//! Integration tests of pa-entra against the Entra ID + Graph simulator (`entra-sim`), one binary.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

mod config;
mod consent;
mod delta;
mod errors;
mod members;
mod membership;
mod paging;
mod retries;
mod search;
mod signin;
mod tenant;
mod tls;
mod tokens;
