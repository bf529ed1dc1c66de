//! Request hygiene: control characters, oversized targets and headers, nosniff, Allow.

use actix_web::test::{TestRequest, call_service, read_body_json};
use serde_json::{Value, json};

use crate::support::problem_body;
use crate::test_app;

#[actix_web::test]
async fn a_nul_in_a_query_parameter_is_a_400_naming_the_parameter() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/tenants?limit=1&cursor=a%00b")
        .to_request();
    let body = problem_body(
        call_service(&app, req).await,
        400,
        "invalid_query_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "cursor", "{body}");
    assert_eq!(body["errors"][0]["code"], "control_character", "{body}");
}

#[actix_web::test]
async fn a_control_character_in_a_query_parameter_of_a_route_without_parameters_is_refused_too() {
    let app = test_app!();
    let req = TestRequest::get().uri("/whoami?q=%1B%5B2J").to_request();
    let body = problem_body(
        call_service(&app, req).await,
        400,
        "invalid_query_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "q", "{body}");
}

#[actix_web::test]
async fn a_c1_control_character_in_a_query_parameter_is_refused() {
    let app = test_app!();
    // U+0085 NEXT LINE, UTF-8 C2 85.
    let req = TestRequest::get()
        .uri("/tenants?limit=1&cursor=%C2%85")
        .to_request();
    problem_body(
        call_service(&app, req).await,
        400,
        "invalid_query_parameter",
    )
    .await;
}

#[actix_web::test]
async fn microsofts_multi_line_error_description_passes_but_no_other_control_character() {
    // Microsoft's OAuth redirects put CR LF between the lines of `error_description`.
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/whoami?error=access_denied&error_description=AADSTS65004%3A+declined.%0D%0ATrace+ID%3A+1")
        .to_request();
    assert_eq!(call_service(&app, req).await.status(), 200);
    for bad in ["a%00b", "a%09b", "a%1Bb", "a%C2%85b"] {
        let req = TestRequest::get()
            .uri(&format!("/whoami?error_description={bad}"))
            .to_request();
        let body = problem_body(
            call_service(&app, req).await,
            400,
            "invalid_query_parameter",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "error_description", "{body}");
    }
    // Only that parameter: a line break elsewhere is refused.
    let req = TestRequest::get()
        .uri("/whoami?error=a%0D%0Ab")
        .to_request();
    problem_body(
        call_service(&app, req).await,
        400,
        "invalid_query_parameter",
    )
    .await;
}

#[actix_web::test]
async fn ordinary_unicode_in_a_query_parameter_is_accepted() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/tenants?limit=1&cursor=M%C3%BCller%20%E2%9C%93")
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["cursor"], "Müller ✓");
}

#[actix_web::test]
async fn a_control_character_in_a_path_segment_is_a_400_naming_the_path_parameter() {
    let app = test_app!();
    let req = TestRequest::get().uri("/tenants/12%0A").to_request();
    let body = problem_body(call_service(&app, req).await, 400, "invalid_path_parameter").await;
    assert_eq!(body["errors"][0]["field"], "id", "{body}");
    assert_eq!(body["errors"][0]["code"], "control_character", "{body}");
}

#[actix_web::test]
async fn a_control_character_in_an_undocumented_path_names_the_segment() {
    let app = test_app!();
    let req = TestRequest::get().uri("/nowhere/%00").to_request();
    let body = problem_body(call_service(&app, req).await, 400, "invalid_path_parameter").await;
    assert_eq!(body["errors"][0]["field"], "path segment 2", "{body}");
}

#[actix_web::test]
async fn a_control_character_anywhere_in_a_json_body_is_a_422_naming_the_field() {
    let app = test_app!();
    let req = TestRequest::post()
        .uri("/tenants")
        .set_json(json!({
            "name": "Acme",
            "contact_email": "a@b.example",
            "owner": { "address": { "city": "Ber\u{0}lin", "zip": 1 } }
        }))
        .to_request();
    let body = problem_body(call_service(&app, req).await, 422, "invalid_field").await;
    assert_eq!(body["errors"][0]["field"], "owner.address.city", "{body}");
    assert_eq!(body["errors"][0]["code"], "control_character", "{body}");
}

