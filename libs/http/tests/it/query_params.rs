use actix_web::test::{TestRequest, call_service, read_body_json};
use serde_json::Value;

use crate::support::problem_body;
use crate::test_app;

#[actix_web::test]
async fn valid_query_parameters_are_extracted() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/tenants?limit=5&cursor=abc")
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["limit"], 5);
    assert_eq!(body["cursor"], "abc");
}

#[actix_web::test]
async fn an_unparsable_query_parameter_is_a_400_naming_it() {
    let app = test_app!();
    let req = TestRequest::get().uri("/tenants?limit=lots").to_request();
    let body = problem_body(
        call_service(&app, req).await,
        400,
        "invalid_query_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "limit", "{body}");
}

#[actix_web::test]
async fn a_missing_query_parameter_is_a_400_naming_it() {
    let app = test_app!();
    let req = TestRequest::get().uri("/tenants").to_request();
    let body = problem_body(
        call_service(&app, req).await,
        400,
        "invalid_query_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "limit", "{body}");
}

#[actix_web::test]
async fn an_unknown_query_parameter_is_a_400_naming_it() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/tenants?limit=1&colour=red")
        .to_request();
    let body = problem_body(
        call_service(&app, req).await,
        400,
        "invalid_query_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "colour", "{body}");
}

#[actix_web::test]
async fn an_unparsable_path_parameter_is_a_400_problem() {
    let app = test_app!();
    let req = TestRequest::get().uri("/tenants/abc").to_request();
    problem_body(call_service(&app, req).await, 400, "invalid_path_parameter").await;
}
