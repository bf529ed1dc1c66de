//! The HTTP API: the wizard under `/v1/wizard` (one module per resource) and Microsoft's
//! callback at `/consent/callback`.

pub mod auth;
pub mod callback;
pub mod consent;
pub mod dto;
pub mod finish;
pub mod groups;
pub mod session;
pub mod steps;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::context::WizardCtx;
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

/// Registers the `/v1/wizard/...` routes (mounted under `/v1` by `startup`). Every response
/// carries `Cache-Control: no-store`: they hold the session's CSRF token.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/wizard")
            .wrap(DefaultHeaders::new().add((CACHE_CONTROL, HeaderValue::from_static("no-store"))))
            .configure(|cfg| {
                session::configure(cfg);
                steps::configure(cfg);
                consent::configure(cfg);
                groups::configure(cfg);
                finish::configure(cfg);
            }),
    );
}

/// Registers the routes outside `/v1` (the callback Microsoft redirects to).
pub fn configure_root(cfg: &mut ServiceConfig) {
    callback::configure(cfg);
}

/// Runs a step; a refusal is recorded in the audit trail (with the session, client address
/// and the problem code) before it is answered.
pub async fn audited<T>(
    state: &AppState,
    ctx: &WizardCtx,
    action: &str,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let Err(e) = &result {
        service::audit_failure(state, ctx, action, e).await;
    }
    result
}

/// 200 with the wizard state as this session sees it now.
pub async fn state_response(state: &AppState, ctx: &WizardCtx) -> Result<HttpResponse, ApiError> {
    let view = service::view::load_fresh(state, ctx).await?;
    Ok(HttpResponse::build(StatusCode::OK).json(view))
}
