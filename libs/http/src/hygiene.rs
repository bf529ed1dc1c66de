//! Request checks every service gets from [`crate::RequestTracing`] before routing: the size of
//! the target and of the header section, and no control characters in path segments or query
//! parameters.
//!
//! # What cannot be shaped
//!
//! actix-http's HTTP/1 codec answers a few requests itself, before any middleware runs, with an
//! empty body (no problem document): a request line or header that does not parse (400), a
//! request head above 128 KiB or with more than 96 header fields (431), and a head that does not
//! arrive within the client request timeout (408). Every limit below is lower than the codec's,
//! so a client that exceeds it gets a problem document instead.

use actix_web::dev::ServiceRequest;
use actix_web::http::StatusCode;
use percent_encoding::percent_decode_str;

use crate::{Problem, RouteTable, codes};

/// The longest request target (path and query) accepted: 8 KiB. Longer answers 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The largest header section accepted (each field counted as `name: value\r\n`): 16 KiB.
/// Larger answers 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Whether `c` is a control character (C0, DEL or C1), which no text input accepts.
pub fn is_forbidden_char(c: char) -> bool {
    c.is_control()
}

/// Whether `s` contains a control character (see [`is_forbidden_char`]).
pub fn has_control_chars(s: &str) -> bool {
    s.chars().any(is_forbidden_char)
}

/// The regular expression (ECMA-262 and Python syntax) of a text without control characters;
/// [`crate::openapi::forbid_control_characters`] puts it in the contract.
pub const NO_CONTROL_CHARS_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// Checks the request target and headers; the problem to answer with when one fails.
pub(crate) fn check(req: &ServiceRequest, routes: Option<&RouteTable>) -> Result<(), Problem> {
    check_sizes(req)?;
    check_path(req.path(), routes)?;
    check_query(req.query_string())
}

fn check_sizes(req: &ServiceRequest) -> Result<(), Problem> {
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return Err(
            Problem::from_status(StatusCode::URI_TOO_LONG).with_detail(format!(
                "the request target is {uri_len} bytes long; the limit is {MAX_URI_BYTES}"
            )),
        );
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(
            Problem::from_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).with_detail(format!(
                "the request headers take {header_bytes} bytes; the limit is {MAX_HEADER_BYTES}"
            )),
        );
    }
    Ok(())
}

fn check_path(path: &str, routes: Option<&RouteTable>) -> Result<(), Problem> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let Some(index) = segments
        .iter()
        .position(|s| has_control_chars(&percent_decode_str(s).decode_utf8_lossy()))
    else {
        return Ok(());
    };
    let name = routes
        .and_then(|t| t.lookup(path))
        .and_then(|r| r.param_at(index))
        .map_or_else(|| format!("path segment {}", index + 1), str::to_owned);
    Err(Problem::new(
        StatusCode::BAD_REQUEST,
        codes::INVALID_PATH_PARAMETER,
        "Invalid path parameter",
    )
    .with_detail(format!(
        "path parameter `{name}` contains a control character"
    ))
    .with_field_error_code(
        name,
        codes::CONTROL_CHARACTER,
        "control characters are not allowed",
    ))
}

/// The one query parameter that may hold line breaks: OAuth's `error_description`, which
/// Microsoft's redirects fill with several lines (`AADSTSnnnnn: …\r\nTrace ID: …\r\n
/// Correlation ID: …\r\nTimestamp: …`) although RFC 6749 §4.1.2.1 allows only visible ASCII
/// and spaces there. Other control characters stay refused.
pub const MULTILINE_QUERY_PARAMETER: &str = "error_description";

/// The contract's pattern for [`MULTILINE_QUERY_PARAMETER`]: no control character but CR and LF.
pub const MULTILINE_TEXT_PATTERN: &str =
    r"^[^\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

fn check_query(query: &str) -> Result<(), Problem> {
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let bad_value = if name == MULTILINE_QUERY_PARAMETER {
            value
                .chars()
                .any(|c| is_forbidden_char(c) && c != '\r' && c != '\n')
        } else {
            has_control_chars(&value)
        };
        if has_control_chars(&name) || bad_value {
            let shown: String = name
                .chars()
                .map(|c| if is_forbidden_char(c) { '\u{fffd}' } else { c })
                .collect();
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_QUERY_PARAMETER,
                "Invalid query parameter",
            )
            .with_detail(format!(
                "query parameter `{shown}` contains a control character"
            ))
            .with_field_error_code(
                shown,
                codes::CONTROL_CHARACTER,
                "control characters are not allowed",
            ));
        }
    }
    Ok(())
}
