//! Several instances share the work without a coordinator; one run per tenant at a time
//! (PostgreSQL decides); a worker that dies mid-run has its run retried by another, with
//! nothing of it half-applied; the schedule runs by itself.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use entra_sim::{NewGroup, NewUser};
use pa_events::{AccessRole, SyncKind, SyncRequested};

use crate::support::{Stack, Tenant, access, is_active};
use sync_dispatch::repo::runs::RunRecord;

/// A small tenant: an admin group with the initial admin, a staff group of 5.
async fn small_tenant(stack: &Stack, name: &str) -> (Tenant, Vec<(uuid::Uuid, AccessRole)>) {
    let t = stack.tenant(name).await;
    let admins = stack
        .sim
        .add_group(t.entra, NewGroup::security("Admins"))
        .unwrap()
        .id;
    let staff = stack
        .sim
        .add_group(t.entra, NewGroup::security("Staff"))
        .unwrap()
        .id;
    stack.sim.add_member(t.entra, admins, t.admin).unwrap();
    for i in 0..5 {
        let id = stack
            .sim
            .add_user(t.entra, NewUser::new(&t.upn(&format!("u{i}")), "U"))
            .unwrap()
            .id;
        stack.sim.add_member(t.entra, staff, id).unwrap();
    }
    (
        t,
        vec![(admins, AccessRole::Admin), (staff, AccessRole::Viewer)],
    )
}

#[tokio::test]
async fn two_instances_share_the_work_and_never_sync_one_tenant_twice_at_once() {
    let mut stack = Stack::start().await;
    let second = stack.spawn(|_| {}).await;
    stack.keep(second);
    let mut tenants = Vec::new();
    for i in 0..6 {
        let (t, groups) = small_tenant(&stack, &format!("Shared {i}")).await;
        // Slow Graph calls, so runs last long enough to overlap if they could.
        stack
            .sim
            .update_tenant_faults(t.entra, |f| f.latency_ms = 60)
            .unwrap();
        stack.setup(&t, &groups).await;
        tenants.push(t);
    }
    for t in &tenants {
        stack
            .wait_run(t, &HashSet::new(), |r| r.status == "succeeded")
            .await;
        stack.tenant_settings(t, 1, 1).await;
    }
    // Every second a scheduled run per tenant, plus bursts of "sync now" on top.
    for _ in 0..5 {
        for t in &tenants {
            for kind in [SyncKind::Incremental, SyncKind::Full] {
                let event = SyncRequested {
                    tenant_id: t.id,
                    kind,
                    requested_by: "user:it".into(),
                };
                stack.publish(t.id, &event).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(800)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut workers = HashSet::new();
    for t in &tenants {
        let mut runs: Vec<_> = stack
            .runs(t)
            .await
            .into_iter()
            .filter(|r| !is_active(r))
            .collect();
        assert!(runs.len() >= 3, "{}: {} runs", t.domain, runs.len());
        runs.sort_by_key(|r| r.started_at);
        for pair in runs.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                a.finished_at.unwrap() <= b.started_at.unwrap(),
                "runs overlap: {a:#?} {b:#?}"
            );
        }
        for r in &runs {
            assert_eq!(r.status, "succeeded", "{r:#?}");
            assert_eq!(r.attempt, 1, "{r:#?}");
            workers.insert(r.worker_id.unwrap());
        }
    }
    assert_eq!(workers.len(), 2, "both instances ran syncs");
    stack.shutdown().await;
}

/// Waits for the tenant's run `run` to be mid-way (1,500 users read), kills the instance
/// running it, checks that nothing of it is visible, starts another instance and waits for
/// the run to end there. Returns the ended run.
async fn kill_mid_run(stack: &mut Stack, t: &Tenant, before: &HashSet<uuid::Uuid>) -> RunRecord {
    let running = stack
        .wait_run(t, before, |r| {
            r.status == "running" && r.objects_read >= 1_500
        })
        .await;
    let victim = stack.take_instances().remove(0);
    let killed = victim.worker_id();
    assert_eq!(running.worker_id, Some(killed));
    victim.kill();
    let run = stack
        .runs(t)
        .await
        .into_iter()
        .find(|r| r.id == running.id)
        .unwrap();
    assert_eq!(run.status, "running", "killed mid-run");

    // Another instance takes the run over once the dead worker's lease lapses.
    let other = stack.spawn(|_| {}).await;
    let survivor = other.worker_id();
    stack.keep(other);
    let done = stack
        .wait_run(t, before, |r| r.id == running.id && !is_active(r))
        .await;
    assert_eq!(done.status, "succeeded", "{done:#?}");
    assert_eq!((done.attempt, done.worker_id), (2, Some(survivor)));
    done
}

#[tokio::test]
async fn a_worker_killed_mid_run_has_its_run_retried_by_another_with_nothing_half_applied() {
    let mut stack = Stack::start().await;
    let (t, all_staff, admins) = stack.generated(7, 3_000).await;
    stack
        .sim
        .update_tenant_faults(t.entra, |f| f.latency_ms = 250)
        .unwrap();

    // 1. The initial load (written inside the run's own transaction).
    stack
        .setup(
            &t,
            &[(admins, AccessRole::Admin), (all_staff, AccessRole::Viewer)],
        )
        .await;
    let watcher = stack.pool.clone();
    let tenant = t.id;
    let visible = tokio::spawn(async move {
        // While the run is killed and retried, nobody ever sees a user of it.
        let mut most = 0i64;
        for _ in 0..200 {
            let mut tx = pa_db::begin_tenant(&watcher, tenant).await.unwrap();
            let (users, runs_done): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM directory_users),
                        (SELECT count(*) FROM sync_runs WHERE status = 'succeeded')",
            )
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            if runs_done > 0 {
                break;
            }
            most = most.max(users);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        most
    });
    let done = kill_mid_run(&mut stack, &t, &HashSet::new()).await;
    assert_eq!(
        visible.await.unwrap(),
        0,
        "no user visible before the run committed"
    );
    assert_eq!(done.users_created, 3_001);
    assert_eq!(
        stack.runs(&t).await.len(),
        1,
        "the same run was retried, not a second one"
    );
    let activated = stack
        .count(&t, "SELECT count(*) FROM directory_user_history WHERE tenant_id = $1 AND change = 'activated'")
        .await;
    assert_eq!(activated, 3_001, "applied exactly once");

    // 2. A later full sync (read into staging, applied at the end), killed mid-way too.
    let members = stack
        .users(&t)
        .await
        .into_iter()
        .filter(|u| {
            u.user_principal_name.starts_with("olivia") || u.user_principal_name.starts_with("liam")
        })
        .take(12)
        .map(|u| u.object_id)
        .collect::<Vec<_>>();
    assert_eq!(members.len(), 12);
    for id in &members {
        stack.sim.disable_user(t.entra, *id).unwrap();
    }
    let before = stack.run_ids(&t).await;
    stack
        .publish(
            t.id,
            &SyncRequested {
                tenant_id: t.id,
                kind: SyncKind::Full,
                requested_by: "user:it".into(),
            },
        )
        .await;
    let running = stack
        .wait_run(&t, &before, |r| {
            r.status == "running" && r.objects_read >= 1_500
        })
        .await;
    let staged = stack
        .count(
            &t,
            &format!(
                "SELECT count(*) FROM sync_stage_users WHERE tenant_id = $1 AND run_id = '{}'",
                running.id
            ),
        )
        .await;
    assert!(staged >= 999, "pages staged ({staged})");
    let done = kill_mid_run(&mut stack, &t, &before).await;
    assert_eq!(done.users_deactivated, 12, "{done:#?}");
    for id in &members {
        assert_eq!(access(&stack.user(&t, *id).await), ("inactive", None));
    }
    let deactivated = stack
        .count(&t, "SELECT count(*) FROM directory_user_history WHERE tenant_id = $1 AND change = 'deactivated'")
        .await;
    assert_eq!(deactivated, 12, "applied exactly once");
    let leftovers = stack
        .count(
            &t,
            "SELECT count(*) FROM sync_stage_users WHERE tenant_id = $1",
        )
        .await;
    assert_eq!(leftovers, 0, "staging cleaned up");
    stack.shutdown().await;
}

