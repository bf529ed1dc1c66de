//! Integration tests of the tenant-provisioning service: the real service on port 0,
//! real PostgreSQL (`pa_test`), real RabbitMQ and a real SMTP sink.

mod activation;
mod audit;
mod bad_input;
mod bus;
mod events;
mod fault_postgres;
mod helpers;
mod idempotency;
mod isolation;
mod lifecycle;
mod openapi;
mod operator_keys;
mod public;
mod setup_links;
mod tenants;
