//! The `/_sim` control API (JSON over HTTP; documented with curl examples in the crate README).

pub mod ops;
mod routes;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/_sim").configure(routes::configure));
}
