//! Admin consent: URL → simulator consent → callback → confirmation by app token.

use entra_sim::TenantFaults;
use pa_entra::{ConsentCallback, EntraTenantId, ErrorKind};
use url::Url;

use crate::support::{client_with, create_tenant, follow_to_callback, settings, start_sim};

const REQUIRED: &[&str] = &["User.Read.All", "Group.Read.All", "Directory.Read.All"];

/// The consent URL for `tenant`, with a `login_hint` choosing who signs in at the simulator.
fn consent_url(
    client: &pa_entra::EntraClient,
    tenant: &EntraTenantId,
    state: &str,
    admin: &str,
) -> Url {
    let mut url = client.admin_consent_url(tenant, state).unwrap();
    url.query_pairs_mut().append_pair("login_hint", admin);
    url
}

#[tokio::test]
async fn consent_granted_at_the_consent_url_is_confirmed_by_an_app_token() {
    let sim = start_sim().await;
    let (tenant, domain) = create_tenant(&sim, "Fabrikam Clinic", false);
    let (client, _) = client_with(settings(&sim));

    let url = consent_url(&client, &tenant, "setup-1", &format!("admin@{domain}"));
    assert!(
        url.path()
            .ends_with(&format!("/{tenant}/v2.0/adminconsent"))
    );
    assert!(
        url.query()
            .unwrap()
            .contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")
    );
    let callback = ConsentCallback::parse(&follow_to_callback(&url).await.unwrap()).unwrap();
    assert!(
        matches!(&callback, ConsentCallback::Granted { claimed_tenant, .. } if claimed_tenant == &tenant.to_string())
    );

    let grant = client
        .confirm_consent(&tenant, "setup-1", &callback, REQUIRED)
        .await
        .unwrap();
    assert_eq!(grant.tenant, tenant);
    for role in REQUIRED {
        assert!(
            grant.roles.iter().any(|r| r == role),
            "{role} in {:?}",
            grant.roles
        );
    }
    assert!(grant.service_principal_id.is_some());
}

#[tokio::test]
async fn a_grant_missing_a_role_is_detected_and_the_missing_permission_named() {
    let sim = start_sim().await;
    let (tenant, domain) = create_tenant(&sim, "Litware Hospital", false);
    sim.set_tenant_faults(
        tenant.to_string(),
        TenantFaults {
            consent_roles: Some(vec!["User.Read.All".into(), "Directory.Read.All".into()]),
            ..TenantFaults::default()
        },
    )
    .unwrap();
    let (client, _) = client_with(settings(&sim));
    let url = consent_url(&client, &tenant, "s", &format!("admin@{domain}"));
    let callback = ConsentCallback::parse(&follow_to_callback(&url).await.unwrap()).unwrap();

    let err = client
        .confirm_consent(&tenant, "s", &callback, REQUIRED)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingPermissions);
    let pa_entra::EntraError::MissingPermissions {
        missing, granted, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(missing, &vec!["Group.Read.All".to_owned()]);
    assert!(granted.contains(&"User.Read.All".to_owned()));
    assert!(
        err.remediation()
            .contains("Missing permissions: Group.Read.All."),
        "{}",
        err.remediation()
    );
}

#[tokio::test]
async fn a_role_granted_later_is_seen_after_invalidating_the_cached_token() {
    let sim = start_sim().await;
    let (tenant, _) = create_tenant(&sim, "Adatum Health", false);
    sim.grant_consent(tenant.to_string(), Some(&["User.Read.All"]))
        .unwrap();
    let (client, _) = client_with(settings(&sim));
    let before = client.app_token(&tenant).await.unwrap();
    assert_eq!(
        before.claims().unwrap().roles,
        vec!["User.Read.All".to_owned()]
    );

    sim.grant_consent(tenant.to_string(), None).unwrap();
    // Still cached: the new role only appears in newly issued tokens.
    assert!(client.app_token(&tenant).await.unwrap().same_token(&before));
    let grant = client.verify_consent(&tenant, REQUIRED).await.unwrap();
    assert_eq!(grant.roles.len(), 3, "{:?}", grant.roles);
}

