//! Emergency access ("break glass", HIPAA 164.312(a)(2)(ii)): console accounts that do not
//! depend on Entra ID — a strong generated secret (stored as Argon2id) plus a TOTP code (seed
//! sealed with AES-256-GCM) — created and revoked by Admins. `POST /auth/emergency` opens a short
//! session marked as emergency in the audit trail and publishes `emergency_access.used`.

use actix_web::http::header::{CACHE_CONTROL, HeaderName};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use pa_audit::{Actor, Outcome};
use pa_domain::TenantId;
use pa_events::EmergencyAccessUsed;
use pa_http::{Json, Problem};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::cookies;
use super::extract::AccountIdPath;
use crate::auth::{Permission, Principal, SESSION_COOKIE, SESSION_PREFIX, csrf_token_of};
use crate::context::RequestContext;
use crate::domain::secret::random_token;
use crate::domain::{TenantSecret, sealing, totp};
use crate::error::{ApiError, codes};
use crate::repo::emergency::{self, AccountRecord, NewAccount};
use crate::repo::sessions::{self, EndReason, NewSession};
use crate::repo::settings;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_account)
        .service(list_accounts)
        .service(revoke_account);
}

pub fn configure_auth(cfg: &mut ServiceConfig) {
    cfg.service(emergency_sign_in);
}

/// An account to create.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyAccountIn {
    /// A label, e.g. `break-glass-1` (not a person).
    #[schema(min_length = 1, max_length = 100, example = "break-glass-1")]
    pub name: String,
}

/// An account's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyAccountOut {
    pub id: Uuid,
    pub name: String,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
}

impl From<AccountRecord> for EmergencyAccountOut {
    fn from(r: AccountRecord) -> Self {
        Self {
            id: r.id,
            name: r.name,
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            locked_until: r.locked_until,
        }
    }
}

/// A new account with its credentials — shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyAccountCreated {
    #[serde(flatten)]
    pub account: EmergencyAccountOut,
    /// The secret (store it offline, e.g. split in a safe).
    pub secret: String,
    /// The TOTP seed, base32 (RFC 6238, SHA-1, 6 digits, 30 s).
    pub totp_secret: String,
    /// The same as an `otpauth://` URI for an authenticator app.
    pub otpauth_uri: String,
}

/// The tenant's emergency accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyAccountList {
    pub items: Vec<EmergencyAccountOut>,
}

fn aad(tenant: TenantId, id: Uuid) -> Vec<u8> {
    [tenant.as_uuid().as_bytes().as_slice(), id.as_bytes()].concat()
}

