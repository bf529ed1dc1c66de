//! Handlers of the `/_sim` control API. Thin: parse, call the shared op, return JSON.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

use crate::error::{SimError, SimResult};
use crate::generator::GenerateSpec;
use crate::state::SimState;
use crate::store::faults::{TenantFaults, UserFaults};
use crate::store::input::{GroupPatch, NewGroup, NewUser, TenantSpec, UserPatch};

type St = web::Data<SimState>;
type R = SimResult<HttpResponse>;

fn body<T: DeserializeOwned + Default>(b: &[u8]) -> SimResult<T> {
    if b.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(b).map_err(|e| SimError::BadRequest(format!("invalid JSON body: {e}")))
}

fn ok<T: serde::Serialize>(v: T) -> R {
    Ok(HttpResponse::Ok().json(v))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put, resource};
    cfg.service(resource("/info").route(get().to(info)))
        .service(resource("/app").route(get().to(app)))
        .service(resource("/app/redirect_uris").route(put().to(set_redirects)))
        .service(resource("/demo").route(post().to(demo)))
        .service(resource("/generate").route(post().to(generate)))
        .service(
            resource("/signin")
                .route(put().to(signin))
                .route(delete().to(clear_signin)),
        )
        .service(resource("/clock").route(get().to(clock)))
        .service(resource("/clock/advance").route(post().to(advance)))
        .service(resource("/keys/rotate").route(post().to(rotate)))
        .service(
            resource("/tenants")
                .route(get().to(tenants))
                .route(post().to(create_tenant)),
        )
        .service(resource("/tenants/{t}").route(get().to(tenant)))
        .service(
            resource("/tenants/{t}/consent")
                .route(put().to(grant))
                .route(delete().to(revoke)),
        )
        .service(
            resource("/tenants/{t}/faults")
                .route(get().to(faults))
                .route(put().to(set_faults)),
        )
        .service(resource("/tenants/{t}/throttle").route(get().to(throttle)))
        .service(resource("/tenants/{t}/users").route(post().to(add_user)))
        .service(
            resource("/tenants/{t}/users/{u}")
                .route(get().to(get_user))
                .route(patch().to(update_user))
                .route(delete().to(delete_user)),
        )
        .service(resource("/tenants/{t}/users/{u}/faults").route(put().to(user_faults)))
        .service(resource("/tenants/{t}/users/{u}/{action}").route(post().to(user_action)))
        .service(resource("/tenants/{t}/groups").route(post().to(add_group)))
        .service(
            resource("/tenants/{t}/groups/{g}")
                .route(patch().to(update_group))
                .route(delete().to(delete_group)),
        )
        .service(resource("/tenants/{t}/groups/{g}/members").route(post().to(add_member)))
        .service(resource("/tenants/{t}/groups/{g}/members/{m}").route(delete().to(remove_member)));
}

async fn info(st: St) -> R {
    let app = st.app.read().clone();
    ok(json!({
        "login_base_url": format!("{}/", st.login_base),
        "graph_base_url": st.graph_base,
        "control_url": format!("{}/_sim", st.login_base),
        "client_id": app.client_id,
        "clock_unix": st.now(),
        "tenants": st.store.all().iter().map(|t| crate::control::ops::tenant_info(t)).collect::<Vec<_>>(),
    }))
}

async fn app(st: St) -> R {
    ok(st.app.read().clone())
}

#[derive(Deserialize, Default)]
struct Redirects {
    redirect_uris: Vec<String>,
}

async fn set_redirects(st: St, b: web::Bytes) -> R {
    let r: Redirects = body(&b)?;
    st.app.write().redirect_uris = r.redirect_uris;
    ok(st.app.read().clone())
}

async fn demo(st: St) -> R {
    ok(st.op_seed_demo()?)
}

async fn generate(st: St, b: web::Bytes) -> R {
    let mut v: serde_json::Value = body(&b)?;
    let seed = v
        .get("seed")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(1);
    if let Some(o) = v.as_object_mut() {
        o.remove("seed");
    }
    let spec: GenerateSpec = if v.is_null() {
        GenerateSpec::default()
    } else {
        serde_json::from_value(v)
            .map_err(|e| SimError::BadRequest(format!("invalid generate spec: {e}")))?
    };
    let st2 = st.clone();
    let info = web::block(move || st2.op_generate(seed, spec))
        .await
        .map_err(|e| SimError::Internal(e.to_string()))??;
    ok(info)
}

#[derive(Deserialize, Default)]
struct Signin {
    tenant: String,
    user: String,
}

async fn signin(st: St, b: web::Bytes) -> R {
    let s: Signin = body(&b)?;
    ok(st.op_set_signin(&s.tenant, &s.user)?)
}

async fn clear_signin(st: St) -> R {
    st.auth.lock().signin = None;
    Ok(HttpResponse::NoContent().finish())
}

async fn clock(st: St) -> R {
    ok(json!({"unix": st.now(), "frozen": st.clock.is_frozen()}))
}

#[derive(Deserialize, Default)]
struct Advance {
    seconds: u64,
}

