use actix_web::test::{TestRequest, call_service, read_body_json};
use serde_json::Value;

use crate::test_app;

#[actix_web::test]
async fn a_sane_inbound_request_id_is_used_and_echoed() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/whoami")
        .insert_header(("x-request-id", "abc.DEF_123-xyz"))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(
        res.headers().get("x-request-id").unwrap(),
        "abc.DEF_123-xyz"
    );
    let body: Value = read_body_json(res).await;
    assert_eq!(body["request_id"], "abc.DEF_123-xyz");
}

#[actix_web::test]
async fn a_request_id_is_generated_when_none_is_sent() {
    let app = test_app!();
    let res = call_service(&app, TestRequest::get().uri("/whoami").to_request()).await;
    let header = res
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let id = uuid::Uuid::parse_str(&header).unwrap();
    assert_eq!(id.get_version_num(), 7);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["request_id"], header.as_str());
}

#[actix_web::test]
async fn an_insane_inbound_request_id_is_replaced() {
    let app = test_app!();
    for bad in ["has space", "semi;colon", &"a".repeat(129), ""] {
        let req = TestRequest::get()
            .uri("/whoami")
            .insert_header(("x-request-id", bad))
            .to_request();
        let res = call_service(&app, req).await;
        let header = res.headers().get("x-request-id").unwrap().to_str().unwrap();
        assert_ne!(header, bad);
        assert!(uuid::Uuid::parse_str(header).is_ok(), "{header}");
    }
}

#[actix_web::test]
async fn error_responses_echo_the_request_id_too() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/nowhere")
        .insert_header(("x-request-id", "req-404"))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.headers().get("x-request-id").unwrap(), "req-404");
    let body: Value = read_body_json(res).await;
    assert_eq!(body["request_id"], "req-404");
}

#[test]
fn request_id_parsing_accepts_exactly_the_documented_alphabet() {
    use pa_http::RequestId;
    assert!(RequestId::parse("a").is_some());
    assert!(RequestId::parse(&"a".repeat(128)).is_some());
    assert!(RequestId::parse(&"a".repeat(129)).is_none());
    assert!(RequestId::parse("").is_none());
    assert!(RequestId::parse("é").is_none());
    assert!(RequestId::parse("a/b").is_none());
}
