//! Sign-in (OIDC code flow + PKCE) against the simulator: URL, redemption, ID-token validation and
//! the key cache's rotation behaviour.

use entra_sim::UserFaults;
use pa_entra::{
    IdTokenError, IdTokenExpected, IdTokenValidator, JwksSettings, Pkce, SignInCallback,
    SignInRequest,
};
use url::Url;

use crate::support::Ctx;

const CALLBACK: &str = "http://localhost:8084/auth/callback";

fn now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

/// Follows the authorization request as the browser would (one hop) and parses the callback.
async fn authorize(ctx: &Ctx, pkce: &Pkce, nonce: &str) -> SignInCallback {
    let redirect = Url::parse(CALLBACK).unwrap();
    let upn = ctx.admin_upn();
    let url = ctx
        .client
        .signin_url(&SignInRequest {
            tenant: &ctx.tenant,
            redirect_uri: &redirect,
            state: "state-1",
            nonce,
            pkce,
            login_hint: Some(&upn),
        })
        .unwrap();
    assert!(
        url.path()
            .starts_with(&format!("/{}/oauth2/v2.0/authorize", ctx.tenant))
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let location = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    SignInCallback::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap()
}

async fn sign_in(ctx: &Ctx, nonce: &str) -> String {
    let pkce = Pkce::generate().unwrap();
    let SignInCallback::Code { code, state } = authorize(ctx, &pkce, nonce).await else {
        panic!("a code")
    };
    assert_eq!(state, "state-1");
    let redeemed = ctx
        .client
        .redeem_code(&ctx.tenant, &code, &Url::parse(CALLBACK).unwrap(), &pkce)
        .await
        .unwrap();
    redeemed.id_token().to_owned()
}

#[tokio::test]
async fn a_code_redeemed_with_its_verifier_yields_an_id_token_that_validates() {
    let ctx = Ctx::new("Signin Happy").await;
    let pkce = Pkce::generate().unwrap();
    let SignInCallback::Code { code, .. } = authorize(&ctx, &pkce, "nonce-1").await else {
        panic!("a code")
    };
    let redeemed = ctx
        .client
        .redeem_code(&ctx.tenant, &code, &Url::parse(CALLBACK).unwrap(), &pkce)
        .await
        .unwrap();
    assert!(!format!("{redeemed:?}").contains(redeemed.id_token()));
    let validator = IdTokenValidator::new(&ctx.client);
    let claims = validator
        .validate(
            redeemed.id_token(),
            IdTokenExpected {
                tenant: &ctx.tenant,
                nonce: "nonce-1",
                now: now(),
            },
        )
        .await
        .unwrap();
    let admin = ctx.sim.get_user(ctx.tenant, ctx.admin_upn()).unwrap();
    assert_eq!(claims.oid, admin.id);
    assert_eq!(claims.tid, ctx.tenant);
    assert_eq!(
        claims.preferred_username.as_deref(),
        Some(ctx.admin_upn().as_str())
    );
    let info = redeemed.client_info.expect("client_info asked for");
    assert_eq!((info.uid, info.utid), (admin.id, ctx.tenant.as_uuid()));

    // The same code twice: Microsoft refuses (54005).
    let again = ctx
        .client
        .redeem_code(&ctx.tenant, &code, &Url::parse(CALLBACK).unwrap(), &pkce)
        .await
        .unwrap_err();
    assert_eq!(again.aadsts(), Some(54005));
}

#[tokio::test]
async fn a_wrong_verifier_fails_the_redemption_with_501481() {
    let ctx = Ctx::new("Signin Pkce").await;
    let pkce = Pkce::generate().unwrap();
    let SignInCallback::Code { code, .. } = authorize(&ctx, &pkce, "n").await else {
        panic!("a code")
    };
    let other = Pkce::generate().unwrap();
    let err = ctx
        .client
        .redeem_code(&ctx.tenant, &code, &Url::parse(CALLBACK).unwrap(), &other)
        .await
        .unwrap_err();
    assert_eq!(err.aadsts(), Some(501481));
}

#[tokio::test]
async fn nonce_tenant_expiry_and_audience_are_each_checked() {
    let ctx = Ctx::new("Signin Checks").await;
    let validator = IdTokenValidator::new(&ctx.client);
    let token = sign_in(&ctx, "right").await;
    let check = |nonce: &'static str, tenant: pa_entra::EntraTenantId, at: i64| {
        let (validator, token) = (&validator, token.clone());
        async move {
            validator
                .validate(
                    &token,
                    IdTokenExpected {
                        tenant: &tenant,
                        nonce,
                        now: at,
                    },
                )
                .await
        }
    };
    assert!(matches!(
        check("wrong", ctx.tenant, now()).await,
        Err(IdTokenError::Nonce)
    ));
    let (other, _) = crate::support::create_tenant(&ctx.sim, "Signin Other", true);
    assert!(matches!(
        check("right", other, now()).await,
        Err(IdTokenError::Tenant)
    ));
    assert!(matches!(
        check("right", ctx.tenant, now() + 3 * 3600).await,
        Err(IdTokenError::Expired)
    ));
    assert!(matches!(
        check("right", ctx.tenant, now() - 3600).await,
        Err(IdTokenError::NotYetValid)
    ));
    assert!(check("right", ctx.tenant, now()).await.is_ok());

    ctx.sim
        .update_tenant_faults(ctx.tenant, |f| {
            f.id_token_audience = Some("11111111-2222-3333-4444-555555555555".into());
        })
        .unwrap();
    let foreign = sign_in(&ctx, "right").await;
    let err = validator
        .validate(
            &foreign,
            IdTokenExpected {
                tenant: &ctx.tenant,
                nonce: "right",
                now: now(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, IdTokenError::Audience), "{err:?}");

    // A tampered payload no longer verifies.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    let tampered = parts.join(".");
    assert!(
        validator
            .validate(
                &tampered,
                IdTokenExpected {
                    tenant: &ctx.tenant,
                    nonce: "right",
                    now: now()
                }
            )
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_unknown_kids_are_rate_limited() {
    let ctx = Ctx::new("Signin Rotation").await;
    let validator = IdTokenValidator::with_settings(&ctx.client, JwksSettings::default());
    let expect = |nonce| IdTokenExpected {
        tenant: &ctx.tenant,
        nonce,
        now: now(),
    };
    let first = sign_in(&ctx, "a").await;
    validator.validate(&first, expect("a")).await.unwrap();
    validator.validate(&first, expect("a")).await.unwrap();
    assert_eq!(validator.key_fetches(), 1, "cached by kid");

    // Emergency rotation: the new key signs from now on. Its kid is unknown: one refetch (the
    // first fetch was over five minutes ago on the client's clock).
    ctx.sim.rotate_keys(true).unwrap();
    ctx.clock.advance(std::time::Duration::from_secs(301));
    let second = sign_in(&ctx, "b").await;
    validator.validate(&second, expect("b")).await.unwrap();
    assert_eq!(
        validator.key_fetches(),
        2,
        "one refetch for the unknown kid"
    );

    // Another unknown kid right away: no third fetch within the 5-minute window.
    ctx.sim.rotate_keys(true).unwrap();
    let third = sign_in(&ctx, "c").await;
    let err = validator.validate(&third, expect("c")).await.unwrap_err();
    assert!(matches!(err, IdTokenError::UnknownKey), "{err:?}");
    assert_eq!(validator.key_fetches(), 2);
    // Five minutes later (the client's clock) it may fetch again.
    ctx.clock.advance(std::time::Duration::from_secs(301));
    validator.validate(&third, expect("c")).await.unwrap();
    assert_eq!(validator.key_fetches(), 3);
}

#[tokio::test]
async fn sign_in_refusals_come_back_as_errors_with_their_aadsts_code() {
    let ctx = Ctx::new("Signin Refused").await;
    ctx.sim
        .set_user_faults(
            ctx.tenant,
            ctx.admin_upn(),
            UserFaults {
                mfa_required: true,
                ..UserFaults::default()
            },
        )
        .unwrap();
    let pkce = Pkce::generate().unwrap();
    let SignInCallback::Error(e) = authorize(&ctx, &pkce, "n").await else {
        panic!("an error redirect")
    };
    assert_eq!(
        (e.error.as_str(), e.aadsts, e.state.as_deref()),
        ("interaction_required", Some(50076), Some("state-1"))
    );
}
