//! The built front-end served on the service's origin (pa_http::spa).

use std::path::PathBuf;

use actix_web::http::header;
use actix_web::test::{TestRequest, call_service, read_body};
use pa_http::spa::{IMMUTABLE, NO_CACHE, Spa, SpaSettings};

use crate::support::problem_body;

const INDEX: &str = "<!doctype html><script type=module src=/assets/index-Ab12.js></script>";

/// A fresh `dist/` with an index, a hashed asset, a favicon and a dot-file.
fn dist() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pa-http-spa-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.join("assets/index-Ab12.js"), "console.log(1)").unwrap();
    std::fs::write(dir.join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join(".env"), "SECRET=1").unwrap();
    dir
}

fn settings(f: impl FnOnce(&mut SpaSettings)) -> SpaSettings {
    let mut s = SpaSettings {
        dir: Some(dist()),
        ..SpaSettings::default()
    };
    f(&mut s);
    s
}

macro_rules! spa_app {
    ($settings:expr) => {{
        pa_telemetry::init_for_tests();
        let spa = Spa::load(&$settings).unwrap().unwrap();
        let openapi = utoipa::openapi::OpenApiBuilder::new().build();
        actix_web::test::init_service(
            actix_web::App::new()
                .wrap(pa_http::RequestTracing)
                .configure(|cfg| pa_http::configure_common(cfg, pa_http::Readiness::new(), openapi))
                .route(
                    "/v1/things",
                    actix_web::web::get().to($crate::support::whoami),
                )
                .configure(|cfg| pa_http::spa::configure(cfg, spa)),
        )
        .await
    }};
}

fn header<'a, B>(res: &'a actix_web::dev::ServiceResponse<B>, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}"))
        .to_str()
        .unwrap()
}

fn assert_security_headers<B>(res: &actix_web::dev::ServiceResponse<B>) {
    let csp = header(res, "content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("style-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(res, "x-content-type-options"), "nosniff");
    assert_eq!(header(res, "referrer-policy"), "no-referrer");
    assert_eq!(header(res, "x-frame-options"), "DENY");
}

#[actix_web::test]
async fn a_navigation_gets_index_html_uncached_with_the_security_headers() {
    let app = spa_app!(settings(|_| {}));
    for path in [
        "/",
        "/users",
        "/users/7f0c/history",
        "/setup?consent=granted",
    ] {
        let res = call_service(&app, TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&res, "cache-control"), NO_CACHE);
        assert_security_headers(&res);
        assert_eq!(read_body(res).await, INDEX.as_bytes(), "{path}");
    }
}

#[actix_web::test]
async fn a_hashed_asset_is_served_immutable_and_other_files_revalidate() {
    let app = spa_app!(settings(|_| {}));
    let res = call_service(
        &app,
        TestRequest::get().uri("/assets/index-Ab12.js").to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&res, "cache-control"), IMMUTABLE);
    assert_security_headers(&res);
    assert_eq!(read_body(res).await, "console.log(1)".as_bytes());

    let res = call_service(&app, TestRequest::get().uri("/favicon.svg").to_request()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert_eq!(header(&res, "cache-control"), NO_CACHE);
}