#[tokio::test]
async fn consent_from_a_different_tenant_than_the_one_entered_is_refused() {
    let sim = start_sim().await;
    let (entered, _) = create_tenant(&sim, "Entered Hospital", false);
    let (other, other_domain) = create_tenant(&sim, "Other Hospital", false);
    let (client, _) = client_with(settings(&sim));

    // The administrator consents in another tenant; its callback claims that tenant.
    let url = consent_url(&client, &other, "s", &format!("admin@{other_domain}"));
    let callback = ConsentCallback::parse(&follow_to_callback(&url).await.unwrap()).unwrap();
    let err = client
        .confirm_consent(&entered, "s", &callback, REQUIRED)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TenantMismatch);
    assert!(err.remediation().contains(&entered.to_string()));

    // Even a callback forged to claim the entered tenant is not believed: the token check fails.
    let forged =
        ConsentCallback::parse(&format!("admin_consent=True&tenant={entered}&state=s")).unwrap();
    let err = client
        .confirm_consent(&entered, "s", &forged, REQUIRED)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConsentNotCompleted);
    assert_eq!(err.aadsts(), Some(700016));
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused() {
    let cb = ConsentCallback::parse(
        "admin_consent=True&tenant=72f988bf-86f1-41af-91ab-2d7cd011db47&state=a",
    )
    .unwrap();
    let tenant = EntraTenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap();
    assert_eq!(
        cb.check(&tenant, "b").unwrap_err().kind(),
        ErrorKind::ConsentStateMismatch
    );
}

#[tokio::test]
async fn a_declined_consent_callback_is_typed_consent_declined_65004() {
    let sim = start_sim().await;
    let (tenant, domain) = create_tenant(&sim, "Declining Clinic", false);
    sim.set_tenant_faults(
        tenant.to_string(),
        TenantFaults {
            consent_decline: true,
            ..TenantFaults::default()
        },
    )
    .unwrap();
    let (client, _) = client_with(settings(&sim));
    let url = consent_url(&client, &tenant, "s-65004", &format!("admin@{domain}"));
    let callback = ConsentCallback::parse(&follow_to_callback(&url).await.unwrap()).unwrap();
    let ConsentCallback::Denied(denial) = &callback else {
        panic!("{callback:?}")
    };
    assert_eq!(denial.aadsts, Some(65004));
    assert_eq!(denial.error, "consent_required");
    assert_eq!(denial.state.as_deref(), Some("s-65004"));

    let err = client
        .confirm_consent(&tenant, "s-65004", &callback, REQUIRED)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConsentDeclined);
    assert_eq!(err.aadsts(), Some(65004));
    assert!(err.remediation().contains("Accept"));
}

#[tokio::test]
async fn without_consent_verification_retries_700016_then_reports_consent_not_completed() {
    let sim = start_sim().await;
    let (tenant, _) = create_tenant(&sim, "Unconsented Clinic", false);
    let (client, clock) = client_with(settings(&sim));

    let err = client.app_token(&tenant).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AppNotInTenant);
    assert_eq!(err.aadsts(), Some(700016));

    let err = client.verify_consent(&tenant, REQUIRED).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConsentNotCompleted);
    assert_eq!(err.aadsts(), Some(700016));
    // Waited with backoff inside the 60 s window, then gave up.
    let sleeps = clock.sleeps();
    assert!(sleeps.len() >= 3, "{sleeps:?}");
    assert!(
        clock.total_slept() <= std::time::Duration::from_secs(60),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn consent_that_is_still_propagating_is_waited_for() {
    let sim = start_sim().await;
    let (tenant, _) = create_tenant(&sim, "Propagating Clinic", false);
    sim.set_tenant_faults(
        tenant.to_string(),
        TenantFaults {
            consent_propagation_seconds: 20,
            ..TenantFaults::default()
        },
    )
    .unwrap();
    sim.grant_consent(tenant.to_string(), None).unwrap();
    let clock = crate::support::SimClock::new(&sim);
    let client = pa_entra::EntraClient::with_clock(settings(&sim), clock.clone()).unwrap();

    let grant = client.verify_consent(&tenant, REQUIRED).await.unwrap();
    assert_eq!(grant.tenant, tenant);
    let waited = clock.manual().total_slept();
    assert!(waited >= std::time::Duration::from_secs(20), "{waited:?}");
}

#[tokio::test]
async fn a_conditional_access_block_on_the_app_is_typed_53003_with_setup_guidance() {
    let sim = start_sim().await;
    let (tenant, _) = create_tenant(&sim, "Blocking Clinic", true);
    sim.set_tenant_faults(
        tenant.to_string(),
        TenantFaults {
            token_ca_block: true,
            ..TenantFaults::default()
        },
    )
    .unwrap();
    let (client, clock) = client_with(settings(&sim));
    let err = client.verify_consent(&tenant, REQUIRED).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConditionalAccessBlocked);
    assert_eq!(err.aadsts(), Some(53003));
    assert!(clock.sleeps().is_empty(), "53003 is not retried");
    assert!(
        err.remediation()
            .starts_with("A Conditional Access policy blocks the Patient Access application")
    );
    assert!(err.remediation().contains("setup step 3"));
    assert!(err.request_id().is_some() || err.correlation_id().is_some());
}
