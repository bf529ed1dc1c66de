//! The HTTP API under `/v1`, one module per resource.

pub mod egress;
pub mod extract;
pub mod operator_keys;
pub mod pagination;
pub mod setup_links;
pub mod tenants;

use actix_web::middleware::from_fn;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{record_use, require_operator};

/// Registers every `/v1` route (mounted under the `/v1` scope by `startup`): the public
/// egress manifest first, then everything else behind operator authentication (one
/// up-front check that runs before any extractor, so unauthenticated requests learn
/// nothing but 401; then the key's use is recorded, at most once a minute).
pub fn configure(cfg: &mut ServiceConfig) {
    egress::configure(cfg);
    cfg.service(
        scope::scope("")
            // The last `wrap` runs first: authenticate, then record the use.
            .wrap(from_fn(record_use))
            .wrap(from_fn(require_operator))
            .configure(|cfg| {
                tenants::configure(cfg);
                setup_links::configure(cfg);
                operator_keys::configure(cfg);
            }),
    );
}
