//! Operator authentication: `Authorization: Bearer pa_op_…` checked against the
//! `operator_api_keys` table (SHA-256, constant-time comparison, revocation).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use pa_db::PgPool;
use uuid::Uuid;

use crate::context::RequestContext;
use crate::domain::OperatorKey;
use crate::error::ApiError;
use crate::repo::operator_keys;
use crate::state::AppState;

/// An authenticated operator request: the handler argument that proves it.
///
/// The [`require_operator`] middleware authenticates BEFORE any extractor runs (so an
/// unauthenticated request never learns whether its body or parameters were valid) and
/// leaves this in the request; extracting it on a route outside that middleware is a bug
/// and answers 500.
#[derive(Clone, Debug)]
pub struct Operator {
    pub key_id: Uuid,
    pub ctx: RequestContext,
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

/// Middleware (`actix_web::middleware::from_fn(require_operator)`) answering 401 (with
/// `WWW-Authenticate: Bearer`) unless the request carries a live operator key.
pub async fn require_operator(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        let err = ApiError::Internal(anyhow::anyhow!("AppState missing"));
        return Ok(req.error_response(err));
    };
    match authenticate(&state.pool, bearer_token(req.request())).await {
        Ok(key_id) => {
            let request_id = pa_http::RequestId::of(req.request()).into_string();
            let client_addr = req.peer_addr().map(|a| a.ip());
            let ctx = RequestContext::operator(key_id, request_id, client_addr);
            req.extensions_mut().insert(Operator { key_id, ctx });
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(err) => Ok(req.error_response(err)),
    }
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

/// The id of the live key presented, or 401.
#[tracing::instrument(name = "auth.operator", skip_all)]
async fn authenticate(pool: &PgPool, presented: Presented) -> Result<Uuid, ApiError> {
    let key = match presented {
        None => return Err(ApiError::Unauthorized { presented: false }),
        Some(Err(())) => return Err(ApiError::Unauthorized { presented: true }),
        Some(Ok(key)) => key,
    };
    let hash = key.hash();
    // One index read decides (in constant time, here); a second statement records the use
    // only when the last one recorded is over a minute old.
    let mut conn = pool.acquire().await?;
    let candidates = operator_keys::candidates_by_prefix(&mut conn, &key.prefix()).await?;
    let found = candidates.into_iter().find(|c| {
        crate::domain::TokenHash::from_slice(&c.key_hash).is_some_and(|stored| stored.ct_eq(&hash))
    });
    let Some(credential) = found.filter(|c| !c.revoked) else {
        return Err(ApiError::Unauthorized { presented: true });
    };
    if credential.stale_last_used {
        operator_keys::record_use(&mut conn, credential.id, &hash).await?;
    }
    Ok(credential.id)
}
