//! Serving a built single-page application (the web front-end) on a service's own origin.
//!
//! The SPA calls the service's API on the same origin, so cookies and CSRF tokens work without
//! CORS. [`Spa::load`] reads the built files (`dist/`) into memory once at startup; no file
//! system access happens per request, so no request path can reach outside the directory.
//! [`configure`] installs the SPA as the app's default service, which answers:
//!
//! - `GET`/`HEAD` of a built file → the file; hashed assets under `/assets/` with
//!   `Cache-Control: public, max-age=31536000, immutable`, every other file (and `index.html`)
//!   with `no-cache` and an `ETag` (304 on `If-None-Match`);
//! - `GET`/`HEAD` of a navigation (a path whose last segment has no file extension) that is not
//!   reserved for the API (`/v1`, `/auth`, `/consent`, `/openapi.json`, `/docs`, `/healthz`,
//!   `/readyz`, plus [`SpaSettings::reserved_prefixes`]) and, when
//!   [`SpaSettings::navigation_prefixes`] is set, lies under one of them → `index.html`;
//! - anything else → what [`crate::not_found`] answers (404 / 405 problem).
//!
//! Every SPA response carries the security headers: a strict `Content-Security-Policy` (only
//! this origin's scripts, styles and connections; no inline script or style elements;
//! `frame-ancestors 'none'`), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
//! `X-Frame-Options: DENY` and `Cross-Origin-Opener-Policy: same-origin`.
//!
//! ```no_run
//! use actix_web::{App, HttpServer};
//! use pa_http::spa::{Spa, SpaSettings};
//!
//! # async fn run(openapi: utoipa::openapi::OpenApi) -> std::io::Result<()> {
//! let settings = SpaSettings {
//!     dir: Some("services/web/dist".into()),
//!     navigation_prefixes: vec!["/setup".into()],
//!     ..SpaSettings::default()
//! };
//! let spa = Spa::load(&settings)?;
//! HttpServer::new(move || {
//!     let spa = spa.clone();
//!     App::new()
//!         .wrap(pa_http::RequestTracing)
//!         .configure(|cfg| pa_http::configure_common(cfg, pa_http::Readiness::new(), openapi.clone()))
//!         // After configure_common: the SPA replaces its default service (and falls back to it).
//!         .configure(|cfg| pa_http::spa::configure(cfg, spa))
//! })
//! .bind("127.0.0.1:8084")?
//! .run()
//! .await
//! # }
//! ```

mod files;
mod headers;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::http::Method;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use self::files::StaticFile;
pub use self::headers::DEFAULT_CONTENT_SECURITY_POLICY;

/// Path prefixes that belong to the services' APIs: never answered with `index.html`.
pub const DEFAULT_RESERVED_PREFIXES: &[&str] = &[
    "/v1",
    "/auth",
    "/consent",
    "/openapi.json",
    "/docs",
    "/healthz",
    "/readyz",
];

/// Cache-Control of the content-hashed files Vite writes under `/assets/`.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of `index.html` and the other unhashed files: revalidate every time.
pub const NO_CACHE: &str = "no-cache";

/// Where the built SPA is and which paths it answers (`[web]` section; env
/// `{prefix}WEB__DIR`, …). With `dir` unset the service serves no front-end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpaSettings {
    /// The built SPA (`services/web/dist`): must contain `index.html`. Unset: no front-end.
    pub dir: Option<PathBuf>,
    /// When not empty, only navigations under these prefixes get `index.html` (consent:
    /// `["/setup"]`); others get the usual 404.
    pub navigation_prefixes: Vec<String>,
    /// Prefixes never answered with `index.html`, beyond [`DEFAULT_RESERVED_PREFIXES`]
    /// (admin-console: `["/setup"]`, the wizard being consent's).
    pub reserved_prefixes: Vec<String>,
    /// Overrides [`DEFAULT_CONTENT_SECURITY_POLICY`].
    pub content_security_policy: Option<String>,
}

/// The loaded SPA: its files in memory and the routing rules. Cheap to clone into each worker.
#[derive(Debug, Clone)]
pub struct Spa {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    files: HashMap<String, StaticFile>,
    reserved: Vec<String>,
    navigation: Vec<String>,
    csp: String,
}

impl Spa {
    /// Reads `settings.dir` (recursively, skipping dot-files and symlinks). `Ok(None)` when no
    /// directory is configured; an error when it is configured but unreadable or has no
    /// `index.html` (a misconfigured front-end should stop the start, not serve 404s).
    pub fn load(settings: &SpaSettings) -> std::io::Result<Option<Spa>> {
        let Some(dir) = &settings.dir else {
            return Ok(None);
        };
        let files = files::read_tree(dir)?;
        if !files.contains_key("/index.html") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "{} has no index.html (build the front-end first)",
                    dir.display()
                ),
            ));
        }
        let mut reserved: Vec<String> = DEFAULT_RESERVED_PREFIXES
            .iter()
            .map(|p| (*p).to_owned())
            .collect();
        reserved.extend(settings.reserved_prefixes.iter().cloned());
        Ok(Some(Spa {
            inner: Arc::new(Inner {
                files,
                reserved,
                navigation: settings.navigation_prefixes.clone(),
                csp: settings
                    .content_security_policy
                    .clone()
                    .unwrap_or_else(|| DEFAULT_CONTENT_SECURITY_POLICY.to_owned()),
            }),
        }))
    }

    /// How many files were loaded.
    pub fn file_count(&self) -> usize {
        self.inner.files.len()
    }
}

/// Installs `spa` as the default service (call it AFTER [`crate::configure_common`], whose
/// default service it replaces and falls back to).
pub fn configure(cfg: &mut web::ServiceConfig, spa: Spa) {
    cfg.app_data(web::Data::new(spa))
        .default_service(web::to(serve));
}

/// Whether `path` is `prefix` or lies below it (`/v1` matches `/v1` and `/v1/x`, not `/v1x`).
fn under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

async fn serve(req: HttpRequest, spa: web::Data<Spa>) -> Result<HttpResponse, actix_web::Error> {
    let inner = &spa.inner;
    let path = req.path();
    let readable = req.method() == Method::GET || req.method() == Method::HEAD;
    if !readable || inner.reserved.iter().any(|p| under(path, p)) {
        return Ok(crate::not_found(req).await?);
    }
    let key = if path == "/" { "/index.html" } else { path };
    if let Some(file) = inner.files.get(key) {
        let cache = if key.starts_with("/assets/") {
            IMMUTABLE
        } else {
            NO_CACHE
        };
        return Ok(respond(&req, inner, file, cache));
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    let navigation = !last.contains('.')
        && (inner.navigation.is_empty() || inner.navigation.iter().any(|p| under(path, p)));
    match inner.files.get("/index.html") {
        Some(index) if navigation => Ok(respond(&req, inner, index, NO_CACHE)),
        _ => Ok(crate::not_found(req).await?),
    }
}

fn respond(
    req: &HttpRequest,
    inner: &Inner,
    file: &StaticFile,
    cache: &'static str,
) -> HttpResponse {
    let fresh = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == file.etag || tag.trim() == "*")
        });
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((CACHE_CONTROL, cache))
        .insert_header((ETAG, file.etag.as_str()));
    headers::security(&mut res, &inner.csp);
    if fresh {
        return res.finish();
    }
    res.insert_header((CONTENT_TYPE, file.content_type))
        .body(file.body.clone())
}
