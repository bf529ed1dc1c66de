//! AADSTS error redirects from Entra sign-in pages are typed like consent callbacks.

use entra_sim::{TenantFaults, UserFaults};
use pa_entra::{ConsentCallback, ErrorKind};
use url::Url;

use crate::support::{Ctx, follow_to_callback};

/// An authorization request for `upn` at the simulator, as the admin console would send.
fn authorize_url(ctx: &Ctx, upn: &str) -> Url {
    let app = ctx.sim.app();
    let mut url = ctx
        .sim
        .login_base_url()
        .join(&format!("{}/oauth2/v2.0/authorize", ctx.tenant))
        .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &app.redirect_uris[0])
        .append_pair("scope", "openid profile")
        .append_pair("state", "st")
        .append_pair("nonce", "n")
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256")
        .append_pair("login_hint", upn);
    url
}

async fn denial_kind(ctx: &Ctx, upn: &str) -> (ErrorKind, Option<u32>) {
    let query = follow_to_callback(&authorize_url(ctx, upn)).await.unwrap();
    let ConsentCallback::Denied(denial) = ConsentCallback::parse(&query).unwrap() else {
        panic!("{query}")
    };
    (denial.kind(), denial.aadsts)
}

#[tokio::test]
async fn mfa_required_at_sign_in_is_typed_50076() {
    let ctx = Ctx::new("Mfa Hospital").await;
    let upn = ctx.admin_upn();
    ctx.sim
        .set_user_faults(
            ctx.tenant.to_string(),
            &upn,
            UserFaults {
                mfa_required: true,
                ..UserFaults::default()
            },
        )
        .unwrap();
    assert_eq!(
        denial_kind(&ctx, &upn).await,
        (ErrorKind::MfaRequired, Some(50076))
    );
    assert!(ErrorKind::MfaRequired.remediation().contains("MFA"));
}

#[tokio::test]
async fn a_user_not_assigned_to_the_app_is_typed_50105() {
    let ctx = Ctx::new("Assignment Hospital").await;
    let upn = ctx.admin_upn();
    ctx.sim
        .set_user_faults(
            ctx.tenant.to_string(),
            &upn,
            UserFaults {
                not_assigned: true,
                ..UserFaults::default()
            },
        )
        .unwrap();
    assert_eq!(
        denial_kind(&ctx, &upn).await,
        (ErrorKind::UserNotAssigned, Some(50105))
    );
    assert!(
        ErrorKind::UserNotAssigned
            .remediation()
            .contains("Users and groups")
    );
}

#[tokio::test]
async fn a_conditional_access_block_at_sign_in_is_typed_53003() {
    let ctx = Ctx::new("Ca Hospital").await;
    ctx.sim
        .set_tenant_faults(
            ctx.tenant.to_string(),
            TenantFaults {
                signin_ca_block: true,
                ..TenantFaults::default()
            },
        )
        .unwrap();
    assert_eq!(
        denial_kind(&ctx, &ctx.admin_upn()).await,
        (ErrorKind::ConditionalAccessBlocked, Some(53003))
    );
}
