//! A tenant's first full sync of a generated directory with nested groups, simulator →
//! rows committed, and the baseline: the same `directory_users` rows (and grants) loaded by a
//! bare `COPY` into the same tables.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use pa_domain::TenantId;
use pa_events::AccessRole;
use serde_json::json;
use sync_dispatch::repo::runs::RunRecord;
use uuid::Uuid;

use crate::harness::{Harness, finished};

/// What one first full sync measured.
pub struct FullRun {
    pub tenant: TenantId,
    pub run: RunRecord,
    /// From publishing `setup.completed` to seeing the run finished.
    pub wall: Duration,
    /// The run itself: started (lease taken) → finished (committed).
    pub run_time: Duration,
    pub rss_before_kib: Option<u64>,
    pub peak_rss_kib: Option<u64>,
}

impl FullRun {
    pub fn users_per_s(&self) -> f64 {
        self.run.users_created as f64 / self.run_time.as_secs_f64()
    }
}

/// Generates a directory of `users` (8 departments × 6 teams under "All Staff"), sets Graph
/// latency, registers the tenant (admins: admin, one department: manager, All Staff:
/// viewer) and waits for its first full sync.
pub async fn first_sync(
    h: &Harness,
    seed: u64,
    users: u64,
    latency_ms: u64,
) -> anyhow::Result<FullRun> {
    let sim = h.sim.generate(seed, users, 8, 6).await?;
    h.sim
        .faults(sim.id, json!({"latency_ms": latency_ms}))
        .await?;
    h.db.settle().await?;
    // Peak RSS from here (VmHWM reset; "5" is the kernel's documented value).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before_kib = pa_bench::procfs::rss_kib();
    let started = Instant::now();
    let groups = [
        (sim.admins, AccessRole::Admin),
        (sim.department, AccessRole::Manager),
        (sim.all_staff, AccessRole::Viewer),
    ];
    let tenant = h.register(&sim, &groups).await?;
    println!("   directory generated; setup.completed published");
    let run = h
        .wait_run(tenant, Duration::from_secs(1_200), |r| {
            r.trigger == "setup" && finished(r)
        })
        .await?;
    let wall = started.elapsed();
    println!(
        "   run {}: {} users, {} pages, {:.1} s end to end",
        run.status,
        run.users_created,
        run.pages_read,
        wall.as_secs_f64()
    );
    let peak_rss_kib = pa_bench::procfs::peak_rss_kib();
    anyhow::ensure!(
        run.status == "succeeded",
        "the first sync ended {}: {:?}",
        run.status,
        run.error_message
    );
    let run_time = match (run.started_at, run.finished_at) {
        (Some(s), Some(f)) => Duration::try_from(f - s).unwrap_or(wall),
        _ => wall,
    };
    Ok(FullRun {
        tenant,
        run,
        wall,
        run_time,
        rss_before_kib,
        peak_rss_kib,
    })
}

/// The baseline: the synced tenant's `directory_users` rows, then its grants, re-keyed to a
/// new tenant id and loaded with `COPY … FROM STDIN` (text format) by the superuser (a
/// role subject to row-level security may not COPY into these tables), each in its own
/// transaction, commit included. Returns (users time, grants time, users, grants).
pub async fn copy_baseline(
    h: &Harness,
    synced: TenantId,
) -> anyhow::Result<(Duration, Duration, u64, u64)> {
    let copy_tenant = Uuid::now_v7();
    let users_cols = "tenant_id, object_id, user_principal_name, display_name, mail, \
        account_enabled, directory_state, role, role_source, status, status_reason, \
        status_changed_at, first_synced_at, updated_at, last_run_id";
    let grants_cols = "tenant_id, object_id, group_id, role";
    let users = export(h, &format!(
        "COPY (SELECT '{copy_tenant}'::uuid, {} FROM directory_users WHERE tenant_id = '{synced}') TO STDOUT",
        users_cols.trim_start_matches("tenant_id, ")
    ))
    .await?;
    let grants = export(h, &format!(
        "COPY (SELECT '{copy_tenant}'::uuid, object_id, group_id, role FROM directory_user_grants WHERE tenant_id = '{synced}') TO STDOUT"
    ))
    .await?;
    h.db.settle().await?;
    let users_time = import(
        h,
        &format!("COPY directory_users ({users_cols}) FROM STDIN"),
        &users.0,
    )
    .await?;
    let grants_time = import(
        h,
        &format!("COPY directory_user_grants ({grants_cols}) FROM STDIN"),
        &grants.0,
    )
    .await?;
    for table in ["directory_users", "directory_user_grants"] {
        let sql = format!("DELETE FROM {table} WHERE tenant_id = '{copy_tenant}'");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&h.admin)
            .await?;
    }
    Ok((users_time, grants_time, users.1, grants.1))
}

/// The rows a `COPY … TO STDOUT` yields, and how many.
async fn export(h: &Harness, sql: &str) -> anyhow::Result<(Vec<u8>, u64)> {
    let mut conn = h.admin.acquire().await?;
    let mut out = Vec::new();
    let mut stream = conn.copy_out_raw(sql).await?;
    while let Some(chunk) = stream.try_next().await? {
        out.extend_from_slice(&chunk);
    }
    let rows = out.iter().filter(|b| **b == b'\n').count() as u64;
    Ok((out, rows))
}

/// Loads `data` with `sql` in one transaction; the time it took, commit included.
async fn import(h: &Harness, sql: &str, data: &[u8]) -> anyhow::Result<Duration> {
    let mut conn = h.admin.acquire().await?;
    let started = Instant::now();
    sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
    let mut copy = conn.copy_in_raw(sql).await?;
    copy.send(data).await?;
    copy.finish().await?;
    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
    Ok(started.elapsed())
}

/// Graph pages that must be read one after another in a first sync of `users`: the member
/// pages of the largest group ("All Staff" holds everyone), 999 per page.
pub fn chained_pages(users: u64) -> u64 {
    users.div_ceil(999)
}
