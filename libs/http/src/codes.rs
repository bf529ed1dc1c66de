//! The stable problem codes shared by every service (one table, used by clients to branch).

use actix_web::http::StatusCode;

/// 400: the body is not valid JSON (or is empty).
pub const MALFORMED_JSON: &str = "malformed_json";
/// 422: a field has the wrong type or an invalid value, or a required field is missing.
pub const INVALID_FIELD: &str = "invalid_field";
/// 422: the body has a field the API does not define.
pub const UNKNOWN_FIELD: &str = "unknown_field";
/// Field-level code (in `errors[].code`) for a required field that is absent.
pub const MISSING_FIELD: &str = "missing_field";
/// 415: the body is not `application/json`.
pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
/// 413: the body exceeds the configured limit.
pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
/// 400: a query parameter is missing, unknown or invalid.
pub const INVALID_QUERY_PARAMETER: &str = "invalid_query_parameter";
/// 400: a path segment could not be parsed.
pub const INVALID_PATH_PARAMETER: &str = "invalid_path_parameter";
/// Field-level code (in `errors[].code`) for a text input that contains a control character.
pub const CONTROL_CHARACTER: &str = "control_character";
/// 414: the request target (path and query) is longer than the service accepts.
pub const URI_TOO_LONG: &str = "uri_too_long";
/// 431: the request's header section is larger than the service accepts.
pub const REQUEST_HEADER_FIELDS_TOO_LARGE: &str = "request_header_fields_too_large";
/// 400: a request header has an invalid value (the problem names it in `errors[].field`).
pub const INVALID_HEADER: &str = "invalid_header";
/// 400: any other malformed request.
pub const BAD_REQUEST: &str = "bad_request";
/// 401: missing or invalid credentials.
pub const UNAUTHORIZED: &str = "unauthorized";
/// 403: authenticated but not allowed.
pub const FORBIDDEN: &str = "forbidden";
/// 404: no such resource or route.
pub const NOT_FOUND: &str = "not_found";
/// 405: the route exists but not with this method.
pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
/// 409: conflicts with the current state.
pub const CONFLICT: &str = "conflict";
/// 429: rate limited.
pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
/// 500: unexpected failure (details only in the logs).
pub const INTERNAL_ERROR: &str = "internal_error";
/// 503: a dependency is down or the service is not ready.
pub const SERVICE_UNAVAILABLE: &str = "service_unavailable";

/// The generic `(code, title)` for a bare status.
pub fn for_status(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (BAD_REQUEST, "Bad request"),
        401 => (UNAUTHORIZED, "Unauthorized"),
        403 => (FORBIDDEN, "Forbidden"),
        404 => (NOT_FOUND, "Not found"),
        405 => (METHOD_NOT_ALLOWED, "Method not allowed"),
        409 => (CONFLICT, "Conflict"),
        413 => (PAYLOAD_TOO_LARGE, "Payload too large"),
        414 => (URI_TOO_LONG, "URI too long"),
        415 => (UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
        422 => (INVALID_FIELD, "Invalid field"),
        429 => (TOO_MANY_REQUESTS, "Too many requests"),
        431 => (
            REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request header fields too large",
        ),
        503 => (SERVICE_UNAVAILABLE, "Service unavailable"),
        s if s >= 500 => (INTERNAL_ERROR, "Internal server error"),
        _ => (BAD_REQUEST, "Bad request"),
    }
}
