//! Operator authentication: `Authorization: Bearer pa_op_…` checked against the
//! `operator_api_keys` table (SHA-256, constant-time comparison, revocation).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use pa_db::PgPool;
use uuid::Uuid;

use crate::context::RequestContext;
use crate::domain::OperatorKey;
use crate::error::ApiError;
use crate::repo::operator_keys;
use crate::state::AppState;

/// An authenticated operator request. Extracting it answers 401 (with
/// `WWW-Authenticate: Bearer`) when the key is missing, malformed, unknown or revoked.
#[derive(Clone, Debug)]
pub struct Operator {
    pub key_id: Uuid,
    pub ctx: RequestContext,
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let presented = bearer_token(req);
        let request_id = pa_http::RequestId::of(req).into_string();
        let client_addr = req.peer_addr().map(|a| a.ip());
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))?;
            let key_id = authenticate(&state.pool, presented).await?;
            Ok(Self {
                key_id,
                ctx: RequestContext::operator(key_id, request_id, client_addr),
            })
        })
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
    let mut conn = pool.acquire().await.map_err(pa_db::DbError::from)?;
    let candidates = operator_keys::credentials_by_prefix(&mut conn, &key.prefix()).await?;
    let hash = key.hash();
    let found = candidates.into_iter().find(|c| {
        crate::domain::TokenHash::from_slice(&c.key_hash).is_some_and(|stored| stored.ct_eq(&hash))
    });
    let Some(credential) = found.filter(|c| !c.revoked) else {
        return Err(ApiError::Unauthorized { presented: true });
    };
    if credential.stale_last_used
        && let Err(e) = operator_keys::touch_last_used(&mut conn, credential.id).await
    {
        // Bookkeeping only: never fail the request for it.
        tracing::warn!(error = %crate::error::error_chain(&e), "recording operator key use failed");
    }
    Ok(credential.id)
}
