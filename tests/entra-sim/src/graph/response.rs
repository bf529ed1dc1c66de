//! Graph response plumbing: the error envelope (§4.1), success bodies, and the headers every Graph response
//! carries (request-id, client-request-id, x-ms-ags-diagnostic, x-ms-resource-unit, OData-Version).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::json;

use crate::util::graph_date;

pub const JSON_CT: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub headers: Vec<(String, String)>,
}

impl GraphError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "Request_BadRequest", message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(400, "Request_UnsupportedQuery", message)
    }

    pub fn not_found(id: &str) -> Self {
        Self::new(
            404,
            "Request_ResourceNotFound",
            format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    pub fn header(mut self, k: &str, v: impl Into<String>) -> Self {
        self.headers.push((k.to_string(), v.into()));
        self
    }
}

/// A successful Graph body.
pub struct GraphOk {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl GraphOk {
    pub fn json(body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type: JSON_CT,
            body,
            headers: Vec::new(),
        }
    }

    pub fn text(s: String) -> Self {
        Self {
            status: 200,
            content_type: "text/plain",
            body: s.into_bytes(),
            headers: Vec::new(),
        }
    }
}

/// Per-request values stamped on every response.
pub struct Stamp {
    pub request_id: String,
    pub client_request_id: String,
    pub date: time::OffsetDateTime,
    pub resource_units: Option<u32>,
    pub throttle_pct: Option<f64>,
}

fn common(b: &mut actix_web::HttpResponseBuilder, s: &Stamp) {
    b.insert_header(("request-id", s.request_id.as_str()))
        .insert_header(("client-request-id", s.client_request_id.as_str()))
        .insert_header((
            "x-ms-ags-diagnostic",
            r#"{"ServerInfo":{"DataCenter":"Sim Local","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"ENTRA-SIM","ADSiteName":"LOC"}}"#,
        ))
        .insert_header(("OData-Version", "4.0"))
        .insert_header(("Strict-Transport-Security", "max-age=31536000"))
        .insert_header(("Cache-Control", "no-cache"));
    if let Some(ru) = s.resource_units {
        b.insert_header(("x-ms-resource-unit", ru.to_string()));
    }
    if let Some(p) = s.throttle_pct.filter(|p| *p > 0.8) {
        b.insert_header(("x-ms-throttle-limit-percentage", format!("{p:.1}")));
    }
}

pub fn ok_response(ok: GraphOk, s: &Stamp) -> HttpResponse {
    let mut b = HttpResponse::build(StatusCode::from_u16(ok.status).unwrap_or(StatusCode::OK));
    common(&mut b, s);
    for (k, v) in &ok.headers {
        b.insert_header((k.as_str(), v.as_str()));
    }
    b.content_type(ok.content_type).body(ok.body)
}

pub fn error_response(e: &GraphError, s: &Stamp) -> HttpResponse {
    let mut inner = json!({
        "date": graph_date(s.date),
        "request-id": s.request_id,
        "client-request-id": s.client_request_id,
    });
    if e.status == 429 {
        inner["code"] = json!("429");
        inner["status"] = json!("429");
        inner["message"] = json!("Please retry after");
    }
    let body = json!({"error": {"code": e.code, "message": e.message, "innerError": inner}});
    let mut b =
        HttpResponse::build(StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST));
    common(&mut b, s);
    for (k, v) in &e.headers {
        b.insert_header((k.as_str(), v.as_str()));
    }
    b.content_type("application/json").body(body.to_string())
}
