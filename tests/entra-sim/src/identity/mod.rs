//! The STS half: discovery, JWKS, admin consent, authorize, token.

pub mod assertion;
pub mod authorize;
pub mod consent;
pub mod discovery;
pub mod errors;
pub mod issue;
pub mod signin;
pub mod tenant;
pub mod token;
pub mod token_user;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/error", web::get().to(errors::error_lookup))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            web::get().to(discovery::v2),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            web::get().to(discovery::v1),
        )
        .route(
            "/{tenant}/discovery/v2.0/keys",
            web::get().to(discovery::keys_v2),
        )
        .route(
            "/{tenant}/discovery/keys",
            web::get().to(discovery::keys_v1),
        )
        .route(
            "/{tenant}/discovery/instance",
            web::get().to(discovery::instance),
        )
        .route("/{tenant}/v2.0/adminconsent", web::get().to(consent::v2))
        .route("/{tenant}/adminconsent", web::get().to(consent::v1))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            web::get().to(authorize::authorize),
        )
        .route("/{tenant}/oauth2/v2.0/token", web::post().to(token::token))
        .route(
            "/{tenant}/oauth2/v2.0/logout",
            web::get().to(authorize::logout),
        );
}
