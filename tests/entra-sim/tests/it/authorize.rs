use crate::common::{client, demo_sim, post_token, query_of};
use base64::Engine;
use entra_sim::{DEMO_ADMIN_UPN, DEMO_DOMAIN, DEMO_TENANT_ID, SimHandle, UserFaults};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CALLBACK: &str = "http://localhost:8084/auth/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier-long-enough";

fn challenge() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

async fn authorize(sim: &SimHandle, seg: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let app = sim.app();
    let ch = challenge();
    let mut q: Vec<(&str, &str)> = vec![
        ("client_id", &app.client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid profile email offline_access"),
        ("state", "s-1"),
        ("nonce", "n-1"),
        ("code_challenge", &ch),
        ("code_challenge_method", "S256"),
    ];
    q.extend_from_slice(extra);
    client()
        .get(format!(
            "{}{seg}/oauth2/v2.0/authorize",
            sim.login_base_url()
        ))
        .query(&q)
        .send()
        .await
        .expect("authorize")
}

fn location_query(r: &reqwest::Response) -> std::collections::HashMap<String, String> {
    assert_eq!(r.status().as_u16(), 302);
    query_of(
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
    )
}

async fn redeem(sim: &SimHandle, code: &str, verifier: &str) -> (u16, Value) {
    let app = sim.app();
    post_token(
        sim,
        "organizations",
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
            ("scope", "openid profile email offline_access"),
        ],
    )
    .await
}

#[tokio::test]
async fn the_code_flow_issues_an_id_token_that_verifies_with_the_published_jwks() {
    let sim = demo_sim().await;
    let q = location_query(&authorize(&sim, "organizations", &[]).await);
    assert_eq!(q["state"], "s-1");
    let (s, body) = redeem(&sim, &q["code"], VERIFIER).await;
    assert_eq!(s, 200, "{body}");
    assert!(body["refresh_token"].is_string());
    let id = body["id_token"].as_str().expect("id_token");
    let jwks: Value = client()
        .get(format!(
            "{}organizations/discovery/v2.0/keys",
            sim.login_base_url()
        ))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let kid = decode_header(id).expect("header").kid.expect("kid");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid published");
    let dk = DecodingKey::from_rsa_components(
        key["n"].as_str().unwrap_or_default(),
        key["e"].as_str().unwrap_or_default(),
    )
    .expect("key");
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[sim.app().client_id]);
    v.validate_exp = false;
    let claims = decode::<Value>(id, &dk, &v)
        .expect("signature verifies")
        .claims;
    let tid = DEMO_TENANT_ID.to_string();
    let issuer = key["issuer"]
        .as_str()
        .unwrap_or_default()
        .replace("{tenantid}", &tid);
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["tid"], tid);
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["preferred_username"], DEMO_ADMIN_UPN);
    assert_eq!(claims["name"], "Avery Admin");
    assert!(claims["oid"].is_string());
    assert_eq!(claims["ver"], "2.0");
    let (s, again) = redeem(&sim, &q["code"], VERIFIER).await;
    assert_eq!(
        (s, again["error"].as_str(), again["error_codes"][0].as_u64()),
        (400, Some("invalid_grant"), Some(54005))
    );
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_rejected_and_login_hint_picks_the_user() {
    let sim = demo_sim().await;
    let q = location_query(
        &authorize(
            &sim,
            DEMO_DOMAIN,
            &[("login_hint", "maria.garcia@contosohealth.onmicrosoft.com")],
        )
        .await,
    );
    let (s, b) = redeem(
        &sim,
        &q["code"],
        "not-the-verifier-but-long-enough-to-look-plausible-xx",
    )
    .await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (400, Some(501481)));
    let (s, b) = redeem(&sim, &q["code"], VERIFIER).await;
    assert_eq!(s, 200);
    let payload = b["id_token"]
        .as_str()
        .unwrap_or_default()
        .split('.')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let c: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(
        c["preferred_username"],
        "maria.garcia@contosohealth.onmicrosoft.com"
    );
}

#[tokio::test]
async fn conditional_access_mfa_and_assignment_knobs_redirect_with_their_codes() {
    let sim = demo_sim().await;
    let cases: [(UserFaults, &str, &str); 3] = [
        (
            UserFaults {
                ca_block: true,
                ..Default::default()
            },
            "access_denied",
            "AADSTS53003",
        ),
        (
            UserFaults {
                mfa_required: true,
                ..Default::default()
            },
            "interaction_required",
            "AADSTS50076",
        ),
        (
            UserFaults {
                not_assigned: true,
                ..Default::default()
            },
            "access_denied",
            "AADSTS50105",
        ),
    ];
    for (faults, error, code) in cases {
        sim.set_user_faults(DEMO_TENANT_ID, DEMO_ADMIN_UPN, faults)
            .expect("knob");
        let q = location_query(&authorize(&sim, "organizations", &[]).await);
        assert_eq!(q["error"], error);
        assert!(
            q["error_description"].starts_with(code),
            "{}",
            q["error_description"]
        );
        assert_eq!(q["state"], "s-1");
    }
    sim.set_user_faults(DEMO_TENANT_ID, DEMO_ADMIN_UPN, UserFaults::default())
        .expect("knob");
    sim.update_tenant_faults(DEMO_TENANT_ID, |f| f.signin_ca_block = true)
        .expect("tenant knob");
    let q = location_query(&authorize(&sim, "organizations", &[]).await);
    assert!(q["error_description"].starts_with("AADSTS53003"));
}

