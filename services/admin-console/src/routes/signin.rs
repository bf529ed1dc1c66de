//! `GET /auth/login`, `GET /auth/callback`, `POST /auth/logout`: sign-in with Entra ID
//! (authorization code + PKCE S256 + one-time `state` + `nonce`, kept server-side and bound to a
//! pre-session cookie) and sign-out.

use actix_web::http::header::{ACCEPT, CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use pa_audit::{Actor, Outcome};
use pa_domain::TenantId;
use pa_entra::{EntraTenantId, IdTokenError, IdTokenExpected, Pkce, SignInCallback, SignInRequest};
use pa_http::{Problem, Query};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::cookies::{self, SIGNIN_COOKIE};
use crate::auth::{Principal, SESSION_COOKIE, SESSION_PREFIX};
use crate::context::RequestContext;
use crate::domain::secret::random_token;
use crate::domain::{SecretHash, TenantSecret};
use crate::error::{ApiError, codes};
use crate::repo::sessions::{self, EndReason, NewSession};
use crate::repo::{access, settings, signin};
use crate::state::AppState;

/// The `state` prefix (`st.` + tenant + 256 random bits).
const STATE_PREFIX: &str = "st.";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(callback).service(logout);
}

/// Query of `GET /auth/login`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// Our tenant id (the link mailed to the first administrator carries it).
    pub tenant: Uuid,
    /// Optional UPN to preselect the account at Microsoft.
    #[param(max_length = 320)]
    pub login_hint: Option<String>,
}

/// Start signing in.
///
/// Redirects the browser to the tenant's own Entra ID authority (never `organizations`) with an
/// authorization request: code flow, PKCE S256, a one-time `state` and a `nonce`, all kept
/// server-side and bound to the pre-session cookie `pa_console_signin` set here.
#[utoipa::path(
    operation_id = "admin_console.auth.login",
    tag = "auth",
    security(()),
    params(LoginQuery),
    responses(
        (status = 302, description = "To Microsoft's authorize endpoint; sets `pa_console_signin`.", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, description = "`invalid_query_parameter` (`tenant` must be a UUID).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`tenant_not_active`: suspended or deprovisioned.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_unknown`: no such tenant, or its setup has not completed.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/login")]
pub async fn login(
    state: web::Data<AppState>,
    query: Query<LoginQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant = TenantId::from_uuid(query.tenant);
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
    let entra = active_directory(&mut tx, tenant).await?;
    let presession = random_token()?;
    let signin_state = TenantSecret::generate(STATE_PREFIX, tenant)?;
    let nonce = random_token()?;
    let ttl = i64::from(state.console.signin_ttl_secs.max(60));
    signin::insert_state(
        &mut tx,
        tenant,
        &signin_state.hash(),
        &SecretHash::of(&presession),
        &nonce,
        now,
        now + time::Duration::seconds(ttl),
    )
    .await?;
    tx.commit().await?;
    let pkce = pkce_for(&signin_state, &presession);
    let hint = query
        .login_hint
        .as_deref()
        .filter(|h| !h.is_empty() && h.len() <= 320);
    let url = state
        .entra
        .signin_url(&SignInRequest {
            tenant: &entra,
            redirect_uri: &state.redirect_uri,
            state: signin_state.expose(),
            nonce: &nonce,
            pkce: &pkce,
            login_hint: hint,
        })
        .map_err(ApiError::Directory)?;
    Ok(HttpResponse::Found()
        .insert_header((LOCATION, url.as_str()))
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(cookies::build(
            SIGNIN_COOKIE,
            presession,
            "/auth",
            ttl,
            state.console.cookie_secure,
        ))
        .finish())
}

/// The PKCE verifier of a sign-in: derived from the state and the pre-session cookie, never
/// stored, so only the browser that started the sign-in can finish it.
fn pkce_for(signin_state: &TenantSecret, presession: &str) -> Pkce {
    Pkce::from_verifier(signin_state.derive(&format!("pa-console-pkce:v1:{presession}")))
}

/// The tenant's directory when it is active and set up.
async fn active_directory(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
) -> Result<EntraTenantId, ApiError> {
    let t = signin::tenant(conn, tenant)
        .await?
        .ok_or_else(|| ApiError::coded(codes::TENANT_UNKNOWN, "no tenant has this id"))?;
    if t.status != "active" {
        return Err(ApiError::coded(
            codes::TENANT_NOT_ACTIVE,
            format!("the tenant is {}", t.status),
        ));
    }
    let entra = t.entra_tenant_id.ok_or_else(|| {
        ApiError::coded(
            codes::TENANT_UNKNOWN,
            "the tenant's setup has not completed",
        )
    })?;
    EntraTenantId::from_uuid(entra)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored directory id: {e}")))
}

