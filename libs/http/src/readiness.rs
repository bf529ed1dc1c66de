//! `/healthz` and `/readyz`.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::future::{BoxFuture, join_all};
use serde_json::json;

use crate::extract_util::with_request;
use crate::{PROBLEM_CONTENT_TYPE, Problem};

/// A readiness check: resolves to `Err(reason)` when the dependency is not usable.
pub type ReadinessCheck = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// The default per-check timeout.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The named checks `/readyz` runs (concurrently, each with a timeout of 2 s by default).
/// Cheap to clone: build it once and clone it into each worker's app factory.
///
/// ```
/// let readiness = pa_http::Readiness::new()
///     .with_check("postgres", || async { Ok(()) })
///     .with_check("rabbitmq", || async { Err("connection closed".to_string()) });
/// ```
#[derive(Clone)]
pub struct Readiness {
    checks: Vec<(String, ReadinessCheck)>,
    timeout: Duration,
}

impl Default for Readiness {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("checks", &self.names())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The check passed.
    Ok,
    /// The check returned an error (the reason is logged, not served).
    Failed(String),
    /// The check did not finish within the timeout.
    TimedOut,
}

impl Readiness {
    /// No checks: always ready.
    pub fn new() -> Self {
        Self {
            checks: Vec::new(),
            timeout: DEFAULT_CHECK_TIMEOUT,
        }
    }

    /// Adds a named check; `check` is called on every `/readyz` request.
    #[must_use]
    pub fn with_check<F, Fut>(mut self, name: impl Into<String>, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let check: ReadinessCheck = Arc::new(move || Box::pin(check()));
        self.checks.push((name.into(), check));
        self
    }

    /// Adds an already boxed check.
    #[must_use]
    pub fn with_boxed_check(mut self, name: impl Into<String>, check: ReadinessCheck) -> Self {
        self.checks.push((name.into(), check));
        self
    }

    /// Changes the per-check timeout (default 2 s).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The check names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.checks.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Runs every check concurrently, each bounded by the timeout.
    pub async fn run(&self) -> BTreeMap<String, CheckOutcome> {
        let timeout = self.timeout;
        let runs = self.checks.iter().map(|(name, check)| {
            let fut = check();
            async move {
                let outcome = match actix_web::rt::time::timeout(timeout, fut).await {
                    Ok(Ok(())) => CheckOutcome::Ok,
                    Ok(Err(reason)) => CheckOutcome::Failed(reason),
                    Err(_) => CheckOutcome::TimedOut,
                };
                (name.clone(), outcome)
            }
        });
        join_all(runs).await.into_iter().collect()
    }
}

/// `GET /healthz`: the process is up. Always 200 `{"status":"ok"}`.
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 `{"status":"ready","checks":{"postgres":"ok"}}`, or 503
/// `application/problem+json` (`code` `service_unavailable`) with `checks` naming each result
/// (`ok`, `failed`, `timeout`) and `failed` listing the failing checks.
pub(crate) async fn readyz(req: HttpRequest, readiness: web::Data<Readiness>) -> HttpResponse {
    let outcomes = readiness.run().await;
    let mut failed = Vec::new();
    let mut checks = serde_json::Map::new();
    for (name, outcome) in &outcomes {
        let status = match outcome {
            CheckOutcome::Ok => "ok",
            CheckOutcome::Failed(reason) => {
                tracing::warn!(check = %name, reason = %reason, "readiness check failed");
                failed.push(name.clone());
                "failed"
            }
            CheckOutcome::TimedOut => {
                tracing::warn!(check = %name, timeout_ms = readiness.timeout.as_millis() as u64, "readiness check timed out");
                failed.push(name.clone());
                "timeout"
            }
        };
        checks.insert(name.clone(), json!(status));
    }
    if failed.is_empty() {
        return HttpResponse::Ok().json(json!({ "status": "ready", "checks": checks }));
    }
    let problem = with_request(
        Problem::service_unavailable(format!("not ready: {}", failed.join(", "))),
        &req,
    );
    let mut body = serde_json::to_value(problem.details()).unwrap_or_else(|_| json!({}));
    if let Some(obj) = body.as_object_mut() {
        obj.insert("checks".into(), json!(checks));
        obj.insert("failed".into(), json!(failed));
    }
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
        .content_type(PROBLEM_CONTENT_TYPE)
        .json(body)
}