#[actix_web::test]
async fn a_newline_or_tab_in_a_name_is_refused() {
    for name in ["Acme\nInc", "Acme\tInc", "Acme\u{85}Inc", "Acme\u{7f}"] {
        let app = test_app!();
        let req = TestRequest::post()
            .uri("/tenants")
            .set_json(json!({ "name": name, "contact_email": "a@b.example" }))
            .to_request();
        let body = problem_body(call_service(&app, req).await, 422, "invalid_field").await;
        assert_eq!(body["errors"][0]["field"], "name", "{name:?}: {body}");
    }
}

#[actix_web::test]
async fn escaped_backslashes_and_unicode_letters_in_a_json_body_are_accepted() {
    let app = test_app!();
    let req = TestRequest::post()
        .uri("/tenants")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"name":"C:\\new \u00e9t\u00e9","contact_email":"a@b.example"}"#)
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["name"], "C:\\new été");
}

#[actix_web::test]
async fn a_request_target_above_8_kib_is_a_414_problem() {
    let app = test_app!();
    let uri = format!("/tenants?limit=1&cursor={}", "a".repeat(8 * 1024));
    let req = TestRequest::get().uri(&uri).to_request();
    problem_body(call_service(&app, req).await, 414, "uri_too_long").await;
}

#[actix_web::test]
async fn headers_above_16_kib_are_a_431_problem() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/whoami")
        .insert_header(("x-padding", "p".repeat(16 * 1024)))
        .to_request();
    problem_body(
        call_service(&app, req).await,
        431,
        "request_header_fields_too_large",
    )
    .await;
}

#[actix_web::test]
async fn every_response_carries_nosniff() {
    let app = test_app!();
    for (method, uri) in [
        ("GET", "/whoami"),
        ("GET", "/nowhere"),
        ("GET", "/conflict"),
        ("GET", "/healthz"),
        ("GET", "/tenants?limit=%00"),
        ("DELETE", "/tenants"),
    ] {
        let req = TestRequest::default()
            .method(method.parse().unwrap())
            .uri(uri)
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(
            res.headers().get("x-content-type-options").unwrap(),
            "nosniff",
            "{method} {uri}"
        );
    }
}

#[actix_web::test]
async fn a_405_lists_the_documented_methods_in_allow() {
    let app = test_app!();
    let req = TestRequest::delete().uri("/tenants").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.headers().get("allow").unwrap(), "GET, POST");
    problem_body(res, 405, "method_not_allowed").await;

    let req = TestRequest::put().uri("/tenants/7").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.headers().get("allow").unwrap(), "GET");
    problem_body(res, 405, "method_not_allowed").await;

    let req = TestRequest::post().uri("/healthz").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.headers().get("allow").unwrap(), "GET");
}

#[actix_web::test]
async fn a_method_the_contract_does_not_list_on_a_literal_path_is_405_not_a_parameter_match() {
    let app = test_app!();
    // `/tenants/{id}` documents GET; `/tenants/active`, more specific, documents DELETE only.
    let req = TestRequest::get().uri("/tenants/active").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.headers().get("allow").unwrap(), "DELETE");
    problem_body(res, 405, "method_not_allowed").await;
    // The parameter route still answers its own method.
    let req = TestRequest::get().uri("/tenants/7").to_request();
    assert_eq!(call_service(&app, req).await.status(), 200);
}

#[actix_web::test]
async fn an_integral_float_is_an_integer_as_json_schema_says() {
    let app = test_app!();
    let req = TestRequest::post()
        .uri("/tenants")
        .set_json(json!({
            "name": "Acme", "contact_email": "a@b.example",
            "owner": { "address": { "city": "Berlin", "zip": 10115.0 } }
        }))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["owner"]["address"]["zip"], 10115);

    let req = TestRequest::post()
        .uri("/tenants")
        .set_json(json!({
            "name": "Acme", "contact_email": "a@b.example",
            "owner": { "address": { "city": "Berlin", "zip": 10115.5 } }
        }))
        .to_request();
    let body = problem_body(call_service(&app, req).await, 422, "invalid_field").await;
    assert_eq!(body["errors"][0]["field"], "owner.address.zip", "{body}");
}
