//! Operator authentication: one up-front check on every `/v1` route but the public egress
//! manifest, the same one sync-dispatch makes — pa-operator-auth's [`require_operator`]
//! middleware reads `Authorization: Bearer pa_op_…`, looks the key up in
//! `operator_api_keys` (SHA-256, constant-time comparison, revocation) before any extractor
//! runs, and answers 401 unless it is live (503 when the database cannot say). A revoked
//! key is refused from the next request on, on every instance.
//!
//! What tenant-provisioning adds, as the owner of `operator_api_keys`: [`record_use`]
//! records a key's `last_used_at` at most once a minute (the lookup tells whether the
//! recorded use is stale), and [`Operator`] carries the [`RequestContext`] handlers audit
//! with.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use uuid::Uuid;

pub use pa_operator_auth::{OperatorAuth, require_operator};

use crate::context::RequestContext;
use crate::error::ApiError;
use crate::repo::operator_keys;
use crate::state::AppState;

/// An authenticated operator request: the handler argument that proves it.
///
/// [`require_operator`] leaves the key it checked in the request before any extractor runs;
/// extracting this on a route outside that middleware is a bug and answers 500.
#[derive(Clone, Debug)]
pub struct Operator {
    pub key_id: Uuid,
    pub ctx: RequestContext,
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req
            .extensions()
            .get::<pa_operator_auth::Operator>()
            .map(|op| Self {
                key_id: op.key_id,
                ctx: RequestContext::operator(op.key_id, op.request_id.clone(), op.client_addr),
            });
        ready(found.ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("route is not behind require_operator"))
        }))
    }
}

/// Middleware inside [`require_operator`]: records the key's use when its recorded last use
/// is over a minute old, before the handler runs. A failure to record is logged, never
/// answered: the key was authenticated already.
pub async fn record_use(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let stale = req
        .extensions()
        .get::<pa_operator_auth::Operator>()
        .filter(|op| op.last_use_stale)
        .map(|op| op.key_id);
    if let (Some(key_id), Some(state)) = (stale, req.app_data::<web::Data<AppState>>()) {
        let recorded = async {
            let mut conn = state.pool.acquire().await.map_err(pa_db::DbError::from)?;
            operator_keys::record_use(&mut conn, key_id).await
        };
        if let Err(e) = recorded.await {
            tracing::warn!(error = %e, "recording an operator key's use failed");
        }
    }
    next.call(req).await
}
