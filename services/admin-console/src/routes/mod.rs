//! The HTTP API: `/auth/*` (sign-in, sign-out, emergency sign-in) and `/v1/*` (one module per
//! resource; DTOs beside their handlers). Every `/v1` handler takes a [`crate::auth::Principal`]
//! first and checks its [`crate::auth::Permission`].

pub mod access_review;
pub mod api_tokens;
pub mod audit;
pub mod cookies;
pub mod emergency;
pub mod extract;
pub mod groups;
pub mod sessions;
pub mod settings;
pub mod signin;
pub mod sync;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every `/v1` route (mounted under the `/v1` scope by `startup`).
pub fn configure_v1(cfg: &mut ServiceConfig) {
    sessions::configure(cfg);
    users::configure(cfg);
    groups::configure(cfg);
    sync::configure(cfg);
    audit::configure(cfg);
    settings::configure(cfg);
    api_tokens::configure(cfg);
    emergency::configure(cfg);
    access_review::configure(cfg);
}

/// Registers `/auth` routes (mounted under the `/auth` scope).
pub fn configure_auth(cfg: &mut ServiceConfig) {
    signin::configure(cfg);
    emergency::configure_auth(cfg);
}
