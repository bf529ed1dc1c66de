//! The committed OpenAPI contract equals what the code generates and what is served.

use serde_json::Value;

use crate::helpers::TestApp;

const COMMITTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../openapi/tenant-provisioning.json"
);

fn committed() -> String {
    std::fs::read_to_string(COMMITTED).unwrap_or_default()
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated =
        tenant_provisioning::openapi::to_pretty_json(&tenant_provisioning::openapi::document())
            .expect("json");
    assert!(
        committed() == generated,
        "openapi/tenant-provisioning.json is out of date; regenerate it with\n\n    \
         cargo run -p tenant-provisioning -- openapi > openapi/tenant-provisioning.json\n\n\
         and commit the result"
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
fn every_operation_has_a_namespaced_id_and_documents_its_problems() {
    let doc: Value = serde_json::to_value(tenant_provisioning::openapi::document()).expect("json");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                id.starts_with("tenant_provisioning."),
                "{method} {path}: {id}"
            );
            let responses = op["responses"].as_object().expect("responses");
            for (status, response) in responses {
                // The framework's shared answers are `$ref`s to `#/components/responses/…`.
                let response = match response["$ref"].as_str() {
                    Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap_or("")],
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some(),
                        "{method} {path} {status}"
                    );
                }
            }
            let public = path == "/v1/egress-ips";
            assert_eq!(
                op["security"] == serde_json::json!([]),
                public,
                "{method} {path} security: public operations say `security: []`"
            );
            assert_eq!(
                responses.contains_key("401"),
                !public,
                "{method} {path} documents 401"
            );
        }
    }
}
