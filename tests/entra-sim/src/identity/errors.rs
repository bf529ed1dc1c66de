//! STS error shapes: the token-endpoint JSON (§2.4), `error_description` strings for redirects, HTML pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::state::SimState;
use crate::util::{html_escape, sts_timestamp};

/// An AADSTS error as the token/discovery endpoints return it.
#[derive(Debug, Clone)]
pub struct StsError {
    pub status: u16,
    pub error: String,
    pub code: u32,
    pub message: String,
    pub suberror: Option<&'static str>,
    pub claims: Option<String>,
}

impl StsError {
    pub fn new(status: u16, error: &str, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            error: error.to_string(),
            code,
            message: message.into(),
            suberror: None,
            claims: None,
        }
    }

    /// 401 `invalid_client`.
    pub fn client(code: u32, message: impl Into<String>) -> Self {
        Self::new(401, "invalid_client", code, message)
    }

    pub fn bad(error: &str, code: u32, message: impl Into<String>) -> Self {
        Self::new(400, error, code, message)
    }

    pub fn with_suberror(mut self, s: &'static str) -> Self {
        self.suberror = Some(s);
        self
    }

    pub fn with_claims(mut self, c: String) -> Self {
        self.claims = Some(c);
        self
    }

    pub fn respond(&self, st: &SimState, req: &HttpRequest) -> HttpResponse {
        let trace = Uuid::new_v4().to_string();
        let correlation = correlation_id(req);
        let ts = sts_timestamp(st.clock.now());
        let mut body = json!({
            "error": self.error,
            "error_description": describe(self.code, &self.message, &trace, &correlation, &ts),
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("{}/error?code={}", st.login_base, self.code),
        });
        if let Some(s) = self.suberror {
            body["suberror"] = json!(s);
        }
        if let Some(c) = &self.claims {
            body["claims"] = json!(c);
        }
        HttpResponse::build(StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST))
            .insert_header(("Cache-Control", "no-store, no-cache"))
            .insert_header(("Pragma", "no-cache"))
            .insert_header(("x-ms-request-id", trace))
            .content_type("application/json; charset=utf-8")
            .body(body.to_string())
    }
}

/// `AADSTSnnnnn: msg\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …`
pub fn describe(code: u32, message: &str, trace: &str, correlation: &str, ts: &str) -> String {
    format!(
        "AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}"
    )
}

/// Entra echoes `client-request-id` as the correlation id.
pub fn correlation_id(req: &HttpRequest) -> String {
    req.headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map(str::to_string)
        .unwrap_or_else(|| Uuid::new_v4().to_string())
}

/// `error_description` for a redirect (fresh trace/correlation ids).
pub fn redirect_description(st: &SimState, code: u32, message: &str) -> String {
    describe(
        code,
        message,
        &Uuid::new_v4().to_string(),
        &Uuid::new_v4().to_string(),
        &sts_timestamp(st.clock.now()),
    )
}

/// The Entra "Sorry, but we're having trouble signing you in" page: never a redirect.
pub fn html_page(st: &SimState, status: u16, code: u32, message: &str) -> HttpResponse {
    let ts = sts_timestamp(st.clock.now());
    let trace = Uuid::new_v4();
    let title = if code == 90094 {
        "Need admin approval"
    } else {
        "Sign in"
    };
    let body = format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body>\
         <h1>{title}</h1><p id=\"error\">AADSTS{code}: {msg}</p>\
         <dl><dt>Request Id</dt><dd>{trace}</dd><dt>Correlation Id</dt><dd>{corr}</dd>\
         <dt>Timestamp</dt><dd>{ts}</dd><dt>Message</dt><dd>AADSTS{code}</dd></dl>\
         <p>entra-sim</p></body></html>",
        msg = html_escape(message),
        corr = Uuid::new_v4(),
    );
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        .insert_header(("x-ms-request-id", trace.to_string()))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[derive(Deserialize)]
pub struct ErrorQuery {
    code: Option<String>,
}

/// `GET /error?code=N` — the `error_uri` target.
pub async fn error_lookup(q: web::Query<ErrorQuery>) -> HttpResponse {
    let code = q.code.as_deref().unwrap_or("");
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html><body><h1>AADSTS{}</h1></body></html>",
            html_escape(code)
        ))
}
