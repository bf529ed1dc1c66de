//! The OpenAPI document: generated from the handlers' `#[utoipa::path]` attributes and the
//! DTOs' doc comments, committed as `openapi/consent.json` and served at `/openapi.json`.

use actix_web::App;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::routes;

/// Document metadata, tags and components that are not tied to one handler.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Patient Access setup wizard (consent)",
        description = "The setup wizard's API, for the browser front-end served on the same origin: \
            from the e-mailed setup link to a verified Microsoft Entra ID admin consent, the \
            pre-flight checks, the first administrator, the admin groups and the finish that \
            starts the first sync.\n\n\
            Start with `POST /v1/wizard/sessions` (the token from the link's fragment): it sets \
            the `pa_wizard` session cookie and returns the state with a `csrf_token`; every \
            later POST, PUT and DELETE sends it as `X-CSRF-Token`. Steps: `PUT directory` → \
            `POST consent-requests` (navigate to Microsoft; back through `GET /consent/callback`) \
            → `POST preflight` → `PUT admin` → `GET/PUT groups` → `POST finish`. Every step may \
            be revisited until finish; out of order → 409 `step_out_of_order`.\n\n\
            Every error is an RFC 9457 `application/problem+json` document whose `code` is stable.",
    ),
    tags(
        (name = "wizard", description = "The setup wizard: one resource per step, the state, and Microsoft's callback."),
    ),
    components(schemas(pa_http::Problem, pa_http::FieldError)),
    modifiers(&WizardSecurity),
)]
pub struct ApiDoc;

/// The `wizard_session` cookie and the `csrf_token` header schemes.
struct WizardSecurity;

impl Modify for WizardSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "wizard_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "pa_wizard",
                "The wizard session cookie set by `POST /v1/wizard/sessions` (HttpOnly, \
                 SameSite=Lax, Secure; idle and absolute expiry).",
            ))),
        );
        components.add_security_scheme(
            "csrf_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's `csrf_token` (from the start and state responses), required on \
                 every POST, PUT and DELETE with the session cookie.",
            ))),
        );
    }
}

/// Operations anyone may call (`security: []`).
const PUBLIC: [(&str, &str); 1] = [("/v1/wizard/sessions", "post")];

/// The complete document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let (_app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(doc)
        .service(scope::scope("/v1").configure(routes::configure))
        .configure(routes::configure_root)
        .split_for_parts();
    for (path, method) in PUBLIC {
        if let Some(item) = api.paths.paths.get_mut(path) {
            let op = match method {
                "post" => item.post.as_mut(),
                _ => item.get.as_mut(),
            };
            if let Some(op) = op {
                op.security = Some(Vec::new());
            }
        }
    }
    pa_http::openapi::finish(&mut api, "http://127.0.0.1:8082");
    api
}

/// The committed form: pretty-printed JSON with a trailing newline.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(doc)?;
    json.push('\n');
    Ok(json)
}
