//! Operator authentication: `Authorization: Bearer pa_op_…` checked against the
//! `operator_api_keys` table (SHA-256, constant-time comparison, revocation) on every
//! request, so a revoked key is refused from the next request on, on every instance.
//!
//! The check happens in one of two places:
//! - **Up front**, for every route but those in [`CHECKED_IN_STATEMENT`]: the
//!   [`require_operator`] middleware reads the key before any extractor runs, so a request
//!   without a live key learns nothing but 401.
//! - **In the route's write statement**, for `POST /v1/tenants` (the hot path) once this
//!   instance has authenticated the key before. A key's id and hash never change and keys
//!   are never deleted (migrations 0011, 0017), so [`KeyIdentities`] may remember which id
//!   a hash belongs to (never whether the key is live). The route then goes ahead on that
//!   identity; its single statement re-reads the key in the snapshot it writes in, writes
//!   nothing unless the key is live, and says so ([`KeyCheck::confirm`]); otherwise the
//!   route answers 401. Whatever else the route answers before such a statement confirmed
//!   the key (a 422 for a bad body, a 409) is held back until an up-front check passes,
//!   and replaced by 401 when it fails. So a dead key still learns nothing but 401, and a
//!   create costs one statement instead of two (tests/bench/NOTES.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use pa_db::PgPool;
use uuid::Uuid;

use crate::context::RequestContext;
use crate::domain::{OperatorKey, TokenHash};
use crate::error::ApiError;
use crate::repo::operator_keys;

/// The routes (method, route pattern) whose write statement checks the key itself. A route
/// listed here may write only through statements that check the presented key
/// ([`KeyCheck::hash`] against `operator_api_keys`, unrevoked) and must call
/// [`KeyCheck::confirm`] with what they found: its other answers go out only after an
/// up-front check, but that comes after the handler ran.
pub const CHECKED_IN_STATEMENT: &[(Method, &str)] = &[(Method::POST, "/v1/tenants")];

/// How many key identities an instance remembers; past that it starts afresh.
const MAX_IDENTITIES: usize = 1_024;

/// What [`require_operator`] needs (app data, built once in `startup`).
#[derive(Debug)]
pub struct OperatorAuth {
    pool: PgPool,
    identities: KeyIdentities,
}

impl OperatorAuth {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            identities: KeyIdentities::default(),
        }
    }
}

/// The ids of the keys this instance has authenticated, by hash. Only identities: whether
/// a key is live is read from the table on every request.
#[derive(Debug, Default)]
pub struct KeyIdentities(Mutex<HashMap<TokenHash, Uuid>>);

impl KeyIdentities {
    fn get(&self, hash: &TokenHash) -> Option<Uuid> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
            .copied()
    }

    fn remember(&self, hash: TokenHash, id: Uuid) {
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= MAX_IDENTITIES && !known.contains_key(&hash) {
            known.clear();
        }
        known.insert(hash, id);
    }
}

/// An authenticated operator request: the handler argument that proves it.
///
/// The [`require_operator`] middleware leaves this in the request before any extractor
/// runs; extracting it on a route outside that middleware is a bug and answers 500.
#[derive(Clone, Debug)]
pub struct Operator {
    pub key_id: Uuid,
    pub ctx: RequestContext,
    /// The presented key: checked already, or to be checked by the route's statement.
    pub key: KeyCheck,
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<Operator>().cloned();
        std::future::ready(found.ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("route is not behind require_operator"))
        }))
    }
}

/// The presented key's hash, and whether it is known to be live yet.
#[derive(Clone, Debug)]
pub struct KeyCheck {
    hash: TokenHash,
    state: Arc<AtomicU8>,
}

/// [`KeyCheck`] states.
const PENDING: u8 = 0;
const LIVE: u8 = 1;
/// Live, and its recorded last use is over a minute old.
const LIVE_UNRECORDED_USE: u8 = 2;

