use crate::common::{app_token, client, graph, post_token, sim, tenant, token_url};
use base64::Engine;
use entra_sim::{SimHandle, TenantSpec};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const SCOPE: &str = "https://graph.microsoft.com/.default";

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("b64");
    serde_json::from_slice(&bytes).expect("claims")
}

fn assertion(
    sim: &SimHandle,
    alg: Algorithm,
    aud: &str,
    exp_offset: i64,
    thumbprint: Option<&str>,
) -> String {
    let app = sim.app();
    let now = sim.now();
    let mut h = Header::new(alg);
    h.x5t_s256 = Some(
        thumbprint
            .unwrap_or(&app.cert_thumbprint_sha256_b64url)
            .to_string(),
    );
    let c = json!({"aud": aud, "iss": app.client_id, "sub": app.client_id, "jti": uuid::Uuid::new_v4(),
                   "nbf": now - 10, "iat": now - 10, "exp": now + exp_offset});
    encode(
        &h,
        &c,
        &EncodingKey::from_rsa_pem(app.key_pem.as_bytes()).expect("pkcs8 pem"),
    )
    .expect("sign")
}

async fn cc_with_assertion(sim: &SimHandle, tid: &str, jwt: &str) -> (u16, Value) {
    let app = sim.app();
    post_token(
        sim,
        tid,
        &[
            ("client_id", &app.client_id),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", jwt),
        ],
    )
    .await
}

fn code(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or_default()
}

#[tokio::test]
async fn before_consent_the_token_endpoint_answers_700016_and_after_it_issues_a_v1_graph_token() {
    let sim = sim().await;
    let t = sim
        .create_tenant(TenantSpec::new(
            "Fabrikam Clinic",
            &["fabrikamclinic.onmicrosoft.com"],
        ))
        .expect("t");
    let app = sim.app();
    let form = [
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("grant_type", "client_credentials"),
        ("scope", SCOPE),
    ];
    let (s, body) = post_token(&sim, "fabrikamclinic.onmicrosoft.com", &form).await;
    assert_eq!(
        (s, body["error"].as_str(), code(&body)),
        (400, Some("unauthorized_client"), 700016)
    );
    let desc = body["error_description"].as_str().unwrap_or_default();
    assert!(
        desc.starts_with("AADSTS700016:")
            && desc.contains("\r\nTrace ID: ")
            && desc.contains("\r\nCorrelation ID: ")
    );
    for f in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body.get(f).is_some(), "{f}");
    }
    sim.grant_consent(t.id, None).expect("consent");
    sim.update_tenant_faults(t.id, |f| f.consent_propagation_seconds = 60)
        .expect("knob");
    let (s, body) = post_token(&sim, &t.id.to_string(), &form).await;
    assert_eq!(
        (s, code(&body)),
        (400, 700016),
        "consent not yet propagated"
    );
    sim.advance_clock(std::time::Duration::from_secs(61));
    let (s, body) = post_token(&sim, &t.id.to_string(), &form).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    let c = claims_of(body["access_token"].as_str().unwrap_or_default());
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(c["iss"], format!("https://sts.windows.net/{}/", t.id));
    assert_eq!(c["tid"], t.id.to_string());
    assert_eq!(c["appid"], app.client_id);
    assert_eq!(c["appidacr"], "1");
    assert_eq!(c["idtyp"], "app");
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["oid"], c["sub"]);
    assert_eq!(
        c["roles"],
        json!(["Directory.Read.All", "Group.Read.All", "User.Read.All"])
    );
}

