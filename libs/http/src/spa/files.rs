//! Reading the built SPA into memory.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

use actix_web::web::Bytes;

/// Refuse to load more than this (a misconfigured `dir` pointing at a large tree).
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;

/// One file of the SPA, ready to send.
#[derive(Debug, Clone)]
pub(super) struct StaticFile {
    pub(super) body: Bytes,
    pub(super) content_type: &'static str,
    pub(super) etag: String,
}

/// Every regular file under `dir`, keyed by its URL path (`/assets/index-abc.js`).
pub(super) fn read_tree(dir: &Path) -> std::io::Result<HashMap<String, StaticFile>> {
    let mut files = HashMap::new();
    let mut total = 0u64;
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((fs_dir, url_dir)) = pending.pop() {
        for entry in std::fs::read_dir(&fs_dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            let url = format!("{url_dir}/{name}");
            if kind.is_dir() {
                pending.push((entry.path(), url));
            } else if kind.is_file() {
                let body = std::fs::read(entry.path())?;
                total += body.len() as u64;
                if total > MAX_TOTAL_BYTES {
                    return Err(std::io::Error::other(format!(
                        "{} holds more than {MAX_TOTAL_BYTES} bytes: is it the built front-end?",
                        dir.display()
                    )));
                }
                let etag = etag(&body);
                files.insert(
                    url,
                    StaticFile {
                        content_type: content_type(name),
                        body: Bytes::from(body),
                        etag,
                    },
                );
            }
        }
    }
    Ok(files)
}

/// A strong validator from the content (SipHash with fixed keys: stable across instances).
fn etag(body: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(body);
    format!("\"{:016x}-{:x}\"", hasher.finish(), body.len())
}

/// The media type for a file name's extension.
pub(super) fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
