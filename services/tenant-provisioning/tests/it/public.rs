//! Unauthenticated endpoints: the egress manifest, health and readiness.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_egress_manifest_is_public_versioned_and_cacheable() {
    let app = TestApp::spawn().await;
    let url = format!("{}/v1/egress-ips", app.base);
    let response = app.client.get(&url).send().await.expect("request");
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let manifest: serde_json::Value = response.json().await.expect("json");
    assert_eq!(manifest["version"], 1);
    assert!(manifest["updated_at"].is_string());
    assert_eq!(
        manifest["cidrs"],
        serde_json::json!(["44.207.16.175/32", "44.196.189.191/32", "34.195.47.118/32"])
    );
    assert_eq!(
        manifest["purpose"],
        serde_json::json!(["named_locations", "mfa_trusted_ips"])
    );

    let again = app
        .client
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn a_new_egress_version_changes_the_etag() {
    let app = TestApp::spawn_with(|s| {
        s.egress.version = 2;
        s.egress.cidrs.push("203.0.113.0/28".parse().expect("cidr"));
    })
    .await;
    let v1 = TestApp::spawn().await;
    let get = |base: String| async move {
        reqwest::get(format!("{base}/v1/egress-ips"))
            .await
            .expect("request")
    };
    let new = get(app.base.clone()).await;
    let old = get(v1.base.clone()).await;
    assert_ne!(new.headers()["etag"], old.headers()["etag"]);
    let manifest: serde_json::Value = new.json().await.expect("json");
    assert_eq!(manifest["version"], 2);
    assert_eq!(manifest["cidrs"][3], "203.0.113.0/28");
}

#[tokio::test]
async fn health_and_readiness_report_postgres_and_rabbitmq() {
    let app = TestApp::spawn().await;
    let health = reqwest::get(format!("{}/healthz", app.base))
        .await
        .expect("request");
    assert_eq!(health.status(), 200);
    let ready = reqwest::get(format!("{}/readyz", app.base))
        .await
        .expect("request");
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["checks"]["postgres"], "ok");
    assert_eq!(body["checks"]["rabbitmq"], "ok");
}
