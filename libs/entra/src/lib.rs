//! # pa-entra — the Microsoft Entra ID + Microsoft Graph client of Patient Access
//!
//! The one library every service uses to talk to a customer's Entra ID directory, real or simulated
//! (the base URLs are configuration; nothing here knows which).
//!
//! * [`EntraSettings`]: base URLs, client id, secret or certificate credential, redirect URI, extra
//!   CA, timeouts, retry policy.
//! * Tenant resolution: [`TenantRef::parse`] validates locally, [`EntraClient::resolve_tenant`]
//!   confirms through discovery and returns the tenant GUID ([`EntraTenantId`]).
//! * Admin consent: [`EntraClient::admin_consent_url`], [`ConsentCallback::parse`],
//!   [`EntraClient::verify_consent`] / [`EntraClient::confirm_consent`] (proof by app token: `tid`
//!   and `roles`).
//! * App tokens: [`EntraClient::app_token`] — cached per tenant, renewed ahead of expiry, single
//!   flight, [`EntraClient::invalidate`] after consent changes.
//! * Graph: [`EntraClient::graph`] → [`GraphClient`] with typed reads, streaming [`Pager`]s and
//!   delta rounds ([`DeltaPager`], [`DeltaCursor`], [`DeltaError::ResyncRequired`]).
//! * Errors: [`EntraError`] typed by [`ErrorKind`], with AADSTS / Graph codes, ids and
//!   [`EntraError::remediation`].
//! * Sign-in of people (OIDC code flow + PKCE, ID-token validation with a rotating key cache):
//!   [`EntraClient::signin_url`], [`EntraClient::redeem_code`], [`IdTokenValidator`].
//! * Time: [`Clock`] is injected ([`TokioClock`] in production, [`ManualClock`] in tests).
//!
//! The process must install a rustls crypto provider before building a client
//! (`rustls::crypto::ring::default_provider().install_default()`).
//!
//! Nothing in this crate logs or formats tokens, client secrets, private keys or client assertions.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod assertion;
mod client;
mod clock;
mod config;
mod consent;
mod discovery;
mod error;
mod graph;
mod http;
mod paging;
mod retry;
mod signin;
mod tenant;
mod token;

pub use client::{ConsentGrant, EntraClient};
pub use clock::{Clock, ManualClock, TokioClock};
pub use config::{
    AssertionAlgorithm, CertificateCredential, Credential, EntraSettings, RetrySettings,
};
pub use consent::{ConsentCallback, ConsentDenial};
pub use discovery::ResolvedTenant;
pub use error::{Endpoint, EntraError, ErrorKind, GraphError, StsError, parse_aadsts};
pub use graph::{
    DeltaCursor, DeltaError, DeltaPage, DeltaPager, DeltaStart, DirectoryObject, GROUP_SELECT,
    GraphClient, Group, GroupChange, GroupFilter, GroupId, MemberChange, MemberKind, MemberScope,
    Organization, PageSize, RemovalReason, USER_SELECT, User, UserChange, UserFilter, UserId,
    VerifiedDomain,
};
pub use paging::{Page, Pager};
pub use retry::{RetryPolicy, parse_retry_after};
pub use secrecy::{ExposeSecret, SecretString};
pub use signin::{
    CLOCK_SKEW_SECS, ClientInfo, CodeRedemption, IdTokenClaims, IdTokenError, IdTokenExpected,
    IdTokenValidator, JwksSettings, Pkce, SIGNIN_SCOPES, SignInCallback, SignInError,
    SignInRequest,
};
pub use tenant::{EntraTenantId, MSA_TENANT_ID, TenantDomain, TenantParseError, TenantRef};
pub use token::{AppToken, AppTokenClaims};
