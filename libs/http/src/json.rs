//! `Json<T>`: the request-body extractor (and JSON responder) every service uses.

use std::ops::{Deref, DerefMut};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder};
use futures::StreamExt;
use futures::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::extract_util::{
    FieldIssue, classify, join_path, strip_position, unknown_field_path, with_request,
};
use crate::{HttpSettings, Problem, codes};

/// The default request-body limit (64 KiB), used when no [`BodyLimit`] is registered.
pub const DEFAULT_BODY_LIMIT: usize = 65_536;

/// App data setting the largest body [`Json`] accepts:
/// `App::new().app_data(BodyLimit::from(&settings))`. Without it, [`Json`] uses an
/// [`HttpSettings`] registered as app data (plain or `web::Data`), else 64 KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        Self(DEFAULT_BODY_LIMIT)
    }
}

impl From<&HttpSettings> for BodyLimit {
    fn from(settings: &HttpSettings) -> Self {
        Self(settings.body_limit_bytes)
    }
}

/// A JSON request body (extractor) or response body (responder).
///
/// As an extractor it answers with a [`Problem`]:
/// - 415 `unsupported_media_type` unless `Content-Type` is `application/json`;
/// - 413 `payload_too_large` above the [`BodyLimit`] (default 64 KiB);
/// - 400 `malformed_json` for an empty body or invalid JSON;
/// - 422 `unknown_field` (field = the unknown name, with its parent path) for fields the type
///   does not define (`#[serde(deny_unknown_fields)]`);
/// - 422 `invalid_field` for wrong types, invalid values and missing fields, with the field path
///   (`owner.address.city`, `members[2].id`) in `errors[].field`;
/// - 422 `invalid_field` (field code `control_character`) for a string or key anywhere in the
///   body that holds a control character (C0, DEL, C1), checked once the body parsed.
///
/// As a responder it serialises `T` with status 200 and `application/json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The inner value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let limit = body_limit(&req);
            let result = async {
                check_content_type(&req)?;
                let body = read_body(&req, payload, limit).await?;
                parse(&body)
            }
            .await;
            result.map(Json).map_err(|p| with_request(p, &req))
        })
    }
}

impl<T: Serialize> Responder for Json<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        match serde_json::to_vec(&self.0) {
            Ok(body) => HttpResponse::Ok()
                .content_type("application/json")
                .body(body),
            Err(err) => actix_web::ResponseError::error_response(&Problem::internal(err)),
        }
    }
}

/// The limit from [`BodyLimit`] app data, else from [`HttpSettings`] app data (plain or
/// `web::Data`), else 64 KiB.
fn body_limit(req: &HttpRequest) -> usize {
    if let Some(limit) = req.app_data::<BodyLimit>() {
        return limit.0;
    }
    if let Some(settings) = req.app_data::<actix_web::web::Data<HttpSettings>>() {
        return settings.body_limit_bytes;
    }
    req.app_data::<HttpSettings>()
        .map_or(DEFAULT_BODY_LIMIT, |s| s.body_limit_bytes)
}

fn check_content_type(req: &HttpRequest) -> Result<(), Problem> {
    let is_json = matches!(
        req.mime_type(),
        Ok(Some(m)) if m.type_() == "application" && m.subtype() == "json" && m.suffix().is_none()
    );
    if is_json {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
        )
        .with_detail("the request body must be sent with `Content-Type: application/json`"))
    }
}

fn too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        codes::PAYLOAD_TOO_LARGE,
        "Payload too large",
    )
    .with_detail(format!(
        "the request body exceeds the limit of {limit} bytes"
    ))
}

