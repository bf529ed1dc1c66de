//! Shared helpers for extractors: attaching request context to problems, reading serde errors.

use actix_web::HttpRequest;

use crate::{Problem, RequestId};

/// Fills the problem's `request_id` and `instance` from the request.
pub(crate) fn with_request(mut problem: Problem, req: &HttpRequest) -> Problem {
    if problem.request_id.is_none() {
        problem.request_id = Some(RequestId::of(req).into_string());
    }
    if problem.instance.is_none() {
        problem.instance = Some(req.path().to_owned());
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
