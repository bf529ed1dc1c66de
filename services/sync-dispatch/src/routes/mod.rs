//! The operators' HTTP API under `/v1`, behind operator authentication (pa-operator-auth),
//! which runs before any extractor: a request without a live key learns nothing but 401.

pub mod dto;
pub mod extract;
pub mod runs;
pub mod sync;

use actix_web::middleware::from_fn;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every `/v1` route (mounted under the `/v1` scope by `startup`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("")
            .wrap(from_fn(pa_operator_auth::require_operator))
            .configure(|cfg| {
                sync::configure(cfg);
                runs::configure(cfg);
            }),
    );
}