impl KeyCheck {
    fn new(hash: TokenHash, state: u8) -> Self {
        Self {
            hash,
            state: Arc::new(AtomicU8::new(state)),
        }
    }

    /// SHA-256 of the presented key, for the statement that checks it.
    pub fn hash(&self) -> &TokenHash {
        &self.hash
    }

    /// Records that a statement found the key live, in the snapshot it wrote in.
    /// `stale_last_used`: its recorded last use is over a minute old (recorded after the
    /// response).
    pub fn confirm(&self, stale_last_used: bool) {
        let state = if stale_last_used {
            LIVE_UNRECORDED_USE
        } else {
            LIVE
        };
        self.state.store(state, Ordering::Release);
    }

    /// True once the key is known to be live.
    pub fn is_confirmed(&self) -> bool {
        self.state.load(Ordering::Acquire) != PENDING
    }
}

/// Middleware (`actix_web::middleware::from_fn(require_operator)`) answering 401 (with
/// `WWW-Authenticate: Bearer`) unless the request carries a live operator key.
pub async fn require_operator(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(auth) = req.app_data::<web::Data<OperatorAuth>>().cloned() else {
        let err = ApiError::Internal(anyhow::anyhow!("OperatorAuth missing"));
        return Ok(req.error_response(err));
    };
    let key = match bearer_token(req.request()) {
        None => return Ok(req.error_response(ApiError::Unauthorized { presented: false })),
        Some(Err(())) => return Ok(req.error_response(ApiError::Unauthorized { presented: true })),
        Some(Ok(key)) => key,
    };
    let hash = key.hash();
    let known = checked_in_statement(req.request())
        .then(|| auth.identities.get(&hash))
        .flatten();
    let (key_id, check) = match known {
        Some(id) => (id, KeyCheck::new(hash, PENDING)),
        None => match authenticate(&auth.pool, &key).await {
            Ok(id) => {
                auth.identities.remember(hash, id);
                (id, KeyCheck::new(hash, LIVE))
            }
            Err(err) => return Ok(req.error_response(err)),
        },
    };
    let request_id = pa_http::RequestId::of(req.request()).into_string();
    let client_addr = req.peer_addr().map(|a| a.ip());
    let ctx = RequestContext::operator(key_id, request_id, client_addr);
    req.extensions_mut().insert(Operator {
        key_id,
        ctx,
        key: check.clone(),
    });
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        // An error from further in (actix turns handler and extractor errors into responses,
        // so this is a middleware's) is held back like any other answer.
        Err(err) if !check.is_confirmed() => {
            authenticate(&auth.pool, &key).await?;
            return Err(err);
        }
        Err(err) => return Err(err),
    };
    match check.state.load(Ordering::Acquire) {
        LIVE => Ok(res),
        LIVE_UNRECORDED_USE => {
            if let Err(e) = record_use(&auth.pool, key_id, &hash).await {
                tracing::warn!(error = %e, "recording an operator key's use failed");
            }
            Ok(res)
        }
        _ => match authenticate(&auth.pool, &key).await {
            // No statement confirmed the key: the answer goes out only if it is live.
            Ok(_) => Ok(res),
            Err(err) => Ok(ServiceResponse::from_err(err, res.request().clone())),
        },
    }
}

/// Whether `req` is for a route in [`CHECKED_IN_STATEMENT`].
fn checked_in_statement(req: &HttpRequest) -> bool {
    let Some(pattern) = req.match_pattern() else {
        return false;
    };
    CHECKED_IN_STATEMENT
        .iter()
        .any(|(method, route)| req.method() == method && pattern == *route)
}

/// What the `Authorization` header holds: `None` without one, `Some(Err(()))` when it is
/// not a well-formed operator key.
type Presented = Option<Result<OperatorKey, ()>>;