/// Finish signing in (Microsoft redirects here).
///
/// Checks the one-time `state` against the pre-session cookie, redeems the code with the PKCE
/// verifier, validates the ID token (signature by a published key, issuer for the tenant, `tid`,
/// audience, expiry, nonce), then lets in only an active person of an active tenant who has a
/// console role in the synced directory — matched by (`tid`, `oid`), never the UPN — and is
/// not deactivated in Patient Access. Success: a new session (cookie `pa_console`), 303 to the
/// front-end. A browser (`Accept: text/html`) that is refused is sent to the front-end with
/// `?signin_error=<code>`; other clients get the problem. Every outcome is audited.
#[utoipa::path(
    operation_id = "admin_console.auth.callback",
    tag = "auth",
    security(()),
    params(
        ("code" = Option<String>, Query, description = "Authorization code.", min_length = 1),
        ("state" = Option<String>, Query, description = "The state sent with the request.", min_length = 1),
        ("error" = Option<String>, Query, description = "Microsoft's OAuth error.", min_length = 1),
        ("error_description" = Option<String>, Query, description = "`AADSTSnnnnn: …` (Microsoft separates its lines with CR LF).", pattern = r"^[^\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"),
    ),
    responses(
        (status = 303, description = "Signed in (sets `pa_console`), or refused: to the front-end with `?signin_error=<code>` for browsers.", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, description = "`invalid_query_parameter` (neither a code nor an error response), `signin_state_invalid` (unknown, used or expired state, or not this browser's).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`pkce_mismatch`, `id_token_invalid` (nonce, audience, expiry, issuer, signature), `code_redemption_failed`, `mfa_required`, `signin_refused`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`conditional_access_blocked`, `user_not_assigned`, `account_disabled`, `no_console_role`, `user_inactive`, `user_blocked`, `tenant_not_active`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`tenant_unknown`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`directory_unavailable`: Microsoft could not be reached.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/callback")]
pub async fn callback(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let parsed = SignInCallback::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let Some(parsed) = parsed else {
        let error = ApiError::InvalidQueryParameter {
            name: "code",
            message: "the callback needs `code` and `state`, or `error`".into(),
        };
        return actix_web::ResponseError::error_response(&error);
    };
    let ctx = RequestContext::new(
        Actor::System {
            component: "console-signin",
        },
        Some(pa_http::RequestId::of(&req).into_string()),
        req.peer_addr().map(|a| a.ip()),
    );
    let result = finish(&state, &req, parsed, &ctx).await;
    let secure = state.console.cookie_secure;
    match result {
        Ok((cookie, max_age)) => HttpResponse::SeeOther()
            .insert_header((LOCATION, state.console.frontend_url.as_str()))
            .insert_header((CACHE_CONTROL, "no-store"))
            .cookie(cookies::build(SESSION_COOKIE, cookie, "/", max_age, secure))
            .cookie(cookies::clear(SIGNIN_COOKIE, "/auth", secure))
            .finish(),
        Err(Failure {
            tenant,
            error,
            details,
        }) => {
            if let Some(tenant) = tenant {
                audit_failure(&state, tenant, &ctx, error.code(), details).await;
            }
            if wants_html && !matches!(error, ApiError::Unavailable(_) | ApiError::Internal(_)) {
                let mut target = state.console.frontend_url.clone();
                target
                    .query_pairs_mut()
                    .append_pair("signin_error", error.code());
                return HttpResponse::SeeOther()
                    .insert_header((LOCATION, target.as_str()))
                    .cookie(cookies::clear(SIGNIN_COOKIE, "/auth", secure))
                    .finish();
            }
            let mut resp = actix_web::ResponseError::error_response(&error);
            let _ = resp.add_cookie(&cookies::clear(SIGNIN_COOKIE, "/auth", secure));
            resp
        }
    }
}

/// A refused sign-in: the tenant (when known, for the audit record), the error, audit details.
struct Failure {
    tenant: Option<TenantId>,
    error: ApiError,
    details: Value,
}

impl Failure {
    fn new(
        tenant: Option<TenantId>,
        code: &'static str,
        detail: impl Into<String>,
        details: Value,
    ) -> Self {
        Self {
            tenant,
            error: ApiError::coded(code, detail),
            details,
        }
    }
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Self {
            tenant: None,
            error,
            details: json!({}),
        }
    }
}

