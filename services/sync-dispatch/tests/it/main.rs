//! Integration tests of sync-dispatch: the real service (one or more instances) against
//! real PostgreSQL and RabbitMQ and the in-process Entra ID simulator. Each test has its
//! own database and exchange (see `support::db`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod support;

mod api;
mod concurrency;
mod configuration;
mod faults;
mod first_sync;
mod joiners_movers_leavers;
mod lifecycle;
mod openapi;
mod safety;
