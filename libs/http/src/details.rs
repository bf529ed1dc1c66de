//! The serialised problem body and its field errors.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// The body of a [`crate::Problem`] (RFC 9457), as serialised. Its OpenAPI schema is named
/// `Problem`.
///
/// ```json
/// {"type":"https://docs.patient-access.dev/problems/invalid_field","title":"Invalid field",
///  "status":422,"detail":"…","code":"invalid_field","instance":"/v1/tenants",
///  "request_id":"…","errors":[{"field":"contact_email","message":"…"}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDetails {
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
}
