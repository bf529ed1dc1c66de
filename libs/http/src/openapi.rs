//! What every service's OpenAPI document states about the framework's own behaviour, so the
//! contract says exactly what the server accepts and answers ([`finish`]).

use std::collections::BTreeSet;

use utoipa::openapi::path::Operation;
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::server::Server;
use utoipa::openapi::{Contact, Content, OpenApi, Ref, RefOr, Required};

use crate::hygiene::NO_CONTROL_CHARS_PATTERN;
use crate::{PROBLEM_CONTENT_TYPE, Problem};

/// The shared responses [`finish`] adds (`#/components/responses/…`), by status.
const SHARED: [(&str, &str, &str); 6] = [
    (
        "400",
        "BadRequest",
        "`invalid_path_parameter` / `invalid_query_parameter`: a path segment or query parameter \
         holds a control character (`errors[].code` = `control_character`) or is invalid.",
    ),
    (
        "413",
        "PayloadTooLarge",
        "`payload_too_large`: the body exceeds the service's limit (64 KiB by default).",
    ),
    (
        "414",
        "UriTooLong",
        "`uri_too_long`: the request target is longer than 8 KiB.",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "`unsupported_media_type`: the body is not sent as `application/json`.",
    ),
    (
        "431",
        "HeaderFieldsTooLarge",
        "`request_header_fields_too_large`: the header section is larger than 16 KiB.",
    ),
    (
        "503",
        "ServiceUnavailable",
        "`service_unavailable`: a dependency (PostgreSQL) is unreachable; retry later.",
    ),
];

/// Completes a service's generated document:
///
/// - `servers` lists `server_url` (the service's address on the local stack); `info.contact`
///   is set when the service sets none;
/// - an operation without security requirements, or with the anonymous `[{}]`, says
///   `security: []` (public);
/// - every operation documents the answers the framework may give whatever its handler does:
///   400 (a control character in a path or query parameter), 414 and 431 (see
///   [`crate::hygiene`]), 503 (PostgreSQL unreachable), and with a request body 413 and 415 —
///   each added only where the operation does not document that status itself, as a
///   `$ref` to `#/components/responses/…`;
/// - an optional request body that utoipa renders as `oneOf: [$ref, {type: null}]` (from
///   `request_body(content = Option<T>)`) becomes the plain `$ref` with `required: false`: the
///   body may be left out, and JSON `null` is not a body (the extractors answer it with 422);
/// - a parameter's schema is never nullable (`["string", "null"]` becomes `string`: an
///   optional parameter is one that may be left out);
/// - [`forbid_control_characters`].
pub fn finish(doc: &mut OpenApi, server_url: &str) {
    let mut server = Server::new(server_url);
    server.description = Some(
        "The service on the local stack (`make up`); each deployment serves this API at its own \
         base URL."
            .to_owned(),
    );
    doc.servers = Some(vec![server]);
    if doc.info.contact.is_none() {
        let mut contact = Contact::new();
        contact.name = Some("Patient Access".to_owned());
        contact.url = Some("https://docs.patient-access.dev/".to_owned());
        doc.info.contact = Some(contact);
    }
    let mut used = BTreeSet::new();
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            public_security(op);
            optional_body_as_ref(op);
            parameters_not_nullable(op);
            add_shared_responses(op, &mut used);
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, name, description) in SHARED {
        if used.contains(status) {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(problem_response(description)));
        }
    }
    forbid_control_characters(doc);
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn public_security(op: &mut Operation) {
    let anonymous = SecurityRequirement::default();
    let public = match &op.security {
        None => true,
        Some(reqs) => !reqs.is_empty() && reqs.iter().all(|r| *r == anonymous),
    };
    if public {
        op.security = Some(Vec::new());
    }
}

fn optional_body_as_ref(op: &mut Operation) {
    let Some(RefOr::T(body)) = op.request_body.as_mut() else {
        return;
    };
    for content in body.content.values_mut() {
        let RefOr::T(content) = content else { continue };
        let Some(RefOr::T(Schema::OneOf(one))) = &content.schema else {
            continue;
        };
        let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
        let reference = match one.items.as_slice() {
            [RefOr::Ref(r), n] | [n, RefOr::Ref(r)] if is_null(n) => r.clone(),
            _ => continue,
        };
        content.schema = Some(RefOr::Ref(reference));
        body.required = Some(Required::False);
    }
}