#[tokio::test]
async fn incremental_syncs_run_by_themselves_on_the_tenants_interval() {
    let stack = Stack::start().await;
    let (t, groups) = small_tenant(&stack, "Scheduled").await;
    stack.setup_and_sync(&t, &groups).await;
    stack.tenant_settings(&t, 1, 1).await;

    let before = stack.run_ids(&t).await;
    let mut seen = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "runs: {seen:#?}");
        for r in stack.runs(&t).await {
            if !before.contains(&r.id) && r.trigger == "schedule" && r.status == "succeeded" {
                seen.insert(r.id, r.queued_at);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut times: Vec<_> = seen.into_values().collect();
    times.sort();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= time::Duration::milliseconds(900), "{gap}");
        assert!(gap <= time::Duration::seconds(5), "{gap}");
    }
    stack.shutdown().await;
}

/// The lease belongs to one attempt, not to the instance: while an attempt holds a live lease
/// no other attempt takes it — not even one of the same instance (a job published again after
/// a lapse may reach another lane of the very instance still running the first attempt) —
/// and an attempt whose lease lapsed and was taken over can no longer renew it.
#[tokio::test]
async fn the_lease_belongs_to_one_attempt_not_to_the_instance() {
    use sync_dispatch::repo::runs;
    let stack = Stack::start().await;
    let (t, groups) = small_tenant(&stack, "Lease").await;
    // Slow Graph calls: the first sync stays running while the test works on its lease.
    stack
        .sim
        .update_tenant_faults(t.entra, |f| f.latency_ms = 2_000)
        .unwrap();
    stack.setup(&t, &groups).await;
    let run = stack
        .wait_run(&t, &HashSet::new(), |r| r.status == "running")
        .await;
    let worker = run.worker_id.expect("the instance running it");
    let pool = sqlx::PgPool::connect(&stack.db.service_url())
        .await
        .expect("pa_sync pool");
    let ttl = 30;
    let lapse = || async {
        sqlx::query(
            "UPDATE sync_tenants SET lease_expires_at = now() - interval '1 second' \
              WHERE tenant_id = $1",
        )
        .bind(t.id)
        .execute(&stack.admin)
        .await
        .expect("lapse the lease");
    };
    let acquire = |lease| runs::acquire(&pool, t.id, run.id, worker, lease, ttl);
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    assert!(
        acquire(a).await.unwrap().is_none(),
        "the running attempt's lease is live: another attempt of the same instance is refused"
    );
    lapse().await;
    assert!(
        acquire(a).await.unwrap().is_some(),
        "a lapsed lease is taken"
    );
    assert!(
        acquire(b).await.unwrap().is_none(),
        "a live lease is nobody else's, whatever the instance"
    );
    assert!(runs::heartbeat(&pool, t.id, run.id, a, ttl).await.unwrap());
    lapse().await;
    assert!(acquire(b).await.unwrap().is_some());
    assert!(
        !runs::heartbeat(&pool, t.id, run.id, a, ttl).await.unwrap(),
        "the attempt that lost its lease can no longer renew it"
    );
    stack.shutdown().await;
}