#[actix_web::test]
async fn a_matching_etag_gets_304_without_a_body() {
    let app = spa_app!(settings(|_| {}));
    let res = call_service(&app, TestRequest::get().uri("/").to_request()).await;
    let etag = header(&res, "etag").to_owned();
    let res = call_service(
        &app,
        TestRequest::get()
            .uri("/users")
            .insert_header((header::IF_NONE_MATCH, etag.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 304);
    assert_eq!(header(&res, "etag"), etag);
    assert!(read_body(res).await.is_empty());
}

#[actix_web::test]
async fn api_paths_are_never_answered_with_the_front_end() {
    let app = spa_app!(settings(|_| {}));
    for path in [
        "/v1/unknown",
        "/v1",
        "/auth/nothing",
        "/consent/elsewhere",
        "/healthz/x",
    ] {
        let res = call_service(&app, TestRequest::get().uri(path).to_request()).await;
        problem_body(res, 404, "not_found").await;
    }
    // The service's own routes still answer.
    let res = call_service(&app, TestRequest::get().uri("/v1/things").to_request()).await;
    assert_eq!(res.status(), 200);
    let res = call_service(&app, TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), 200);
    // `/v1x` is not under `/v1`: a navigation.
    let res = call_service(&app, TestRequest::get().uri("/v1x").to_request()).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn a_missing_file_and_a_write_are_problems_not_index_html() {
    let app = spa_app!(settings(|_| {}));
    let res = call_service(
        &app,
        TestRequest::get().uri("/assets/gone-1234.js").to_request(),
    )
    .await;
    problem_body(res, 404, "not_found").await;
    let res = call_service(&app, TestRequest::post().uri("/users").to_request()).await;
    problem_body(res, 404, "not_found").await;
    let res = call_service(&app, TestRequest::post().uri("/v1/things").to_request()).await;
    problem_body(res, 405, "method_not_allowed").await;
}

#[actix_web::test]
async fn dot_files_and_paths_outside_the_directory_are_not_served() {
    let app = spa_app!(settings(|_| {}));
    for path in ["/.env", "/assets/../.env", "/%2e%2e/%2e%2e/etc/passwd.txt"] {
        let res = call_service(&app, TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status(), 404, "{path}");
        let body = read_body(res).await;
        assert!(!String::from_utf8_lossy(&body).contains("SECRET"), "{path}");
    }
}

#[actix_web::test]
async fn navigation_prefixes_limit_the_fallback_and_reserved_prefixes_extend_the_api() {
    let app = spa_app!(settings(|s| s.navigation_prefixes = vec!["/setup".into()]));
    let res = call_service(&app, TestRequest::get().uri("/setup").to_request()).await;
    assert_eq!(res.status(), 200);
    let res = call_service(&app, TestRequest::get().uri("/setup/groups").to_request()).await;
    assert_eq!(res.status(), 200);
    let res = call_service(&app, TestRequest::get().uri("/users").to_request()).await;
    problem_body(res, 404, "not_found").await;
    // The built files are served whatever the prefixes.
    let res = call_service(
        &app,
        TestRequest::get().uri("/assets/index-Ab12.js").to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);

    let app = spa_app!(settings(|s| s.reserved_prefixes = vec!["/setup".into()]));
    let res = call_service(&app, TestRequest::get().uri("/setup").to_request()).await;
    problem_body(res, 404, "not_found").await;
    let res = call_service(&app, TestRequest::get().uri("/users").to_request()).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn a_custom_content_security_policy_replaces_the_default() {
    let app = spa_app!(settings(|s| {
        s.content_security_policy = Some("default-src 'self'; frame-ancestors 'none'".into());
    }));
    let res = call_service(&app, TestRequest::get().uri("/").to_request()).await;
    assert_eq!(
        header(&res, "content-security-policy"),
        "default-src 'self'; frame-ancestors 'none'"
    );
}

#[test]
fn no_directory_means_no_front_end_and_a_directory_without_index_html_is_an_error() {
    assert!(Spa::load(&SpaSettings::default()).unwrap().is_none());
    let dir = dist();
    std::fs::remove_file(dir.join("index.html")).unwrap();
    let err = Spa::load(&SpaSettings {
        dir: Some(dir),
        ..SpaSettings::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("index.html"), "{err}");
    let missing = Spa::load(&SpaSettings {
        dir: Some("/nonexistent/pa-web-dist".into()),
        ..SpaSettings::default()
    });
    assert!(missing.is_err());
}

#[test]
fn settings_deserialize_as_a_config_section() {
    let s: SpaSettings =
        serde_json::from_str(r#"{"dir":"services/web/dist","reserved_prefixes":["/setup"]}"#)
            .unwrap();
    assert_eq!(s.dir, Some(PathBuf::from("services/web/dist")));
    assert_eq!(s.reserved_prefixes, vec!["/setup".to_owned()]);
    assert!(serde_json::from_str::<SpaSettings>(r#"{"dri":"x"}"#).is_err());
}
