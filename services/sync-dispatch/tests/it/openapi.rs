//! The committed OpenAPI contract equals what the code generates and what is served.

use serde_json::Value;

use crate::support::Stack;

const COMMITTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../openapi/sync-dispatch.json"
);

fn committed() -> String {
    std::fs::read_to_string(COMMITTED).unwrap_or_default()
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated =
        sync_dispatch::openapi::to_pretty_json(&sync_dispatch::openapi::document()).expect("json");
    assert!(
        committed() == generated,
        "openapi/sync-dispatch.json is out of date; regenerate it with\n\n    \
         cargo run -p sync-dispatch -- openapi > openapi/sync-dispatch.json\n\n\
         and commit the result"
    );
}

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let stack = Stack::start().await;
    let served: Value = stack
        .http
        .get(format!("{}/openapi.json", stack.base))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let committed: Value = serde_json::from_str(&committed()).expect("committed document is JSON");
    assert_eq!(served, committed);
    stack.shutdown().await;
}

#[test]
fn every_operation_is_namespaced_secured_and_documents_its_problems() {
    let doc: Value = serde_json::to_value(sync_dispatch::openapi::document()).expect("json");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(id.starts_with("sync_dispatch."), "{method} {path}: {id}");
            assert_eq!(
                op["security"][0]["operator_key"],
                Value::Array(vec![]),
                "{method} {path}"
            );
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("401"), "{method} {path}");
            for (status, response) in responses {
                // Shared answers are `$ref`s to `#/components/responses/…`.
                let response = match response["$ref"].as_str() {
                    Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap()],
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some(),
                        "{method} {path} {status}"
                    );
                    let description = response["description"].as_str().unwrap_or_default();
                    assert!(
                        description.contains('`'),
                        "{method} {path} {status} names its codes"
                    );
                }
            }
            if let Some(body) = op.get("requestBody") {
                assert!(
                    responses.contains_key("413"),
                    "{method} {path} documents 413"
                );
                let schema = &body["content"]["application/json"]["schema"];
                assert!(
                    schema.get("$ref").is_some(),
                    "{method} {path}: a plain $ref, {schema}"
                );
            }
        }
    }
}