async fn advance(st: St, b: web::Bytes) -> R {
    let a: Advance = body(&b)?;
    st.clock.advance(Duration::from_secs(a.seconds));
    ok(json!({"unix": st.now()}))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rotate {
    retire_previous: bool,
}

async fn rotate(st: St, b: web::Bytes) -> R {
    let r: Rotate = body(&b)?;
    let st2 = st.clone();
    let kid = web::block(move || st2.op_rotate_keys(r.retire_previous))
        .await
        .map_err(|e| SimError::Internal(e.to_string()))??;
    ok(json!({"kid": kid}))
}

async fn tenants(st: St) -> R {
    ok(st
        .store
        .all()
        .iter()
        .map(|t| crate::control::ops::tenant_info(t))
        .collect::<Vec<_>>())
}

async fn create_tenant(st: St, b: web::Bytes) -> R {
    let spec: TenantSpec = body(&b)?;
    Ok(HttpResponse::Created().json(st.op_create_tenant(spec)?))
}

async fn tenant(st: St, p: web::Path<String>) -> R {
    ok(crate::control::ops::tenant_info(&*st.tenant_cell(&p)?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Grant {
    roles: Option<Vec<String>>,
}

async fn grant(st: St, p: web::Path<String>, b: web::Bytes) -> R {
    let g: Grant = body(&b)?;
    ok(st.op_grant_consent(&p, g.roles)?)
}

async fn revoke(st: St, p: web::Path<String>) -> R {
    ok(st.op_revoke_consent(&p)?)
}

async fn faults(st: St, p: web::Path<String>) -> R {
    ok(st.op_faults(&p)?)
}

async fn set_faults(st: St, p: web::Path<String>, b: web::Bytes) -> R {
    let f: TenantFaults = body(&b)?;
    ok(st.op_set_faults(&p, f)?)
}

async fn throttle(st: St, p: web::Path<String>) -> R {
    ok(st.op_throttle_status(&p)?)
}

async fn add_user(st: St, p: web::Path<String>, b: web::Bytes) -> R {
    let u: NewUser = body(&b)?;
    Ok(HttpResponse::Created().json(st.op_add_user(&p, u)?))
}

async fn get_user(st: St, p: web::Path<(String, String)>) -> R {
    ok(st.op_get_user(&p.0, &p.1)?)
}

async fn update_user(st: St, p: web::Path<(String, String)>, b: web::Bytes) -> R {
    let patch: UserPatch = body(&b)?;
    ok(st.op_update_user(&p.0, &p.1, patch)?)
}

async fn delete_user(
    st: St,
    p: web::Path<(String, String)>,
    q: web::Query<HashMap<String, String>>,
) -> R {
    let permanent = q.get("permanent").is_some_and(|v| v == "true" || v == "1");
    if permanent {
        ok(st.op_hard_delete(&p.0, &p.1)?)
    } else {
        ok(st.op_soft_delete(&p.0, &p.1)?)
    }
}

#[derive(Deserialize, Default)]
struct ActionBody {
    user_principal_name: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

async fn user_action(st: St, p: web::Path<(String, String, String)>, b: web::Bytes) -> R {
    let (t, u, action) = p.into_inner();
    let a: ActionBody = body(&b)?;
    match action.as_str() {
        "disable" => ok(st.op_set_enabled(&t, &u, false)?),
        "enable" => ok(st.op_set_enabled(&t, &u, true)?),
        "restore" => ok(st.op_restore(&t, &u)?),
        "rename" => {
            let upn = a
                .user_principal_name
                .ok_or_else(|| SimError::BadRequest("user_principal_name is required".into()))?;
            ok(st.op_rename_upn(&t, &u, &upn)?)
        }
        "move" => {
            let (from, to) = match (a.from, a.to) {
                (Some(f), Some(t)) => (f, t),
                _ => return Err(SimError::BadRequest("from and to are required".into())),
            };
            st.op_move_user(&t, &u, &from, &to)?;
            ok(st.op_get_user(&t, &u)?)
        }
        other => Err(SimError::NotFound(format!("action {other}"))),
    }
}

async fn user_faults(st: St, p: web::Path<(String, String)>, b: web::Bytes) -> R {
    let f: UserFaults = body(&b)?;
    ok(st.op_set_user_faults(&p.0, &p.1, f)?)
}

async fn add_group(st: St, p: web::Path<String>, b: web::Bytes) -> R {
    let g: NewGroup = body(&b)?;
    Ok(HttpResponse::Created().json(st.op_add_group(&p, g)?))
}

async fn update_group(st: St, p: web::Path<(String, String)>, b: web::Bytes) -> R {
    let patch: GroupPatch = body(&b)?;
    ok(st.op_update_group(&p.0, &p.1, patch)?)
}

async fn delete_group(st: St, p: web::Path<(String, String)>) -> R {
    st.op_delete_group(&p.0, &p.1)?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
struct Member {
    member: String,
}

async fn add_member(st: St, p: web::Path<(String, String)>, b: web::Bytes) -> R {
    let m: Member = body(&b)?;
    let added = st.op_add_member(&p.0, &p.1, &m.member)?;
    ok(json!({"added": added}))
}

async fn remove_member(st: St, p: web::Path<(String, String, String)>) -> R {
    st.op_remove_member(&p.0, &p.1, &p.2)?;
    Ok(HttpResponse::NoContent().finish())
}
