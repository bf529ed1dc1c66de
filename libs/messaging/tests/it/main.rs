//! pa-messaging integration tests against the real PostgreSQL and RabbitMQ.
//!
//! Tests named `fault_…` stop and restart RabbitMQ; they run serially in a separate pass
//! (`cargo nextest run -p pa-messaging -E 'test(/^fault_/)' -j 1`) and must be excluded from
//! the parallel pass (`-E 'not test(/^fault_/)'`).

mod batch;
mod connection;
mod consumer;
mod dead_letter;
mod fault_broker;
mod hints;
mod relay;
mod retention;
mod shutdown;
mod support;
mod tracing_context;