#[tokio::test]
async fn secret_errors_scope_errors_and_tenant_errors_have_their_codes_and_statuses() {
    let sim = sim().await;
    let t = tenant(&sim, "Northwind Hospital");
    let tid = t.id.to_string();
    let app = sim.app();
    let id = app.client_id.as_str();
    let (s, b) = post_token(
        &sim,
        &tid,
        &[
            ("client_id", id),
            ("client_secret", "wrong"),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (401, Some("invalid_client"), 7000215)
    );
    let (s, b) = post_token(
        &sim,
        &tid,
        &[
            ("client_id", id),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/User.Read.All"),
        ],
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (400, Some("invalid_scope"), 1002012)
    );
    let (s, b) = post_token(
        &sim,
        "nowhere.onmicrosoft.com",
        &[
            ("client_id", id),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str(), code(&b)),
        (400, Some("invalid_request"), 90002)
    );
    let (s, b) = post_token(
        &sim,
        "{{tenantid}}",
        &[
            ("client_id", id),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!((s, code(&b)), (400, 900023));
    let (s, b) = post_token(
        &sim,
        &tid,
        &[
            ("client_id", id),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!((s, code(&b)), (401, 7000218));
    let (s, b) = post_token(
        &sim,
        &tid,
        &[
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("client_secret", "x"),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!((s, code(&b)), (400, 700016));
    sim.update_tenant_faults(t.id, |f| f.token_ca_block = true)
        .expect("knob");
    let (s, b) = post_token(
        &sim,
        &tid,
        &[
            ("client_id", id),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!((s, code(&b)), (400, 53003));
}

#[tokio::test]
async fn client_secret_may_come_in_http_basic_auth() {
    let sim = sim().await;
    let t = tenant(&sim, "Basic Clinic");
    let app = sim.app();
    let r = client()
        .post(token_url(&sim, &t.id.to_string()))
        .basic_auth(&app.client_id, Some(&app.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
            ("client_info", "1"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn certificate_assertions_work_with_rs256_and_ps256_and_fail_with_700024_700027_700023() {
    let sim = sim().await;
    let t = tenant(&sim, "Cert Clinic");
    let tid = t.id.to_string();
    let aud = token_url(&sim, &tid);
    for alg in [Algorithm::RS256, Algorithm::PS256] {
        let (s, b) = cc_with_assertion(&sim, &tid, &assertion(&sim, alg, &aud, 600, None)).await;
        assert_eq!(s, 200, "{alg:?}: {b}");
        assert_eq!(
            claims_of(b["access_token"].as_str().unwrap_or_default())["appidacr"],
            "2"
        );
    }
    let (s, b) = cc_with_assertion(
        &sim,
        &tid,
        &assertion(&sim, Algorithm::RS256, &aud, -900, None),
    )
    .await;
    assert_eq!((s, code(&b)), (401, 700024));
    let (s, b) = cc_with_assertion(
        &sim,
        &tid,
        &assertion(
            &sim,
            Algorithm::RS256,
            &aud,
            600,
            Some("bm90LXRoZS1yaWdodC10aHVtYnByaW50"),
        ),
    )
    .await;
    assert_eq!((s, code(&b)), (401, 700027));
    let (s, b) = cc_with_assertion(
        &sim,
        &tid,
        &assertion(&sim, Algorithm::RS256, "https://elsewhere/token", 600, None),
    )
    .await;
    assert_eq!((s, code(&b)), (401, 700023));
    let jwt = assertion(&sim, Algorithm::RS256, &aud, 600, None);
    assert_eq!(cc_with_assertion(&sim, &tid, &jwt).await.0, 200);
    assert_eq!(
        cc_with_assertion(&sim, &tid, &jwt).await.0,
        401,
        "a replayed jti is rejected"
    );
}

#[tokio::test]
async fn a_token_without_roles_is_issued_but_graph_answers_403() {
    let sim = sim().await;
    let t = tenant(&sim, "No Roles Clinic");
    sim.grant_consent(t.id, Some(&[]))
        .expect("consent without roles");
    let tok = app_token(&sim, &t.id.to_string()).await;
    assert!(
        claims_of(&tok).get("roles").is_none(),
        "roles absent when none granted"
    );
    let r = graph(&sim, &tok, "users", &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (403, "Authorization_RequestDenied".to_string())
    );
    assert_eq!(
        r.json()["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
}

#[tokio::test]
async fn expired_tokens_get_401_invalid_authentication_token() {
    let sim = sim().await;
    let t = tenant(&sim, "Clock Clinic");
    let tok = app_token(&sim, &t.id.to_string()).await;
    assert_eq!(graph(&sim, &tok, "organization", &[]).await.status, 200);
    sim.advance_clock(std::time::Duration::from_secs(3600));
    let r = graph(&sim, &tok, "organization", &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (401, "InvalidAuthenticationToken".to_string())
    );
    assert!(r.header("www-authenticate").is_some());
    let r = graph(&sim, "not-a-jwt", "organization", &[]).await;
    assert_eq!(r.status, 401);
}
