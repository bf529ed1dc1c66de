//! Tenant resolution: local validation first, then discovery.

use pa_entra::{EntraClient, EntraError, EntraSettings, ErrorKind};
use url::Url;

use crate::support::{Ctx, install_crypto, start_sim};

#[tokio::test]
async fn a_verified_domain_resolves_to_the_tenant_guid() {
    let ctx = Ctx::new("Fabrikam Clinic").await;
    let resolved = ctx
        .client
        .resolve_tenant(&ctx.domain.to_uppercase())
        .await
        .unwrap();
    assert_eq!(resolved.id, ctx.tenant);
    assert_eq!(
        resolved.cloud_instance_name.as_deref(),
        Some("microsoftonline.com")
    );
}

#[tokio::test]
async fn an_uppercase_guid_resolves_to_the_same_lowercase_tenant() {
    let ctx = Ctx::new("Northwind Health").await;
    let resolved = ctx
        .client
        .resolve_tenant(&ctx.tenant.to_string().to_uppercase())
        .await
        .unwrap();
    assert_eq!(resolved.id, ctx.tenant);
    assert_eq!(
        resolved.id.to_string(),
        ctx.tenant.to_string().to_lowercase()
    );
}

#[tokio::test]
async fn an_unknown_domain_is_an_unknown_tenant_with_aadsts_90002() {
    let ctx = Ctx::new("Contoso Care").await;
    let err = ctx
        .client
        .resolve_tenant("no-such-hospital.example.org")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownTenant);
    assert_eq!(err.aadsts(), Some(90002));
    assert_eq!(err.status(), Some(400));
    assert!(err.remediation().contains("tenant ID"));
}

#[tokio::test]
async fn an_unknown_guid_is_an_unknown_tenant() {
    let ctx = Ctx::new("Woodgrove Clinic").await;
    let err = ctx
        .client
        .resolve_tenant("0f0e0d0c-0b0a-4908-9706-050403020100")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownTenant);
}

#[tokio::test]
async fn malformed_input_is_rejected_locally_without_any_request() {
    install_crypto();
    // Nothing listens on port 9: any request would fail with a transport error.
    let client = EntraClient::new(EntraSettings {
        login_base_url: Url::parse("http://127.0.0.1:9").unwrap(),
        client_id: "client".into(),
        credential: pa_entra::Credential::Secret("s".to_owned().into()),
        ..EntraSettings::default()
    })
    .unwrap();
    for input in [
        "",
        "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
        "urn:uuid:72f988bf-86f1-41af-91ab-2d7cd011db47",
        "72f988bf-86f1-41af-91ab",
        "undefined",
        "{{tenantid}}",
        "contoso.com/oauth2/token",
        "admin@contoso.com",
    ] {
        let err = client.resolve_tenant(input).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidTenantInput,
            "{input:?}: {err}"
        );
    }
    for input in [
        "common",
        "organizations",
        "consumers",
        "9188040d-6c67-4c5b-b112-36a304b66dad",
    ] {
        let err = client.resolve_tenant(input).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotATenant, "{input:?}: {err}");
    }
}

#[tokio::test]
async fn what_the_service_calls_malformed_is_typed_malformed_tenant() {
    // Local validation keeps such identifiers from ever being sent; if Entra nonetheless answers
    // AADSTS900023 (here fetched directly from the simulator) it maps to MalformedTenant.
    let sim = start_sim().await;
    let url = format!(
        "{}undefined/v2.0/.well-known/openid-configuration",
        sim.login_base_url()
    );
    let resp = reqwest::get(&url).await.unwrap();
    let status = resp.status();
    let body = resp.bytes().await.unwrap();
    let err = EntraError::from_sts_response(pa_entra::Endpoint::Discovery, status.as_u16(), &body);
    assert_eq!(err.kind(), ErrorKind::MalformedTenant);
    assert_eq!(err.aadsts(), Some(900023));
}
