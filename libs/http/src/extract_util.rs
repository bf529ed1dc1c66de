//! Shared helpers for extractors: attaching request context to problems, reading serde errors.

use actix_web::HttpRequest;

use crate::{Problem, RequestId};

/// Fills the problem's `request_id` and `instance` from the request.
pub(crate) fn with_request(mut problem: Problem, req: &HttpRequest) -> Problem {
    let details = problem.details_mut();
    if details.request_id.is_none() {
        details.request_id = Some(RequestId::of(req).into_string());
    }
    if details.instance.is_none() {
        details.instance = Some(req.path().to_owned());
    }
    problem
}

/// What a serde data error says about the offending field.
pub(crate) enum FieldIssue {
    /// `unknown field `name`, …`
    Unknown(String),
    /// `missing field `name``
    Missing(String),
    /// Anything else: wrong type, invalid value, …
    Invalid,
}

/// Classifies a serde error message (serde's wording is stable and documented).
pub(crate) fn classify(message: &str) -> FieldIssue {
    let quoted = |rest: &str| rest.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = message.strip_prefix("unknown field ")
        && let Some(name) = quoted(rest)
    {
        return FieldIssue::Unknown(name);
    }
    if let Some(rest) = message.strip_prefix("missing field ")
        && let Some(name) = quoted(rest)
    {
        return FieldIssue::Missing(name);
    }
    FieldIssue::Invalid
}

/// Drops serde_json's ` at line N column M` suffix.
pub(crate) fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    }
}

/// Joins a serde_path_to_error path (`.` for the root) with a child field name.
pub(crate) fn join_path(parent: &str, child: &str) -> String {
    if parent.is_empty() || parent == "." {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// The full path of an unknown field: serde_path_to_error already ends the path with the unknown
/// key; older behaviour (parent path only) is handled too.
pub(crate) fn unknown_field_path(path: &str, name: &str) -> String {
    let ends_with_name = path == name
        || path
            .strip_suffix(name)
            .is_some_and(|parent| parent.ends_with('.'));
    if ends_with_name {
        path.to_owned()
    } else {
        join_path(path, name)
    }
}
