//! Delegated grants at the token endpoint: authorization code (PKCE, single use, redirect match) and refresh.

use actix_web::HttpResponse;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::errors::StsError;
use super::issue::{ACCESS_TOKEN_LIFETIME, GRAPH_AUDIENCE, UserContext, delegated_token, id_token};
use super::tenant::TenantSeg;
use super::token::{Form, authenticate_client, missing, token_ok};
use crate::state::{RefreshGrant, SimState};
use crate::util::{b64url, random_token};

/// Codes live 10 minutes.
const CODE_LIFETIME: i64 = 600;
/// Refresh tokens live 90 days (Microsoft's default max inactive time) and are NOT single use:
/// Microsoft documents that a used refresh token keeps working until it expires, even though the
/// response carries a new one.
const REFRESH_LIFETIME: i64 = 90 * 24 * 3600;

fn invalid_grant(code: u32, msg: impl Into<String>) -> StsError {
    StsError::bad("invalid_grant", code, msg)
}

pub fn authorization_code(
    st: &SimState,
    seg: &str,
    tenant: TenantSeg,
    form: &Form,
) -> Result<HttpResponse, StsError> {
    let tid = match &tenant {
        TenantSeg::Specific(t) => Some(t.id()),
        _ => None,
    };
    let code = form.get("code").ok_or_else(|| missing("code"))?.clone();
    let grant = st.auth.lock().codes.get(&code).cloned().ok_or_else(|| {
        invalid_grant(9002313, "Invalid request. Request is malformed or invalid.")
    })?;
    let auth = authenticate_client(st, seg, tid.or(Some(grant.tenant)), form)?;
    if grant.redeemed {
        return Err(invalid_grant(
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if grant.issued_at + CODE_LIFETIME < st.now() {
        return Err(invalid_grant(
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    if let Some(t) = tid
        && t != grant.tenant
    {
        return Err(invalid_grant(
            700005,
            "Provided Authorization Code is intended to use against other tenant, thus rejected.",
        ));
    }
    let redirect = form
        .get("redirect_uri")
        .ok_or_else(|| missing("redirect_uri"))?;
    if *redirect != grant.redirect_uri {
        return Err(invalid_grant(
            50011,
            format!(
                "The redirect URI '{redirect}' specified in the request does not match the redirect URI used to obtain the authorization code."
            ),
        ));
    }
    if let Some((challenge, method)) = &grant.code_challenge {
        let verifier = form
            .get("code_verifier")
            .map(String::as_str)
            .unwrap_or_default();
        let computed = if method.eq_ignore_ascii_case("S256") {
            b64url(&Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.to_string()
        };
        if verifier.is_empty() || computed != *challenge {
            return Err(invalid_grant(
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            ));
        }
    }
    if grant.mfa_pending {
        return Err(invalid_grant(
            50076,
            format!("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{GRAPH_AUDIENCE}'."),
        )
        .with_suberror("basic_action")
        .with_claims(r#"{"access_token":{"capolids":{"essential":true,"values":["4c4d4e6f-1a2b-4c3d-9e8f-7a6b5c4d3e2f"]}}}"#.into()));
    }
    if let Some(g) = st.auth.lock().codes.get_mut(&code) {
        g.redeemed = true;
    }
    respond_for_user(
        st,
        grant.tenant,
        grant.user,
        &grant.scopes,
        grant.nonce.as_deref(),
        auth.appidacr,
        wants_client_info(form),
    )
}

/// MSAL sends `client_info=1` and keys its account cache by the answer's `client_info`.
fn wants_client_info(form: &Form) -> bool {
    form.get("client_info").is_some_and(|v| v == "1")
}

pub fn refresh_token(
    st: &SimState,
    seg: &str,
    tenant: TenantSeg,
    form: &Form,
) -> Result<HttpResponse, StsError> {
    let tid = match &tenant {
        TenantSeg::Specific(t) => Some(t.id()),
        _ => None,
    };
    let rt = form
        .get("refresh_token")
        .ok_or_else(|| missing("refresh_token"))?
        .clone();
    let grant = st
        .auth
        .lock()
        .refresh_tokens
        .get(&rt)
        .cloned()
        .ok_or_else(|| {
            invalid_grant(9002313, "Invalid request. Request is malformed or invalid.")
        })?;
    let auth = authenticate_client(st, seg, tid.or(Some(grant.tenant)), form)?;
    if let Some(t) = tid
        && t != grant.tenant
    {
        return Err(invalid_grant(
            700005,
            "Provided refresh token is intended to use against other tenant, thus rejected.",
        ));
    }
    if grant.issued_at + REFRESH_LIFETIME < st.now() {
        return Err(invalid_grant(
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    respond_for_user(
        st,
        grant.tenant,
        grant.user,
        &grant.scopes,
        None,
        auth.appidacr,
        wants_client_info(form),
    )
}

fn respond_for_user(
    st: &SimState,
    tenant: Uuid,
    user: Uuid,
    scopes: &[String],
    nonce: Option<&str>,
    appidacr: &str,
    client_info: bool,
) -> Result<HttpResponse, StsError> {
    let cell = st
        .store
        .get(&tenant)
        .ok_or_else(|| invalid_grant(90002, format!("Tenant '{tenant}' not found.")))?;
    let (upn, name, mail, given, family) = {
        let dir = cell.dir.read();
        let idx = dir
            .user_idx_by_id(&user)
            .filter(|i| dir.users[*i as usize].is_live())
            .ok_or_else(|| {
                invalid_grant(50034, "The user account does not exist in the directory.")
            })?;
        let u = &dir.users[idx as usize];
        if !u.account_enabled {
            return Err(invalid_grant(50057, "The user account is disabled."));
        }
        (
            u.upn.clone(),
            u.display_name.clone(),
            u.mail.clone(),
            u.given_name.clone(),
            u.surname.clone(),
        )
    };
    let ctx = UserContext {
        tenant,
        oid: user,
        upn: &upn,
        name: &name,
        email: mail.as_deref(),
        given_name: given.as_deref(),
        family_name: family.as_deref(),
    };
    let graph_scopes: Vec<String> = scopes
        .iter()
        .filter_map(|s| {
            s.strip_prefix("https://graph.microsoft.com/")
                .map(str::to_string)
        })
        .filter(|s| s != ".default")
        .collect();
    let scp = if graph_scopes.is_empty() {
        "User.Read".to_string()
    } else {
        graph_scopes.join(" ")
    };
    let fail = |e: anyhow::Error| {
        StsError::bad("server_error", 90000, format!("token signing failed: {e}"))
    };
    let access = delegated_token(st, &ctx, &format!("{scp} openid profile email"), appidacr)
        .map_err(fail)?;
    let mut granted: Vec<String> = scopes
        .iter()
        .filter(|s| matches!(s.as_str(), "openid" | "profile" | "email"))
        .cloned()
        .collect();
    granted.extend(scp.split(' ').map(|s| format!("{GRAPH_AUDIENCE}/{s}")));
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted.join(" "),
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "ext_expires_in": ACCESS_TOKEN_LIFETIME,
        "access_token": access,
    });
    if scopes.iter().any(|s| s == "openid") {
        body["id_token"] = json!(id_token(st, &ctx, nonce, scopes).map_err(fail)?);
    }
    if scopes.iter().any(|s| s == "offline_access") {
        let rt = random_token();
        st.auth.lock().refresh_tokens.insert(
            rt.clone(),
            RefreshGrant {
                tenant,
                user,
                scopes: scopes.to_vec(),
                issued_at: st.now(),
            },
        );
        body["refresh_token"] = json!(rt);
    }
    if client_info {
        // base64url JSON {"uid": oid, "utid": tid}: MSAL's home account id is `uid.utid`.
        let info = json!({"uid": user, "utid": tenant}).to_string();
        body["client_info"] = json!(b64url(info.as_bytes()));
    }
    Ok(token_ok(body))
}
