//! The OpenAPI document: generated from the handlers' `#[utoipa::path]` attributes and DTO doc
//! comments, committed as `openapi/admin-console.json` and served at `/openapi.json`.

use actix_web::App;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::routes;

/// Document metadata, tags and components that are not tied to one handler.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Patient Access admin console",
        description = "The API behind the Patient Access Admin Console: Entra ID sign-in, HIPAA sessions \
            (automatic logoff, emergency access), roles, users, groups, sync, the tamper-evident audit log, \
            access review and settings.\n\n\
            **Authentication.** A browser signs in at `GET /auth/login?tenant=<id>` and holds the \
            `pa_console` cookie (HttpOnly, SameSite=Lax, Secure); every state-changing request of a \
            session sends the session's CSRF token (`GET /v1/session`) as `X-CSRF-Token`. Sessions end \
            after the tenant's idle timeout (default 15 min) or absolute lifetime (default 12 h), checked \
            by the server on every request. Partner tools send `Authorization: Bearer pa_api_…` (no CSRF).\n\n\
            **Roles.** Admin > Manager > Viewer. Viewer: read users, groups, sync, settings, own sessions. \
            Manager: + sync now, deactivate/reactivate users (not above their own role), audit log and \
            export, access review. Admin: + direct roles, groups, held-run decisions, settings, end a user's \
            or all sessions, API tokens and emergency accounts (these two, and own-session operations, need \
            a signed-in session, not an API token). Each operation states its role. Ids of another tenant \
            answer 404.\n\n\
            Every error is an RFC 9457 `application/problem+json` document with a stable `code`.",
    ),
    tags(
        (name = "auth", description = "Sign-in with Entra ID, emergency sign-in, sign-out."),
        (name = "sessions", description = "Who am I, own sessions, ending sessions."),
        (name = "users", description = "The synced people, their roles and product access."),
        (name = "groups", description = "Admin and user groups."),
        (name = "sync", description = "Directory sync status, history, sync now, held runs."),
        (name = "audit", description = "The tamper-evident audit log."),
        (name = "settings", description = "Session timeouts, sync, thresholds, retention."),
        (name = "api-tokens", description = "Tokens for partner tools."),
        (name = "emergency-access", description = "Break-glass accounts (HIPAA 164.312(a)(2)(ii))."),
        (name = "access-review", description = "Who can access the tenant."),
    ),
    components(schemas(pa_http::Problem, pa_http::FieldError)),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "console_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "pa_console",
                "The console session cookie set by `GET /auth/callback` or `POST /auth/emergency`. \
                 State-changing requests also need `X-CSRF-Token`.",
            ))),
        );
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("pa_api_<64 base64url characters>")
            .description(Some(
                "A tenant API token created by an Admin (`POST /v1/api-tokens`).",
            ))
            .build();
        components.add_security_scheme("api_token", SecurityScheme::Http(bearer));
    }
}

/// The complete document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let (_app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(doc)
        .service(scope::scope("/auth").configure(routes::configure_auth))
        .service(scope::scope("/v1").configure(routes::configure_v1))
        .split_for_parts();
    pa_http::openapi::finish(&mut api, "http://127.0.0.1:8084");
    api
}

/// The committed form: pretty-printed JSON with a trailing newline.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(doc)?;
    json.push('\n');
    Ok(json)
}
