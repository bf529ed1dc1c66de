//! Minting tokens: Graph app-only and delegated access tokens (v1 claim set, §2.3) and v2 ID tokens (§3.5).

use jsonwebtoken::{Algorithm, Header, encode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::state::SimState;
use crate::util::{b64url, random_token};

pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Lifetime of every access token the simulator issues (seconds; the `expires_in` value).
pub const ACCESS_TOKEN_LIFETIME: i64 = 3599;

/// The claims the Graph half reads back from a bearer token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub exp: i64,
    pub nbf: i64,
    pub tid: String,
    pub appid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    pub oid: String,
    #[serde(default)]
    pub idtyp: Option<String>,
}

fn sign(st: &SimState, claims: &Value, with_x5t: bool) -> anyhow::Result<String> {
    let key = st.keys.read().active.clone();
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    header.kid = Some(key.kid.clone());
    if with_x5t {
        header.x5t = Some(key.x5t.clone());
    }
    Ok(encode(&header, claims, &key.encoding)?)
}

fn short_random() -> String {
    random_token()[..22].to_string()
}

pub struct AppToken<'a> {
    pub tenant: Uuid,
    pub sp_object_id: Uuid,
    pub roles: &'a [String],
    /// `1` secret, `2` certificate.
    pub appidacr: &'a str,
    pub region: &'a str,
    pub tenant_created: i64,
}

/// A Graph app-only token. `roles` is absent when nothing is granted (the token is still issued).
pub fn app_token(st: &SimState, t: &AppToken<'_>) -> anyhow::Result<String> {
    let now = st.now();
    let app = st.app.read().clone();
    let iss = format!("https://sts.windows.net/{}/", t.tenant);
    let mut c = json!({
        "aud": GRAPH_AUDIENCE, "iss": iss, "idp": iss,
        "iat": now - 300, "nbf": now - 300, "exp": now + ACCESS_TOKEN_LIFETIME,
        "aio": short_random(), "app_displayname": app.display_name, "appid": app.client_id,
        "appidacr": t.appidacr, "idtyp": "app", "oid": t.sp_object_id, "sub": t.sp_object_id,
        "rh": format!("0.{}.", short_random()), "tenant_region_scope": t.region, "tid": t.tenant,
        "uti": short_random(), "ver": "1.0", "wids": ["0997a1d0-0d1d-4acb-b408-d5ca73121e90"],
        "xms_tcdt": t.tenant_created,
    });
    if !t.roles.is_empty() {
        c["roles"] = json!(t.roles);
    }
    sign(st, &c, true)
}

pub struct UserContext<'a> {
    pub tenant: Uuid,
    pub oid: Uuid,
    pub upn: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
}

/// Pairwise `sub`: stable per (app, user), different from `oid`.
pub fn pairwise_sub(client_id: &str, oid: &Uuid) -> String {
    b64url(&Sha256::digest(format!("{client_id}:{oid}").as_bytes()))[..43].to_string()
}

/// A delegated Graph access token (scp = the granted delegated scopes).
pub fn delegated_token(
    st: &SimState,
    u: &UserContext<'_>,
    scp: &str,
    appidacr: &str,
) -> anyhow::Result<String> {
    let now = st.now();
    let client_id = st.client_id();
    let iss = format!("https://sts.windows.net/{}/", u.tenant);
    let c = json!({
        "aud": GRAPH_AUDIENCE, "iss": iss, "iat": now - 300, "nbf": now - 300, "exp": now + ACCESS_TOKEN_LIFETIME,
        "acct": 0, "acr": "1", "aio": short_random(), "amr": ["pwd"], "app_displayname": st.app.read().display_name,
        "appid": client_id, "appidacr": appidacr, "idtyp": "user", "name": u.name, "oid": u.oid,
        "scp": scp, "sub": pairwise_sub(GRAPH_APP_ID, &u.oid), "tid": u.tenant, "unique_name": u.upn,
        "upn": u.upn, "uti": short_random(), "ver": "1.0",
    });
    sign(st, &c, true)
}

/// A v2 ID token for the app (`aud` = client id).
pub fn id_token(
    st: &SimState,
    u: &UserContext<'_>,
    nonce: Option<&str>,
    scopes: &[String],
) -> anyhow::Result<String> {
    let now = st.now();
    let client_id = st.client_id();
    let iss = format!("{}/{}/v2.0", st.login_base, u.tenant);
    let profile = scopes.iter().any(|s| s == "profile");
    let mut c = json!({
        "aud": client_id, "iss": iss, "iat": now, "nbf": now, "exp": now + 3600,
        "aio": short_random(), "rh": format!("0.{}.", short_random()), "sub": pairwise_sub(&client_id, &u.oid),
        "tid": u.tenant, "oid": u.oid, "uti": short_random(), "ver": "2.0", "sid": Uuid::new_v4(),
        "preferred_username": u.upn, "name": u.name,
    });
    if !profile {
        // Without `profile` Entra still sends oid/tid in practice for work accounts; keep the claims the
        // issue asks for, but drop the display name to mirror the scope.
        if let Some(o) = c.as_object_mut() {
            o.remove("name");
        }
    }
    if scopes.iter().any(|s| s == "email")
        && let Some(e) = u.email
    {
        c["email"] = json!(e);
    }
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    if let Some(aud) = st
        .store
        .get(&u.tenant)
        .and_then(|cell| cell.faults().id_token_audience)
    {
        c["aud"] = json!(aud);
    }
    sign(st, &c, false)
}
