//! The OpenAPI document: generated from the handlers' `#[utoipa::path]` attributes and
//! DTO doc comments (utoipa-actix-web collects them from the `/v1` routes), committed as
//! `openapi/tenant-provisioning.json` and served at `/openapi.json`.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::routes;

/// Document metadata, tags and components that are not tied to one handler.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Patient Access tenant provisioning",
        description = "The vendor's operators provision customer tenants, manage their lifecycle and \
            send setup links that start the customer's setup wizard.\n\n\
            Every error is an RFC 9457 `application/problem+json` document whose `code` is stable. \
            Lists are newest first with opaque cursors. Creating POSTs accept `Idempotency-Key`.",
    ),
    tags(
        (name = "tenants", description = "Customer tenants and their lifecycle: pending_setup, active, suspended, deprovisioned, purged."),
        (name = "setup-links", description = "Single-use links to the setup wizard, e-mailed to the tenant's contact."),
        (name = "operator-keys", description = "API keys of the vendor's operators."),
        (name = "egress", description = "The static egress IP addresses customers allow in Microsoft Entra ID."),
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
                "An operator API key: `Authorization: Bearer pa_op_…`. Create the first with \
                 `tenant-provisioning create-operator-key --name <name>`.",
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
    let (_app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(doc)
        .service(scope::scope("/v1").configure(routes::configure))
        .split_for_parts();
    pa_http::openapi::finish(&mut api, "http://127.0.0.1:8081");
    api
}

/// The committed form: pretty-printed JSON with a trailing newline.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(doc)?;
    json.push('\n');
    Ok(json)
}
