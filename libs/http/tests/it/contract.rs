//! `pa_http::openapi::finish`: servers, public security, the framework's answers, patterns.

use serde_json::{Value, json};

fn finished(doc: Value) -> Value {
    let mut doc: utoipa::openapi::OpenApi = serde_json::from_value(doc).unwrap();
    pa_http::openapi::finish(&mut doc, "http://127.0.0.1:8081");
    serde_json::to_value(&doc).unwrap()
}

fn sample() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": { "title": "t", "version": "1" },
        "paths": {
            "/v1/things": {
                "get": {
                    "security": [{}],
                    "parameters": [
                        { "name": "q", "in": "query", "required": false, "schema": { "type": "string", "maxLength": 10 } },
                        { "name": "since", "in": "query", "required": false, "schema": { "type": "string", "format": "date-time" } }
                    ],
                    "responses": { "200": { "description": "ok" }, "400": { "description": "mine" } }
                },
                "post": {
                    "security": [{ "key": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ThingIn" } } } },
                    "responses": { "201": { "description": "created" } }
                }
            },
            "/v1/open": { "get": { "responses": { "200": { "description": "ok" } } } },
            "/v1/things/{id}/pause": {
                "post": {
                    "security": [{ "key": [] }],
                    "requestBody": { "description": "Optional.", "content": { "application/json": { "schema": {
                        "oneOf": [{ "$ref": "#/components/schemas/ThingIn" }, { "type": "null" }]
                    } } } },
                    "responses": { "200": { "description": "ok" } }
                }
            }
        },
        "components": { "schemas": {
            "ThingIn": { "type": "object", "properties": {
                "name": { "$ref": "#/components/schemas/Name" },
                "tags": { "type": "array", "items": { "type": "string" } },
                "kind": { "type": "string", "enum": ["a", "b"] },
                "code": { "type": "string", "pattern": "^[0-9]+$" },
                "note": { "type": ["string", "null"] }
            } },
            "Name": { "type": "string", "minLength": 1 },
            "ThingOut": { "type": "object", "properties": { "label": { "type": "string" } } }
        } }
    })
}

const NO_CONTROLS: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

#[test]
fn the_document_names_its_server() {
    let doc = finished(sample());
    assert_eq!(doc["servers"][0]["url"], "http://127.0.0.1:8081");
}

#[test]
fn anonymous_or_missing_security_becomes_an_explicit_empty_list() {
    let doc = finished(sample());
    assert_eq!(doc["paths"]["/v1/things"]["get"]["security"], json!([]));
    assert_eq!(doc["paths"]["/v1/open"]["get"]["security"], json!([]));
    assert_eq!(
        doc["paths"]["/v1/things"]["post"]["security"],
        json!([{ "key": [] }])
    );
}

#[test]
fn every_operation_documents_the_framework_answers_it_does_not_document_itself() {
    let doc = finished(sample());
    let get = &doc["paths"]["/v1/things"]["get"]["responses"];
    assert_eq!(get["400"]["description"], "mine", "its own 400 is kept");
    for status in ["414", "431", "503"] {
        assert!(get[status]["$ref"].is_string(), "{status}: {get}");
    }
    assert!(
        get["413"].is_null() && get["415"].is_null(),
        "no body: {get}"
    );
    let post = &doc["paths"]["/v1/things"]["post"]["responses"];
    for status in ["400", "413", "414", "415", "431", "503"] {
        let target = post[status]["$ref"].as_str().unwrap();
        let name = target.rsplit('/').next().unwrap();
        let shared = &doc["components"]["responses"][name];
        assert_eq!(
            shared["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem",
            "{status}"
        );
    }
}

#[test]
fn parameters_are_never_nullable() {
    let mut doc = sample();
    doc["paths"]["/v1/things"]["get"]["parameters"][0]["schema"]["type"] =
        json!(["string", "null"]);
    let doc = finished(doc);
    let q = &doc["paths"]["/v1/things"]["get"]["parameters"][0]["schema"];
    assert_eq!(q["type"], "string", "{q}");
}

#[test]
fn request_strings_without_their_own_rule_forbid_control_characters() {
    let doc = finished(sample());
    let params = &doc["paths"]["/v1/things"]["get"]["parameters"];
    assert_eq!(params[0]["schema"]["pattern"], NO_CONTROLS);
    assert!(
        params[1]["schema"]["pattern"].is_null(),
        "a format is a rule"
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Name"]["pattern"], NO_CONTROLS,
        "reached through $ref"
    );
    let props = &schemas["ThingIn"]["properties"];
    assert_eq!(props["tags"]["items"]["pattern"], NO_CONTROLS);
    assert_eq!(props["note"]["pattern"], NO_CONTROLS);
    assert!(props["kind"]["pattern"].is_null());
    assert_eq!(props["code"]["pattern"], "^[0-9]+$");
    assert!(
        schemas["ThingOut"]["properties"]["label"]["pattern"].is_null(),
        "response-only schemas are left alone"
    );
}

#[test]
fn the_pattern_matches_text_and_refuses_control_characters() {
    // The same rule, checked the way the server checks it.
    for ok in ["", "Acme", "Müller ✓", "a b"] {
        assert!(!pa_http::hygiene::has_control_chars(ok), "{ok:?}");
    }
    for bad in ["\0", "a\nb", "\t", "\u{7f}", "\u{85}", "\u{9f}"] {
        assert!(pa_http::hygiene::has_control_chars(bad), "{bad:?}");
    }
    assert_eq!(pa_http::hygiene::NO_CONTROL_CHARS_PATTERN, NO_CONTROLS);
}

#[test]
fn an_optional_body_is_an_optional_ref_not_a_nullable_one_of() {
    let doc = finished(sample());
    let body = &doc["paths"]["/v1/things/{id}/pause"]["post"]["requestBody"];
    assert_eq!(
        body["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/ThingIn" }),
        "{body}"
    );
    assert_eq!(body["required"], false);
}
