//! The OpenAPI document: generated from the handlers' `#[utoipa::path]` attributes and DTO
//! doc comments (utoipa-actix-web collects them from the `/v1` routes), committed as
//! `openapi/sync-dispatch.json` and served at `/openapi.json`.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::routes;

/// Document metadata, tags and components that are not tied to one handler.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Patient Access directory sync",
        description = "Keeps every tenant's people, groups and roles in step with Microsoft Entra ID. \
            For the vendor's operators: each tenant's sync status with the running sync's progress, \
            the run history, and \"sync now\".\n\n\
            Every error is an RFC 9457 `application/problem+json` document whose `code` is stable. \
            Lists are newest first with opaque cursors.",
    ),
    tags(
        (name = "sync", description = "A tenant's directory sync: schedule, progress, needs-attention, sync now."),
        (name = "runs", description = "Sync runs: what each read, changed, held or failed on."),
    ),
    components(schemas(pa_http::Problem, pa_http::FieldError)),
    modifiers(&OperatorKeyScheme),
)]
pub struct ApiDoc;

/// The `operator_key` bearer security scheme.
struct OperatorKeyScheme;

impl Modify for OperatorKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("pa_op_<43 base64url characters>")
            .description(Some(
                "An operator API key issued by tenant-provisioning: `Authorization: Bearer pa_op_…`.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("operator_key", SecurityScheme::Http(scheme));
    }
}

/// The complete document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let (_app, api) = App::new()
        .into_utoipa_app()
        .openapi(doc)
        .service(scope::scope("/v1").configure(routes::configure))
        .split_for_parts();
    let mut api = api;
    // Servers, shared framework answers, optional bodies as plain `$ref`s (house rules).
    pa_http::openapi::finish(&mut api, "http://127.0.0.1:8083");
    api
}

/// The committed form: pretty-printed JSON with a trailing newline.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(doc)?;
    json.push('\n');
    Ok(json)
}