/// The sign-in error for an AADSTS code Microsoft returned.
fn microsoft_code(aadsts: Option<u32>) -> (&'static str, &'static str) {
    match aadsts {
        Some(50076 | 50079 | 50074) => (
            codes::MFA_REQUIRED,
            "multifactor authentication is required; complete it at Microsoft and sign in again",
        ),
        Some(53003) => (
            codes::CONDITIONAL_ACCESS_BLOCKED,
            "a Conditional Access policy of your organisation blocked the sign-in; ask your IT administrator",
        ),
        Some(50105) => (
            codes::USER_NOT_ASSIGNED,
            "your account is not assigned to the Patient Access application; ask your IT administrator",
        ),
        Some(50057) => (
            codes::ACCOUNT_DISABLED,
            "your account is disabled in Microsoft Entra ID",
        ),
        Some(501481) => (
            codes::PKCE_MISMATCH,
            "the sign-in's PKCE verifier did not match; start again",
        ),
        _ => (
            codes::SIGNIN_REFUSED,
            "Microsoft refused the sign-in; start again or ask your IT administrator",
        ),
    }
}

async fn finish(
    state: &AppState,
    req: &HttpRequest,
    parsed: SignInCallback,
    _ctx: &RequestContext,
) -> Result<(String, i64), Failure> {
    let (code, state_text) = match parsed {
        SignInCallback::Error(e) => {
            let tenant = e
                .state
                .as_deref()
                .and_then(|s| TenantSecret::parse(STATE_PREFIX, s));
            let tenant_id = tenant.as_ref().map(TenantSecret::tenant);
            if let Some(st) = &tenant
                && let Ok(mut tx) = pa_db::begin_tenant(&state.pool, st.tenant()).await
            {
                let _ = signin::take_state(&mut tx, st.tenant(), &st.hash()).await;
                let _ = tx.commit().await;
            }
            let (code, detail) = microsoft_code(e.aadsts);
            return Err(Failure::new(
                tenant_id,
                code,
                detail,
                json!({"error": e.error, "aadsts": e.aadsts}),
            ));
        }
        SignInCallback::Code { code, state } => (code, state),
    };
    let invalid = |tenant: Option<TenantId>, why: &str| {
        Failure::new(
            tenant,
            codes::SIGNIN_STATE_INVALID,
            "this sign-in is unknown, used, expired or was started in another browser; start again",
            json!({"reason": why}),
        )
    };
    let signin_state = TenantSecret::parse(STATE_PREFIX, &state_text)
        .ok_or_else(|| invalid(None, "malformed state"))?;
    let tenant = signin_state.tenant();
    let now = state.now();
    let fail = |e: ApiError| Failure {
        tenant: Some(tenant),
        error: e,
        details: json!({}),
    };
    // One use only: the state is deleted here whatever happens next.
    let mut tx = pa_db::begin_tenant(&state.pool, tenant)
        .await
        .map_err(|e| fail(e.into()))?;
    let taken = signin::take_state(&mut tx, tenant, &signin_state.hash())
        .await
        .map_err(|e| fail(e.into()))?;
    let entra = access::entra_tenant(&mut tx, tenant)
        .await
        .map_err(|e| fail(e.into()))?;
    tx.commit().await.map_err(|e| fail(e.into()))?;
    let taken = taken.ok_or_else(|| invalid(Some(tenant), "unknown or used state"))?;
    if taken.expires_at <= now {
        return Err(invalid(Some(tenant), "expired"));
    }
    let presession = req
        .cookie(SIGNIN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if presession.is_empty() || !SecretHash::of(&presession).matches(&taken.presession_hash) {
        return Err(invalid(
            Some(tenant),
            "pre-session cookie missing or not this sign-in's",
        ));
    }
    let entra = entra
        .and_then(|e| EntraTenantId::from_uuid(e).ok())
        .ok_or_else(|| {
            Failure::new(
                Some(tenant),
                codes::TENANT_UNKNOWN,
                "the tenant's setup has not completed",
                json!({}),
            )
        })?;
    let pkce = pkce_for(&signin_state, &presession);
    let redeemed = match state
        .entra
        .redeem_code(&entra, &code, &state.redirect_uri, &pkce)
        .await
    {
        Ok(r) => r,
        Err(e) if e.is_transient() => return Err(fail(ApiError::Directory(e))),
        Err(e) => {
            let (code, detail) = match e.aadsts() {
                None | Some(54005 | 70008 | 9002313) => (
                    codes::CODE_REDEMPTION_FAILED,
                    "the authorization code was refused; start again",
                ),
                other => microsoft_code(other),
            };
            return Err(Failure::new(
                Some(tenant),
                code,
                detail,
                json!({"aadsts": e.aadsts(), "stage": "token"}),
            ));
        }
    };
    let claims = state
        .id_tokens
        .validate(
            redeemed.id_token(),
            IdTokenExpected {
                tenant: &entra,
                nonce: &taken.nonce,
                now: now.unix_timestamp(),
            },
        )
        .await
        .map_err(|e| match e {
            IdTokenError::KeysUnavailable(inner) => fail(ApiError::Directory(inner)),
            other => Failure::new(
                Some(tenant),
                codes::ID_TOKEN_INVALID,
                format!("the ID token was refused: {other}"),
                json!({"check": other.as_str()}),
            ),
        })?;
    open_session(state, req, tenant, &claims).await
}

/// Admits the person (active tenant; active, enabled, present, unblocked, with a role) and
/// creates the session.
async fn open_session(
    state: &AppState,
    req: &HttpRequest,
    tenant: TenantId,
    claims: &pa_entra::IdTokenClaims,
) -> Result<(String, i64), Failure> {
    let fail = |e: ApiError| Failure {
        tenant: Some(tenant),
        error: e,
        details: json!({"object_id": claims.oid}),
    };
    let refuse = |code: &'static str, detail: &str| {
        Failure::new(
            Some(tenant),
            code,
            detail.to_owned(),
            json!({"object_id": claims.oid}),
        )
    };
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, tenant)
        .await
        .map_err(|e| fail(e.into()))?;
    active_directory(&mut tx, tenant).await.map_err(fail)?;
    let user = signin::user(&mut tx, tenant, claims.oid)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| {
            refuse(
                codes::NO_CONSOLE_ROLE,
                "you are not a member of a group that gives access to the console",
            )
        })?;
    if user.blocked {
        return Err(refuse(
            codes::USER_BLOCKED,
            "an administrator deactivated your access to Patient Access",
        ));
    }
    if !user.account_enabled || user.directory_state != "present" {
        return Err(refuse(
            codes::USER_INACTIVE,
            "your account is disabled or deleted in Microsoft Entra ID",
        ));
    }
    let role = crate::repo::role(user.role.as_deref())
        .filter(|_| user.status == "active")
        .ok_or_else(|| {
            refuse(
                codes::NO_CONSOLE_ROLE,
                "you have no console role: no configured group or direct assignment gives you one",
            )
        })?;
    let lifetime = i64::from(
        settings::get(&mut tx, tenant)
            .await
            .map_err(fail)?
            .absolute_lifetime_secs,
    );
    let secret = TenantSecret::generate(SESSION_PREFIX, tenant).map_err(|e| fail(e.into()))?;
    let id = Uuid::now_v7();
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok());
    sessions::insert(
        &mut tx,
        tenant,
        &NewSession {
            id,
            token_hash: secret.hash(),
            object_id: Some(claims.oid),
            emergency_account_id: None,
            user_principal_name: claims.preferred_username.as_deref(),
            display_name: claims.name.as_deref(),
            now,
            absolute_expires_at: now + time::Duration::seconds(lifetime),
            client_addr: req.peer_addr().map(|a| a.ip()),
            user_agent,
        },
    )
    .await
    .map_err(|e| fail(e.into()))?;
    let ctx = RequestContext::new(
        Actor::ConsoleUser {
            object_id: claims.oid,
        },
        Some(pa_http::RequestId::of(req).into_string()),
        req.peer_addr().map(|a| a.ip()),
    );
    let entry = ctx
        .audit("session.signed_in")
        .target("session", id)
        .details(json!({
            "method": "entra_id",
            "role": role,
            "user_principal_name": claims.preferred_username,
            "entra_tenant_id": claims.tid,
        }));
    pa_audit::record_tenant(&mut tx, tenant, &entry)
        .await
        .map_err(|e| fail(e.into()))?;
    tx.commit().await.map_err(|e| fail(e.into()))?;
    Ok((secret.expose().to_owned(), lifetime))
}

