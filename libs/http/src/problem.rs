//! RFC 9457 problem details: the one error body every service returns.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codes;

/// The media type of problem bodies.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The prefix of every problem `type` URI; the stable `code` is appended.
pub const PROBLEM_TYPE_BASE: &str = "https://docs.patient-access.dev/problems/";

const INTERNAL_DETAIL: &str = "An unexpected error occurred. Quote the request id when reporting it.";

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `contact_email`, `owner.address.city`,
    /// `members[2].id`; for query parameters the parameter name.
    #[schema(example = "contact_email")]
    pub field: String,
    /// What is wrong with it, for humans.
    #[schema(example = "invalid email address")]
    pub message: String,
    /// Stable machine-readable reason when more specific than the problem's code
    /// (e.g. `unknown_field`, `missing_field`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// An RFC 9457 problem, served as `application/problem+json`.
///
/// ```json
/// {"type":"https://docs.patient-access.dev/problems/invalid_field","title":"Invalid field",
///  "status":422,"detail":"…","code":"invalid_field","instance":"/v1/tenants",
///  "request_id":"…","errors":[{"field":"contact_email","message":"…"}]}
/// ```
///
/// Handlers return `Result<T, Problem>` (see [`crate::ApiResult`]); a service maps its own
/// error enum to `Problem` once with `impl From<MyError> for Problem`. 5xx problems carry no
/// internal detail: build them with [`Problem::internal`], which logs the cause chain instead.
/// `request_id` and `instance` are filled in by the [`crate::RequestTracing`] middleware.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// URI identifying the problem type: `https://docs.patient-access.dev/problems/<code>`.
    #[serde(rename = "type")]
    #[schema(example = "https://docs.patient-access.dev/problems/invalid_field")]
    pub type_uri: String,
    /// Short human-readable summary of the problem type.
    #[schema(example = "Invalid field")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// Human-readable explanation of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable snake_case code clients can match on.
    #[schema(example = "invalid_field")]
    pub code: String,
    /// The request path this occurrence belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id (also in the `X-Request-Id` response header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Invalid fields, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`); not part of the body.
    #[serde(skip)]
    #[schema(ignore)]
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Problem {
    /// A problem with `status`, stable `code` (snake_case) and `title`.
    pub fn new(status: StatusCode, code: impl Into<String>, title: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            type_uri: format!("{PROBLEM_TYPE_BASE}{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            code,
            instance: None,
            request_id: None,
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Sets the human-readable detail of this occurrence (never put secrets or internals here).
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds an invalid field (`field` is the path, e.g. `contact_email`).
    #[must_use]
    pub fn with_field_error(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
            code: None,
        });
        self
    }

    /// Adds an invalid field with its own stable code.
    #[must_use]
    pub fn with_field_error_code(
        mut self,
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
            code: Some(code.into()),
        });
        self
    }

    /// Sets the `instance` member (normally filled with the request path by the middleware).
    #[must_use]
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Sets the `request_id` member (normally filled by the middleware).
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Adds a response header (e.g. `Retry-After`). Invalid header values are dropped.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: impl TryInto<HeaderValue>) -> Self {
        if let Ok(value) = value.try_into() {
            self.headers.push((name, value));
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The extra response headers.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    /// A 500 `internal_error` with a generic body. The error and its whole cause chain are
    /// logged (inside the current request span, so with its request id), never returned.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        tracing::error!(error = format!("{err:#}"), "internal error");
        Self::internal_error()
    }

    /// A 500 `internal_error` with a generic body and nothing logged.
    pub fn internal_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL_ERROR,
            "Internal server error",
        )
        .with_detail(INTERNAL_DETAIL)
    }

    /// 400 `malformed_json`.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::MALFORMED_JSON, "Malformed JSON").with_detail(detail)
    }

    /// 422 `invalid_field` naming one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_FIELD, "Invalid field")
            .with_detail(format!("`{field}`: {message}"))
            .with_field_error(field, message)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not found").with_detail(detail)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, "Unauthorized").with_detail(detail)
    }

    /// 403 `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, "Forbidden").with_detail(detail)
    }

    /// 409 `conflict`.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, codes::CONFLICT, "Conflict").with_detail(detail)
    }

    /// 503 `service_unavailable`.
    pub fn service_unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::SERVICE_UNAVAILABLE,
            "Service unavailable",
        )
        .with_detail(detail)
    }

    /// A problem for a bare error status (used for empty 404/405/… responses and foreign errors).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, title) = codes::for_status(status);
        Self::new(status, code, title)
    }

    /// Whether the body is replaced by a generic one: every 5xx except 502/503/504 (which
    /// describe availability, not internals) is rendered without detail or field errors.
    fn is_opaque(&self) -> bool {
        self.status >= 500 && !matches!(self.status, 502..=504)
    }

    /// The JSON body (5xx sanitised, see [`Problem::internal`]).
    pub fn to_body(&self) -> Vec<u8> {
        let sanitized;
        let body = if self.is_opaque() && (self.detail.as_deref() != Some(INTERNAL_DETAIL) || !self.errors.is_empty()) {
            sanitized = Self {
                detail: Some(INTERNAL_DETAIL.to_owned()),
                errors: Vec::new(),
                ..self.clone()
            };
            &sanitized
        } else {
            self
        };
        // Serialising plain strings and numbers cannot fail; fall back to a minimal body anyway.
        serde_json::to_vec(body).unwrap_or_else(|_| {
            format!(r#"{{"status":{},"code":"{}"}}"#, self.status, codes::INTERNAL_ERROR).into_bytes()
        })
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("title", &self.title)
            .field("detail", &self.detail)
            .field("instance", &self.instance)
            .field("request_id", &self.request_id)
            .field("errors", &self.errors)
            .finish()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status());
        builder.content_type(PROBLEM_CONTENT_TYPE);
        for (name, value) in &self.headers {
            builder.append_header((name.clone(), value.clone()));
        }
        let mut response = builder.body(self.to_body());
        // Lets the middleware re-render the body with the request id and path.
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl From<anyhow::Error> for Problem {
    /// Any unexpected error becomes a logged, generic 500.
    fn from(err: anyhow::Error) -> Self {
        Self::internal(err)
    }
}

/// What handlers return: `Result<T, Problem>`.
pub type ApiResult<T> = Result<T, Problem>;