/// A parameter is left out, never `null`: utoipa types `Option<String>` parameters as
/// `["string", "null"]`, which generators and fuzzers read as "send the text `null`".
fn parameters_not_nullable(op: &mut Operation) {
    for param in op.parameters.iter_mut().flatten() {
        if let RefOr::T(param) = param
            && let Some(RefOr::T(Schema::Object(obj))) = param.schema.as_mut()
            && let SchemaType::Array(types) = &obj.schema_type
        {
            let rest: Vec<Type> = types
                .iter()
                .filter(|t| **t != Type::Null)
                .cloned()
                .collect();
            if let [only] = rest.as_slice() {
                obj.schema_type = SchemaType::Type(only.clone());
            }
        }
    }
}

fn add_shared_responses(op: &mut Operation, used: &mut BTreeSet<&'static str>) {
    let has_body = op.request_body.is_some();
    for (status, name, _) in SHARED {
        let applies = match status {
            "413" | "415" => has_body,
            _ => true,
        };
        if applies && !op.responses.responses.contains_key(status) {
            op.responses
                .responses
                .insert(status.to_owned(), RefOr::Ref(Ref::from_response_name(name)));
            used.insert(status);
        }
    }
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_CONTENT_TYPE,
            Content::new(Some(Ref::from_schema_name(
                <Problem as utoipa::ToSchema>::name(),
            ))),
        )
        .build()
}

/// Puts the rule that no text input holds a control character in the contract: every string
/// schema a request can carry (parameters and bodies, through `$ref`s) that has no `pattern`,
/// `format` or `enum` of its own gets [`NO_CONTROL_CHARS_PATTERN`]. (A string with its own
/// pattern must exclude control characters itself.) The server enforces the rule in
/// [`crate::RequestTracing`] and [`crate::Json`].
pub fn forbid_control_characters(doc: &mut OpenApi) {
    let mut refs = BTreeSet::new();
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            for param in op.parameters.iter_mut().flatten() {
                if let RefOr::T(param) = param
                    && let Some(schema) = param.schema.as_mut()
                {
                    patch(schema, &mut refs);
                }
            }
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                patch_body(body, &mut refs);
            }
        }
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let mut done = BTreeSet::new();
    while let Some(name) = refs.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(name.clone());
        if let Some(schema) = components.schemas.get_mut(&name) {
            patch(schema, &mut refs);
        }
    }
}

fn patch_body(body: &mut RequestBody, refs: &mut BTreeSet<String>) {
    for content in body.content.values_mut() {
        if let RefOr::T(content) = content
            && let Some(schema) = content.schema.as_mut()
        {
            patch(schema, refs);
        }
    }
}

fn patch(schema: &mut RefOr<Schema>, refs: &mut BTreeSet<String>) {
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                refs.insert(name.to_owned());
            }
        }
        RefOr::T(schema) => patch_schema(schema, refs),
    }
}

fn patch_schema(schema: &mut Schema, refs: &mut BTreeSet<String>) {
    match schema {
        Schema::Object(obj) => {
            let is_string = match &obj.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(ts) => ts.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string
                && obj.pattern.is_none()
                && obj.format.is_none()
                && obj.enum_values.is_none()
            {
                obj.pattern = Some(NO_CONTROL_CHARS_PATTERN.to_owned());
            }
            for prop in obj.properties.values_mut() {
                patch(prop, refs);
            }
            if let Some(extra) = obj.additional_properties.as_mut()
                && let AdditionalProperties::RefOr(extra) = extra.as_mut()
            {
                patch(extra, refs);
            }
        }
        Schema::Array(arr) => {
            if let ArrayItems::RefOrSchema(items) = &mut arr.items {
                patch(items, refs);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(|s| patch(s, refs)),
        Schema::AllOf(all) => all.items.iter_mut().for_each(|s| patch(s, refs)),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(|s| patch(s, refs)),
        _ => {}
    }
}
