//! Turning Microsoft error responses into [`StsError`] / [`GraphError`].

use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde::Deserialize;

use super::{Endpoint, EntraError, ErrorKind, GraphError, StsError};
use crate::retry::parse_retry_after;

/// The first `AADSTS<digits>` code in a text (e.g. an `error_description`), if any.
pub fn parse_aadsts(text: &str) -> Option<u32> {
    let mut rest = text;
    while let Some(pos) = rest.find("AADSTS") {
        let after = &rest[pos + "AADSTS".len()..];
        let digits: &str = &after[..after.bytes().take_while(u8::is_ascii_digit).count()];
        if !digits.is_empty() {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

#[derive(Deserialize)]
struct StsBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
    #[serde(default)]
    suberror: Option<String>,
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    correlation_id: Option<String>,
}

/// Reads an STS error response (token or discovery endpoint) into an [`EntraError::Sts`].
pub(crate) async fn sts_error(endpoint: Endpoint, resp: Response) -> EntraError {
    let status = resp.status();
    let headers = resp.headers().clone();
    match resp.bytes().await {
        Ok(body) => sts_error_from_parts(endpoint, status, &headers, &body),
        Err(e) => EntraError::transport(endpoint, e),
    }
}

pub(crate) fn sts_error_from_parts(
    endpoint: Endpoint,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> EntraError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after").as_deref().and_then(parse_retry_after);
    let Ok(parsed) = serde_json::from_slice::<StsBody>(body) else {
        let kind = match status {
            StatusCode::TOO_MANY_REQUESTS => ErrorKind::StsThrottled,
            s if s.is_server_error() => ErrorKind::ServiceUnavailable,
            _ => ErrorKind::UnexpectedResponse,
        };
        return EntraError::Sts(Box::new(StsError {
            kind,
            aadsts: None,
            error: status.canonical_reason().unwrap_or("error").to_owned(),
            description: None,
            suberror: None,
            status: status.as_u16(),
            trace_id: header("x-ms-request-id"),
            correlation_id: None,
            endpoint,
            retry_after,
        }));
    };
    let aadsts = parsed
        .error_codes
        .first()
        .copied()
        .or_else(|| parsed.error_description.as_deref().and_then(parse_aadsts));
    let kind = aadsts
        .and_then(ErrorKind::from_aadsts)
        .unwrap_or(match parsed.error.as_str() {
            "temporarily_unavailable" => ErrorKind::ServiceUnavailable,
            _ if status == StatusCode::TOO_MANY_REQUESTS => ErrorKind::StsThrottled,
            _ => ErrorKind::StsOther,
        });
    EntraError::Sts(Box::new(StsError {
        kind,
        aadsts,
        error: parsed.error,
        description: parsed.error_description,
        suberror: parsed.suberror,
        status: status.as_u16(),
        trace_id: parsed.trace_id.or_else(|| header("x-ms-request-id")),
        correlation_id: parsed.correlation_id,
        endpoint,
        retry_after,
    }))
}

#[derive(Deserialize)]
struct GraphEnvelope {
    error: GraphBody,
}

#[derive(Deserialize)]
struct GraphBody {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "innerError")]
    inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
    #[serde(default, rename = "client-request-id")]
    client_request_id: Option<String>,
}

/// Reads a Graph error response into an [`EntraError::Graph`].
pub(crate) async fn graph_error(resp: Response) -> EntraError {
    let status = resp.status();
    let headers = resp.headers().clone();
    match resp.bytes().await {
        Ok(body) => EntraError::Graph(Box::new(graph_error_from_parts(status, &headers, &body))),
        Err(e) => EntraError::transport(Endpoint::Graph, e),
    }
}

pub(crate) fn graph_error_from_parts(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> GraphError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (code, message, inner) = match serde_json::from_slice::<GraphEnvelope>(body) {
        Ok(env) => (env.error.code, env.error.message, env.error.inner_error),
        Err(_) => (
            status.canonical_reason().unwrap_or("error").to_owned(),
            String::new(),
            None,
        ),
    };
    let (inner_request_id, inner_client_request_id) = inner
        .map(|i| (i.request_id, i.client_request_id))
        .unwrap_or_default();
    GraphError {
        kind: ErrorKind::from_graph_code(&code, status),
        code,
        message,
        status: status.as_u16(),
        request_id: header("request-id").or(inner_request_id),
        client_request_id: header("client-request-id").or(inner_client_request_id),
        retry_after: header("retry-after").as_deref().and_then(parse_retry_after),
        location: header("location"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aadsts_code_is_read_from_the_leading_description() {
        assert_eq!(
            parse_aadsts("AADSTS65004: The resource owner declined.\r\nTrace ID: x"),
            Some(65004)
        );
        assert_eq!(
            parse_aadsts("see AADSTS: none, then AADSTS50105: not assigned"),
            Some(50105)
        );
        assert_eq!(parse_aadsts("no code here"), None);
    }

    #[test]
    fn token_endpoint_error_body_is_typed() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c","error_codes":[7000215],"trace_id":"t-1","correlation_id":"c-1"}"#;
        let err = sts_error_from_parts(
            Endpoint::Token,
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            body,
        );
        assert_eq!(err.kind(), ErrorKind::InvalidClientSecret);
        assert_eq!(err.aadsts(), Some(7000215));
        assert_eq!(err.status(), Some(401));
        assert_eq!(err.request_id(), Some("t-1"));
        assert_eq!(err.correlation_id(), Some("c-1"));
        let text = err.to_string();
        assert!(
            text.contains("AADSTS7000215") && !text.contains("Trace ID"),
            "{text}"
        );
    }

    #[test]
    fn code_is_taken_from_the_description_when_error_codes_is_absent() {
        let body = br#"{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'x' not found."}"#;
        let err = sts_error_from_parts(
            Endpoint::Discovery,
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body,
        );
        assert_eq!(err.kind(), ErrorKind::UnknownTenant);
    }

    #[test]
    fn graph_envelope_is_typed_with_ids() {
        let body = br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2023-02-14T11:10:50","request-id":"r-1","client-request-id":"c-1"}}}"#;
        let err = graph_error_from_parts(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert_eq!(err.code, "Authorization_RequestDenied");
        assert_eq!(err.request_id.as_deref(), Some("r-1"));
        assert_eq!(err.client_request_id.as_deref(), Some("c-1"));
    }

    #[test]
    fn non_json_graph_error_falls_back_on_the_status() {
        let err = graph_error_from_parts(StatusCode::GATEWAY_TIMEOUT, &HeaderMap::new(), b"<html>");
        assert_eq!(err.kind, ErrorKind::ServiceUnavailable);
    }
}
