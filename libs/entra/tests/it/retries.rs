//! Throttling and unavailability: Retry-After honoured exactly, jittered capped backoff otherwise.

use std::time::{Duration, Instant};

use entra_sim::TenantFaults;
use pa_entra::{EntraClient, ErrorKind, PageSize, RetrySettings, UserFilter};

use crate::support::{Ctx, client_with, secs, settings};

fn faults(ctx: &Ctx, f: TenantFaults) {
    ctx.sim
        .set_tenant_faults(ctx.tenant.to_string(), f)
        .unwrap();
}

#[tokio::test]
async fn a_429_burst_is_survived_by_waiting_exactly_what_retry_after_says() {
    let ctx = Ctx::new("Throttled Hospital").await;
    let graph = ctx.client.graph(ctx.tenant);
    graph.organization().await.unwrap(); // token cached: only Graph calls below
    faults(
        &ctx,
        TenantFaults {
            force_429_count: 3,
            force_429_retry_after: Some(7),
            ..TenantFaults::default()
        },
    );

    let users = graph
        .users(&UserFilter::default(), PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(ctx.clock.sleeps(), vec![secs(7), secs(7), secs(7)]);
}

#[tokio::test]
async fn retry_after_is_really_waited_on_the_real_clock() {
    let ctx = Ctx::new("Real Clock Hospital").await;
    crate::support::install_crypto();
    let client = EntraClient::new(settings(&ctx.sim)).unwrap();
    let graph = client.graph(ctx.tenant);
    graph.organization().await.unwrap();
    faults(
        &ctx,
        TenantFaults {
            force_429_count: 1,
            force_429_retry_after: Some(1),
            ..TenantFaults::default()
        },
    );
    let started = Instant::now();
    graph.organization().await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn unavailability_without_retry_after_backs_off_with_capped_jitter() {
    let ctx = Ctx::new("Unavailable Hospital").await;
    let graph = ctx.client.graph(ctx.tenant);
    graph.organization().await.unwrap();
    faults(
        &ctx,
        TenantFaults {
            force_5xx_count: 3,
            force_5xx_status: 503,
            ..TenantFaults::default()
        },
    );
    graph.organization().await.unwrap();
    let sleeps = ctx.clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    // base 500 ms, cap 4 s: ceilings 0.5 s, 1 s, 2 s.
    for (i, (slept, ceiling)) in sleeps.iter().zip([500u64, 1_000, 2_000]).enumerate() {
        assert!(
            *slept <= Duration::from_millis(ceiling),
            "retry {}: {slept:?}",
            i + 1
        );
    }

    faults(
        &ctx,
        TenantFaults {
            force_5xx_count: 1,
            force_5xx_status: 504,
            force_5xx_retry_after: Some(3),
            ..TenantFaults::default()
        },
    );
    ctx.clock.clear_sleeps();
    graph.organization().await.unwrap();
    assert_eq!(ctx.clock.sleeps(), vec![secs(3)]);
}

#[tokio::test]
async fn throttling_beyond_the_attempt_budget_is_typed_with_its_retry_after() {
    let ctx = Ctx::new("Budget Hospital").await;
    let graph = ctx.client.graph(ctx.tenant);
    graph.organization().await.unwrap();
    faults(
        &ctx,
        TenantFaults {
            force_429_count: 10,
            force_429_retry_after: Some(2),
            ..TenantFaults::default()
        },
    );
    let err = graph.organization().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled);
    assert_eq!(err.graph_code(), Some("TooManyRequests"));
    assert_eq!(err.retry_after(), Some(secs(2)));
    assert!(err.is_transient());
    assert_eq!(ctx.clock.sleeps().len(), 4, "5 attempts, 4 waits");
}

#[tokio::test]
async fn a_retry_after_longer_than_the_limit_is_returned_not_slept() {
    let ctx = Ctx::new("Long Wait Hospital").await;
    let mut s = settings(&ctx.sim);
    s.retry = RetrySettings {
        max_retry_after_ms: 10_000,
        ..s.retry
    };
    let (client, clock) = client_with(s);
    let graph = client.graph(ctx.tenant);
    graph.organization().await.unwrap();
    faults(
        &ctx,
        TenantFaults {
            force_429_count: 1,
            force_429_retry_after: Some(60),
            ..TenantFaults::default()
        },
    );
    let err = graph.organization().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled);
    assert_eq!(err.retry_after(), Some(secs(60)));
    assert!(clock.sleeps().is_empty());
}
