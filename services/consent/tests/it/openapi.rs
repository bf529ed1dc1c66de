//! The committed OpenAPI contract equals what the code generates and what is served.

use serde_json::Value;

use crate::helpers::TestApp;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/consent.json");

fn committed() -> String {
    std::fs::read_to_string(COMMITTED).unwrap_or_default()
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = consent::openapi::to_pretty_json(&consent::openapi::document()).expect("json");
    assert!(
        committed() == generated,
        "openapi/consent.json is out of date; regenerate it with\n\n    \
         cargo run -p consent -- openapi > openapi/consent.json\n\nand commit the result"
    );
}

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = TestApp::spawn().await;
    let served: Value = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let committed: Value = serde_json::from_str(&committed()).expect("committed document is JSON");
    assert_eq!(served, committed);
}

#[test]
fn every_operation_is_namespaced_documents_its_problems_and_its_security() {
    let doc: Value = serde_json::to_value(consent::openapi::document()).expect("json");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["wizard_session"]["in"], "cookie");
    assert_eq!(schemes["wizard_session"]["name"], "pa_wizard");
    assert_eq!(schemes["csrf_token"]["in"], "header");
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            operations += 1;
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(id.starts_with("consent."), "{method} {path}: {id}");
            let responses = op["responses"].as_object().expect("responses");
            for (status, response) in responses {
                // The framework's shared answers (414, 431, …) are `$ref`s to components.
                let response = match response["$ref"].as_str() {
                    Some(r) => {
                        let name = r.trim_start_matches("#/components/responses/");
                        &doc["components"]["responses"][name]
                    }
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some(),
                        "{method} {path} {status}"
                    );
                    let described = response["description"].as_str().unwrap_or_default();
                    assert!(
                        described.contains('`'),
                        "{method} {path} {status}: name the codes"
                    );
                }
            }
            let security = op["security"].as_array().expect("security stated");
            if path == "/v1/wizard/sessions" && method == "post" {
                assert!(security.is_empty(), "start is public");
            } else {
                assert!(
                    security[0].get("wizard_session").is_some(),
                    "{method} {path}"
                );
                if method != "get" {
                    assert!(security[0].get("csrf_token").is_some(), "{method} {path}");
                    assert!(responses.contains_key("403"), "{method} {path}");
                }
                assert!(responses.contains_key("401"), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("413"), "{method} {path}");
            }
        }
    }
    assert_eq!(operations, 12);
}
