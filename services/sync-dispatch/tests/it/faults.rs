//! Graph throttling and outages, a delta reset, and revoked consent.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pa_events::{AccessRole, ConsentGranted, DirectoryNeedsAttention, SyncKind};

use crate::support::hospital;
use crate::support::{Stack, Tenant, access, is_active};

/// Waits for the tenant's first successful run; returns every run up to it (newest first).
async fn until_success(stack: &Stack, t: &Tenant) -> Vec<sync_dispatch::repo::runs::RunRecord> {
    stack
        .wait_run(t, &HashSet::new(), |r| r.status == "succeeded")
        .await;
    stack.runs(t).await
}

#[tokio::test]
async fn a_storm_of_429s_is_waited_out_and_ends_in_the_correct_result() {
    let stack = Stack::start().await;
    let t = stack.tenant("Throttled Hospital").await;
    let h = hospital::build(&stack, &t);
    // Three 429s with Retry-After: 1 are waited out inside the run.
    stack
        .sim
        .update_tenant_faults(t.entra, |f| {
            f.force_429_count = 3;
            f.force_429_retry_after = Some(1);
        })
        .unwrap();
    let started = Instant::now();

    let run = stack.setup_and_sync(&t, &h.config()).await;

    assert_eq!(run.status, "succeeded", "{run:#?}");
    // The run reads several groups at once, so the waits may overlap; each throttled
    // request waited its Retry-After second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(
        access(&stack.user(&t, h.user("bob")).await),
        ("active", Some("admin"))
    );
    assert_eq!(stack.users(&t).await.len(), 8);
    assert_eq!(stack.sim.tenant_faults(t.entra).unwrap().force_429_count, 0);

    // A longer storm outlasts one run's retries: that run fails having applied nothing,
    // and the retry after the backoff ends in the same correct result.
    stack
        .sim
        .soft_delete_user(t.entra, h.user("carol"))
        .unwrap();
    stack
        .sim
        .update_tenant_faults(t.entra, |f| {
            f.force_429_count = 6;
            f.force_429_retry_after = Some(1);
        })
        .unwrap();
    let before = stack.run_ids(&t).await;
    stack
        .publish(
            t.id,
            &pa_events::SyncRequested {
                tenant_id: t.id,
                kind: SyncKind::Incremental,
                requested_by: "user:it".into(),
            },
        )
        .await;
    let failed = stack.wait_run(&t, &before, |r| r.status == "failed").await;
    assert_eq!(
        failed.error_code.as_deref(),
        Some("TooManyRequests"),
        "{failed:#?}"
    );
    assert_eq!(failed.users_deactivated, 0);
    let retried = stack
        .wait_run(&t, &before, |r| r.trigger == "retry" && !is_active(r))
        .await;
    assert_eq!(retried.status, "succeeded", "{retried:#?}");
    assert_eq!(
        access(&stack.user(&t, h.user("carol")).await),
        ("inactive", None)
    );
    stack.shutdown().await;
}

#[tokio::test]
async fn a_503_in_the_middle_of_a_run_ends_in_the_correct_result() {
    let stack = Stack::start().await;
    let (t, all_staff, admins) = stack.generated(15, 2_500).await;
    // Slow pages, so the run is caught in the middle.
    stack
        .sim
        .update_tenant_faults(t.entra, |f| f.latency_ms = 150)
        .unwrap();
    stack
        .setup(
            &t,
            &[(admins, AccessRole::Admin), (all_staff, AccessRole::Viewer)],
        )
        .await;
    let running = stack
        .wait_run(&t, &HashSet::new(), |r| {
            r.status == "running" && r.pages_read >= 1
        })
        .await;
    // More consecutive 503s than one request's retries: the run fails mid-way.
    stack
        .sim
        .update_tenant_faults(t.entra, |f| {
            f.force_5xx_count = 5;
            f.force_5xx_status = 503;
        })
        .unwrap();
    let failed = stack
        .wait_run(&t, &HashSet::new(), |r| r.id == running.id && !is_active(r))
        .await;
    assert_eq!(failed.status, "failed", "{failed:#?}");
    assert_eq!(failed.error_code.as_deref(), Some("serviceNotAvailable"));
    assert!(failed.pages_read >= 1, "it failed mid-run: {failed:#?}");
    assert_eq!(
        stack
            .count(
                &t,
                "SELECT count(*) FROM directory_users WHERE tenant_id = $1"
            )
            .await,
        0,
        "a failed run applies nothing"
    );

    let runs = until_success(&stack, &t).await;
    let ok = runs.iter().find(|r| r.status == "succeeded").unwrap();
    assert_eq!(ok.trigger, "retry");
    assert_eq!(ok.users_created, 2_501, "{ok:#?}");
    let active = stack
        .count(
            &t,
            "SELECT count(*) FROM directory_users WHERE tenant_id = $1 AND status = 'active'",
        )
        .await;
    assert_eq!(active, 2_501);
    stack.shutdown().await;
}

