//! `configure_common`: the routes and error handling every service mounts.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::LOCATION;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::extract_util::with_request;
use crate::readiness::{healthz, readyz};
use crate::{Problem, Readiness, RouteTable, codes};

/// Mounts, on the app or scope being configured:
/// - `GET /healthz` → 200 `{"status":"ok"}`;
/// - `GET /readyz` → runs `readiness` (200, or 503 problem listing the failed checks);
/// - `GET /openapi.json` → `openapi`;
/// - `GET /docs/` → Swagger UI for `/openapi.json` (vendored assets, no network); `/docs`
///   redirects there;
/// - the default service: unmatched routes → 404 `not_found` problem;
/// - problem error handlers for actix's own `web::Path` (400 `invalid_path_parameter`),
///   `web::Query` and `web::Json` extractors, in case a service uses them.
///
/// It also registers the [`RouteTable`] of `openapi` (plus these common routes) as app data, from
/// which the middleware sets `Allow` on 405 answers. 405s (a route exists, the method does not)
/// and every other empty error response are turned into problems by the
/// [`crate::RequestTracing`] middleware, which must wrap the app.
pub fn configure_common(cfg: &mut web::ServiceConfig, readiness: Readiness, openapi: OpenApi) {
    let routes = RouteTable::from_openapi(&openapi)
        .with("/healthz", &[Method::GET])
        .with("/readyz", &[Method::GET])
        .with("/openapi.json", &[Method::GET])
        .with("/docs", &[Method::GET])
        .with("/docs/", &[Method::GET]);
    cfg.app_data(web::Data::new(readiness))
        .app_data(web::Data::new(routes))
        .app_data(path_config())
        .app_data(query_config())
        .app_data(json_config())
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/docs", web::get().to(docs_redirect))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi))
        .default_service(web::to(not_found));
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((LOCATION, "/docs/"))
        .finish()
}

/// The default service: 404 `not_found` problem for an unmatched path, or 405
/// `method_not_allowed` when some route has this path but not this method (actix registers each
/// `#[get]`/`.route()` as its own resource, so it would otherwise answer 404). Also usable on a
/// `Scope`: `.default_service(web::to(pa_http::not_found))`.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let problem = if req.resource_map().has_resource(req.path()) {
        Problem::from_status(StatusCode::METHOD_NOT_ALLOWED).with_detail(format!(
            "{} is not supported on {}",
            req.method(),
            req.path()
        ))
    } else {
        Problem::not_found(format!("no route for {} {}", req.method(), req.path()))
    };
    Err(with_request(problem, &req))
}

/// Problem errors for actix's `web::Path` extractor.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, req: &HttpRequest| {
        let detail = match &err {
            PathError::Deserialize(inner) => format!("invalid path parameter: {inner}"),
            other => format!("invalid path parameter: {other}"),
        };
        with_request(
            Problem::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_PATH_PARAMETER,
                "Invalid path parameter",
            )
            .with_detail(detail),
            req,
        )
        .into()
    })
}

/// Problem errors for actix's `web::Query` extractor (prefer [`crate::Query`], which names the
/// parameter).
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, req: &HttpRequest| {
        with_request(
            Problem::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_QUERY_PARAMETER,
                "Invalid query parameter",
            )
            .with_detail(err.to_string()),
            req,
        )
        .into()
    })
}

/// Problem errors for actix's `web::Json` extractor (prefer [`crate::Json`], which names the
/// field).
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().error_handler(|err: JsonPayloadError, req: &HttpRequest| {
        let problem = match &err {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE).with_detail(err.to_string())
            }
            JsonPayloadError::ContentType => Problem::from_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            )
            .with_detail("the request body must be sent with `Content-Type: application/json`"),
            JsonPayloadError::Deserialize(inner) if inner.is_data() => {
                Problem::from_status(StatusCode::UNPROCESSABLE_ENTITY)
                    .with_detail(inner.to_string())
            }
            _ => Problem::malformed_json(err.to_string()),
        };
        with_request(problem, req).into()
    })
}
