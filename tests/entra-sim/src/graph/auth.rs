//! Bearer-token verification on Graph calls, with the simulator's own signing keys, and the permission check.

use actix_web::HttpRequest;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use std::sync::Arc;
use uuid::Uuid;

use super::response::GraphError;
use crate::identity::issue::{AccessClaims, GRAPH_APP_ID, GRAPH_AUDIENCE};
use crate::state::SimState;
use crate::store::TenantCell;

pub struct Caller {
    pub tenant: Arc<TenantCell>,
    pub app_id: String,
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    pub user: Option<Uuid>,
}

fn unauthorized(st: &SimState, msg: &str) -> GraphError {
    GraphError::new(401, "InvalidAuthenticationToken", msg).header(
        "WWW-Authenticate",
        format!(
            "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"{GRAPH_APP_ID}\"",
            st.login_base
        ),
    )
}

pub fn authenticate(st: &SimState, req: &HttpRequest) -> Result<Caller, GraphError> {
    let header = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .unwrap_or("");
    if token.is_empty() {
        return Err(unauthorized(st, "Access token is empty."));
    }
    let parse_fail = || unauthorized(st, "CompactToken parsing failed with error code: 80049217");
    let h = decode_header(token).map_err(|_| parse_fail())?;
    if h.alg != Algorithm::RS256 {
        return Err(unauthorized(
            st,
            "Access token validation failure. Invalid signature algorithm.",
        ));
    }
    let key = h
        .kid
        .as_deref()
        .and_then(|kid| st.keys.read().find(kid))
        .ok_or_else(|| {
            unauthorized(
                st,
                "Access token validation failure. Signing key not found.",
            )
        })?;
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims = decode::<AccessClaims>(token, &key.decoding, &v)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                unauthorized(st, "Access token validation failure. Invalid signature.")
            }
            _ => parse_fail(),
        })?
        .claims;
    let now = st.now();
    if claims.exp <= now || claims.nbf > now + 300 {
        return Err(unauthorized(
            st,
            "Access token has expired or is not yet valid.",
        ));
    }
    if claims.aud != GRAPH_AUDIENCE && claims.aud != GRAPH_APP_ID {
        return Err(unauthorized(
            st,
            "Access token validation failure. Invalid audience.",
        ));
    }
    let tid = Uuid::try_parse(&claims.tid).map_err(|_| parse_fail())?;
    if claims.iss != format!("https://sts.windows.net/{tid}/") {
        return Err(unauthorized(
            st,
            "Access token validation failure. Invalid issuer.",
        ));
    }
    let tenant = st
        .store
        .get(&tid)
        .ok_or_else(|| unauthorized(st, "Access token validation failure. Invalid tenant."))?;
    let user = match claims.idtyp.as_deref() {
        Some("user") => Uuid::try_parse(&claims.oid).ok(),
        _ => None,
    };
    Ok(Caller {
        tenant,
        app_id: claims.appid,
        roles: claims.roles.unwrap_or_default(),
        scopes: claims
            .scp
            .map(|s| s.split(' ').map(str::to_string).collect())
            .unwrap_or_default(),
        user,
    })
}

/// What a route needs.
#[derive(Copy, Clone, Debug)]
pub enum Need {
    ReadUsers,
    ReadGroups,
    ReadOrganization,
    Me,
}

impl Caller {
    pub fn allowed(&self, need: Need) -> bool {
        let (app, delegated): (&[&str], &[&str]) = match need {
            Need::ReadUsers => (
                &[
                    "User.Read.All",
                    "User.ReadWrite.All",
                    "User.ReadBasic.All",
                    "Directory.Read.All",
                    "Directory.ReadWrite.All",
                ],
                &[
                    "User.Read.All",
                    "User.ReadBasic.All",
                    "User.ReadWrite.All",
                    "Directory.Read.All",
                    "Directory.AccessAsUser.All",
                ],
            ),
            Need::ReadGroups => (
                &[
                    "Group.Read.All",
                    "Group.ReadWrite.All",
                    "GroupMember.Read.All",
                    "Directory.Read.All",
                    "Directory.ReadWrite.All",
                ],
                &[
                    "Group.Read.All",
                    "GroupMember.Read.All",
                    "Directory.Read.All",
                    "Directory.AccessAsUser.All",
                ],
            ),
            Need::ReadOrganization => (
                &[
                    "Organization.Read.All",
                    "Organization.ReadWrite.All",
                    "Directory.Read.All",
                    "Directory.ReadWrite.All",
                ],
                &[
                    "User.Read",
                    "Organization.Read.All",
                    "Directory.Read.All",
                    "Directory.AccessAsUser.All",
                ],
            ),
            Need::Me => (
                &[],
                &[
                    "User.Read",
                    "User.ReadWrite",
                    "User.Read.All",
                    "Directory.Read.All",
                ],
            ),
        };
        if self.user.is_some() {
            self.scopes.iter().any(|s| delegated.contains(&s.as_str()))
        } else {
            self.roles.iter().any(|r| app.contains(&r.as_str()))
        }
    }
}
