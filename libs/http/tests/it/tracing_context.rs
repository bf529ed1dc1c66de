use actix_web::test::{TestRequest, call_service, read_body_json};
use serde_json::Value;

use crate::test_app;

#[actix_web::test]
async fn the_request_span_continues_an_inbound_traceparent() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/trace")
        .insert_header((
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ))
        .to_request();
    let body: Value = read_body_json(call_service(&app, req).await).await;
    let tp = body["traceparent"].as_str().unwrap();
    assert!(
        tp.starts_with("00-0af7651916cd43dd8448eb211c80319c-"),
        "{tp}"
    );
    assert!(
        !tp.contains("b7ad6b7169203331"),
        "the server span has its own id: {tp}"
    );
}

#[actix_web::test]
async fn without_a_traceparent_the_request_starts_a_new_trace() {
    let app = test_app!();
    let req = TestRequest::get().uri("/trace").to_request();
    let body: Value = read_body_json(call_service(&app, req).await).await;
    let tp = body["traceparent"].as_str().unwrap();
    assert_eq!(tp.len(), 55, "{tp}");
}

#[actix_web::test]
async fn a_malformed_traceparent_is_ignored() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/trace")
        .insert_header(("traceparent", "not-a-trace"))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert!(body["traceparent"].is_string());
}
