use crate::common::{app_token, graph, sim, tenant};
use std::time::Duration;

#[tokio::test]
async fn resource_units_are_charged_per_the_documented_costs_until_the_bucket_is_empty() {
    let sim = sim().await;
    let t = tenant(&sim, "Throttle Clinic");
    sim.clock().freeze();
    let tok = app_token(&sim, &t.id.to_string()).await;
    assert_eq!(
        sim.throttle_status(t.id).expect("status").limit_per_10s,
        3_500,
        "small tenant"
    );
    let r = graph(&sim, &tok, "users", &[]).await;
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("2"));
    let r = graph(&sim, &tok, "users?$select=id", &[]).await;
    assert_eq!(r.header("x-ms-resource-unit").as_deref(), Some("1"));
    assert_eq!(
        sim.throttle_status(t.id).expect("status").available,
        3_497.0
    );
    sim.update_tenant_faults(t.id, |f| f.ru_limit_per_10s = Some(10))
        .expect("knob");
    sim.set_throttle_available(t.id, 4.0).expect("bucket");
    assert_eq!(graph(&sim, &tok, "users", &[]).await.status, 200);
    assert_eq!(graph(&sim, &tok, "users", &[]).await.status, 200);
    let r = graph(&sim, &tok, "users", &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (429, "TooManyRequests".to_string())
    );
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert_eq!(wait, 2, "2 RU at 1 RU/s");
    assert_eq!(
        r.header("x-ms-throttle-information").as_deref(),
        Some("ResourceUnitLimitExceeded")
    );
    assert!(
        r.header("x-ms-throttle-scope")
            .unwrap_or_default()
            .starts_with("Tenant_Application/ReadWrite/")
    );
    let inner = &r.json()["error"]["innerError"];
    assert_eq!(
        (inner["code"].as_str(), inner["status"].as_str()),
        (Some("429"), Some("429"))
    );
    sim.advance_clock(Duration::from_secs(wait));
    assert_eq!(
        graph(&sim, &tok, "users", &[]).await.status,
        200,
        "waiting Retry-After is enough"
    );
}

#[tokio::test]
async fn forced_429s_come_with_or_without_retry_after_and_503s_can_be_injected() {
    let sim = sim().await;
    let t = tenant(&sim, "Fault Clinic");
    let tok = app_token(&sim, &t.id.to_string()).await;
    sim.update_tenant_faults(t.id, |f| {
        f.force_429_count = 1;
        f.force_429_retry_after = Some(7);
    })
    .expect("knob");
    let r = graph(&sim, &tok, "users", &[]).await;
    assert_eq!(
        (r.status, r.header("retry-after").as_deref()),
        (429, Some("7"))
    );
    sim.update_tenant_faults(t.id, |f| {
        f.force_429_count = 1;
        f.force_429_retry_after = None;
    })
    .expect("knob");
    let r = graph(&sim, &tok, "users", &[]).await;
    assert_eq!((r.status, r.header("retry-after")), (429, None));
    sim.update_tenant_faults(t.id, |f| {
        f.force_5xx_count = 2;
        f.force_5xx_status = 504;
    })
    .expect("knob");
    assert_eq!(graph(&sim, &tok, "users", &[]).await.status, 504);
    assert_eq!(graph(&sim, &tok, "users", &[]).await.status, 504);
    assert_eq!(graph(&sim, &tok, "users", &[]).await.status, 200);
    sim.update_tenant_faults(t.id, |f| f.force_5xx_rate = 1.0)
        .expect("knob");
    assert_eq!(graph(&sim, &tok, "users", &[]).await.status, 504);
}

#[tokio::test]
async fn throttling_can_be_switched_off_and_latency_added() {
    let sim = sim().await;
    let t = tenant(&sim, "Quiet Clinic");
    let tok = app_token(&sim, &t.id.to_string()).await;
    sim.update_tenant_faults(t.id, |f| {
        f.throttling = false;
        f.latency_ms = 150;
    })
    .expect("knob");
    sim.set_throttle_available(t.id, 0.0).expect("bucket");
    let started = std::time::Instant::now();
    assert_eq!(graph(&sim, &tok, "users", &[]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}
