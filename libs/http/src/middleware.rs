//! `RequestTracing`: request ids, the per-request span, and problem bodies for every error.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::time::Instant;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use actix_web::{Error, HttpMessage, web};
use futures::future::LocalBoxFuture;
use tracing::Instrument;
use tracing::field::Empty;

use crate::{PROBLEM_CONTENT_TYPE, Problem, REQUEST_ID_HEADER, RequestId, RouteTable, hygiene};

/// The inbound W3C trace-context header.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// Middleware every service wraps its `App` in (`App::new().wrap(pa_http::RequestTracing)`):
///
/// - takes the request id from `X-Request-Id` when it is 1–128 chars of `[A-Za-z0-9._-]`, else
///   generates a UUID v7; makes it available to [`RequestId`] and echoes it on every response;
/// - runs the request inside an `http_request` span with `method`, `route` (the matched
///   pattern, e.g. `/v1/tenants/{id}`), `status`, `latency_ms`, `request_id` and `trace_id`, whose
///   OpenTelemetry parent is the inbound `traceparent` header when present and valid;
/// - fills `request_id` and `instance` in [`Problem`] bodies, and turns every other error
///   response (empty 404/405 from routing, errors of foreign extractors) into a problem;
/// - answers before routing, with a problem, a request whose target is longer than
///   [`crate::hygiene::MAX_URI_BYTES`] (414), whose headers exceed
///   [`crate::hygiene::MAX_HEADER_BYTES`] (431), or whose path segments or query parameters
///   contain a control character (400 naming the parameter);
/// - answers 405 (with `Allow`) a method the contract does not document on the request's path;
/// - sets `X-Content-Type-Options: nosniff` on every response, and `Allow` on every 405 (from
///   the [`RouteTable`] that [`crate::configure_common`] registers);
/// - logs one `request completed` event per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestTracing;

impl<S, B> Transform<S, ServiceRequest> for RequestTracing
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RequestTracingMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestTracingMiddleware {
            service: Rc::new(service),
        }))
    }
}

/// The service produced by [`RequestTracing`].
pub struct RequestTracingMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for RequestTracingMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let request_id = RequestId::from_headers(req.request());
        req.extensions_mut().insert(request_id.clone());
        let method = req.method().clone();
        let span = tracing::info_span!(
            "http_request",
            method = %method,
            route = Empty,
            status = Empty,
            latency_ms = Empty,
            request_id = %request_id,
            trace_id = Empty,
            otel.name = %method,
            otel.kind = "server",
            otel.status_code = Empty,
        );
        if let Some(tp) = req
            .headers()
            .get(TRACEPARENT_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            pa_telemetry::set_parent_from_traceparent(&span, tp);
        }
        // Lets log lines (and log search) correlate with the trace.
        if let Some(trace_id) = pa_telemetry::trace_id_of(&span) {
            span.record("trace_id", trace_id.as_str());
        }
        let started = Instant::now();
        let routes = req
            .app_data::<web::Data<RouteTable>>()
            .map(|d| d.clone().into_inner());
        // Oversized or control-character requests are answered here, before any handler.
        let checked = hygiene::check(&req, routes.as_deref())
            .and_then(|()| documented_method(&req, routes.as_deref()));
        let outcome = match checked {
            Ok(()) => Ok(span.in_scope(|| self.service.call(req))),
            Err(problem) => Err(reject(req, problem, &request_id)),
        };
        Box::pin(
            async move {
                let mut res = match outcome {
                    // An `Err` here (only from misbehaving inner middleware) is passed through:
                    // actix renders it without our header, as there is no request left to attach.
                    Ok(fut) => finish_problem(fut.await?, &request_id),
                    Err(rejected) => rejected,
                };
                let headers = res.headers_mut();
                if let Ok(value) = HeaderValue::from_str(request_id.as_str()) {
                    headers.insert(REQUEST_ID_HEADER, value);
                }
                headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                add_allow(&mut res, routes.as_deref());
                record(&tracing::Span::current(), &res, &method, started);
                Ok(res)
            }
            .instrument(span),
        )
    }
}

