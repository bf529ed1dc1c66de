//! The journey with RabbitMQ or PostgreSQL restarted on the way. They stop the shared
//! servers, so they run one at a time in the fault pass (named `fault_…`); each ends in
//! exactly the journey's end state (checked inside `journey::run`).

use pa_e2e::journey::{self, Fault};
use pa_e2e::stack::{Stack, StackOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fault_rabbitmq_restarted_while_setup_completes_loses_no_event_and_applies_none_twice() {
    let mut stack = Stack::start(StackOptions::default()).await;
    let j = journey::run("RabbitMQ restarted", &mut stack, Fault::RestartRabbitMq).await;
    // setup.completed was committed while the broker was down: everything after it waited.
    assert!(j.timings.of("FAULT: RabbitMQ stopped").is_some());
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fault_postgresql_restarted_after_setup_completes_loses_no_event_and_applies_none_twice() {
    let mut stack = Stack::start(StackOptions::default()).await;
    let j = journey::run("PostgreSQL restarted", &mut stack, Fault::RestartPostgres).await;
    assert!(j.timings.of("FAULT: PostgreSQL stopped").is_some());
    stack.shutdown().await;
}
