//! RFC 9457 problem details: the one error type every handler returns.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::{RefOr, schema::Schema};

use crate::codes;
use crate::details::{FieldError, ProblemDetails};

/// The media type of problem bodies.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The prefix of every problem `type` URI; the stable `code` is appended.
pub const PROBLEM_TYPE_BASE: &str = "https://docs.patient-access.dev/problems/";

const INTERNAL_DETAIL: &str =
    "An unexpected error occurred. Quote the request id when reporting it.";

/// An RFC 9457 problem, served as `application/problem+json`:
///
/// ```json
/// {"type":"https://docs.patient-access.dev/problems/invalid_field","title":"Invalid field",
///  "status":422,"detail":"…","code":"invalid_field","instance":"/v1/tenants",
///  "request_id":"…","errors":[{"field":"contact_email","message":"…"}]}
/// ```
///
/// Handlers return `Result<T, Problem>` ([`crate::ApiResult`]); a service maps its own error
/// enum to `Problem` once with `impl From<MyError> for Problem`. 5xx problems carry no internal
/// detail: build them with [`Problem::internal`], which logs the cause chain instead. The
/// [`crate::RequestTracing`] middleware fills `request_id` and `instance`.
///
/// One pointer wide (the body is boxed), so `Result<T, Problem>` stays small. Serialises as
/// [`ProblemDetails`]; its OpenAPI schema (`utoipa::ToSchema`) is named `Problem`.
#[derive(Clone, PartialEq, Eq)]
pub struct Problem(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    details: ProblemDetails,
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`); not part of the body.
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Problem {
    /// A problem with `status`, stable `code` (snake_case) and `title`.
    pub fn new(status: StatusCode, code: impl Into<String>, title: impl Into<String>) -> Self {
        let code = code.into();
        Self::from(ProblemDetails {
            type_uri: format!("{PROBLEM_TYPE_BASE}{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            code,
            instance: None,
            request_id: None,
            errors: Vec::new(),
        })
    }

    /// Sets the human-readable detail of this occurrence (never put secrets or internals here).
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.details.detail = Some(detail.into());
        self
    }

    /// Adds an invalid field (`field` is the path, e.g. `contact_email`).
    #[must_use]
    pub fn with_field_error(self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.push_field_error(field.into(), None, message.into())
    }

    /// Adds an invalid field with its own stable code (e.g. `missing_field`).
    #[must_use]
    pub fn with_field_error_code(
        self,
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.push_field_error(field.into(), Some(code.into()), message.into())
    }

    fn push_field_error(mut self, field: String, code: Option<String>, message: String) -> Self {
        self.0.details.errors.push(FieldError {
            field,
            message,
            code,
        });
        self
    }

    /// Sets the `instance` member (normally filled with the request path by the middleware).
    #[must_use]
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.0.details.instance = Some(instance.into());
        self
    }

    /// Sets the `request_id` member (normally filled by the middleware).
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.details.request_id = Some(request_id.into());
        self
    }

    /// Adds a response header (e.g. `Retry-After`). Invalid header values are dropped.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: impl TryInto<HeaderValue>) -> Self {
        if let Ok(value) = value.try_into() {
            self.0.headers.push((name, value));
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.details.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.0.details.code
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.0.details.title
    }

    /// The detail, if any.
    pub fn detail(&self) -> Option<&str> {
        self.0.details.detail.as_deref()
    }

    /// The request id, once filled in.
    pub fn request_id(&self) -> Option<&str> {
        self.0.details.request_id.as_deref()
    }

    /// The instance (request path), once filled in.
    pub fn instance(&self) -> Option<&str> {
        self.0.details.instance.as_deref()
    }

    /// The field errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.0.details.errors
    }

    /// The whole body.
    pub fn details(&self) -> &ProblemDetails {
        &self.0.details
    }

    /// The whole body, mutably.
    pub fn details_mut(&mut self) -> &mut ProblemDetails {
        &mut self.0.details
    }

    /// The extra response headers.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.0.headers
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
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_JSON,
            "Malformed JSON",
        )
        .with_detail(detail)
    }

    /// 422 `invalid_field` naming one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_FIELD,
            "Invalid field",
        )
        .with_detail(format!("`{field}`: {message}"))
        .with_field_error(field, message)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not found").with_detail(detail)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "Unauthorized",
        )
        .with_detail(detail)
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

    /// A problem for a bare error status, with the generic code for it (see
    /// [`codes::for_status`]).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, title) = codes::for_status(status);
        Self::new(status, code, title)
    }

    /// Whether the body is replaced by a generic one: every 5xx except 502/503/504 (which
    /// describe availability, not internals) is rendered without detail or field errors.
    fn is_opaque(&self) -> bool {
        let status = self.0.details.status;
        status >= 500 && !matches!(status, 502..=504)
    }

    /// The body as served: 5xx other than 502–504 get a generic detail and no field errors.
    pub fn public_details(&self) -> Cow<'_, ProblemDetails> {
        let d = &self.0.details;
        if self.is_opaque()
            && (d.detail.as_deref() != Some(INTERNAL_DETAIL) || !d.errors.is_empty())
        {
            Cow::Owned(ProblemDetails {
                detail: Some(INTERNAL_DETAIL.to_owned()),
                errors: Vec::new(),
                ..d.clone()
            })
        } else {
            Cow::Borrowed(d)
        }
    }

    /// The JSON body as served (see [`Problem::public_details`]).
    pub fn to_body(&self) -> Vec<u8> {
        // Serialising strings and numbers cannot fail; fall back to a minimal body anyway.
        serde_json::to_vec(&self.public_details()).unwrap_or_else(|_| {
            format!(
                r#"{{"status":{},"code":"{}"}}"#,
                self.0.details.status,
                codes::INTERNAL_ERROR
            )
            .into_bytes()
        })
    }
}

impl From<ProblemDetails> for Problem {
    fn from(details: ProblemDetails) -> Self {
        Self(Box::new(Inner {
            details,
            headers: Vec::new(),
        }))
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Problem").field(&self.0.details).finish()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.details.status, self.0.details.code)?;
        if let Some(detail) = &self.0.details.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

impl Serialize for Problem {
    /// Serialises the body as served (5xx sanitised).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.public_details().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Problem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ProblemDetails::deserialize(deserializer).map(Self::from)
    }
}

impl utoipa::PartialSchema for Problem {
    fn schema() -> RefOr<Schema> {
        <ProblemDetails as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Problem {
    fn name() -> Cow<'static, str> {
        <ProblemDetails as utoipa::ToSchema>::name()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <ProblemDetails as utoipa::ToSchema>::schemas(schemas);
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status());
        builder.content_type(PROBLEM_CONTENT_TYPE);
        for (name, value) in &self.0.headers {
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