/// Records a refused sign-in (best effort: the refusal stands even if the record fails).
async fn audit_failure(
    state: &AppState,
    tenant: TenantId,
    ctx: &RequestContext,
    code: &str,
    details: Value,
) {
    let record = async {
        let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
        let mut details = details;
        details["code"] = json!(code);
        let entry = ctx
            .audit("session.sign_in_failed")
            .outcome(Outcome::Failure)
            .details(details);
        pa_audit::record_tenant(&mut tx, tenant, &entry).await?;
        tx.commit().await?;
        Ok::<_, ApiError>(())
    };
    if let Err(e) = record.await {
        tracing::warn!(error = %crate::error::error_chain(&e), "recording a refused sign-in failed");
    }
}

/// Sign out.
///
/// Ends this session at once (audited as `session.signed_out`) and clears the cookie.
#[utoipa::path(
    operation_id = "admin_console.auth.logout",
    tag = "auth",
    security(("console_session" = [])),
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token.")),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared."),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`csrf_token_invalid`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/logout")]
pub async fn logout(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(crate::auth::Permission::OwnSessions)?;
    let session = principal.session_id().ok_or_else(ApiError::unauthorized)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    sessions::end_matching(
        &mut tx,
        principal.tenant,
        sessions::Which {
            object_id: None,
            session_id: Some(session),
            except: None,
        },
        EndReason::SignedOut,
        state.now(),
        &principal.ctx,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent()
        .cookie(cookies::clear(
            SESSION_COOKIE,
            "/",
            state.console.cookie_secure,
        ))
        .finish())
}
