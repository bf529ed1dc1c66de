//! The journey as the guide tells it, nothing going wrong.

use pa_e2e::journey::{self, Fault};
use pa_e2e::stack::{Stack, StackOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_whole_journey_from_provisioning_to_a_leaver_signed_out_works_through_public_apis() {
    let mut stack = Stack::start(StackOptions::default()).await;
    let j = journey::run("journey", &mut stack, Fault::None).await;
    let interval = std::time::Duration::from_secs(u64::from(stack.settings.sync_interval_secs));
    let deactivated = j.leaver_deactivated_after.expect("measured");
    let signed_out = j.leaver_signed_out_after.expect("measured");
    assert!(
        deactivated <= interval + std::time::Duration::from_secs(5)
            && signed_out <= interval + std::time::Duration::from_secs(5),
        "the leaver is out within the incremental interval ({interval:?}): deactivated after {deactivated:?}, signed out after {signed_out:?}"
    );
    stack.shutdown().await;
}
