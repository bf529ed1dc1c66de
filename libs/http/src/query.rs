//! `Query<T>`: the query-string extractor.

use std::ops::{Deref, DerefMut};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use futures::future::{Ready, ready};
use serde::de::DeserializeOwned;

use crate::extract_util::{FieldIssue, classify, join_path, unknown_field_path, with_request};
use crate::{Problem, codes};

/// Typed query parameters. A missing, unknown (with `deny_unknown_fields`) or unparsable
/// parameter is a 400 `invalid_query_parameter` problem naming it in `errors[].field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The inner value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Query<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            parse_query(req.query_string())
                .map(Query)
                .map_err(|p| with_request(p, req)),
        )
    }
}

/// Parses a query string into `T`, naming the offending parameter on failure.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Problem> {
    let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        let (param, field_code) = match classify(&message) {
            FieldIssue::Unknown(name) => {
                (unknown_field_path(&path, &name), Some("unknown_parameter"))
            }
            FieldIssue::Missing(name) => (join_path(&path, &name), Some("missing_parameter")),
            FieldIssue::Invalid => (path, None),
        };
        let problem = Problem::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_QUERY_PARAMETER,
            "Invalid query parameter",
        );
        if param.is_empty() || param == "." {
            return problem.with_detail(format!("invalid query string: {message}"));
        }
        let problem = problem.with_detail(format!("query parameter `{param}`: {message}"));
        match field_code {
            Some(code) => problem.with_field_error_code(param, code, message),
            None => problem.with_field_error(param, message),
        }
    })
}
