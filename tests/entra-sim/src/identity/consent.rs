//! Admin consent: `/{tenant}/v2.0/adminconsent` (§1.1, §1.3) and the legacy `/{tenant}/adminconsent` (§1.2).
//!
//! The consenting administrator signs in first, with the same knobs as `/authorize`: a disabled account gets
//! the 50057 page; tenant `signin_ca_block` / user `ca_block` redirect `error=access_denied` (AADSTS53003),
//! tenant `signin_mfa_required` / user `mfa_required` redirect `error=interaction_required` (AADSTS50076);
//! then `consent_not_admin` / user `not_admin` show the 90094 page (no redirect), `consent_decline`
//! redirects 65004, and otherwise consent is recorded and the app redirected with `admin_consent=True`.

use actix_web::{HttpRequest, HttpResponse, web};
use std::collections::HashMap;

use super::authorize::mismatch;
use super::errors::{html_page, redirect_description};
use super::signin::{Pick, login_page, pick_user, redirect};
use super::tenant::{TenantSeg, classify};
use crate::state::SimState;
use crate::store::Consent;

type Query = web::Query<HashMap<String, String>>;

pub async fn v2(
    st: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: Query,
) -> HttpResponse {
    admin_consent(&st, &req, &path, &q.into_inner(), true)
}

pub async fn v1(
    st: web::Data<SimState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: Query,
) -> HttpResponse {
    admin_consent(&st, &req, &path, &q.into_inner(), false)
}

fn admin_consent(
    st: &SimState,
    req: &HttpRequest,
    seg: &str,
    q: &HashMap<String, String>,
    v2: bool,
) -> HttpResponse {
    let get = |k: &str| q.get(k).map(String::as_str);
    let app = st.app.read().clone();
    let Some(client_id) = get("client_id") else {
        return html_page(
            st,
            400,
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !client_id.eq_ignore_ascii_case(&app.client_id) {
        return html_page(
            st,
            400,
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{seg}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        );
    }
    let redirect_uri = match get("redirect_uri") {
        Some(r) if app.redirect_uris.iter().any(|u| u == r) => r.to_string(),
        Some(r) => return html_page(st, 400, 50011, &mismatch(r, client_id)),
        None if !v2 && !app.redirect_uris.is_empty() => app.redirect_uris[0].clone(),
        None => {
            return html_page(
                st,
                400,
                900144,
                "The request body must contain the following parameter: 'redirect_uri'.",
            );
        }
    };
    let seg_kind = match classify(st, seg) {
        Ok(TenantSeg::Consumers) => {
            return html_page(
                st,
                400,
                90094,
                "Personal Microsoft accounts cannot grant admin consent.",
            );
        }
        Ok(t) => t,
        Err(e) => return html_page(st, 400, e.code(), &e.message()),
    };
    let state = get("state").map(str::to_string);
    let scope = get("scope").map(str::to_string);
    let with_state = |mut p: Vec<(&'static str, String)>| {
        if let Some(s) = &state {
            p.push(("state", s.clone()));
        }
        p
    };
    let go = |p: Vec<(&'static str, String)>| {
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        redirect(&redirect_uri, "query", &refs)
    };
    if v2 && scope.as_deref().is_none_or(|s| s.trim().is_empty()) {
        let desc = redirect_description(
            st,
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
        return go(with_state(vec![
            ("admin_consent", "True".into()),
            ("error", "invalid_request".into()),
            ("error_description", desc),
        ]));
    }
    let who = match pick_user(st, &seg_kind, get("login_hint")) {
        Pick::User(u) => u,
        Pick::Nobody => return login_page(req.path(), q),
        Pick::UnknownHint(h) => {
            return html_page(
                st,
                400,
                50034,
                &format!("The user account {h} does not exist in the directory."),
            );
        }
        Pick::WrongTenant(upn, name) => {
            return html_page(
                st,
                400,
                50020,
                &format!(
                    "User account '{upn}' from identity provider 'live.com' does not exist in tenant '{name}' and cannot access the application '{client_id}'({}) in that tenant.",
                    app.display_name
                ),
            );
        }
    };
    let cell = who.tenant.clone();
    let faults = cell.faults();
    // Sign-in comes before the consent page: a disabled account never gets there (page), and
    // Conditional Access / MFA failures of the consenting admin's sign-in are redirected to the
    // app like any other authorization error (v2 keeps `admin_consent=True`).
    if !who.enabled {
        return html_page(
            st,
            400,
            50057,
            "The user account is disabled. The account has been disabled by an administrator.",
        );
    }
    let signin_error = if faults.signin_ca_block || who.faults.ca_block {
        Some((
            "access_denied",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        ))
    } else if faults.signin_mfa_required || who.faults.mfa_required {
        Some((
            "interaction_required",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'https://graph.microsoft.com'.",
        ))
    } else {
        None
    };
    if let Some((error, code, message)) = signin_error {
        let mut p = Vec::new();
        if v2 {
            p.push(("admin_consent", "True".to_string()));
        }
        p.push(("error", error.to_string()));
        p.push(("error_description", redirect_description(st, code, message)));
        return go(with_state(p));
    }
    if faults.consent_not_admin || who.faults.not_admin {
        return html_page(
            st,
            200,
            90094,
            &format!(
                "{} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.",
                app.display_name
            ),
        );
    }
    if faults.consent_decline {
        if !v2 {
            return go(with_state(vec![
                ("error", "permission_denied".into()),
                ("error_description", "The admin canceled the request".into()),
            ]));
        }
        let desc = redirect_description(
            st,
            65004,
            "The resource owner or authorization server denied the request.",
        );
        return go(with_state(vec![
            ("admin_consent", "True".into()),
            ("error", faults.consent_decline_error.clone()),
            ("error_description", desc),
        ]));
    }
    // Application permissions (app roles) only come with `/.default` (v2) or always (v1).
    let default_scope = !v2
        || scope
            .as_deref()
            .is_some_and(|s| s.split_whitespace().any(|x| x.ends_with("/.default")));
    let roles = if default_scope {
        faults
            .consent_roles
            .clone()
            .unwrap_or_else(|| app.app_roles.clone())
    } else {
        Vec::new()
    };
    let now = st.now();
    {
        let mut c = cell.control.lock();
        let sp = c
            .consent
            .as_ref()
            .map(|c| c.sp_object_id)
            .unwrap_or_else(uuid::Uuid::new_v4);
        c.consent = Some(Consent {
            sp_object_id: sp,
            roles,
            delegated: app.delegated_scopes.clone(),
            granted_at: now,
        });
    }
    let tid = cell.id().to_string();
    if v2 {
        go(with_state(vec![
            ("admin_consent", "True".into()),
            ("tenant", tid),
            ("scope", scope.unwrap_or_default()),
        ]))
    } else {
        let mut p = vec![("tenant", tid)];
        if let Some(s) = &state {
            p.push(("state", s.clone()));
        }
        p.push(("admin_consent", "True".into()));
        go(p)
    }
}
