//! Who is signing in: `login_hint`, else the user chosen through the control API; plus the redirect helpers
//! and the minimal login page the browser sees when nobody is chosen.

use actix_web::HttpResponse;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

use super::tenant::TenantSeg;
use crate::state::SimState;
use crate::store::TenantCell;
use crate::store::faults::UserFaults;
use crate::util::html_escape;

pub struct SignedIn {
    pub tenant: Arc<TenantCell>,
    pub user: Uuid,
    pub upn: String,
    pub enabled: bool,
    pub faults: UserFaults,
}

pub enum Pick {
    User(SignedIn),
    /// Nobody chosen and no hint: show the login page.
    Nobody,
    /// The hint names no user (AADSTS50034).
    UnknownHint(String),
    /// The chosen user belongs to another tenant (AADSTS50020).
    WrongTenant(String, String),
}

fn signed_in(tenant: Arc<TenantCell>, idx: u32) -> SignedIn {
    let (user, upn, enabled, faults) = {
        let dir = tenant.dir.read();
        let u = &dir.users[idx as usize];
        (u.id, u.upn.clone(), u.account_enabled, u.faults)
    };
    SignedIn {
        tenant,
        user,
        upn,
        enabled,
        faults,
    }
}

pub fn pick_user(st: &SimState, seg: &TenantSeg, login_hint: Option<&str>) -> Pick {
    let specific = match seg {
        TenantSeg::Specific(t) => Some(t.clone()),
        _ => None,
    };
    if let Some(hint) = login_hint.filter(|h| !h.trim().is_empty()) {
        let candidates = match &specific {
            Some(t) => vec![t.clone()],
            None => st.store.all(),
        };
        for t in candidates {
            let idx = {
                let dir = t.dir.read();
                dir.user_idx_by_upn(hint.trim())
                    .filter(|i| dir.users[*i as usize].is_live())
            };
            if let Some(idx) = idx {
                return Pick::User(signed_in(t, idx));
            }
        }
        if let Some(t) = &specific {
            // A user of another tenant signing in to this one.
            for other in st.store.all() {
                let hit = other.dir.read().user_idx_by_upn(hint.trim()).is_some();
                if hit && other.id() != t.id() {
                    return Pick::WrongTenant(hint.to_string(), t.meta.read().display_name.clone());
                }
            }
        }
        return Pick::UnknownHint(hint.to_string());
    }
    let chosen = st.auth.lock().signin;
    let Some((tid, uid)) = chosen else {
        return Pick::Nobody;
    };
    let Some(cell) = st.store.get(&tid) else {
        return Pick::Nobody;
    };
    let idx = {
        let dir = cell.dir.read();
        dir.user_idx_by_id(&uid)
            .filter(|i| dir.users[*i as usize].is_live())
    };
    let Some(idx) = idx else { return Pick::Nobody };
    if let Some(t) = &specific
        && t.id() != tid
    {
        let upn = cell.dir.read().users[idx as usize].upn.clone();
        return Pick::WrongTenant(upn, t.meta.read().display_name.clone());
    }
    Pick::User(signed_in(cell, idx))
}

/// 302 to `redirect_uri` with `params` in the query (or an auto-posting form for `response_mode=form_post`,
/// or the fragment for `fragment`).
pub fn redirect(redirect_uri: &str, mode: &str, params: &[(&str, &str)]) -> HttpResponse {
    if mode == "form_post" {
        let inputs: String = params
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                    html_escape(k),
                    html_escape(v)
                )
            })
            .collect();
        return HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
            "<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\"><form method=\"POST\" action=\"{}\">{inputs}<noscript><input type=\"submit\" value=\"Continue\"/></noscript></form></body></html>",
            html_escape(redirect_uri)
        ));
    }
    let encoded: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let location = if mode == "fragment" {
        format!("{redirect_uri}#{encoded}")
    } else if redirect_uri.contains('?') {
        format!("{redirect_uri}&{encoded}")
    } else {
        format!("{redirect_uri}?{encoded}")
    };
    HttpResponse::Found()
        .insert_header(("Location", location))
        .finish()
}

/// The simulator's stand-in for the Entra sign-in page: a form that repeats the request with a `login_hint`.
pub fn login_page(action: &str, query: &HashMap<String, String>) -> HttpResponse {
    let hidden: String = query
        .iter()
        .filter(|(k, _)| k.as_str() != "login_hint")
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Sign in</h1>\
         <p>entra-sim: no user is selected. Enter a user principal name (or choose one with PUT /_sim/signin).</p>\
         <form method=\"GET\" action=\"{}\">{hidden}<input name=\"login_hint\" placeholder=\"someone@example.com\"/>\
         <button type=\"submit\">Next</button></form></body></html>",
        html_escape(action)
    ))
}
