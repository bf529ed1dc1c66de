//! Test app and helpers.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use pa_http::{ApiResult, Json, Problem, Query, RequestId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    pub name: String,
    pub contact_email: String,
    #[serde(default)]
    pub owner: Option<Owner>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    pub address: Address,
    #[serde(default)]
    pub members: Vec<Member>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub city: String,
    pub zip: u32,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub id: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub limit: u32,
    #[serde(default)]
    pub cursor: Option<String>,
}

pub async fn create(body: Json<CreateTenant>) -> Json<CreateTenant> {
    body
}

pub async fn list(q: Query<ListParams>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "limit": q.limit, "cursor": q.cursor }))
}

pub async fn whoami(id: RequestId) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "request_id": id.as_str() }))
}

pub async fn boom() -> ApiResult<HttpResponse> {
    Err(Problem::internal(anyhow::anyhow!(
        "connection to db-7.internal refused"
    )))
}

pub async fn leaky() -> ApiResult<HttpResponse> {
    Err(
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Oops")
            .with_detail("password=hunter2"),
    )
}

pub async fn conflict() -> ApiResult<HttpResponse> {
    Err(Problem::conflict("tenant exists").with_field_error("name", "already taken"))
}

pub async fn bare_unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized().finish()
}

pub async fn custom_error_body() -> HttpResponse {
    HttpResponse::Conflict().json(json!({ "mine": true }))
}

pub async fn traceparent() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "traceparent": pa_telemetry::current_traceparent() }))
}

pub async fn by_id(id: actix_web::web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "id": id.into_inner() }))
}

/// The test app's contract: the documented routes (the [`pa_http::RouteTable`] comes from it).
pub fn test_openapi() -> utoipa::openapi::OpenApi {
    serde_json::from_value(json!({
        "openapi": "3.1.0",
        "info": { "title": "test", "version": "1" },
        "paths": {
            "/tenants": { "get": { "responses": {} }, "post": { "responses": {} } },
            "/tenants/{id}": { "get": { "responses": {} } },
            "/tenants/active": { "delete": { "responses": {} } },
            "/only-get": { "get": { "responses": {} } }
        }
    }))
    .unwrap()
}

/// Builds the test service: the full common setup plus test routes.
#[macro_export]
macro_rules! test_app {
    () => {
        $crate::test_app!(pa_http::Readiness::new())
    };
    ($readiness:expr) => {{
        pa_telemetry::init_for_tests();
        let readiness = $readiness;
        let openapi = $crate::support::test_openapi();
        actix_web::test::init_service(
            actix_web::App::new()
                .wrap(pa_http::RequestTracing)
                .app_data(pa_http::BodyLimit(256))
                .configure(|cfg| pa_http::configure_common(cfg, readiness, openapi))
                .route(
                    "/tenants",
                    actix_web::web::post().to($crate::support::create),
                )
                .route("/tenants", actix_web::web::get().to($crate::support::list))
                .route(
                    "/tenants/{id}",
                    actix_web::web::get().to($crate::support::by_id),
                )
                .route("/whoami", actix_web::web::get().to($crate::support::whoami))
                .route("/boom", actix_web::web::get().to($crate::support::boom))
                .route("/leaky", actix_web::web::get().to($crate::support::leaky))
                .route(
                    "/conflict",
                    actix_web::web::get().to($crate::support::conflict),
                )
                .route(
                    "/bare401",
                    actix_web::web::get().to($crate::support::bare_unauthorized),
                )
                .route(
                    "/custom",
                    actix_web::web::get().to($crate::support::custom_error_body),
                )
                .route(
                    "/trace",
                    actix_web::web::get().to($crate::support::traceparent),
                )
                .service(
                    actix_web::web::resource("/only-get")
                        .route(actix_web::web::get().to($crate::support::whoami)),
                ),
        )
        .await
    }};
}

/// Asserts the response is a problem with `status` and `code`, and returns its body.
pub async fn problem_body<B>(
    res: actix_web::dev::ServiceResponse<B>,
    status: u16,
    code: &str,
) -> Value
where
    B: actix_web::body::MessageBody,
{
    assert_eq!(res.status().as_u16(), status);
    let content_type = res
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let request_id = res
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .expect("every response carries X-Request-Id");
    let body: Value = actix_web::test::read_body_json(res).await;
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(
        body["type"],
        format!("https://docs.patient-access.dev/problems/{code}")
    );
    assert!(body["title"].is_string(), "{body}");
    assert_eq!(body["request_id"], request_id.as_str(), "{body}");
    body
}