/// Create an emergency account.
///
/// A break-glass account for when Microsoft Entra ID is unavailable: a secret and a TOTP seed,
/// shown in this response only. Signing in with it is audited and publishes `emergency_access.used`.
#[utoipa::path(
    operation_id = "admin_console.emergency_accounts.create",
    tag = "emergency-access",
    security(("console_session" = [])),
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token.")),
    request_body = EmergencyAccountIn,
    responses(
        (status = 201, description = "Created; `secret`, `totp_secret` and `otpauth_uri` are shown this once (`Cache-Control: no-store`). Role: admin; sessions only.", body = EmergencyAccountCreated),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`emergency_account_name_taken`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field` (`name`), `unknown_field`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/emergency-accounts")]
pub async fn create_account(
    principal: Principal,
    state: web::Data<AppState>,
    body: Json<EmergencyAccountIn>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageEmergencyAccounts)?;
    let name = body.name.trim().to_owned();
    // pa-domain's rule for names: one visible line, no bidirectional formatting.
    if let Err(e) = pa_domain::text::single_line(&name, 100) {
        return Err(ApiError::InvalidField {
            field: "name",
            message: format!("1-100 characters, one line: {e}"),
        });
    }
    let id = Uuid::now_v7();
    let secret = format!("pa_bg_{}", random_token()?);
    let mut seed = [0u8; 20];
    getrandom::fill(&mut seed)?;
    let hashed = {
        let secret = secret.clone();
        tokio::task::spawn_blocking(move || sealing::hash_secret(&secret))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?
    };
    let sealed = state
        .sealing
        .seal(&seed, &aad(principal.tenant, id))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let by = principal.ctx.actor_label();
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let record = emergency::insert(
        &mut tx,
        principal.tenant,
        &NewAccount {
            id,
            name: &name,
            secret_hash: &hashed,
            totp_sealed: &sealed,
            created_by: &by,
            now: state.now(),
        },
    )
    .await?
    .ok_or_else(|| {
        ApiError::coded_field(
            codes::EMERGENCY_ACCOUNT_NAME_TAKEN,
            "name",
            "a live emergency account has this name",
        )
    })?;
    let entry = principal
        .ctx
        .audit("emergency_account.created")
        .target("emergency_account", id)
        .details(json!({"name": name}));
    pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
    tx.commit().await?;
    let totp_secret = totp::base32(&seed);
    let mut uri = url::Url::parse("otpauth://totp/").map_err(|e| ApiError::Internal(e.into()))?;
    uri.set_path(&format!("/Patient%20Access:{}", name.replace(' ', "%20")));
    uri.query_pairs_mut()
        .append_pair("secret", &totp_secret)
        .append_pair("issuer", "Patient Access")
        .append_pair("algorithm", "SHA1")
        .append_pair("digits", "6")
        .append_pair("period", "30");
    let out = EmergencyAccountCreated {
        account: record.into(),
        secret,
        totp_secret,
        otpauth_uri: uri.to_string(),
    };
    Ok(HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(out))
}

/// List emergency accounts (never their secrets).
///
/// The tenant's emergency (break-glass) accounts: name, creator, creation, last use and revocation;
/// never their secrets.
#[utoipa::path(
    operation_id = "admin_console.emergency_accounts.list",
    tag = "emergency-access",
    security(("console_session" = [])),
    responses(
        (status = 200, description = "Newest first. Role: admin; sessions only.", body = EmergencyAccountList),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/emergency-accounts")]
pub async fn list_accounts(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<Json<EmergencyAccountList>, ApiError> {
    principal.require(Permission::ManageEmergencyAccounts)?;
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let rows = emergency::list(&mut tx, principal.tenant).await?;
    tx.commit().await?;
    Ok(Json(EmergencyAccountList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// Revoke an emergency account (its sessions end now).
///
/// The account can no longer sign in, and its live sessions end at once.
#[utoipa::path(
    operation_id = "admin_console.emergency_accounts.revoke",
    tag = "emergency-access",
    security(("console_session" = [])),
    params(
        ("account_id" = Uuid, Path, description = "The account's id."),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token."),
    ),
    responses(
        (status = 200, description = "Revoked (audited `emergency_account.revoked`; idempotent). Role: admin; sessions only.", body = EmergencyAccountOut),
        (status = 400, description = "`invalid_path_parameter`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `session_expired`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`, `csrf_token_invalid`, `interactive_session_required`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`emergency_account_not_found`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/emergency-accounts/{account_id}")]
pub async fn revoke_account(
    principal: Principal,
    state: web::Data<AppState>,
    path: AccountIdPath,
) -> Result<Json<EmergencyAccountOut>, ApiError> {
    principal.require(Permission::ManageEmergencyAccounts)?;
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, principal.tenant).await?;
    let (record, changed) = emergency::revoke(
        &mut tx,
        principal.tenant,
        path.0,
        &principal.ctx.actor_label(),
        now,
    )
    .await?
    .ok_or_else(|| {
        ApiError::coded(
            codes::EMERGENCY_ACCOUNT_NOT_FOUND,
            "no emergency account of this tenant has this id",
        )
    })?;
    if changed {
        let entry = principal
            .ctx
            .audit("emergency_account.revoked")
            .target("emergency_account", path.0)
            .details(json!({"name": record.name}));
        pa_audit::record_tenant(&mut tx, principal.tenant, &entry).await?;
        for row in sessions::live_in_tenant(&mut tx, principal.tenant).await? {
            if row.emergency_account_id == Some(path.0) {
                sessions::end(
                    &mut tx,
                    principal.tenant,
                    &row,
                    EndReason::AccountRevoked,
                    now,
                    &principal.ctx,
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(Json(record.into()))
}

/// An emergency sign-in.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencySignInIn {
    pub tenant_id: Uuid,
    pub account_id: Uuid,
    /// The account's secret.
    #[schema(min_length = 1, max_length = 200)]
    pub secret: String,
    /// The current TOTP code.
    #[schema(pattern = "^[0-9]{6}$", example = "123456")]
    pub code: String,
}

/// The emergency session.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencySessionOut {
    pub session_id: Uuid,
    /// Send it as `X-CSRF-Token` on state-changing requests.
    pub csrf_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Sign in with an emergency account.
///
/// Secret and TOTP code (a code is accepted once). Opens a short Admin session (default 1 h)
/// marked `emergency` in the audit trail, and publishes `emergency_access.used` (an alert).
/// Five failures lock the account for 15 minutes.
#[utoipa::path(
    operation_id = "admin_console.auth.emergency",
    tag = "auth",
    security(()),
    request_body = EmergencySignInIn,
    responses(
        (status = 200, description = "Signed in; sets `pa_console` (`Cache-Control: no-store`).", body = EmergencySessionOut),
        (status = 400, description = "`malformed_json`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`emergency_signin_failed` (wrong secret or code, unknown or revoked account, inactive tenant; never which).", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_field`, `unknown_field`.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`emergency_account_locked`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/emergency")]
pub async fn emergency_sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<EmergencySignInIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let tenant = TenantId::from_uuid(input.tenant_id);
    let now = state.now();
    let failed = || {
        ApiError::coded(
            codes::EMERGENCY_SIGNIN_FAILED,
            "the emergency sign-in failed",
        )
    };
    let ctx = RequestContext::new(
        Actor::EmergencyAccess {
            account_id: input.account_id,
        },
        Some(pa_http::RequestId::of(&req).into_string()),
        req.peer_addr().map(|a| a.ip()),
    );
    let mut tx = pa_db::begin_tenant(&state.pool, tenant).await?;
    let active: Option<String> = sqlx::query_scalar("SELECT status FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_optional(&mut *tx)
        .await?;
    if active.as_deref() != Some("active") {
        return Err(failed());
    }
    let Some(account) = emergency::lock_for_signin(&mut tx, tenant, input.account_id).await? else {
        return Err(failed());
    };
    if account.revoked_at.is_some() {
        let entry = ctx
            .audit("emergency_access.sign_in_failed")
            .outcome(Outcome::Failure)
            .details(json!({"reason": "revoked"}));
        pa_audit::record_tenant(&mut tx, tenant, &entry).await?;
        tx.commit().await?;
        return Err(failed());
    }
    if let Some(until) = account.locked_until.filter(|u| *u > now) {
        tx.rollback().await?;
        let wait = (until - now).whole_seconds().max(1);
        let mut problem = ApiError::coded(
            codes::EMERGENCY_ACCOUNT_LOCKED,
            format!("too many failed attempts; try again in {wait} s"),
        )
        .to_problem();
        problem = problem.with_header(HeaderName::from_static("retry-after"), wait.to_string());
        return Ok(actix_web::ResponseError::error_response(&problem));
    }
    let secret_ok = {
        let (secret, stored) = (input.secret.clone(), account.secret_hash.clone());
        tokio::task::spawn_blocking(move || sealing::verify_secret(&secret, &stored))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
    };
    let step = state
        .sealing
        .open(&account.totp_sealed, &aad(tenant, account.id))
        .and_then(|seed| totp::verify(&seed, input.code.trim(), now.unix_timestamp()))
        .filter(|step| account.last_totp_step.is_none_or(|last| *step > last));
    let Some(step) = step.filter(|_| secret_ok) else {
        let attempts = account.failed_attempts + 1;
        let max = i32::try_from(state.emergency.max_failed_attempts.max(1)).unwrap_or(5);
        let locked = (attempts >= max)
            .then(|| now + time::Duration::seconds(i64::from(state.emergency.lockout_secs)));
        emergency::record_failure(
            &mut tx,
            tenant,
            account.id,
            if locked.is_some() { 0 } else { attempts },
            locked,
        )
        .await?;
        let entry = ctx
            .audit("emergency_access.sign_in_failed")
            .outcome(Outcome::Failure)
            .target("emergency_account", account.id)
            .details(json!({"attempts": attempts, "locked": locked.is_some()}));
        pa_audit::record_tenant(&mut tx, tenant, &entry).await?;
        tx.commit().await?;
        return Err(failed());
    };
    emergency::record_success(&mut tx, tenant, account.id, step, now).await?;
    let tenant_lifetime = settings::get(&mut tx, tenant).await?.absolute_lifetime_secs;
    let lifetime = i64::from(
        state
            .emergency
            .session_lifetime_secs
            .min(tenant_lifetime)
            .max(60),
    );
    let session = TenantSecret::generate(SESSION_PREFIX, tenant)?;
    let id = Uuid::now_v7();
    let expires_at = now + time::Duration::seconds(lifetime);
    sessions::insert(
        &mut tx,
        tenant,
        &NewSession {
            id,
            token_hash: session.hash(),
            object_id: None,
            emergency_account_id: Some(account.id),
            user_principal_name: None,
            display_name: Some(&account.name),
            now,
            absolute_expires_at: expires_at,
            client_addr: ctx.client_addr,
            user_agent: req
                .headers()
                .get("user-agent")
                .and_then(|v| v.to_str().ok()),
        },
    )
    .await?;
    let entry = ctx.audit("emergency_access.used").target("session", id).details(json!({
        "account_name": account.name, "emergency": true, "session_expires_at": expires_at.unix_timestamp(),
    }));
    pa_audit::record_tenant(&mut tx, tenant, &entry).await?;
    let event = EmergencyAccessUsed {
        tenant_id: tenant,
        account_id: account.id,
        account_name: account.name.clone(),
        client_ip: ctx.client_addr.map(|a| a.to_string()),
        at: now,
    };
    pa_messaging::enqueue(&mut tx, &ctx.event_meta(tenant), &event).await?;
    state.outbox.commit(tx).await?;
    let out = EmergencySessionOut {
        session_id: id,
        csrf_token: csrf_token_of(&session),
        expires_at,
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(cookies::build(
            SESSION_COOKIE,
            session.expose().to_owned(),
            "/",
            lifetime,
            state.console.cookie_secure,
        ))
        .json(out))
}