/// 405 for a method the contract does not list on the path's most specific documented route
/// (a literal segment beats a parameter, as OpenAPI path matching says): `GET
/// /tenants/{id}/links/active` is not `GET /tenants/{id}/links/{link_id}` when only `DELETE`
/// is documented on `…/links/active`. Paths the contract does not know pass through.
fn documented_method(req: &ServiceRequest, routes: Option<&RouteTable>) -> Result<(), Problem> {
    let Some(route) = routes.and_then(|t| t.lookup(req.path())) else {
        return Ok(());
    };
    if route.methods().contains(req.method()) {
        return Ok(());
    }
    Err(
        Problem::from_status(StatusCode::METHOD_NOT_ALLOWED).with_detail(format!(
            "{} is not supported on {}",
            req.method(),
            req.path()
        )),
    )
}

/// The problem answer to a request the hygiene checks refused.
fn reject<B>(
    req: ServiceRequest,
    mut problem: Problem,
    request_id: &RequestId,
) -> ServiceResponse<EitherBody<B>> {
    let details = problem.details_mut();
    details.request_id = Some(request_id.as_str().to_owned());
    details.instance = Some(req.path().to_owned());
    let response = actix_web::ResponseError::error_response(&problem);
    req.into_response(response).map_into_right_body()
}

/// Every 405 says which methods the resource supports (RFC 9110 §15.5.6), from the route table.
fn add_allow<B>(res: &mut ServiceResponse<B>, routes: Option<&RouteTable>) {
    if res.status() != StatusCode::METHOD_NOT_ALLOWED || res.headers().contains_key(ALLOW) {
        return;
    }
    let allow = routes
        .and_then(|t| t.lookup(res.request().path()))
        .map(crate::Route::allow);
    if let Some(value) = allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
        res.headers_mut().insert(ALLOW, value);
    }
}

fn record<B>(
    span: &tracing::Span,
    res: &ServiceResponse<B>,
    method: &actix_web::http::Method,
    started: Instant,
) {
    let status = res.status();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.record("route", route.as_str());
    // The span started when its trace context was read: rename the exported span too.
    pa_telemetry::set_otel_name(span, format!("{method} {route}"));
    span.record("status", status.as_u16());
    span.record("latency_ms", latency_ms);
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
        tracing::warn!(status = status.as_u16(), latency_ms, "request completed");
    } else {
        tracing::info!(status = status.as_u16(), latency_ms, "request completed");
    }
}

/// Makes sure an error response carries a complete problem body.
fn finish_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    request_id: &RequestId,
) -> ServiceResponse<EitherBody<B>> {
    let status = res.status();
    let problem = match problem_for(&res, status) {
        Some(problem) => problem,
        None => return res.map_into_left_body(),
    };
    let mut problem = problem;
    let details = problem.details_mut();
    if details.request_id.is_none() {
        details.request_id = Some(request_id.as_str().to_owned());
    }
    if details.instance.is_none() {
        details.instance = Some(res.request().path().to_owned());
    }
    let body = problem.to_body();
    res.map_body(move |head, _old| {
        head.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        EitherBody::right(BoxBody::new(body))
    })
}

/// The problem an error response should carry, or `None` to leave the response alone.
fn problem_for<B: MessageBody>(res: &ServiceResponse<B>, status: StatusCode) -> Option<Problem> {
    if let Some(problem) = res.response().extensions().get::<Problem>() {
        return Some(problem.clone());
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let is_problem = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()));
    if is_problem {
        return None;
    }
    let empty = matches!(
        res.response().body().size(),
        actix_web::body::BodySize::None | actix_web::body::BodySize::Sized(0)
    );
    let error = res.response().error();
    if error.is_none() && !empty {
        // A handler deliberately returned its own error body.
        return None;
    }
    let mut problem = Problem::from_status(status);
    match (status, error) {
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            problem = problem.with_detail(format!(
                "{} is not supported on {}",
                res.request().method(),
                res.request().path()
            ));
        }
        (StatusCode::NOT_FOUND, None) => {
            problem = problem.with_detail(format!(
                "no route for {} {}",
                res.request().method(),
                res.request().path()
            ));
        }
        (s, Some(err)) if s.is_server_error() => {
            tracing::error!(error = %err, "request failed");
        }
        (_, Some(err)) => problem = problem.with_detail(err.to_string()),
        _ => {}
    }
    Some(problem)
}
