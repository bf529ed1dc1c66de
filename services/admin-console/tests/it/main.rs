//! Integration tests of the admin-console service: the real service on port 0, real PostgreSQL,
//! real RabbitMQ and the in-process Entra ID simulator.
#![allow(clippy::unwrap_used, clippy::panic)]

mod helpers;

mod access;
mod audit;
mod emergency;
mod events;
mod matrix;
mod openapi;
mod purge;
mod search;
mod sessions;
mod signin;
mod tokens;
mod users;
