//! OpenID discovery documents (v2 and v1), JWKS (v2 and v1 paths) and MSAL's instance-discovery endpoint.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::errors::StsError;
use super::tenant::{MSA_TENANT, SegError, TenantSeg, classify};
use crate::state::SimState;

type Data = web::Data<SimState>;

/// (segment used in endpoint URLs, issuer tenant part, tenant_region_scope)
fn resolve(st: &SimState, seg: &str) -> Result<(String, String, Value), SegError> {
    Ok(match classify(st, seg)? {
        TenantSeg::Specific(t) => {
            let m = t.meta.read();
            (m.id.to_string(), m.id.to_string(), json!(m.region_scope))
        }
        TenantSeg::Organizations => ("organizations".into(), "{tenantid}".into(), Value::Null),
        TenantSeg::Common => ("common".into(), "{tenantid}".into(), Value::Null),
        TenantSeg::Consumers => ("consumers".into(), MSA_TENANT.into(), Value::Null),
    })
}

fn invalid_tenant(st: &SimState, req: &HttpRequest, e: SegError) -> HttpResponse {
    StsError::bad("invalid_tenant", e.code(), e.message()).respond(st, req)
}

fn cacheable(doc: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "max-age=86400, private"))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .content_type("application/json; charset=utf-8")
        .body(doc.to_string())
}

pub async fn v2(st: Data, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (seg, iss_tenant, region) = match resolve(&st, &path) {
        Ok(r) => r,
        Err(e) => return invalid_tenant(&st, &req, e),
    };
    let l = &st.login_base;
    cacheable(json!({
        "token_endpoint": format!("{l}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{l}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{l}/{iss_tenant}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/oidc/userinfo", st.graph_base),
        "authorization_endpoint": format!("{l}/{seg}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{l}/{seg}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{l}/{seg}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid",
            "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{l}/{seg}/kerberos"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": st.graph_host(),
        "rbac_url": "https://pas.windows.net",
    }))
}

pub async fn v1(st: Data, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let (seg, iss_tenant, region) = match resolve(&st, &path) {
        Ok(r) => r,
        Err(e) => return invalid_tenant(&st, &req, e),
    };
    let l = &st.login_base;
    cacheable(json!({
        "token_endpoint": format!("{l}/{seg}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{l}/{seg}/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": format!("https://sts.windows.net/{iss_tenant}/"),
        "microsoft_multi_refresh_token": true,
        "authorization_endpoint": format!("{l}/{seg}/oauth2/authorize"),
        "device_authorization_endpoint": format!("{l}/{seg}/oauth2/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{l}/{seg}/oauth2/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name",
            "family_name", "nickname"],
        "check_session_iframe": format!("{l}/{seg}/oauth2/checksession"),
        "userinfo_endpoint": format!("{l}/{seg}/openid/userinfo"),
        "kerberos_endpoint": format!("{l}/{seg}/kerberos"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": st.graph_host(),
        "rbac_url": "https://pas.windows.net",
    }))
}

fn jwks(st: &SimState, issuer: &str) -> Value {
    let keys = st.keys.read();
    let list: Vec<Value> = keys
        .published
        .iter()
        .map(|k| {
            json!({"kty": "RSA", "use": "sig", "kid": k.kid, "x5t": k.x5t, "n": k.n, "e": k.e,
                   "x5c": [k.x5c], "issuer": issuer})
        })
        .collect();
    json!({ "keys": list })
}

pub async fn keys_v2(st: Data, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    match resolve(&st, &path) {
        Ok(_) => cacheable(jwks(&st, &format!("{}/{{tenantid}}/v2.0", st.login_base))),
        Err(e) => invalid_tenant(&st, &req, e),
    }
}

pub async fn keys_v1(st: Data, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    match resolve(&st, &path) {
        Ok(_) => cacheable(jwks(&st, "https://sts.windows.net/{tenantid}/")),
        Err(e) => invalid_tenant(&st, &req, e),
    }
}

/// MSAL's `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…`.
pub async fn instance(st: Data, path: web::Path<String>) -> HttpResponse {
    let host = st.login_host();
    cacheable(json!({
        "tenant_discovery_endpoint": format!("{}/{}/v2.0/.well-known/openid-configuration", st.login_base, path.as_str()),
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }))
}
