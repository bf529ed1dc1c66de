use actix_web::test::{TestRequest, call_service, read_body_json};
use serde_json::Value;

use crate::support::problem_body;
use crate::test_app;

#[actix_web::test]
async fn an_unknown_route_is_a_404_not_found_problem() {
    let app = test_app!();
    let req = TestRequest::get().uri("/nowhere").to_request();
    let body = problem_body(call_service(&app, req).await, 404, "not_found").await;
    assert_eq!(body["instance"], "/nowhere");
}

#[actix_web::test]
async fn a_wrong_method_is_a_405_method_not_allowed_problem() {
    let app = test_app!();
    let req = TestRequest::delete().uri("/tenants").to_request();
    problem_body(call_service(&app, req).await, 405, "method_not_allowed").await;
}

#[actix_web::test]
async fn a_wrong_method_on_a_single_resource_is_a_405_problem_too() {
    let app = test_app!();
    let req = TestRequest::post().uri("/only-get").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.headers().get("allow").unwrap(), "GET");
    let body = problem_body(res, 405, "method_not_allowed").await;
    assert_eq!(body["instance"], "/only-get");
}

#[actix_web::test]
async fn a_handler_problem_is_served_as_problem_json_with_field_errors() {
    let app = test_app!();
    let req = TestRequest::get().uri("/conflict").to_request();
    let body = problem_body(call_service(&app, req).await, 409, "conflict").await;
    assert_eq!(body["detail"], "tenant exists");
    assert_eq!(body["errors"][0]["field"], "name");
    assert_eq!(body["instance"], "/conflict");
}

#[actix_web::test]
async fn an_internal_error_never_leaks_its_cause() {
    let app = test_app!();
    let req = TestRequest::get().uri("/boom").to_request();
    let body = problem_body(call_service(&app, req).await, 500, "internal_error").await;
    // The full host name: a bare "db-7" can occur by chance inside the hex of a request id.
    assert!(!body.to_string().contains("db-7.internal"), "{body}");
}

#[actix_web::test]
async fn a_500_detail_set_by_a_handler_is_replaced_by_a_generic_one() {
    let app = test_app!();
    let req = TestRequest::get().uri("/leaky").to_request();
    let body = problem_body(call_service(&app, req).await, 500, "internal_error").await;
    assert!(!body.to_string().contains("hunter2"), "{body}");
}

#[actix_web::test]
async fn an_empty_error_response_becomes_a_problem() {
    let app = test_app!();
    let req = TestRequest::get().uri("/bare401").to_request();
    problem_body(call_service(&app, req).await, 401, "unauthorized").await;
}

#[actix_web::test]
async fn a_handlers_own_error_body_is_left_alone() {
    let app = test_app!();
    let req = TestRequest::get().uri("/custom").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 409);
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = read_body_json(res).await;
    assert_eq!(body["mine"], true);
}

#[test]
fn problem_schema_is_available_for_openapi() {
    use utoipa::PartialSchema;
    let schema = serde_json::to_value(pa_http::Problem::schema()).unwrap();
    let props = &schema["properties"];
    for key in [
        "type",
        "title",
        "status",
        "code",
        "detail",
        "instance",
        "request_id",
        "errors",
    ] {
        assert!(props.get(key).is_some(), "missing {key} in {schema}");
    }
    assert!(props.get("headers").is_none(), "{schema}");
}

#[test]
fn problem_builders_compose() {
    let p = pa_http::Problem::new(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "Invalid field",
    )
    .with_detail("bad")
    .with_field_error("contact_email", "not an email");
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["errors"][0]["field"], "contact_email");
    assert!(v.get("code").is_some());
    assert!(v["errors"][0].get("code").is_none(), "{v}");
}

#[test]
fn problem_can_be_registered_in_a_derived_openapi_document() {
    use utoipa::OpenApi;

    #[derive(OpenApi)]
    #[openapi(components(schemas(pa_http::Problem)))]
    struct Doc;

    let doc = serde_json::to_value(Doc::openapi()).unwrap();
    let schemas = &doc["components"]["schemas"];
    assert!(schemas.get("Problem").is_some(), "{schemas}");
    assert!(schemas.get("FieldError").is_some(), "{schemas}");
}
