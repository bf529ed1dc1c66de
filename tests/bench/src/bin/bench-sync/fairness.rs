//! Fairness: many small tenants on their incremental schedule while one large tenant's first
//! full sync runs. A small tenant's "sync lag" at a moment is the time since its last
//! successful sync; the figure is the worst lag of any small tenant over the window, once
//! while nothing else runs (the same-run baseline) and once while the large sync runs.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use pa_domain::TenantId;
use pa_events::AccessRole;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::harness::{Harness, finished};

/// What the fairness bench measured.
pub struct Fairness {
    pub small: usize,
    /// Worst lag (s) over the quiet window, and over the window of the large sync.
    pub quiet_worst: f64,
    pub busy_worst: f64,
    /// The 99th percentile of the small tenants' worst lags in the busy window (s).
    pub busy_p99: f64,
    /// Successful small-tenant runs in the busy window.
    pub busy_runs: u64,
    /// The large tenant's first sync: run time, users.
    pub big_run: Duration,
    pub big_users: i64,
    pub setup: Duration,
}

pub async fn fairness(
    h: &mut Harness,
    seed: u64,
    small: usize,
    interval: u32,
    big_users: u64,
    latency_ms: u64,
) -> anyhow::Result<Fairness> {
    let setup_started = Instant::now();
    let sim = h.sim.clone();
    let directories: Vec<_> = futures::stream::iter(0..small as u64)
        .map(|i| {
            let sim = sim.clone();
            async move { sim.generate(seed * 100_000 + i, 5, 1, 1).await }
        })
        .buffer_unordered(16)
        .try_collect()
        .await?;
    // First syncs of the small tenants with more full-sync lanes (setup only).
    h.restart(|s| {
        s.sync.full_workers = 4;
        s.sync.default_interval_secs = interval;
    })
    .await?;
    let mut small_ids = Vec::with_capacity(small);
    for d in &directories {
        let groups = [
            (d.admins, AccessRole::Admin),
            (d.all_staff, AccessRole::Viewer),
        ];
        small_ids.push(h.register(d, &groups).await?);
    }
    let ids: Vec<Uuid> = small_ids.iter().map(|t| *t.as_uuid()).collect();
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT tenant_id) FROM sync_runs WHERE tenant_id = ANY($1) AND status = 'succeeded'",
        )
        .bind(&ids)
        .fetch_one(&h.admin)
        .await?;
        if done as usize == small {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {done} of {small} first syncs finished"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let setup = setup_started.elapsed();

    // The product's lanes from here on; every tenant gets a scheduled run before measuring.
    h.restart(|s| s.sync.default_interval_secs = interval)
        .await?;
    let period = Duration::from_secs(u64::from(interval));
    tokio::time::sleep(period + Duration::from_secs(10)).await;
    let quiet_start = db_now(h).await?;
    tokio::time::sleep(period + Duration::from_secs(10)).await;
    let quiet_end = db_now(h).await?;

    let big = h
        .sim
        .generate(seed * 100_000 + 99_999, big_users, 8, 6)
        .await?;
    h.sim
        .faults(big.id, json!({"latency_ms": latency_ms}))
        .await?;
    let busy_start = db_now(h).await?;
    let groups = [
        (big.admins, AccessRole::Admin),
        (big.department, AccessRole::Manager),
        (big.all_staff, AccessRole::Viewer),
    ];
    let big_tenant: TenantId = h.register(&big, &groups).await?;
    let big_run = h
        .wait_run(big_tenant, Duration::from_secs(1_200), |r| {
            r.trigger == "setup" && finished(r)
        })
        .await?;
    anyhow::ensure!(
        big_run.status == "succeeded",
        "the large sync ended {}",
        big_run.status
    );
    // Every small tenant's next scheduled run after the large sync, too.
    tokio::time::sleep(period + Duration::from_secs(10)).await;
    let busy_end = db_now(h).await?;

    let quiet = worst_lags(h, &ids, quiet_start, quiet_end, period).await?;
    let busy = worst_lags(h, &ids, busy_start, busy_end, period).await?;
    let busy_runs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_runs WHERE tenant_id = ANY($1) AND status = 'succeeded'
            AND finished_at BETWEEN $2 AND $3",
    )
    .bind(&ids)
    .bind(busy_start)
    .bind(busy_end)
    .fetch_one(&h.admin)
    .await?;
    let mut sorted = busy.clone();
    sorted.sort_by(f64::total_cmp);
    let p99 = sorted
        .get((sorted.len() * 99 / 100).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(f64::NAN);
    let big_time = match (big_run.started_at, big_run.finished_at) {
        (Some(s), Some(f)) => Duration::try_from(f - s).unwrap_or_default(),
        _ => Duration::ZERO,
    };
    Ok(Fairness {
        small,
        quiet_worst: quiet.iter().copied().fold(0.0, f64::max),
        busy_worst: busy.iter().copied().fold(0.0, f64::max),
        busy_p99: p99,
        busy_runs: u64::try_from(busy_runs).unwrap_or(0),
        big_run: big_time,
        big_users: big_run.users_created,
        setup,
    })
}

async fn db_now(h: &Harness) -> anyhow::Result<OffsetDateTime> {
    Ok(sqlx::query_scalar("SELECT now()")
        .fetch_one(&h.admin)
        .await?)
}

/// Per tenant, the longest time without a successful sync at any moment of [start, end]
/// (seconds): the largest gap between consecutive successful runs ending in the window,
/// or between the last one and the window's end.
async fn worst_lags(
    h: &Harness,
    ids: &[Uuid],
    start: OffsetDateTime,
    end: OffsetDateTime,
    period: Duration,
) -> anyhow::Result<Vec<f64>> {
    let lookback = start - time::Duration::seconds(3 * period.as_secs() as i64);
    let rows: Vec<(Uuid, OffsetDateTime)> = sqlx::query_as(
        "SELECT tenant_id, finished_at FROM sync_runs
          WHERE tenant_id = ANY($1) AND status = 'succeeded' AND finished_at BETWEEN $2 AND $3
          ORDER BY tenant_id, finished_at",
    )
    .bind(ids)
    .bind(lookback)
    .bind(end)
    .fetch_all(&h.admin)
    .await?;
    let mut by_tenant: BTreeMap<Uuid, Vec<OffsetDateTime>> = BTreeMap::new();
    for (tenant, at) in rows {
        by_tenant.entry(tenant).or_default().push(at);
    }
    Ok(ids
        .iter()
        .map(|id| {
            let done = by_tenant.get(id).map(Vec::as_slice).unwrap_or_default();
            let mut worst = 0.0f64;
            let mut last = done.iter().copied().rfind(|t| *t <= start);
            for at in done.iter().copied().filter(|t| *t > start) {
                let since = last.unwrap_or(lookback);
                worst = worst.max((at - since).as_seconds_f64());
                last = Some(at);
            }
            worst.max((end - last.unwrap_or(lookback)).as_seconds_f64())
        })
        .collect())
}
