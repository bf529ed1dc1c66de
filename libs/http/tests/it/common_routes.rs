use std::time::Duration;

use actix_web::test::{TestRequest, call_service, read_body, read_body_json};
use pa_http::Readiness;
use serde_json::Value;

use crate::support::problem_body;
use crate::test_app;

#[actix_web::test]
async fn healthz_is_always_ok() {
    let app = test_app!(Readiness::new().with_check("db", || async { Err("down".into()) }));
    let res = call_service(&app, TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
}

#[actix_web::test]
async fn readyz_is_ready_when_every_check_passes() {
    let app = test_app!(
        Readiness::new()
            .with_check("postgres", || async { Ok(()) })
            .with_check("rabbitmq", || async { Ok(()) })
    );
    let res = call_service(&app, TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["postgres"], "ok");
    assert_eq!(body["checks"]["rabbitmq"], "ok");
}

#[actix_web::test]
async fn readyz_is_503_naming_the_failed_check() {
    let app = test_app!(
        Readiness::new()
            .with_check("postgres", || async { Ok(()) })
            .with_check("rabbitmq", || async {
                Err("connection refused to 10.0.0.7".into())
            })
    );
    let res = call_service(&app, TestRequest::get().uri("/readyz").to_request()).await;
    let body = problem_body(res, 503, "service_unavailable").await;
    assert_eq!(body["checks"]["postgres"], "ok");
    assert_eq!(body["checks"]["rabbitmq"], "failed");
    assert_eq!(body["failed"], serde_json::json!(["rabbitmq"]));
    assert!(
        !body.to_string().contains("10.0.0.7"),
        "reasons are logged, not served"
    );
}

#[actix_web::test]
async fn readyz_times_a_hanging_check_out() {
    let app = test_app!(
        Readiness::new()
            .with_timeout(Duration::from_millis(50))
            .with_check("slow", || async {
                actix_web::rt::time::sleep(Duration::from_secs(30)).await;
                Ok(())
            })
    );
    let started = std::time::Instant::now();
    let res = call_service(&app, TestRequest::get().uri("/readyz").to_request()).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let body = problem_body(res, 503, "service_unavailable").await;
    assert_eq!(body["checks"]["slow"], "timeout");
}

#[actix_web::test]
async fn openapi_json_serves_the_document() {
    let app = test_app!();
    let res = call_service(&app, TestRequest::get().uri("/openapi.json").to_request()).await;
    assert_eq!(res.status(), 200);
    let body: Value = read_body_json(res).await;
    assert_eq!(body["info"]["title"], "test");
    assert!(body["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[actix_web::test]
async fn swagger_ui_is_served_offline_under_docs() {
    let app = test_app!();
    let res = call_service(&app, TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(res.status(), 200);
    let html = String::from_utf8(read_body(res).await.to_vec()).unwrap();
    assert!(html.contains("swagger"), "{html}");

    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/docs/swagger-initializer.js")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let js = String::from_utf8(read_body(res).await.to_vec()).unwrap();
    assert!(js.contains("/openapi.json"), "{js}");
}

#[actix_web::test]
async fn docs_without_a_slash_redirects() {
    let app = test_app!();
    let res = call_service(&app, TestRequest::get().uri("/docs").to_request()).await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers().get("location").unwrap(), "/docs/");
}
