//! OData system query options (§4.3): parsing, validation of `$top`/`$skip`/`$count`, the
//! `ConsistencyLevel` header, and building `@odata.nextLink` URLs that keep every original parameter.

use actix_web::HttpRequest;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::response::GraphError;

pub const MAX_TOP: usize = 999;
pub const DEFAULT_TOP: usize = 100;

#[derive(Debug, Default, Clone)]
pub struct Params {
    /// Every query parameter as sent (decoded), in order.
    pub pairs: Vec<(String, String)>,
    pub select: Option<Vec<String>>,
    pub top: Option<usize>,
    pub filter: Option<String>,
    pub search: Option<String>,
    pub count: bool,
    pub orderby: Option<String>,
    pub skiptoken: Option<String>,
    pub deltatoken: Option<String>,
    pub expand: Option<String>,
    /// `ConsistencyLevel: eventual` was sent (header names in any case).
    pub eventual: bool,
    /// `Prefer: return=minimal`.
    pub prefer_minimal: bool,
}

impl Params {
    /// Advanced-query mode: `ConsistencyLevel: eventual` **and** `$count=true`.
    pub fn advanced(&self) -> bool {
        self.eventual && self.count
    }

    pub fn page_size(&self) -> usize {
        self.top.unwrap_or(DEFAULT_TOP)
    }
}

pub fn parse(req: &HttpRequest) -> Result<Params, GraphError> {
    let mut p = Params {
        eventual: req
            .headers()
            .get("consistencylevel")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual")),
        prefer_minimal: req
            .headers()
            .get_all("prefer")
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.to_ascii_lowercase().contains("return=minimal")),
        ..Params::default()
    };
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        let (k, v) = (k.into_owned(), v.into_owned());
        match k.to_ascii_lowercase().as_str() {
            "$select" => {
                p.select = Some(
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                );
            }
            "$top" => p.top = Some(parse_top(&v)?),
            "$filter" => p.filter = Some(v.clone()),
            "$search" => p.search = Some(v.clone()),
            "$count" => {
                p.count = match v.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(GraphError::bad_request(format!(
                            "Invalid $count value '{v}'."
                        )));
                    }
                }
            }
            "$orderby" => p.orderby = Some(v.clone()),
            "$skiptoken" => p.skiptoken = Some(v.clone()),
            "$deltatoken" => p.deltatoken = Some(v.clone()),
            "$expand" => p.expand = Some(v.clone()),
            "$skip" => {
                return Err(GraphError::bad_request(
                    "'$skip' is not supported by the service.",
                ));
            }
            _ => {}
        }
        p.pairs.push((k, v));
    }
    Ok(p)
}

fn parse_top(v: &str) -> Result<usize, GraphError> {
    match v.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_TOP as i64).contains(&n) => Ok(n as usize),
        _ => Err(GraphError::unsupported(format!(
            "Invalid page size specified: '{v}'. Must be between 1 and 999 inclusive."
        ))),
    }
}

const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b':')
    .remove(b'/')
    .remove(b'$')
    .remove(b'@');

pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, VALUE).to_string()
}

/// `{graph_base}/v1.0/{path}?{params without the named token}&{token_name}={token}`.
pub fn link(
    graph_base: &str,
    path: &str,
    pairs: &[(String, String)],
    drop: &[&str],
    extra: (&str, &str),
) -> String {
    let mut out = format!("{graph_base}/v1.0/{path}?");
    for (k, v) in pairs {
        if drop.iter().any(|d| k.eq_ignore_ascii_case(d)) {
            continue;
        }
        out.push_str(&enc(k));
        out.push('=');
        out.push_str(&enc(v));
        out.push('&');
    }
    out.push_str(extra.0);
    out.push('=');
    out.push_str(&enc(extra.1));
    out
}

/// Opaque page cursors: base64url JSON carrying the tenant, a kind tag and a position.
pub mod cursor {
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::super::response::GraphError;
    use crate::util::{b64url, b64url_decode};

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Cursor {
        pub t: Uuid,
        pub k: String,
        pub p: u64,
        #[serde(default)]
        pub v: u64,
    }

    pub fn encode(c: &Cursor) -> String {
        format!(
            "RFNwdAI{}",
            b64url(&serde_json::to_vec(c).unwrap_or_default())
        )
    }

    pub fn decode(s: &str, tenant: Uuid, kind: &str) -> Result<Cursor, GraphError> {
        let bad = || GraphError::bad_request("Invalid skip token.");
        let raw = s.strip_prefix("RFNwdAI").ok_or_else(bad)?;
        let c: Cursor =
            serde_json::from_slice(&b64url_decode(raw).ok_or_else(bad)?).map_err(|_| bad())?;
        if c.t != tenant || c.k != kind {
            return Err(bad());
        }
        Ok(c)
    }
}
