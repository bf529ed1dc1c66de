//! `POST /{tenant}/oauth2/v2.0/token`: client credentials (secret post/basic, certificate assertion) and the
//! dispatch to the authorization-code / refresh-token grants in [`super::token_user`].

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

use super::assertion::{self, ASSERTION_TYPE};
use super::errors::StsError;
use super::issue::{ACCESS_TOKEN_LIFETIME, AppToken, GRAPH_APP_ID, GRAPH_AUDIENCE, app_token};
use super::tenant::{SegError, TenantSeg, classify};
use crate::state::SimState;
use crate::store::TenantCell;
use crate::util::b64std_decode;

pub type Form = HashMap<String, String>;

pub fn parse_form(body: &[u8]) -> Form {
    let mut out = Form::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
}

pub fn missing(param: &str) -> StsError {
    StsError::bad(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

pub async fn token(
    st: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    match handle(&st, &req, &path, &body) {
        Ok(r) => r,
        Err(e) => e.respond(&st, &req),
    }
}

/// The verified client: how it authenticated (`appidacr`).
pub struct ClientAuth {
    pub appidacr: &'static str,
}

pub fn seg_error(e: SegError) -> StsError {
    StsError::bad("invalid_request", e.code(), e.message())
}

fn handle(
    st: &SimState,
    req: &HttpRequest,
    seg: &str,
    body: &[u8],
) -> Result<HttpResponse, StsError> {
    let tenant = classify(st, seg).map_err(seg_error)?;
    let mut form = parse_form(body);
    let basic = basic_credentials(req);
    if let Some((id, secret)) = &basic {
        form.entry("client_id".into()).or_insert_with(|| id.clone());
        form.insert("__basic_secret".into(), secret.clone());
    }
    let grant = form
        .get("grant_type")
        .cloned()
        .ok_or_else(|| missing("grant_type"))?;
    let client_id = form
        .get("client_id")
        .cloned()
        .ok_or_else(|| missing("client_id"))?;
    let app_client_id = st.client_id();
    if !client_id.eq_ignore_ascii_case(&app_client_id) {
        let dir = match &tenant {
            TenantSeg::Specific(t) => t.meta.read().display_name.clone(),
            _ => seg.to_string(),
        };
        return Err(not_found_in_directory(&client_id, &dir));
    }
    match grant.as_str() {
        "client_credentials" => client_credentials(st, seg, tenant, &form),
        "authorization_code" => super::token_user::authorization_code(st, seg, tenant, &form),
        "refresh_token" => super::token_user::refresh_token(st, seg, tenant, &form),
        other => Err(StsError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

pub fn not_found_in_directory(client_id: &str, directory: &str) -> StsError {
    StsError::bad(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )
}

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let h = req.headers().get("authorization")?.to_str().ok()?;
    let rest = h
        .strip_prefix("Basic ")
        .or_else(|| h.strip_prefix("basic "))?;
    let raw = String::from_utf8(b64std_decode(rest.trim())?).ok()?;
    let (id, secret) = raw.split_once(':')?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((dec(id)?, dec(secret)?))
}

/// Secret (post or basic) or certificate assertion; exactly the §2.4/2.5 failures.
pub fn authenticate_client(
    st: &SimState,
    seg: &str,
    tid: Option<Uuid>,
    form: &Form,
) -> Result<ClientAuth, StsError> {
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let secret = form
        .get("client_secret")
        .or_else(|| form.get("__basic_secret"));
    if let Some(secret) = secret {
        let expected = st.app.read().client_secret.clone();
        if !constant_eq(secret.as_bytes(), expected.as_bytes()) {
            return Err(StsError::client(
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
            ));
        }
        return Ok(ClientAuth { appidacr: "1" });
    }
    if let Some(jwt) = form.get("client_assertion") {
        match form.get("client_assertion_type") {
            Some(t) if t == ASSERTION_TYPE => {}
            Some(_) => {
                return Err(StsError::bad(
                    "invalid_request",
                    50027,
                    "Invalid client_assertion_type; expected urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                ));
            }
            None => return Err(missing("client_assertion_type")),
        }
        assertion::verify(st, seg, tid, &client_id, jwt)?;
        return Ok(ClientAuth { appidacr: "2" });
    }
    Err(StsError::client(
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The single `/.default` resource a client-credentials request may ask for.
fn check_cc_scope(form: &Form, tenant: &TenantCell) -> Result<(), StsError> {
    let scope = form.get("scope").ok_or_else(|| missing("scope"))?;
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.is_empty() {
        return Err(missing("scope"));
    }
    if let Some(bad) = scopes.iter().find(|s| !s.ends_with("/.default")) {
        return Err(StsError::bad(
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {bad} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        ));
    }
    let resources: std::collections::HashSet<&str> = scopes
        .iter()
        .map(|s| s.trim_end_matches("/.default").trim_end_matches('/'))
        .collect();
    if resources.len() > 1 {
        return Err(StsError::bad(
            "invalid_scope",
            70011,
            format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. Scopes for more than one resource were requested."
            ),
        ));
    }
    let resource = resources.into_iter().next().unwrap_or_default();
    if !(resource.eq_ignore_ascii_case(GRAPH_AUDIENCE)
        || resource.eq_ignore_ascii_case(GRAPH_APP_ID))
    {
        return Err(StsError::bad(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                tenant.meta.read().display_name
            ),
        ));
    }
    Ok(())
}

fn client_credentials(
    st: &SimState,
    seg: &str,
    tenant: TenantSeg,
    form: &Form,
) -> Result<HttpResponse, StsError> {
    let cell: Arc<TenantCell> = match tenant {
        TenantSeg::Specific(t) => t,
        _ => {
            return Err(StsError::bad(
                "invalid_request",
                9001023,
                "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
            ));
        }
    };
    check_cc_scope(form, &cell)?;
    let (tid, name, region, created) = {
        let m = cell.meta.read();
        (
            m.id,
            m.display_name.clone(),
            m.region_scope.clone(),
            m.created,
        )
    };
    let now = st.now();
    let (consent, faults) = {
        let c = cell.control.lock();
        (c.consent.clone(), c.faults.clone())
    };
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let consent = match consent {
        Some(c) if c.granted_at + faults.consent_propagation_seconds as i64 <= now => c,
        _ => return Err(not_found_in_directory(&client_id, &name)),
    };
    let auth = authenticate_client(st, seg, Some(tid), form)?;
    if faults.token_ca_block {
        return Err(StsError::bad(
            &faults.token_ca_error,
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        ));
    }
    let token = app_token(
        st,
        &AppToken {
            tenant: tid,
            sp_object_id: consent.sp_object_id,
            roles: &consent.roles,
            appidacr: auth.appidacr,
            region: &region,
            tenant_created: created,
        },
    )
    .map_err(|e| StsError::bad("server_error", 90000, format!("token signing failed: {e}")))?;
    Ok(token_ok(json!({
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "ext_expires_in": ACCESS_TOKEN_LIFETIME,
        "access_token": token,
    })))
}

pub fn token_ok(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store, no-cache"))
        .insert_header(("Pragma", "no-cache"))
        .insert_header(("x-ms-request-id", Uuid::new_v4().to_string()))
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}