#[tokio::test]
async fn an_unregistered_redirect_uri_never_redirects() {
    let sim = demo_sim().await;
    let app = sim.app();
    let r = client()
        .get(format!(
            "{}organizations/oauth2/v2.0/authorize",
            sim.login_base_url()
        ))
        .query(&[
            ("client_id", app.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example/"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .expect("authorize");
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.expect("body").contains("AADSTS50011"));
}

#[tokio::test]
async fn mfa_at_the_token_endpoint_and_refresh_token_rotation() {
    let sim = demo_sim().await;
    let app = sim.app();
    let q = location_query(&authorize(&sim, "organizations", &[]).await);
    let (_, body) = redeem(&sim, &q["code"], VERIFIER).await;
    let rt = body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();
    let refresh = |rt: String| {
        let sim = &sim;
        let app = app.clone();
        async move {
            post_token(
                sim,
                "organizations",
                &[
                    ("client_id", &app.client_id),
                    ("client_secret", &app.client_secret),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &rt),
                    ("scope", "openid offline_access"),
                ],
            )
            .await
        }
    };
    let (s, b) = refresh(rt.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["refresh_token"].is_string());
    assert_ne!(b["refresh_token"].as_str(), Some(rt.as_str()), "a new one");
    let (s, b) = refresh(rt.clone()).await;
    assert_eq!(
        s, 200,
        "a used refresh token stays valid until it expires: {b}"
    );
    sim.advance_clock(std::time::Duration::from_secs(91 * 24 * 3600));
    let (s, b) = refresh(rt).await;
    assert_eq!((s, b["error_codes"][0].as_u64()), (400, Some(70008)), "{b}");
    sim.update_tenant_faults(DEMO_TENANT_ID, |f| {
        f.signin_mfa_required = true;
        f.mfa_at = "token".into();
    })
    .expect("knob");
    let q = location_query(&authorize(&sim, "organizations", &[]).await);
    let (s, b) = redeem(&sim, &q["code"], VERIFIER).await;
    assert_eq!(
        (s, b["error"].as_str(), b["error_codes"][0].as_u64()),
        (400, Some("invalid_grant"), Some(50076))
    );
    assert_eq!(b["suberror"], "basic_action");
    assert!(b["claims"].is_string());
}

#[tokio::test]
async fn client_info_comes_back_when_asked_and_id_token_audience_can_be_overridden() {
    let sim = demo_sim().await;
    let app = sim.app();
    let tid = DEMO_TENANT_ID.to_string();
    let q = location_query(&authorize(&sim, &tid, &[]).await);
    let (s, body) = post_token(
        &sim,
        &tid,
        &[
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
            ("scope", "openid profile offline_access"),
            ("client_info", "1"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let info = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body["client_info"].as_str().expect("client_info"))
        .expect("base64url");
    let info: Value = serde_json::from_slice(&info).expect("json");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(
                body["id_token"]
                    .as_str()
                    .expect("id token")
                    .split('.')
                    .nth(1)
                    .expect("payload"),
            )
            .expect("b64"),
    )
    .expect("claims");
    assert_eq!(info["uid"], claims["oid"]);
    assert_eq!(info["utid"], claims["tid"]);
    assert_eq!(claims["aud"], app.client_id.as_str());

    let (_, without) = redeem(
        &sim,
        &location_query(&authorize(&sim, "organizations", &[]).await)["code"],
        VERIFIER,
    )
    .await;
    assert!(without.get("client_info").is_none(), "only when asked");

    sim.update_tenant_faults(DEMO_TENANT_ID, |f| {
        f.id_token_audience = Some("11111111-2222-3333-4444-555555555555".into());
    })
    .expect("knob");
    let (_, body) = redeem(
        &sim,
        &location_query(&authorize(&sim, "organizations", &[]).await)["code"],
        VERIFIER,
    )
    .await;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(
                body["id_token"]
                    .as_str()
                    .expect("id token")
                    .split('.')
                    .nth(1)
                    .expect("payload"),
            )
            .expect("b64"),
    )
    .expect("claims");
    assert_eq!(claims["aud"], "11111111-2222-3333-4444-555555555555");
}
