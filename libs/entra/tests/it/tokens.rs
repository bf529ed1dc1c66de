//! App tokens: secret and certificate credentials, cache, renewal, single flight, invalidation.

use std::time::Duration;

use pa_entra::{
    AssertionAlgorithm, CertificateCredential, Credential, ErrorKind, ExposeSecret, SecretString,
};

use crate::support::{Ctx, client_with, settings};

#[tokio::test]
async fn a_cached_token_is_reused_until_invalidated() {
    let ctx = Ctx::new("Cache Clinic").await;
    let first = ctx.client.app_token(&ctx.tenant).await.unwrap();
    let second = ctx.client.app_token(&ctx.tenant).await.unwrap();
    assert!(second.same_token(&first));
    assert_eq!(first.tenant(), ctx.tenant);
    assert_eq!(first.claims().unwrap().tid, ctx.tenant.to_string());

    ctx.client.invalidate(&ctx.tenant);
    let third = ctx.client.app_token(&ctx.tenant).await.unwrap();
    assert!(!third.same_token(&first));
    assert_ne!(
        third.secret().expose_secret(),
        first.secret().expose_secret()
    );
}

#[tokio::test]
async fn a_token_is_renewed_five_minutes_before_expires_in_elapses() {
    let ctx = Ctx::new("Renewal Clinic").await;
    let first = ctx.client.app_token(&ctx.tenant).await.unwrap();
    let lifetime = first.expires_in();
    assert!(lifetime > Duration::from_secs(600), "{lifetime:?}");

    ctx.clock.advance(lifetime - Duration::from_secs(301));
    assert!(
        ctx.client
            .app_token(&ctx.tenant)
            .await
            .unwrap()
            .same_token(&first)
    );
    ctx.clock.advance(Duration::from_secs(2));
    assert!(
        !ctx.client
            .app_token(&ctx.tenant)
            .await
            .unwrap()
            .same_token(&first)
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let ctx = Ctx::new("Single Flight Clinic").await;
    let calls = (0..16).map(|_| ctx.client.app_token(&ctx.tenant));
    let tokens = futures::future::join_all(calls).await;
    let first = tokens[0].as_ref().unwrap();
    assert!(tokens.iter().all(|t| t.as_ref().unwrap().same_token(first)));

    // Concurrent failures share one request too, and are not cached.
    let (other, _) = crate::support::create_tenant(&ctx.sim, "Not Consented", false);
    let calls = (0..8).map(|_| ctx.client.app_token(&other));
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap_err().kind(), ErrorKind::AppNotInTenant);
    }
}

#[tokio::test]
async fn certificate_assertions_signed_with_ps256_or_rs256_obtain_tokens() {
    let ctx = Ctx::new("Certificate Clinic").await;
    let app = ctx.sim.app();
    for algorithm in [AssertionAlgorithm::Ps256, AssertionAlgorithm::Rs256] {
        let mut s = settings(&ctx.sim);
        s.credential = Credential::Certificate(CertificateCredential {
            cert_pem: app.cert_pem.clone(),
            key_pem: SecretString::from(app.key_pem.clone()),
            algorithm,
        });
        let (client, _) = client_with(s);
        let token = client.app_token(&ctx.tenant).await.unwrap();
        assert_eq!(
            token.claims().unwrap().tid,
            ctx.tenant.to_string(),
            "{algorithm:?}"
        );
        // Two consecutive requests must not reuse an assertion (fresh jti each time).
        client.invalidate(&ctx.tenant);
        client.app_token(&ctx.tenant).await.unwrap();
    }
}

#[tokio::test]
async fn a_wrong_client_secret_is_typed_7000215_with_http_401() {
    let ctx = Ctx::new("Secret Clinic").await;
    let mut s = settings(&ctx.sim);
    s.credential = Credential::Secret(SecretString::from("the-secret-id-not-the-value".to_owned()));
    let (client, _) = client_with(s);
    let err = client.app_token(&ctx.tenant).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidClientSecret);
    assert_eq!(err.aadsts(), Some(7000215));
    assert_eq!(err.status(), Some(401));
    assert!(err.remediation().contains("Patient Access support"));
    assert!(!format!("{err} {err:?}").contains("the-secret-id-not-the-value"));
}

#[tokio::test]
async fn a_graph_401_drops_the_cached_token_and_re_acquires_once() {
    let ctx = Ctx::new("Expired Token Clinic").await;
    let graph = ctx.client.graph(ctx.tenant);
    graph.organization().await.unwrap();
    let before = ctx.client.app_token(&ctx.tenant).await.unwrap();
    // The simulator's clock moves past the token's expiry; the client's cache does not know.
    ctx.sim.advance_clock(Duration::from_secs(2 * 3600));
    let org = graph.organization().await.unwrap();
    assert_eq!(org.id, ctx.tenant.to_string());
    assert!(
        !ctx.client
            .app_token(&ctx.tenant)
            .await
            .unwrap()
            .same_token(&before)
    );
}

#[tokio::test]
async fn debug_output_never_contains_secrets_tokens_or_keys() {
    let ctx = Ctx::new("Debug Clinic").await;
    let app = ctx.sim.app();
    let token = ctx.client.app_token(&ctx.tenant).await.unwrap();
    let access_token = token.secret().expose_secret().to_owned();
    let secret_settings = settings(&ctx.sim);

    let mut cert_settings = settings(&ctx.sim);
    cert_settings.credential = Credential::Certificate(CertificateCredential {
        cert_pem: app.cert_pem.clone(),
        key_pem: SecretString::from(app.key_pem.clone()),
        algorithm: AssertionAlgorithm::Ps256,
    });
    let (cert_client, _) = client_with(cert_settings.clone());
    cert_client.app_token(&ctx.tenant).await.unwrap();

    let key_body: String = app.key_pem.lines().nth(1).unwrap().to_owned();
    let rendered = format!(
        "{secret_settings:?} {:?} {token:?} {cert_settings:?} {cert_client:?} {:?}",
        ctx.client,
        ctx.client.graph(ctx.tenant)
    );
    assert!(
        !rendered.contains(&app.client_secret),
        "client secret leaked"
    );
    assert!(!rendered.contains(&access_token), "access token leaked");
    assert!(!rendered.contains(&key_body), "private key leaked");
    assert!(rendered.contains("REDACTED"));
}
