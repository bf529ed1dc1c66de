//! The Graph half, mounted under `/graph`: one dispatcher that authenticates, applies fault knobs and RU
//! throttling, routes by path segment, and stamps the standard Graph headers on every response.

pub mod auth;
pub mod ctx;
pub mod delta;
pub mod delta_plan;
pub mod delta_write;
pub mod filter;
pub mod groups;
pub mod list;
pub mod members;
pub mod props;
pub mod query;
pub mod response;
pub mod search;
pub mod users;
pub mod write;

use actix_web::{HttpRequest, HttpResponse, http::Method, web};
use percent_encoding::percent_decode_str;
use std::time::Duration;
use uuid::Uuid;

use self::auth::{Caller, Need};
use self::ctx::Ctx;
use self::members::{Cast, parse_cast};
use self::response::{GraphError, GraphOk, Stamp, error_response, ok_response};
use crate::state::SimState;
use crate::throttle::{CostClass, Decision, cost};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/graph/{tail:.*}").to(dispatch));
}

#[derive(Debug, Clone)]
enum Route {
    Organization,
    Me,
    Users,
    UsersCount,
    UsersDelta,
    User(String),
    Groups,
    GroupsCount,
    GroupsDelta,
    Group(String),
    Members {
        group: String,
        transitive: bool,
        cast: Cast,
        count: bool,
    },
}

impl Route {
    fn need(&self) -> Need {
        match self {
            Route::Organization => Need::ReadOrganization,
            Route::Me => Need::Me,
            Route::Users | Route::UsersCount | Route::UsersDelta | Route::User(_) => {
                Need::ReadUsers
            }
            _ => Need::ReadGroups,
        }
    }

    fn cost_class(&self) -> CostClass {
        match self {
            Route::Users | Route::UsersCount | Route::UsersDelta | Route::User(_) | Route::Me => {
                CostClass::Users
            }
            Route::Members {
                transitive: false, ..
            } => CostClass::Members,
            Route::Members {
                transitive: true, ..
            } => CostClass::TransitiveMembers,
            _ => CostClass::Other,
        }
    }
}

fn is_delta(s: &str) -> bool {
    matches!(
        s,
        "delta" | "delta()" | "microsoft.graph.delta" | "microsoft.graph.delta()"
    )
}

fn not_found_segment(s: &str) -> GraphError {
    GraphError::new(
        400,
        "BadRequest",
        format!("Resource not found for the segment '{s}'."),
    )
}

fn route(segs: &[String]) -> Result<Route, GraphError> {
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let r = match l.as_slice() {
        ["organization"] => Route::Organization,
        ["me"] => Route::Me,
        ["users"] => Route::Users,
        ["users", "$count"] => Route::UsersCount,
        ["users", d] if is_delta(d) => Route::UsersDelta,
        ["users", _] => Route::User(segs[1].clone()),
        [u] if u.len() >= 9 && u.starts_with("users('") && u.ends_with("')") => {
            Route::User(segs[0][7..segs[0].len() - 2].to_string())
        }
        ["groups"] => Route::Groups,
        ["groups", "$count"] => Route::GroupsCount,
        ["groups", d] if is_delta(d) => Route::GroupsDelta,
        ["groups", _] => Route::Group(segs[1].clone()),
        ["groups", _, rel, rest @ ..] if *rel == "members" || *rel == "transitivemembers" => {
            let (cast, count) = match rest {
                [] => (Cast::None, false),
                ["$count"] => (Cast::None, true),
                [c] => (
                    parse_cast(c).ok_or_else(|| not_found_segment(&segs[3]))?,
                    false,
                ),
                [c, "$count"] => (
                    parse_cast(c).ok_or_else(|| not_found_segment(&segs[3]))?,
                    true,
                ),
                _ => return Err(not_found_segment(&segs[segs.len() - 1])),
            };
            Route::Members {
                group: segs[1].clone(),
                transitive: *rel == "transitivemembers",
                cast,
                count,
            }
        }
        _ => {
            return Err(not_found_segment(
                segs.last().map(String::as_str).unwrap_or(""),
            ));
        }
    };
    Ok(r)
}

pub async fn dispatch(st: web::Data<SimState>, req: HttpRequest) -> HttpResponse {
    let request_id = Uuid::new_v4().to_string();
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    let mut stamp = Stamp {
        request_id,
        client_request_id,
        date: st.clock.now(),
        resource_units: None,
        throttle_pct: None,
    };
    match handle(&st, &req, &mut stamp).await {
        Ok(ok) => ok_response(ok, &stamp),
        Err(e) => error_response(&e, &stamp),
    }
}