async fn read_body(
    req: &HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<BytesMut, Problem> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| match err {
            PayloadError::Overflow => too_large(limit),
            other => Problem::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, "Bad request")
                .with_detail(format!("could not read the request body: {other}")),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::malformed_json("the request body is empty"));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => {
            de.end()
                .map_err(|err| Problem::malformed_json(format!("invalid JSON: {err}")))?;
            value
        }
        // The retry parses the whole body (trailing data included) itself.
        Err(err) if err.inner().to_string().contains("floating point") => {
            integral_floats_as_integers(body).ok_or_else(|| data_problem(err))?
        }
        Err(err) => return Err(data_problem(err)),
    };
    if may_contain_control_chars(body) {
        let tree: serde_json::Value = serde_json::from_slice(body)
            .map_err(|err| Problem::malformed_json(format!("invalid JSON: {err}")))?;
        if let Some(field) = control_char_path(&tree, String::new()) {
            let field = if field.is_empty() {
                ".".to_owned()
            } else {
                field
            };
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::INVALID_FIELD,
                "Invalid field",
            )
            .with_detail(format!("`{field}` contains a control character"))
            .with_field_error_code(
                field,
                codes::CONTROL_CHARACTER,
                "control characters are not allowed",
            ));
        }
    }
    Ok(value)
}

/// JSON Schema counts `2.0` as an integer, so a contract's `type: integer` admits it; serde's
/// integer types do not. Retried only after such an error: the body with every number that has
/// no fractional part read as an integer.
fn integral_floats_as_integers<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    fn fix(v: &mut serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::Number(n) if n.is_f64() => {
                if let Some(f) = n.as_f64()
                    && f.fract() == 0.0
                    && f.abs() < 9_007_199_254_740_992.0
                {
                    // Exact below 2^53; the cast cannot truncate.
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    *v = Value::from(i);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(fix),
            Value::Object(map) => map.values_mut().for_each(fix),
            _ => {}
        }
    }
    let mut tree: serde_json::Value = serde_json::from_slice(body).ok()?;
    fix(&mut tree);
    serde_json::from_value(tree).ok()
}

/// Whether the raw body may hold a control character inside a string: JSON only carries them
/// escaped (`\n`, `\u0000`, …), or as a raw DEL (0x7F) or C1 character (U+0080–U+009F, UTF-8
/// `C2 80`–`C2 9F`).
/// A cheap scan so the common body is parsed once.
fn may_contain_control_chars(body: &[u8]) -> bool {
    body.windows(2)
        .any(|w| w[0] == b'\\' && matches!(w[1], b'u' | b'n' | b'r' | b't' | b'b' | b'f'))
        || body.contains(&0x7F)
        || body
            .windows(2)
            .any(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]))
}

/// The path (`owner.members[2].name`, as in other field errors) of the first string or object
/// key that holds a control character. Every text input refuses them (they end up in logs, mail
/// subjects and PostgreSQL, which rejects NUL).
fn control_char_path(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if crate::hygiene::has_control_chars(s) => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_char_path(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = join_path(&path, k);
            if crate::hygiene::has_control_chars(k) {
                Some(child)
            } else {
                control_char_path(v, child)
            }
        }),
        _ => None,
    }
}

fn data_problem(err: serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let path = err.path().to_string();
    let inner = err.into_inner();
    if inner.classify() != Category::Data {
        return Problem::malformed_json(format!("invalid JSON: {inner}"));
    }
    let message = strip_position(&inner.to_string()).to_owned();
    let unprocessable = |code: &str, title: &str| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code.to_owned(),
            title.to_owned(),
        )
    };
    match classify(&message) {
        FieldIssue::Unknown(name) => {
            let field = unknown_field_path(&path, &name);
            unprocessable(codes::UNKNOWN_FIELD, "Unknown field")
                .with_detail(format!("`{field}` is not a field of this request"))
                .with_field_error_code(field, codes::UNKNOWN_FIELD, message)
        }
        FieldIssue::Missing(name) => {
            let field = join_path(&path, &name);
            unprocessable(codes::INVALID_FIELD, "Invalid field")
                .with_detail(format!("`{field}` is required"))
                .with_field_error_code(field, codes::MISSING_FIELD, message)
        }
        FieldIssue::Invalid if path == "." || path.is_empty() => {
            unprocessable(codes::INVALID_FIELD, "Invalid field")
                .with_detail(format!("the request body is invalid: {message}"))
        }
        FieldIssue::Invalid => unprocessable(codes::INVALID_FIELD, "Invalid field")
            .with_detail(format!("`{path}`: {message}"))
            .with_field_error(path, message),
    }
}
