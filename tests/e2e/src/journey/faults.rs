//! Faults injected mid-journey. Each ends before the journey goes on; the journey must then
//! reach exactly the same end state as without it.

use std::time::Duration;

use super::Journey;
use crate::infra::{BrokerOutage, PostgresOutage};
use crate::services::Service;
use crate::stack::Stack;
use crate::wait::Deadline;

/// Where in the journey a fault may strike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// The tenant is provisioned; the setup mail is on its way.
    AfterProvision,
    /// The wizard is complete but not finished yet.
    BeforeFinish,
    /// `setup.completed` is committed: activation, registration, first sync in flight.
    AfterFinish,
    /// The users are synced; the leaver is next.
    BeforeLeaver,
}

/// A fault scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// RabbitMQ stopped before the wizard's finish (so `setup.completed` is committed while
    /// no broker runs) and started again a few seconds later.
    RestartRabbitMq,
    /// PostgreSQL stopped (fast: every connection cut) right after the finish, while its
    /// consequences are in flight, and started again a few seconds later.
    RestartPostgres,
    /// sync-dispatch killed with SIGKILL in the middle of the first sync, then restarted.
    KillSyncDispatchMidRun,
    /// A burst of Graph 429s (with `Retry-After`) and 503s during the first sync and again
    /// during the leaver's incremental sync.
    GraphThrottlingBurst,
}

/// How long the broker or the database stays down.
const OUTAGE: Duration = Duration::from_secs(5);

impl Fault {
    /// Injects the fault if `point` is its point.
    pub async fn inject(self, point: Point, stack: &mut Stack, j: &mut Journey) {
        match (self, point) {
            (Fault::RestartRabbitMq, Point::BeforeFinish) => {
                j.timings.step("FAULT: RabbitMQ stopped (stop_app)");
                let outage = tokio::task::spawn_blocking(BrokerOutage::begin)
                    .await
                    .expect("stop the broker");
                super::wizard::finish(j).await;
                j.timings.step("FAULT: RabbitMQ down; started again");
                tokio::time::sleep(OUTAGE).await;
                let _outage = tokio::task::spawn_blocking(move || {
                    let mut outage = outage;
                    outage.end();
                    outage
                })
                .await
                .expect("start the broker");
            }
            (Fault::RestartRabbitMq, _) => {}
            (Fault::RestartPostgres, Point::AfterFinish) => {
                j.timings
                    .step("FAULT: PostgreSQL stopped (fast), started again");
                let outage = tokio::task::spawn_blocking(PostgresOutage::begin)
                    .await
                    .expect("stop PostgreSQL");
                tokio::time::sleep(OUTAGE).await;
                let _outage = tokio::task::spawn_blocking(move || {
                    let mut outage = outage;
                    outage.end();
                    outage
                })
                .await
                .expect("start PostgreSQL");
            }
            (Fault::KillSyncDispatchMidRun, Point::BeforeFinish) => {
                // Graph slow before the finish queues the first sync: a small directory's
                // sync reads its groups' members in parallel and could otherwise be over
                // before the fault is armed (it took under 0.6 s at 400 ms per call).
                stack
                    .sim
                    .update_tenant_faults(j.dir.entra_tenant, |f| f.latency_ms = 2_000)
                    .expect("latency knob");
            }
            (Fault::KillSyncDispatchMidRun, Point::AfterFinish) => {
                kill_sync_dispatch_mid_run(stack, j).await;
            }
            (Fault::GraphThrottlingBurst, Point::AfterFinish | Point::BeforeLeaver) => {
                j.timings
                    .step("FAULT: Graph answers the next calls 429 (Retry-After 1) and 503");
                stack
                    .sim
                    .update_tenant_faults(j.dir.entra_tenant, |f| {
                        f.force_429_count = 6;
                        f.force_429_retry_after = Some(1);
                        f.force_5xx_count = 4;
                        f.force_5xx_status = 503;
                    })
                    .expect("fault knobs");
            }
            _ => {}
        }
    }
}

/// With Graph slowed down before the finish (so the first sync takes seconds), waits until
/// the first sync runs, kills sync-dispatch (every instance), lets Graph be fast again and
/// restarts it.
async fn kill_sync_dispatch_mid_run(stack: &mut Stack, j: &mut Journey) {
    j.timings
        .step("FAULT: first sync running; sync-dispatch SIGKILLed and restarted");
    let url = format!("/v1/tenants/{}/sync", j.tenant);
    let deadline = Deadline::new("the first sync to be running", Duration::from_secs(60))
        .every(Duration::from_millis(50));
    loop {
        let status = j.sync.url(&url);
        if let Some(sync) = j.operator.poll_json(&status).await
            && sync["current_run"]["status"] == "running"
        {
            break;
        }
        deadline.tick().await;
    }
    // Let it read a page or two, then pull the plug.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let instances = stack.instances(Service::SyncDispatch).len();
    for i in 0..instances {
        stack.instance_mut(Service::SyncDispatch, i).kill();
    }
    stack
        .sim
        .update_tenant_faults(j.dir.entra_tenant, |f| f.latency_ms = 0)
        .expect("latency knob");
    for i in 0..instances {
        let process = stack.instance_mut(Service::SyncDispatch, i);
        process.start();
        process.wait_ready().await;
    }
}
