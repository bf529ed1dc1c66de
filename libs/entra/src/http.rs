//! The HTTP transport: one pooled reqwest client (connection reuse, HTTP/2 when offered), the extra CA
//! from configuration, and the retry loop of [`crate::retry`].

use std::sync::Arc;

use reqwest::{RequestBuilder, Response};

use crate::clock::Clock;
use crate::config::EntraSettings;
use crate::error::{Endpoint, EntraError};
use crate::retry::{RetryPolicy, is_retryable_status, jitter_unit, parse_retry_after};

/// Header naming the retry number on retried requests (as the Graph SDK retry handler sends).
const RETRY_ATTEMPT: &str = "retry-attempt";

/// Shared HTTP machinery; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
}

impl Transport {
    /// Builds the pooled client. Requires a rustls crypto provider to be installed by the process.
    pub(crate) fn new(settings: &EntraSettings, clock: Arc<dyn Clock>) -> Result<Self, EntraError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("pa-entra/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.request_timeout())
            .connect_timeout(settings.connect_timeout())
            .pool_idle_timeout(std::time::Duration::from_secs(90))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &settings.extra_ca_pem {
            let pem = std::fs::read(path).map_err(|e| {
                EntraError::Configuration(format!(
                    "cannot read extra_ca_pem {}: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                EntraError::Configuration(format!(
                    "extra_ca_pem {} is not PEM: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(EntraError::Configuration(format!(
                    "extra_ca_pem {} holds no certificate",
                    path.display()
                )));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| EntraError::Configuration(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            clock,
            retry: RetryPolicy::from(&settings.retry),
        })
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Sends the request built by `make` (called once per attempt), retrying 429/503/504 and
    /// connection failures per the policy. Returns the final response whatever its status.
    pub(crate) async fn send(
        &self,
        endpoint: Endpoint,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<Response, EntraError> {
        let mut attempt: u32 = 1;
        loop {
            let mut request = make();
            if attempt > 1 {
                request = request.header(RETRY_ATTEMPT, (attempt - 1).to_string());
            }
            let last = attempt >= self.retry.max_attempts;
            match request.send().await {
                Ok(resp) if !last && is_retryable_status(resp.status()) => {
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    let Some(delay) = self.retry.delay(attempt, retry_after) else {
                        return Ok(resp);
                    };
                    tracing::debug!(
                        %endpoint, status = resp.status().as_u16(), attempt,
                        delay_ms = delay.as_millis() as u64, honour_retry_after = retry_after.is_some(),
                        "retrying throttled or unavailable request"
                    );
                    // Drain the (small) body so the connection goes back to the pool.
                    let _ = resp.bytes().await;
                    self.clock.sleep(delay).await;
                }
                Ok(resp) => return Ok(resp),
                Err(e) if !last && is_transient_transport(&e) => {
                    let delay = self.retry.backoff(attempt, jitter_unit());
                    tracing::debug!(%endpoint, attempt, delay_ms = delay.as_millis() as u64,
                        error = %e.without_url(), "retrying after a connection failure");
                    self.clock.sleep(delay).await;
                }
                Err(e) => return Err(EntraError::transport(endpoint, e)),
            }
            attempt += 1;
        }
    }
}

fn is_transient_transport(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request()
}
