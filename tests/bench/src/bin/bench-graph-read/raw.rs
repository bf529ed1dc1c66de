//! Baseline: raw reqwest GETs of the same pages, bodies read and discarded. Only the
//! `@odata.nextLink` is picked out (by a byte search near the start and end of the page), so
//! this measures what the simulator can serve, not what a client can parse.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Pages fetched and time taken by one paged walk.
#[derive(Debug, Default, Clone, Copy)]
pub struct Walk {
    pub pages: u64,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl std::ops::AddAssign for Walk {
    fn add_assign(&mut self, o: Self) {
        self.pages += o.pages;
        self.bytes += o.bytes;
        self.elapsed += o.elapsed;
    }
}

/// Follows `@odata.nextLink` from `url` to the last page (`eventual`: send
/// `ConsistencyLevel: eventual` on every page, as advanced queries need).
pub async fn walk(
    client: &reqwest::Client,
    token: &str,
    url: &str,
    eventual: bool,
) -> anyhow::Result<Walk> {
    let started = Instant::now();
    let mut walk = Walk::default();
    let mut next = Some(url.to_owned());
    while let Some(url) = next.take() {
        let mut request = client.get(&url).bearer_auth(token);
        if eventual {
            request = request.header("ConsistencyLevel", "eventual");
        }
        let resp = request.send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            bail!(
                "GET {url} → {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        walk.pages += 1;
        walk.bytes += body.len() as u64;
        next = next_link(&body).context("unreadable @odata.nextLink")?;
        if walk.pages > 1_000_000 {
            bail!("more than a million pages: the simulator is looping");
        }
    }
    walk.elapsed = started.elapsed();
    Ok(walk)
}

const KEY: &[u8] = b"\"@odata.nextLink\"";

/// The page's `@odata.nextLink`, if any. Graph writes it before or after `value`, so the
/// first and last 8 KiB are searched before the whole body.
pub fn next_link(body: &[u8]) -> anyhow::Result<Option<String>> {
    const EDGE: usize = 8 * 1024;
    let head = &body[..body.len().min(EDGE)];
    let tail_start = body.len().saturating_sub(EDGE);
    let at = find(head, KEY)
        .or_else(|| find(&body[tail_start..], KEY).map(|i| i + tail_start))
        .or_else(|| find(body, KEY));
    let Some(at) = at else { return Ok(None) };
    let rest = &body[at + KEY.len()..];
    let open = rest.iter().position(|&b| b == b'"').context("no value")?;
    let value = &rest[open..];
    // The JSON string ends at the first quote not preceded by a backslash.
    let mut end = 1;
    while end < value.len() && !(value[end] == b'"' && value[end - 1] != b'\\') {
        end += 1;
    }
    let quoted = value.get(..=end).context("unterminated nextLink")?;
    Ok(Some(serde_json::from_slice::<String>(quoted)?))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn finds_the_next_link_before_or_after_the_values() {
        let before = br#"{"@odata.context":"x","@odata.nextLink":"http://h/v1.0/users?$skiptoken=a\u0026b","value":[{"id":"1"}]}"#;
        let after = br#"{"value":[{"id":"1"}],"@odata.nextLink": "http://h/u?$top=2"}"#;
        assert_eq!(
            next_link(before).expect("a well-formed page").as_deref(),
            Some("http://h/v1.0/users?$skiptoken=a&b")
        );
        assert_eq!(
            next_link(after).expect("a well-formed page").as_deref(),
            Some("http://h/u?$top=2")
        );
        assert_eq!(
            next_link(br#"{"value":[]}"#).expect("a well-formed page"),
            None
        );
    }
}
