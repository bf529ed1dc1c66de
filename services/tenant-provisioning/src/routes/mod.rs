//! The HTTP API under `/v1`, one module per resource.

pub mod egress;
pub mod extract;
pub mod operator_keys;
pub mod pagination;
pub mod setup_links;
pub mod tenants;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every `/v1` route (mounted under the `/v1` scope by `startup`).
pub fn configure(cfg: &mut ServiceConfig) {
    tenants::configure(cfg);
    setup_links::configure(cfg);
    operator_keys::configure(cfg);
    egress::configure(cfg);
}
