use crate::common::{client, demo_sim, init};
use entra_sim::{DEMO_DOMAIN, DEMO_TENANT_ID, SimConfig, Simulator};
use serde_json::Value;

async fn doc(base: &str, path: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.json().await.expect("json"))
}

#[tokio::test]
async fn v2_discovery_by_domain_answers_with_the_tenant_guid_everywhere() {
    let sim = demo_sim().await;
    let base = sim.login_base_url().to_string();
    let (status, d) = doc(
        &base,
        &format!("{DEMO_DOMAIN}/v2.0/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 200);
    let tid = DEMO_TENANT_ID.to_string();
    assert_eq!(d["issuer"], format!("{base}{tid}/v2.0"));
    assert_eq!(
        d["token_endpoint"],
        format!("{base}{tid}/oauth2/v2.0/token")
    );
    assert_eq!(
        d["authorization_endpoint"],
        format!("{base}{tid}/oauth2/v2.0/authorize")
    );
    assert_eq!(d["jwks_uri"], format!("{base}{tid}/discovery/v2.0/keys"));
    for field in [
        "token_endpoint_auth_methods_supported",
        "response_modes_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "response_types_supported",
        "scopes_supported",
        "request_uri_parameter_supported",
        "userinfo_endpoint",
        "device_authorization_endpoint",
        "http_logout_supported",
        "frontchannel_logout_supported",
        "end_session_endpoint",
        "claims_supported",
        "kerberos_endpoint",
        "tenant_region_scope",
        "cloud_instance_name",
        "cloud_graph_host_name",
        "msgraph_host",
        "rbac_url",
    ] {
        assert!(d.get(field).is_some(), "missing {field}");
    }
    assert_eq!(d["tenant_region_scope"], "NA");
}

#[tokio::test]
async fn organizations_and_common_publish_the_templated_issuer() {
    let sim = demo_sim().await;
    let base = sim.login_base_url().to_string();
    for seg in ["organizations", "common"] {
        let (status, d) = doc(
            &base,
            &format!("{seg}/v2.0/.well-known/openid-configuration"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(d["issuer"], format!("{base}{{tenantid}}/v2.0"));
        assert_eq!(
            d["token_endpoint"],
            format!("{base}{seg}/oauth2/v2.0/token")
        );
        assert!(d["tenant_region_scope"].is_null());
    }
    let (_, v1) = doc(&base, "organizations/.well-known/openid-configuration").await;
    assert_eq!(v1["issuer"], "https://sts.windows.net/{tenantid}/");
    assert_eq!(
        v1["jwks_uri"],
        format!("{base}organizations/discovery/keys")
    );
}

#[tokio::test]
async fn unknown_and_malformed_tenants_fail_with_90002_and_900023() {
    let sim = demo_sim().await;
    let base = sim.login_base_url().to_string();
    let (s, d) = doc(
        &base,
        "unknown.example.com/v2.0/.well-known/openid-configuration",
    )
    .await;
    assert_eq!((s, d["error"].as_str()), (400, Some("invalid_tenant")));
    assert!(
        d["error_description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("AADSTS90002:")
    );
    assert_eq!(d["error_codes"][0], 90002);
    let (s, d) = doc(&base, "undefined/v2.0/.well-known/openid-configuration").await;
    assert_eq!(s, 400);
    assert_eq!(d["error_codes"][0], 900023);
}

#[tokio::test]
async fn jwks_publishes_several_keys_with_issuer_and_rotation_changes_the_active_key() {
    let sim = demo_sim().await;
    let base = sim.login_base_url().to_string();
    let (_, k) = doc(&base, "common/discovery/v2.0/keys").await;
    let keys = k["keys"].as_array().expect("keys").clone();
    assert!(keys.len() >= 2);
    for key in &keys {
        assert_eq!(key["issuer"], format!("{base}{{tenantid}}/v2.0"));
        assert_eq!(key["kty"], "RSA");
        assert!(key["x5c"][0].is_string());
    }
    let (_, v1) = doc(&base, "common/discovery/keys").await;
    assert_eq!(
        v1["keys"][0]["issuer"],
        "https://sts.windows.net/{tenantid}/"
    );
    let kid = sim.rotate_keys(false).expect("rotate");
    let (_, after) = doc(&base, "common/discovery/v2.0/keys").await;
    let kids: Vec<&str> = after["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(kids[0], kid);
    assert!(
        kids.contains(&keys[0]["kid"].as_str().unwrap_or_default()),
        "old key still published after a graceful roll"
    );
    sim.rotate_keys(true).expect("emergency rotate");
    let (_, emergency) = doc(&base, "common/discovery/v2.0/keys").await;
    assert_eq!(emergency["keys"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn https_listener_serves_discovery_to_a_client_trusting_the_generated_ca() {
    init();
    let sim = Simulator::start(SimConfig {
        seed_demo: true,
        ..SimConfig::with_https()
    })
    .await
    .expect("start");
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().expect("ca").as_bytes()).expect("ca pem");
    let c = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .expect("client");
    assert_eq!(sim.login_base_url().scheme(), "https");
    let r = c
        .get(format!(
            "{}{DEMO_DOMAIN}/v2.0/.well-known/openid-configuration",
            sim.login_base_url()
        ))
        .send()
        .await
        .expect("https get");
    assert_eq!(r.status().as_u16(), 200);
    let d: Value = r.json().await.expect("json");
    assert!(
        d["issuer"]
            .as_str()
            .unwrap_or_default()
            .starts_with("https://")
    );
    sim.shutdown().await;
}
