//! [`require_operator`]: the up-front check, and the [`Operator`] it leaves for handlers.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use pa_http::Problem;
use sqlx::PgPool;
use uuid::Uuid;

use crate::key::{OperatorKey, TokenHash};

/// What [`require_operator`] needs: register it as app data (`web::Data<OperatorAuth>`).
#[derive(Clone, Debug)]
pub struct OperatorAuth {
    pool: PgPool,
}

impl OperatorAuth {
    /// Checks keys against `operator_api_keys` through `pool` (a platform table without
    /// row-level security; the service's role needs SELECT on it, and nothing more).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// An authenticated operator request: extract it in a handler behind [`require_operator`].
#[derive(Clone, Debug)]
pub struct Operator {
    /// `operator_api_keys.id` of the key used (the audit actor).
    pub key_id: Uuid,
    /// The request id (`X-Request-Id`), for audit records and events.
    pub request_id: String,
    /// The client address as seen by the service.
    pub client_addr: Option<IpAddr>,
    /// The key's recorded last use (`operator_api_keys.last_used_at`) is unset or over a
    /// minute old: the owner of the table (tenant-provisioning) records uses at most once a
    /// minute and reads this to know when. Read in the same lookup; this crate never writes.
    pub last_use_stale: bool,
}

impl FromRequest for Operator {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<Operator>().cloned();
        ready(found.ok_or_else(|| {
            Problem::internal(anyhow::anyhow!("route is not behind require_operator"))
        }))
    }
}

/// Middleware (`actix_web::middleware::from_fn(require_operator)`): 401 `unauthorized`
/// with `WWW-Authenticate: Bearer` unless the request carries a live operator key; 503
/// when the database cannot say. Runs before any extractor of the wrapped routes.
pub async fn require_operator(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(auth) = req.app_data::<web::Data<OperatorAuth>>().cloned() else {
        let problem = Problem::internal(anyhow::anyhow!("OperatorAuth is not registered"));
        return Ok(req.error_response(problem));
    };
    let key = match presented_key(req.request()) {
        None => return Ok(req.error_response(unauthorized(false))),
        Some(None) => return Ok(req.error_response(unauthorized(true))),
        Some(Some(key)) => key,
    };
    let live = match lookup(&auth.pool, &key).await {
        Ok(Some(live)) => live,
        Ok(None) => return Ok(req.error_response(unauthorized(true))),
        Err(e) => {
            tracing::error!(error = %e, "operator key check failed");
            let problem = Problem::service_unavailable("a dependency is unavailable; retry later");
            return Ok(req.error_response(problem));
        }
    };
    let operator = Operator {
        key_id: live.id,
        request_id: pa_http::RequestId::of(req.request()).into_string(),
        client_addr: req.peer_addr().map(|a| a.ip()),
        last_use_stale: live.last_use_stale,
    };
    req.extensions_mut().insert(operator);
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The key in `Authorization: Bearer …`: `None` without the header, `Some(None)` when it
/// holds no well-formed operator key.
fn presented_key(req: &HttpRequest) -> Option<Option<OperatorKey>> {
    let header = req.headers().get(AUTHORIZATION)?;
    Some(
        header
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .and_then(|(_, token)| OperatorKey::parse(token.trim())),
    )
}

/// The id of `key` when it is a live (unrevoked) operator key, `None` when it is unknown or
/// revoked. One index read by display prefix; the hash is compared in constant time.
pub async fn authenticate(pool: &PgPool, key: &OperatorKey) -> Result<Option<Uuid>, sqlx::Error> {
    Ok(lookup(pool, key).await?.map(|live| live.id))
}

/// A live key found by [`lookup`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveKey {
    /// `operator_api_keys.id`.
    pub id: Uuid,
    /// Its recorded last use is unset or over a minute old (see [`Operator::last_use_stale`]).
    pub last_use_stale: bool,
}

/// [`authenticate`], also telling whether the key's recorded last use is stale.
#[tracing::instrument(name = "auth.operator", skip_all)]
pub async fn lookup(pool: &PgPool, key: &OperatorKey) -> Result<Option<LiveKey>, sqlx::Error> {
    let hash = key.hash();
    let candidates: Vec<(Uuid, Vec<u8>, bool, bool)> = sqlx::query_as(
        "SELECT id, key_hash, revoked_at IS NOT NULL, \
                coalesce(last_used_at < now() - interval '1 minute', true) \
           FROM operator_api_keys WHERE key_prefix = $1",
    )
    .bind(key.prefix())
    .fetch_all(pool)
    .await?;
    Ok(candidates
        .into_iter()
        .find(|(_, stored, _, _)| TokenHash::from_slice(stored).is_some_and(|s| s.ct_eq(&hash)))
        .filter(|(_, _, revoked, _)| !revoked)
        .map(|(id, _, _, last_use_stale)| LiveKey { id, last_use_stale }))
}

/// The 401 problem: `presented` tells a bad key (`error="invalid_token"`) from none.
pub fn unauthorized(presented: bool) -> Problem {
    let (detail, challenge) = if presented {
        (
            "the operator API key is malformed, unknown or revoked",
            r#"Bearer realm="patient-access", error="invalid_token""#,
        )
    } else {
        (
            "send an operator API key as `Authorization: Bearer pa_op_…`",
            r#"Bearer realm="patient-access""#,
        )
    };
    Problem::unauthorized(detail).with_header(WWW_AUTHENTICATE, challenge)
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test as http_test};

    use super::*;

    async fn probe(op: Operator) -> HttpResponse {
        HttpResponse::Ok().body(op.key_id.to_string())
    }

    /// Missing and malformed keys are refused before the database is asked (here there is
    /// none: a lookup would answer 503).
    #[actix_web::test]
    async fn missing_and_malformed_keys_get_401_without_a_lookup() {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(std::time::Duration::from_millis(200))
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .expect("lazy pool");
        let app = http_test::init_service(
            App::new()
                .app_data(web::Data::new(OperatorAuth::new(pool)))
                .service(
                    web::scope("/v1")
                        .wrap(from_fn(require_operator))
                        .route("/x", web::get().to(probe)),
                ),
        )
        .await;
        let call = |auth: Option<&str>| {
            let mut req = http_test::TestRequest::get().uri("/v1/x");
            if let Some(auth) = auth {
                req = req.insert_header((AUTHORIZATION, auth.to_owned()));
            }
            req.to_request()
        };
        for (auth, challenge) in [
            (None, r#"Bearer realm="patient-access""#),
            (
                Some("Bearer nope"),
                r#"Bearer realm="patient-access", error="invalid_token""#,
            ),
            (
                Some("Basic cGFfb3BfeA=="),
                r#"Bearer realm="patient-access", error="invalid_token""#,
            ),
        ] {
            let res = http_test::call_service(&app, call(auth)).await;
            assert_eq!(res.status(), 401, "{auth:?}");
            let header = res
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok());
            assert_eq!(header, Some(challenge));
        }
        let key = "Bearer pa_op_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let res = http_test::call_service(&app, call(Some(key))).await;
        assert_eq!(res.status(), 503, "a well-formed key is looked up");
    }
}
