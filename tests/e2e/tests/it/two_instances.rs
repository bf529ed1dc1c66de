//! Two instances of every service, all running at once: the same journey, each request to
//! the next instance (as a load balancer would), both instances' consumers, schedulers and
//! relays racing for the same work.

use pa_e2e::journey::{self, Fault};
use pa_e2e::services::Service;
use pa_e2e::stack::{Stack, StackOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_of_every_service_pass_the_same_journey() {
    let mut stack = Stack::start(StackOptions {
        instances: 2,
        ..StackOptions::default()
    })
    .await;
    for service in Service::ALL {
        assert_eq!(stack.instances(service).len(), 2, "{service:?}");
    }
    journey::run("two instances", &mut stack, Fault::None).await;
    // Both instances of each service served requests of the journey.
    for service in Service::ALL {
        for instance in stack.instances(service) {
            let log = instance.log_text();
            let served = log
                .lines()
                .filter(|l| l.contains("request completed") && !l.contains("/readyz"))
                .count();
            assert!(
                served > 0,
                "{} served none of the journey's requests",
                instance.name
            );
        }
    }
    stack.shutdown().await;
}
