//! What every Patient Access actix-web service uses for HTTP: problem errors, extractors,
//! request ids and tracing, health/readiness, OpenAPI and Swagger UI, and serving the built web
//! front-end ([`spa`]).
//!
//! # Wiring a service
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use pa_http::{BodyLimit, HttpSettings, Json, Problem, Readiness, RequestTracing};
//!
//! # async fn run(settings: HttpSettings, openapi: utoipa::openapi::OpenApi) -> std::io::Result<()> {
//! let readiness = Readiness::new().with_check("postgres", || async { Ok(()) });
//! let limit = BodyLimit::from(&settings);
//! HttpServer::new(move || {
//!     App::new()
//!         .wrap(RequestTracing)
//!         .app_data(limit)
//!         .configure(|cfg| pa_http::configure_common(cfg, readiness.clone(), openapi.clone()))
//!         .route("/v1/echo", web::post().to(echo))
//! })
//! .bind(settings.bind)?
//! .run()
//! .await
//! # }
//! async fn echo(body: Json<serde_json::Value>) -> Result<Json<serde_json::Value>, Problem> {
//!     Ok(body)
//! }
//! ```
//!
//! # Errors
//!
//! Every error response is an RFC 9457 [`Problem`] (`application/problem+json`) with a stable
//! `code` from [`codes`]. A service defines its own error enum and maps it once:
//!
//! ```
//! use actix_web::http::StatusCode;
//! use pa_http::{Problem, codes};
//!
//! #[derive(Debug)]
//! enum TenantError { NotFound, Duplicate, Db(std::io::Error) }
//!
//! impl From<TenantError> for Problem {
//!     fn from(e: TenantError) -> Self {
//!         match e {
//!             TenantError::NotFound => Problem::not_found("no such tenant"),
//!             TenantError::Duplicate => Problem::new(StatusCode::CONFLICT, codes::CONFLICT, "Conflict")
//!                 .with_detail("a tenant with this name exists"),
//!             // Logged with its cause chain; the client sees a generic 500.
//!             TenantError::Db(err) => Problem::internal(err),
//!         }
//!     }
//! }
//! ```
//!
//! Handlers then return [`ApiResult<T>`] and use `?`. 5xx bodies never carry internals: a 500
//! (and every 5xx but 502–504) is rendered with a generic detail whatever was set. The
//! [`RequestTracing`] middleware fills `request_id` and `instance`, and turns empty error
//! responses (404, 405, …) and foreign extractor errors into problems.
//!
//! # Extractors
//!
//! [`Json<T>`] (415 / 413 / 400 `malformed_json` / 422 `invalid_field` or `unknown_field` with
//! the field path), [`Query<T>`] (400 `invalid_query_parameter` naming the parameter) and
//! [`RequestId`]. [`configure_common`] also makes actix's own `web::Path`, `web::Query` and
//! `web::Json` errors problems.
//!
//! # Request hygiene
//!
//! [`RequestTracing`] refuses, before routing, targets above 8 KiB (414), header sections above
//! 16 KiB (431) and control characters in path segments and query parameters (400 naming the
//! parameter); [`Json`] refuses them in any string of a body (422 naming the field). Every
//! response carries `X-Content-Type-Options: nosniff`, every 405 an `Allow` header. What the
//! HTTP/1 codec answers itself is listed in [`hygiene`].
//!
//! # OpenAPI
//!
//! [`openapi::finish`] completes a service's document: `servers`, `security: []` on public
//! operations, the framework's own answers (400/413/414/415/431/503) and the no-control-character
//! `pattern` on every request string.
//!
//! [`Problem`] and [`FieldError`] implement `utoipa::ToSchema`; reference them in responses:
//! `(status = 422, body = pa_http::Problem, content_type = "application/problem+json")`.

pub mod codes;
mod common;
mod details;
mod extract_util;
pub mod hygiene;
mod json;
mod middleware;
pub mod openapi;
mod problem;
mod query;
mod readiness;
mod request_id;
mod routes;
mod settings;
pub mod spa;

pub use common::{configure_common, json_config, not_found, path_config, query_config};
pub use details::{FieldError, ProblemDetails};
pub use json::{BodyLimit, DEFAULT_BODY_LIMIT, Json};
pub use middleware::{RequestTracing, RequestTracingMiddleware, TRACEPARENT_HEADER};
pub use problem::{ApiResult, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, Problem};
pub use query::{Query, parse_query};
pub use readiness::{CheckOutcome, DEFAULT_CHECK_TIMEOUT, Readiness, ReadinessCheck};
pub use request_id::{REQUEST_ID_HEADER, RequestId};
pub use routes::{Route, RouteTable};
pub use settings::HttpSettings;
