//! `GET /v1/egress-ips`: the public, versioned egress-IP manifest.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::EgressSettings;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_egress_ips);
}

/// What customers use the addresses for in Microsoft Entra ID.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EgressPurpose {
    /// Security > Named locations: an IP ranges location marked as trusted.
    NamedLocations,
    /// Multifactor authentication trusted IPs (tenants using per-user MFA).
    MfaTrustedIps,
}

/// The static addresses Patient Access connects to customers' Entra ID tenants from.
#[derive(Debug, Serialize, ToSchema)]
pub struct EgressManifestOut {
    /// Increases whenever `cidrs` changes.
    #[schema(example = 1)]
    pub version: u32,
    /// When `cidrs` last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The addresses, in CIDR notation.
    #[schema(example = json!(["44.207.16.175/32", "44.196.189.191/32", "34.195.47.118/32"]))]
    pub cidrs: Vec<String>,
    /// Where customers add them.
    pub purpose: Vec<EgressPurpose>,
}

/// The manifest rendered once at startup, with its strong ETag.
#[derive(Clone, Debug)]
pub struct EgressManifest {
    body: Vec<u8>,
    etag: String,
}

impl EgressManifest {
    /// Renders the manifest of `s`.
    pub fn new(s: &EgressSettings) -> Result<Self, serde_json::Error> {
        let out = EgressManifestOut {
            version: s.version,
            updated_at: s.updated_at,
            cidrs: s.cidrs.iter().map(ToString::to_string).collect(),
            purpose: vec![EgressPurpose::NamedLocations, EgressPurpose::MfaTrustedIps],
        };
        let body = serde_json::to_vec(&out)?;
        let digest = Sha256::digest(&body);
        let etag = format!("\"{}\"", hex_prefix(&digest[..16]));
        Ok(Self { body, etag })
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Get the egress-IP manifest.
///
/// Public (no authentication): the static egress CIDRs customers add to a trusted Named
/// location and, with per-user MFA, to the MFA trusted IPs. Supports `If-None-Match`.
#[utoipa::path(
    operation_id = "tenant_provisioning.egress.get",
    tag = "egress",
    params(("If-None-Match" = Option<String>, Header, description = "`*` or a comma-separated list of entity tags (`\"…\"` or `W/\"…\"`), e.g. the ETag of an earlier response.", pattern = r#"^(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)$"#, max_length = 1024)),
    responses(
        (status = 200, description = "The manifest.", body = EgressManifestOut,
            headers(("ETag" = String, description = "Strong validator of this version"), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the ETag given in `If-None-Match`."),
        (status = 400, description = "`invalid_header`: `If-None-Match` is not `*` or a list of entity tags.", body = pa_http::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/egress-ips")]
pub async fn get_egress_ips(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, pa_http::Problem> {
    let manifest = &state.egress_manifest;
    let tags = match req.headers().get(IF_NONE_MATCH) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(entity_tags)
                .ok_or_else(invalid_if_none_match)?,
        ),
    };
    let unchanged = tags.is_some_and(|tags| {
        tags.iter()
            .any(|t| *t == "*" || t.trim_start_matches("W/") == manifest.etag)
    });
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((ETAG, manifest.etag.as_str()))
        .insert_header((CACHE_CONTROL, "public, max-age=300"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response
        .insert_header((CONTENT_TYPE, "application/json"))
        .body(manifest.body.clone()))
}

/// The entity tags of an `If-None-Match` value (`*`, or `"…"` / `W/"…"` separated by commas
/// with optional spaces), or `None` when it is not one (RFC 9110 §8.8.3: etagc is `!` and
/// `#`–`~`, commas included; here ASCII only). Returns each tag without its quotes' `W/`.
fn entity_tags(value: &str) -> Option<Vec<&str>> {
    if value.len() > 1024 {
        return None;
    }
    if value == "*" {
        return Some(vec!["*"]);
    }
    let etagc = |b: u8| b == b'!' || (b'#'..=b'~').contains(&b);
    let mut tags = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(' ');
        let start = rest;
        rest = rest.strip_prefix("W/").unwrap_or(rest);
        rest = rest.strip_prefix('"')?;
        let close = rest.find('"')?;
        if !rest.as_bytes()[..close].iter().all(|b| etagc(*b)) {
            return None;
        }
        rest = &rest[close + 1..];
        tags.push(&start[..start.len() - rest.len()]);
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            return Some(tags);
        }
        rest = rest.strip_prefix(',')?;
    }
}

fn invalid_if_none_match() -> pa_http::Problem {
    pa_http::Problem::new(
        actix_web::http::StatusCode::BAD_REQUEST,
        pa_http::codes::INVALID_HEADER,
        "Invalid header",
    )
    .with_detail("`If-None-Match` must be `*` or a comma-separated list of entity tags")
    .with_field_error("If-None-Match", "not `*` or a list of entity tags")
}

#[cfg(test)]
mod tests {
    use super::entity_tags;

    #[test]
    fn entity_tag_lists_parse_like_the_contract_pattern_says() {
        assert_eq!(entity_tags("*"), Some(vec!["*"]));
        assert_eq!(entity_tags(r#""a""#), Some(vec![r#""a""#]));
        assert_eq!(
            entity_tags(r#"W/"" ,  W/"x,y" ,"z""#),
            Some(vec![r#"W/"""#, r#"W/"x,y""#, r#""z""#])
        );
        for bad in [
            "0",
            "",
            r#""a"#,
            r#""a" "b""#,
            r#""a",,"b""#,
            r#""a","#,
            "W/",
            r#""a b""#,
        ] {
            assert_eq!(entity_tags(bad), None, "{bad}");
        }
    }
}
