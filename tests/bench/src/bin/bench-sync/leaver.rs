//! Leaver latency: from a change in the directory (disable, soft delete, hard delete,
//! removal from a nested group) to the user deactivated and `user.deactivated` received by a
//! consumer, with the tenant on its incremental schedule (no "sync now").

use std::time::{Duration, Instant};

use pa_events::{AccessRole, TenantSettingsChanged};
use pa_messaging::EventMeta;
use uuid::Uuid;

use crate::harness::{Harness, finished};

/// The kinds of leaver, taken in turn.
pub const KINDS: [&str; 4] = [
    "disabled",
    "soft_deleted",
    "hard_deleted",
    "removed_from_nested_group",
];

/// One leaver's latency.
pub struct Sample {
    pub kind: &'static str,
    pub latency: Duration,
}

pub async fn leavers(
    h: &Harness,
    seed: u64,
    users: u64,
    interval_secs: u32,
    samples: usize,
) -> anyhow::Result<Vec<Sample>> {
    let sim = h.sim.generate(seed, users, 4, 3).await?;
    let team = h.sim.group_id(sim.id, "Nursing Team 1").await?;
    let mut leavers = Vec::new();
    for i in 0..samples {
        let user = h
            .sim
            .user(sim.id, &format!("leaver{i}@{}", sim.domain))
            .await?;
        h.sim.add_member(sim.id, team, user).await?;
        leavers.push(user);
    }
    let tenant = h
        .register(
            &sim,
            &[
                (sim.admins, AccessRole::Admin),
                (sim.all_staff, AccessRole::Viewer),
            ],
        )
        .await?;
    h.wait_run(tenant, Duration::from_secs(600), |r| {
        r.trigger == "setup" && finished(r)
    })
    .await?;
    let settings = TenantSettingsChanged {
        tenant_id: tenant,
        version: 1,
        idle_timeout_secs: 900,
        absolute_lifetime_secs: 43_200,
        sync_interval_secs: interval_secs,
        deactivation_threshold_percent: 20,
        deactivation_threshold_count: 500,
        changed_by: "bench".into(),
    };
    let mut tx = h.pool.begin().await?;
    let meta = EventMeta {
        tenant_id: Some(tenant),
        request_id: None,
    };
    pa_messaging::enqueue(&mut tx, &meta, &settings).await?;
    tx.commit().await?;
    // On its schedule: wait for a scheduled run before the first change.
    h.wait_run(
        tenant,
        Duration::from_secs(u64::from(interval_secs) * 3 + 30),
        |r| r.trigger == "schedule" && finished(r),
    )
    .await?;

    let mut out = Vec::new();
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for (i, user) in leavers.into_iter().enumerate() {
        // A change at an arbitrary point of the interval.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let pause = Duration::from_millis(rng % (u64::from(interval_secs) * 1_000));
        tokio::time::sleep(pause).await;
        let kind = KINDS[i % KINDS.len()];
        let changed = Instant::now();
        match kind {
            "disabled" => h.sim.disable(sim.id, user).await?,
            "soft_deleted" => h.sim.delete_user(sim.id, user, false).await?,
            "hard_deleted" => h.sim.delete_user(sim.id, user, true).await?,
            _ => h.sim.remove_member(sim.id, team, user).await?,
        }
        let arrived = wait_event(
            h,
            user,
            changed,
            Duration::from_secs(u64::from(interval_secs) + 60),
        )
        .await?;
        out.push(Sample {
            kind,
            latency: arrived - changed,
        });
    }
    Ok(out)
}

/// When `user.deactivated` for `user` arrived (after `since`).
async fn wait_event(
    h: &Harness,
    user: Uuid,
    since: Instant,
    timeout: Duration,
) -> anyhow::Result<Instant> {
    let deadline = since + timeout;
    loop {
        let found = h
            .seen
            .lock()
            .map_err(|_| anyhow::anyhow!("probe poisoned"))?
            .iter()
            .find(|(at, e)| {
                *at >= since
                    && e.event_type == "user.deactivated"
                    && e.data["object_id"] == user.to_string()
            })
            .map(|(at, _)| *at);
        if let Some(at) = found {
            return Ok(at);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "no user.deactivated for {user} within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
