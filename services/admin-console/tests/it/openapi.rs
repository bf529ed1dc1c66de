//! The committed OpenAPI contract equals what the code generates and what is served, and every
//! operation documents its problems, its security and its role.

use serde_json::Value;

use crate::helpers::TestApp;

const COMMITTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../openapi/admin-console.json"
);

fn committed() -> String {
    std::fs::read_to_string(COMMITTED).unwrap_or_default()
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated =
        admin_console::openapi::to_pretty_json(&admin_console::openapi::document()).unwrap();
    assert!(
        committed() == generated,
        "openapi/admin-console.json is out of date; regenerate it with\n\n    \
         cargo run -p admin-console -- openapi > openapi/admin-console.json\n\nand commit the result"
    );
}

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = TestApp::spawn().await;
    let served: Value = reqwest::get(format!("{}/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(&committed()).expect("committed document is JSON");
    assert_eq!(served, committed);
}

#[test]
fn every_operation_documents_its_problems_security_and_role() {
    let doc: Value = serde_json::to_value(admin_console::openapi::document()).unwrap();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("console_session") && schemes.contains_key("api_token"));
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(id.starts_with("admin_console."), "{method} {path}: {id}");
            let responses = op["responses"].as_object().unwrap();
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
                    let text = response["description"].as_str().unwrap_or_default();
                    assert!(
                        text.contains('`'),
                        "{method} {path} {status} names its codes"
                    );
                }
            }
            let security = op["security"].as_array().expect("security stated");
            let public = security
                .iter()
                .all(|s| s.as_object().is_some_and(|o| o.is_empty()));
            assert_eq!(
                public,
                path.starts_with("/auth/") && path != "/auth/logout",
                "{method} {path}"
            );
            if path.starts_with("/v1/") {
                let success = responses
                    .iter()
                    .find(|(s, _)| s.starts_with('2'))
                    .map(|(_, r)| r["description"].as_str().unwrap_or_default())
                    .unwrap_or_default();
                assert!(
                    success.to_lowercase().contains("role"),
                    "{method} {path} states the role it needs: {success}"
                );
                assert!(responses.contains_key("401"), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                assert!(
                    responses.contains_key("413"),
                    "{method} {path} documents 413"
                );
            }
        }
    }
    assert!(count >= 30, "{count} operations");
}
