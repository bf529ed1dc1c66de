//! `GET /{tenant}/oauth2/v2.0/authorize`: authorization code + PKCE + nonce + state (§3.3), with the
//! sign-in failures (53003, 50076, 50105) driven by tenant and user knobs. Also `…/logout`.

use actix_web::{HttpRequest, HttpResponse, web};
use std::collections::HashMap;
use uuid::Uuid;

use super::errors::{html_page, redirect_description};
use super::signin::{Pick, login_page, pick_user, redirect};
use super::tenant::classify;
use crate::state::{CodeGrant, SimState};
use crate::util::random_token;

type Query = web::Query<HashMap<String, String>>;

pub async fn authorize(
    st: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: Query,
) -> HttpResponse {
    let seg = path.into_inner();
    let q = q.into_inner();
    let get = |k: &str| q.get(k).map(String::as_str);
    let app = st.app.read().clone();
    let Some(client_id) = get("client_id") else {
        return html_page(
            &st,
            400,
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !client_id.eq_ignore_ascii_case(&app.client_id) {
        return html_page(
            &st,
            400,
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{seg}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        );
    }
    let redirect_uri = match get("redirect_uri") {
        Some(r) if app.redirect_uris.iter().any(|u| u == r) => r.to_string(),
        Some(r) => return html_page(&st, 400, 50011, &mismatch(r, client_id)),
        None => match app.redirect_uris.first() {
            Some(r) => r.clone(),
            None => {
                return html_page(
                    &st,
                    400,
                    500113,
                    "No reply address is registered for the application.",
                );
            }
        },
    };
    let tenant = match classify(&st, &seg) {
        Ok(t) => t,
        Err(e) => return html_page(&st, 400, e.code(), &e.message()),
    };
    let mode = get("response_mode").unwrap_or("query").to_string();
    let state = get("state").map(str::to_string);
    let fail = |error: &str, code: u32, msg: &str| {
        let desc = redirect_description(&st, code, msg);
        let mut p: Vec<(&str, &str)> = vec![("error", error), ("error_description", &desc)];
        if let Some(s) = &state {
            p.push(("state", s));
        }
        redirect(&redirect_uri, &mode, &p)
    };
    if get("response_type") != Some("code") {
        let rt = get("response_type").unwrap_or("");
        if rt.is_empty() {
            return fail(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'response_type'.",
            );
        }
        return fail(
            "unsupported_response_type",
            700054,
            &format!("response_type '{rt}' is not enabled for the application."),
        );
    }
    let scopes: Vec<String> = get("scope")
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if scopes.is_empty() {
        return fail(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, _) => None,
        (Some(c), m) => {
            let m = m.unwrap_or("plain");
            if !(m.eq_ignore_ascii_case("S256") || m.eq_ignore_ascii_case("plain")) {
                return fail(
                    "invalid_request",
                    501491,
                    "Invalid code_challenge_method; supported: S256, plain.",
                );
            }
            if !(43..=128).contains(&c.len()) {
                return fail(
                    "invalid_request",
                    501491,
                    "Invalid size of Code_Challenge parameter.",
                );
            }
            Some((c.to_string(), m.to_string()))
        }
    };
    let prompt_none = get("prompt") == Some("none");
    let who = match pick_user(&st, &tenant, get("login_hint")) {
        Pick::User(u) => u,
        Pick::Nobody if prompt_none => {
            return fail(
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
            );
        }
        Pick::Nobody => return login_page(req.path(), &q),
        Pick::UnknownHint(h) => {
            return html_page(
                &st,
                400,
                50034,
                &format!(
                    "The user account {h} does not exist in the directory. To sign into this application, the account must be added to the directory."
                ),
            );
        }
        Pick::WrongTenant(upn, tenant_name) => {
            return html_page(
                &st,
                400,
                50020,
                &format!(
                    "User account '{upn}' from identity provider 'live.com' does not exist in tenant '{tenant_name}' and cannot access the application '{client_id}'({}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.",
                    app.display_name
                ),
            );
        }
    };
    if !who.enabled {
        return html_page(
            &st,
            400,
            50057,
            "The user account is disabled. The account has been disabled by an administrator.",
        );
    }
    let faults = who.tenant.faults();
    if faults.signin_ca_block || who.faults.ca_block {
        return fail(
            "access_denied",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        );
    }
    let mfa = faults.signin_mfa_required || who.faults.mfa_required;
    if mfa && (faults.mfa_at == "authorize" || prompt_none) {
        return fail(
            "interaction_required",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'https://graph.microsoft.com'.",
        );
    }
    if faults.signin_not_assigned || who.faults.not_assigned {
        let msg = format!(
            "Your administrator has configured the application {} ('{}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.",
            app.display_name, app.client_id, who.upn
        );
        if faults.not_assigned_page {
            return html_page(&st, 200, 50105, &msg);
        }
        return fail("access_denied", 50105, &msg);
    }
    let code = random_token();
    st.auth.lock().codes.insert(
        code.clone(),
        CodeGrant {
            tenant: who.tenant.id(),
            user: who.user,
            redirect_uri: redirect_uri.clone(),
            scopes,
            nonce: get("nonce").map(str::to_string),
            code_challenge: challenge,
            issued_at: st.now(),
            redeemed: false,
            mfa_pending: mfa,
        },
    );
    let session = Uuid::new_v4().to_string();
    let mut p: Vec<(&str, &str)> = vec![("code", &code)];
    if let Some(s) = &state {
        p.push(("state", s));
    }
    p.push(("session_state", &session));
    redirect(&redirect_uri, &mode, &p)
}

pub fn mismatch(redirect: &str, client_id: &str) -> String {
    format!(
        "The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
    )
}

/// `GET /{tenant}/oauth2/v2.0/logout[?post_logout_redirect_uri=…]`.
pub async fn logout(q: Query) -> HttpResponse {
    match q.get("post_logout_redirect_uri") {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            let mut loc = u.clone();
            if let Some(s) = q.get("state") {
                let enc: String = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("state", s)
                    .finish();
                loc.push(if loc.contains('?') { '&' } else { '?' });
                loc.push_str(&enc);
            }
            HttpResponse::Found()
                .insert_header(("Location", loc))
                .finish()
        }
        _ => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(
                "<!DOCTYPE html><html><body><p>You signed out of your account.</p></body></html>",
            ),
    }
}
