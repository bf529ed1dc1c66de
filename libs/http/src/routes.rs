//! `RouteTable`: which methods each path accepts, built from the OpenAPI document, for the
//! `Allow` header of 405 answers and for naming path parameters in problems.

use actix_web::http::Method;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;

/// The routes a service serves and the methods of each, as its OpenAPI document states them
/// (plus the common routes of [`crate::configure_common`]). [`crate::configure_common`] registers
/// one as `web::Data<RouteTable>`; the [`crate::RequestTracing`] middleware reads it to add
/// `Allow` to every 405 answer and to name the path parameter a bad path segment belongs to.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

/// One path template (`/v1/tenants/{tenant_id}`) and its methods.
#[derive(Debug, Clone)]
pub struct Route {
    template: String,
    segments: Vec<Segment>,
    methods: Vec<Method>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

impl Route {
    /// The template, e.g. `/v1/tenants/{tenant_id}`.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The methods, in a stable order (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE).
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// The `Allow` header value: `GET, POST`.
    pub fn allow(&self) -> String {
        self.methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The name of the path parameter at `index` (0-based, among the path's segments after the
    /// leading `/`), if that segment is a parameter.
    pub fn param_at(&self, index: usize) -> Option<&str> {
        match self.segments.get(index) {
            Some(Segment::Param(name)) => Some(name),
            _ => None,
        }
    }

    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(s, p)| match s {
                Segment::Literal(lit) => lit == p,
                Segment::Param(_) => !p.is_empty(),
            })
    }

    fn literal_count(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }
}

const METHOD_ORDER: [HttpMethod; 8] = [
    HttpMethod::Get,
    HttpMethod::Head,
    HttpMethod::Post,
    HttpMethod::Put,
    HttpMethod::Patch,
    HttpMethod::Delete,
    HttpMethod::Options,
    HttpMethod::Trace,
];

fn to_method(m: &HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Trace => Method::TRACE,
    }
}

fn split(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

impl RouteTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every path and method of `doc`.
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let mut table = Self::new();
        for (path, item) in &doc.paths.paths {
            let ops = [
                (HttpMethod::Get, item.get.is_some()),
                (HttpMethod::Head, item.head.is_some()),
                (HttpMethod::Post, item.post.is_some()),
                (HttpMethod::Put, item.put.is_some()),
                (HttpMethod::Patch, item.patch.is_some()),
                (HttpMethod::Delete, item.delete.is_some()),
                (HttpMethod::Options, item.options.is_some()),
                (HttpMethod::Trace, item.trace.is_some()),
            ];
            let methods: Vec<Method> = ops
                .iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| to_method(m))
                .collect();
            table = table.with(path, &methods);
        }
        table
    }

    /// Adds (or extends) `template` with `methods`.
    #[must_use]
    pub fn with(mut self, template: &str, methods: &[Method]) -> Self {
        let segments: Vec<Segment> = split(template)
            .into_iter()
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_owned()),
                    None => Segment::Literal(s.to_owned()),
                },
            )
            .collect();
        let index = match self.routes.iter().position(|r| r.segments == segments) {
            Some(i) => i,
            None => {
                self.routes.push(Route {
                    template: template.to_owned(),
                    segments,
                    methods: Vec::new(),
                });
                self.routes.len() - 1
            }
        };
        let route = &mut self.routes[index];
        for m in methods {
            if !route.methods.contains(m) {
                route.methods.push(m.clone());
            }
        }
        route.methods.sort_by_key(|m| {
            METHOD_ORDER
                .iter()
                .position(|o| to_method(o) == *m)
                .unwrap_or(METHOD_ORDER.len())
        });
        self
    }

    /// The route serving `path` (a request path, not decoded): the match with the most literal
    /// segments wins (`/v1/tenants/active` over `/v1/tenants/{id}`).
    pub fn lookup(&self, path: &str) -> Option<&Route> {
        let segments = split(path);
        self.routes
            .iter()
            .filter(|r| r.matches(&segments))
            .max_by_key(|r| r.literal_count())
    }

    /// Every route.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}
