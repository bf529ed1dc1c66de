//! The journey with a service killed and with Microsoft Graph misbehaving: each ends in
//! exactly the journey's end state (checked inside `journey::run`). They touch only the
//! run's own processes and simulator, so they run in the parallel pass.

use pa_e2e::journey::{self, Fault, state};
use pa_e2e::stack::{Stack, StackOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_dispatch_killed_in_the_middle_of_the_first_sync_is_restarted_and_the_run_completes_once()
 {
    let mut stack = Stack::start(StackOptions::default()).await;
    let j = journey::run(
        "sync-dispatch SIGKILLed mid-sync",
        &mut stack,
        Fault::KillSyncDispatchMidRun,
    )
    .await;
    let runs = state::runs_summary(&stack, &j).await;
    let first = runs
        .iter()
        .find(|r| r.starts_with("full/setup succeeded"))
        .expect("the first sync succeeded");
    assert!(
        first.contains("attempt 2"),
        "the killed worker's run was taken over by the restarted instance: {runs:?}"
    );
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_graph_429s_and_503s_during_the_syncs_is_waited_out() {
    let mut stack = Stack::start(StackOptions::default()).await;
    let j = journey::run(
        "Graph 429/503 burst",
        &mut stack,
        Fault::GraphThrottlingBurst,
    )
    .await;
    let faults = stack
        .sim
        .tenant_faults(j.dir.entra_tenant)
        .expect("fault knobs");
    assert_eq!(
        (faults.force_429_count, faults.force_5xx_count),
        (0, 0),
        "every injected 429 and 503 was served to the syncs"
    );
    stack.shutdown().await;
}