fn bearer_token(req: &HttpRequest) -> Presented {
    let header = req.headers().get(AUTHORIZATION)?;
    let parsed = header
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .and_then(|(_, token)| OperatorKey::parse(token.trim()));
    Some(parsed.ok_or(()))
}

/// The id of `key` if it is live, or 401.
#[tracing::instrument(name = "auth.operator", skip_all)]
async fn authenticate(pool: &PgPool, key: &OperatorKey) -> Result<Uuid, ApiError> {
    let hash = key.hash();
    // One index read decides (in constant time, here); a second statement records the use
    // only when the last one recorded is over a minute old.
    let mut conn = pool.acquire().await?;
    let candidates = operator_keys::candidates_by_prefix(&mut conn, &key.prefix()).await?;
    let found = candidates
        .into_iter()
        .find(|c| TokenHash::from_slice(&c.key_hash).is_some_and(|stored| stored.ct_eq(&hash)));
    let Some(credential) = found.filter(|c| !c.revoked) else {
        return Err(ApiError::Unauthorized { presented: true });
    };
    if credential.stale_last_used {
        operator_keys::record_use(&mut conn, credential.id, &hash).await?;
    }
    Ok(credential.id)
}

async fn record_use(pool: &PgPool, id: Uuid, hash: &TokenHash) -> Result<(), ApiError> {
    let mut conn = pool.acquire().await?;
    operator_keys::record_use(&mut conn, id, hash).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::test as http_test;
    use actix_web::{App, HttpResponse};

    use super::*;

    /// Answers with whether the key was already known to be live when the handler ran.
    async fn probe(op: Operator) -> HttpResponse {
        let confirmed = op.key.is_confirmed();
        op.key.confirm(false);
        HttpResponse::Ok().body(if confirmed { "live" } else { "pending" })
    }

    /// Only the routes of [`CHECKED_IN_STATEMENT`] go ahead on a remembered identity; the
    /// others check the key first (here against a database that is not there: 500/503).
    #[actix_web::test]
    async fn only_listed_routes_go_ahead_on_a_remembered_identity() {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(std::time::Duration::from_millis(200))
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .expect("lazy pool");
        let auth = web::Data::new(OperatorAuth::new(pool));
        let key = OperatorKey::generate().expect("key");
        auth.identities.remember(key.hash(), Uuid::now_v7());
        let app = http_test::init_service(
            App::new().app_data(auth.clone()).service(
                web::scope("/v1")
                    .wrap(from_fn(require_operator))
                    .route("/tenants", web::post().to(probe))
                    .route("/tenants", web::get().to(probe))
                    .route("/tenants/{id}/suspend", web::post().to(probe)),
            ),
        )
        .await;
        let call = |method: Method, path: &str| {
            http_test::TestRequest::default()
                .method(method)
                .uri(path)
                .insert_header((AUTHORIZATION, format!("Bearer {}", key.expose())))
                .to_request()
        };

        let created = http_test::call_service(&app, call(Method::POST, "/v1/tenants")).await;
        assert_eq!(created.status(), 200);
        assert_eq!(http_test::read_body(created).await, "pending");

        for (method, path) in [
            (Method::GET, "/v1/tenants"),
            (
                Method::POST,
                "/v1/tenants/0190b5a4-1111-7000-8000-000000000001/suspend",
            ),
        ] {
            let checked_first = http_test::call_service(&app, call(method, path)).await;
            assert!(checked_first.status().is_server_error(), "{path}");
        }
    }

    #[test]
    fn identities_are_bounded() {
        let ids = KeyIdentities::default();
        let hashes: Vec<_> = (0..=MAX_IDENTITIES)
            .map(|i| TokenHash::of(&i.to_string()))
            .collect();
        for h in &hashes {
            ids.remember(*h, Uuid::now_v7());
        }
        let known = ids.0.lock().expect("lock").len();
        assert!(known <= MAX_IDENTITIES, "{known}");
        assert!(ids.get(&hashes[MAX_IDENTITIES]).is_some());
    }
}