async fn handle(
    st: &SimState,
    req: &HttpRequest,
    stamp: &mut Stamp,
) -> Result<GraphOk, GraphError> {
    let raw = req.path().strip_prefix("/graph/").unwrap_or("");
    let mut parts = raw.splitn(2, '/');
    let version = parts.next().unwrap_or("");
    if !(version.eq_ignore_ascii_case("v1.0") || version.eq_ignore_ascii_case("beta")) {
        return Err(GraphError::new(
            400,
            "BadRequest",
            format!("Invalid version: {version}"),
        ));
    }
    let rel = parts.next().unwrap_or("").trim_end_matches('/').to_string();
    let segs: Vec<String> = rel
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let route = route(&segs)?;
    if req.method() != Method::GET {
        return Err(GraphError::new(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        ));
    }
    let caller = auth::authenticate(st, req)?;
    if !caller.allowed(route.need()) {
        return Err(GraphError::forbidden());
    }
    let p = query::parse(req)?;
    inject_faults(&caller).await?;
    let units = cost(
        route.cost_class(),
        p.select.is_some(),
        p.expand.is_some(),
        p.top,
    );
    stamp.resource_units = Some(units);
    charge(st, &caller, units, stamp)?;
    let ctx = Ctx {
        st,
        caller: &caller,
        tenant: caller.tenant.clone(),
        path: rel,
        p,
    };
    match route {
        Route::Organization => groups::organization(&ctx),
        Route::Me => users::me(&ctx),
        Route::Users => users::list(&ctx),
        Route::UsersCount => users::count(&ctx),
        Route::UsersDelta => delta::delta(&ctx, false),
        Route::User(key) => users::get(&ctx, &key),
        Route::Groups => groups::list(&ctx),
        Route::GroupsCount => groups::count(&ctx),
        Route::GroupsDelta => delta::delta(&ctx, true),
        Route::Group(key) => groups::get(&ctx, &key),
        Route::Members {
            group,
            transitive,
            cast,
            count: true,
        } => members::count(&ctx, &group, transitive, cast),
        Route::Members {
            group,
            transitive,
            cast,
            count: false,
        } => members::list(&ctx, &group, transitive, cast),
    }
}

fn throttle_scope(caller: &Caller) -> String {
    format!(
        "Tenant_Application/ReadWrite/{}/{}",
        caller.app_id,
        caller.tenant.id()
    )
}

fn too_many(caller: &Caller, retry_after: Option<u64>) -> GraphError {
    let mut e = GraphError::new(429, "TooManyRequests", "Please retry again later.")
        .header("x-ms-throttle-scope", throttle_scope(caller))
        .header("x-ms-throttle-information", "ResourceUnitLimitExceeded");
    if let Some(s) = retry_after {
        e = e.header("Retry-After", s.to_string());
    }
    e
}

/// Latency, forced 5xx (count, then seeded rate) and forced 429s, in that order.
async fn inject_faults(caller: &Caller) -> Result<(), GraphError> {
    let (latency, outcome) = {
        let mut c = caller.tenant.control.lock();
        let latency = c.faults.latency_ms;
        let rate = c.faults.force_5xx_rate;
        let outcome = if c.faults.force_5xx_count > 0 {
            c.faults.force_5xx_count -= 1;
            Some((c.faults.force_5xx_status, c.faults.force_5xx_retry_after))
        } else if rate > 0.0 && c.rng.unit() < rate {
            Some((c.faults.force_5xx_status, c.faults.force_5xx_retry_after))
        } else if c.faults.force_429_count > 0 {
            c.faults.force_429_count -= 1;
            Some((429, c.faults.force_429_retry_after))
        } else {
            None
        };
        (latency, outcome)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match outcome {
        None => Ok(()),
        Some((429, ra)) => Err(too_many(caller, ra.map(u64::from))),
        Some((status, ra)) => {
            let (code, msg) = match status {
                503 => (
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Please retry later.",
                ),
                504 => (
                    "gatewayTimeout",
                    "The gateway did not receive a timely response.",
                ),
                _ => ("generalException", "An unspecified error has occurred."),
            };
            let mut e = GraphError::new(status, code, msg);
            if let Some(s) = ra {
                e = e.header("Retry-After", s.to_string());
            }
            Err(e)
        }
    }
}

fn charge(st: &SimState, caller: &Caller, units: u32, stamp: &mut Stamp) -> Result<(), GraphError> {
    let faults = caller.tenant.faults();
    if !faults.throttling {
        return Ok(());
    }
    let limit = faults
        .ru_limit_per_10s
        .unwrap_or_else(|| caller.tenant.size_class().ru_limit());
    match st.throttle.charge(
        &caller.app_id,
        caller.tenant.id(),
        limit,
        units,
        st.clock.now_ms(),
    ) {
        Decision::Allow { used } => {
            stamp.throttle_pct = Some(used);
            Ok(())
        }
        Decision::Deny { retry_after } => Err(too_many(caller, Some(retry_after))),
    }
}
