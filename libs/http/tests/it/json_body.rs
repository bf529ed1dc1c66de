use actix_web::test::{TestRequest, call_service, read_body_json};
use serde_json::{Value, json};

use crate::support::problem_body;
use crate::test_app;

fn post_json(body: &str) -> TestRequest {
    TestRequest::post()
        .uri("/tenants")
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_owned())
}

#[actix_web::test]
async fn a_valid_body_is_extracted_and_echoed_as_json() {
    let app = test_app!();
    let res = call_service(
        &app,
        post_json(r#"{"name":"acme","contact_email":"a@b.c"}"#).to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/json"
    );
    let body: Value = read_body_json(res).await;
    assert_eq!(body["name"], "acme");
}

#[actix_web::test]
async fn a_charset_parameter_on_application_json_is_accepted() {
    let app = test_app!();
    let req = TestRequest::post()
        .uri("/tenants")
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .set_payload(r#"{"name":"acme","contact_email":"a@b.c"}"#)
        .to_request();
    assert_eq!(call_service(&app, req).await.status(), 200);
}

#[actix_web::test]
async fn malformed_json_is_a_400_malformed_json_problem() {
    let app = test_app!();
    let res = call_service(&app, post_json(r#"{"name": "acme",,}"#).to_request()).await;
    let body = problem_body(res, 400, "malformed_json").await;
    assert_eq!(body["instance"], "/tenants");
}

#[actix_web::test]
async fn trailing_garbage_after_the_json_is_malformed() {
    let app = test_app!();
    let res = call_service(
        &app,
        post_json(r#"{"name":"acme","contact_email":"a@b.c"} x"#).to_request(),
    )
    .await;
    problem_body(res, 400, "malformed_json").await;
}

#[actix_web::test]
async fn an_empty_body_is_a_400_problem() {
    let app = test_app!();
    let res = call_service(&app, post_json("").to_request()).await;
    let body = problem_body(res, 400, "malformed_json").await;
    assert!(body["detail"].as_str().unwrap().contains("empty"), "{body}");
}

#[actix_web::test]
async fn an_unknown_field_is_a_422_naming_the_field() {
    let app = test_app!();
    let res = call_service(
        &app,
        post_json(r#"{"name":"acme","contact_email":"a@b.c","colour":"red"}"#).to_request(),
    )
    .await;
    let body = problem_body(res, 422, "unknown_field").await;
    assert_eq!(body["errors"][0]["field"], "colour", "{body}");
    assert_eq!(body["errors"][0]["code"], "unknown_field", "{body}");
}

#[actix_web::test]
async fn an_unknown_nested_field_is_named_with_its_parent_path() {
    let app = test_app!();
    let res = call_service(
        &app,
        post_json(
            r#"{"name":"acme","contact_email":"a@b.c","owner":{"address":{"city":"x","zip":1,"planet":"mars"}}}"#,
        )
        .to_request(),
    )
    .await;
    let body = problem_body(res, 422, "unknown_field").await;
    assert_eq!(body["errors"][0]["field"], "owner.address.planet", "{body}");
}

#[actix_web::test]
async fn a_wrong_type_names_the_nested_path() {
    let app = test_app!();
    let res = call_service(
        &app,
        post_json(
            r#"{"name":"acme","contact_email":"a@b.c","owner":{"address":{"city":"x","zip":"nope"}}}"#,
        )
        .to_request(),
    )
    .await;
    let body = problem_body(res, 422, "invalid_field").await;
    assert_eq!(body["errors"][0]["field"], "owner.address.zip", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("invalid type"), "{message}");
    assert!(!message.contains("line"), "no parser positions: {message}");
}

#[actix_web::test]
async fn a_wrong_type_inside_an_array_names_the_index() {
    let app = test_app!();
    let res = call_service(
        &app,
        post_json(
            r#"{"name":"acme","contact_email":"a@b.c","owner":{"address":{"city":"x","zip":1},"members":[{"id":1},{"id":-2}]}}"#,
        )
        .to_request(),
    )
    .await;
    let body = problem_body(res, 422, "invalid_field").await;
    assert_eq!(body["errors"][0]["field"], "owner.members[1].id", "{body}");
}

#[actix_web::test]
async fn a_missing_field_is_a_422_naming_it() {
    let app = test_app!();
    let res = call_service(&app, post_json(r#"{"name":"acme"}"#).to_request()).await;
    let body = problem_body(res, 422, "invalid_field").await;
    assert_eq!(body["errors"][0]["field"], "contact_email", "{body}");
    assert_eq!(body["errors"][0]["code"], "missing_field", "{body}");
}

#[actix_web::test]
async fn a_body_of_the_wrong_shape_is_a_422() {
    let app = test_app!();
    let res = call_service(&app, post_json("[1,2]").to_request()).await;
    problem_body(res, 422, "invalid_field").await;
}

#[actix_web::test]
async fn an_oversize_body_is_a_413_problem() {
    let app = test_app!();
    let big = json!({ "name": "x".repeat(300), "contact_email": "a@b.c" }).to_string();
    let res = call_service(&app, post_json(&big).to_request()).await;
    problem_body(res, 413, "payload_too_large").await;
}

#[actix_web::test]
async fn an_oversize_body_without_content_length_is_a_413_problem() {
    let app = test_app!();
    let big = json!({ "name": "x".repeat(300), "contact_email": "a@b.c" }).to_string();
    let mut req = post_json(&big).to_request();
    req.headers_mut().remove("content-length");
    let res = call_service(&app, req).await;
    problem_body(res, 413, "payload_too_large").await;
}

#[actix_web::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = test_app!();
    let req = TestRequest::post()
        .uri("/tenants")
        .insert_header(("content-type", "text/plain"))
        .set_payload(r#"{"name":"acme","contact_email":"a@b.c"}"#)
        .to_request();
    problem_body(call_service(&app, req).await, 415, "unsupported_media_type").await;
}

#[actix_web::test]
async fn a_missing_content_type_is_a_415_problem() {
    let app = test_app!();
    let req = TestRequest::post()
        .uri("/tenants")
        .set_payload(r#"{"name":"acme","contact_email":"a@b.c"}"#)
        .to_request();
    problem_body(call_service(&app, req).await, 415, "unsupported_media_type").await;
}