#[tokio::test]
async fn a_delta_reset_turns_the_incremental_run_into_a_full_sync_by_itself() {
    let stack = Stack::start().await;
    let t = stack.tenant("Reset Hospital").await;
    let h = hospital::build(&stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;
    stack.sim.disable_user(t.entra, h.user("frank")).unwrap();
    stack
        .sim
        .update_tenant_faults(t.entra, |f| f.delta_force_reset = 1)
        .unwrap();

    let run = stack.sync_now(&t, SyncKind::Incremental).await;

    assert_eq!(
        (run.kind.as_str(), run.trigger.as_str(), run.status.as_str()),
        ("full", "delta_reset", "succeeded"),
        "{run:#?}"
    );
    assert_eq!(
        access(&stack.user(&t, h.user("frank")).await),
        ("inactive", None)
    );
    // The full sync stored new delta positions: the next run is incremental again.
    stack.sim.enable_user(t.entra, h.user("frank")).unwrap();
    let run = stack.sync_now(&t, SyncKind::Incremental).await;
    assert_eq!(
        (run.kind.as_str(), run.status.as_str()),
        ("incremental", "succeeded")
    );
    assert_eq!(
        access(&stack.user(&t, h.user("frank")).await),
        ("active", Some("viewer"))
    );
    stack.shutdown().await;
}

#[tokio::test]
async fn revoked_consent_marks_the_tenant_and_stops_until_consent_is_granted_again() {
    let stack = Stack::start().await;
    let t = stack.tenant("Revoked Hospital").await;
    let h = hospital::build(&stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;
    // Scheduled runs every second from now on.
    stack.tenant_settings(&t, 1, 1).await;
    stack.sim.revoke_consent(t.entra).unwrap();
    // Graph keeps honouring the app token issued before; the revocation shows when the
    // token is renewed (here: the simulator's clock passes its expiry).
    stack.sim.advance_clock(Duration::from_secs(2 * 3600));

    let failed = stack
        .wait_run(&t, &HashSet::new(), |r| r.status == "failed")
        .await;

    assert_eq!(
        failed.error_code.as_deref(),
        Some("AADSTS700016"),
        "{failed:#?}"
    );
    let (reason, code, remediation): (Option<String>, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT attention_reason, attention_code, attention_remediation FROM sync_tenants WHERE tenant_id = $1",
        )
        .bind(t.id)
        .fetch_one(&stack.admin)
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("consent_revoked"));
    assert_eq!(code.as_deref(), Some("AADSTS700016"));
    assert!(remediation.unwrap_or_default().contains("consent"));
    let event = stack
        .probe
        .wait_for("directory.needs_attention", Duration::from_secs(20), |e| {
            e.tenant_id == Some(t.id)
        })
        .await;
    let event: DirectoryNeedsAttention = event.data_as().unwrap();
    assert_eq!(event.microsoft_code.as_deref(), Some("AADSTS700016"));
    // No automatic retries: several intervals pass without a run.
    let runs = stack.runs(&t).await.len();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        stack.runs(&t).await.len(),
        runs,
        "no run while it needs attention"
    );
    assert_eq!(
        access(&stack.user(&t, h.user("alice")).await),
        ("active", Some("admin"))
    );

    // A new consent lifts it and syncs.
    stack.sim.grant_consent(t.entra, None).unwrap();
    let before = stack.run_ids(&t).await;
    let granted = ConsentGranted {
        tenant_id: t.id,
        entra_tenant_id: t.entra,
        roles: vec!["User.Read.All".into(), "Group.Read.All".into()],
        granted_at: time::OffsetDateTime::now_utc(),
    };
    stack.publish(t.id, &granted).await;
    let run = stack
        .wait_run(&t, &before, |r| r.trigger == "consent" && !is_active(r))
        .await;
    assert_eq!(
        (run.kind.as_str(), run.status.as_str()),
        ("full", "succeeded"),
        "{run:#?}"
    );
    let reason: Option<String> =
        sqlx::query_scalar("SELECT attention_reason FROM sync_tenants WHERE tenant_id = $1")
            .bind(t.id)
            .fetch_one(&stack.admin)
            .await
            .unwrap();
    assert_eq!(reason, None);
    stack.shutdown().await;
}
