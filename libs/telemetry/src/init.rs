//! Installing the global subscriber, tracer provider and propagator.

use std::sync::{Once, OnceLock};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry, layer::SubscriberExt};

use crate::settings::{LogFormat, TelemetrySettings};

/// Why telemetry could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `RUST_LOG` is not a valid filter directive.
    #[error("invalid RUST_LOG filter: {0}")]
    Filter(String),
    /// The OTLP exporter could not be built (bad endpoint URL, HTTP client failure).
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
    /// A global subscriber was already installed (init called twice, or by another library).
    #[error("a global tracing subscriber is already installed: {0}")]
    AlreadyInitialized(String),
}

/// Flushes pending spans and shuts the exporter down when dropped. Hold it for the life of the
/// process (`let _telemetry = pa_telemetry::init(..)?;`).
#[must_use = "dropping the guard shuts telemetry down"]
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Flushes buffered spans to the exporter now (no-op without an exporter).
    pub fn flush(&self) {
        if let Some(provider) = &self.provider
            && let Err(err) = provider.force_flush()
        {
            eprintln!("pa-telemetry: flushing spans failed: {err}");
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("pa-telemetry: shutting the tracer provider down failed: {err}");
        }
    }
}

const TRACES_PATH: &str = "/v1/traces";

pub(crate) fn traces_url(endpoint: &str) -> String {
    let trimmed = endpoint.trim_end_matches('/');
    if trimmed.ends_with(TRACES_PATH) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}{TRACES_PATH}")
    }
}

fn build_provider(
    service_name: &'static str,
    otlp_endpoint: Option<&str>,
) -> Result<SdkTracerProvider, TelemetryError> {
    let resource = Resource::builder().with_service_name(service_name).build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if let Some(endpoint) = otlp_endpoint.filter(|e| !e.trim().is_empty()) {
        let exporter = SpanExporter::builder()
            .with_http()
            .with_endpoint(traces_url(endpoint))
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        builder = builder.with_batch_exporter(exporter);
    }
    Ok(builder.build())
}

/// The OpenTelemetry layer: sees every span at `info` or above whatever `RUST_LOG` says, so trace
/// context propagates even when logs are quiet.
fn otel_layer<S>(provider: &SdkTracerProvider, service_name: &'static str) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(service_name))
        .with_filter(LevelFilter::INFO)
}

fn install_globals(provider: &SdkTracerProvider) {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());
}

/// Installs logging and tracing for a service process. Call once, first thing in `main` (after
/// installing the rustls crypto provider), and keep the guard alive.
pub fn init(
    service_name: &'static str,
    settings: &TelemetrySettings,
) -> Result<TelemetryGuard, TelemetryError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            EnvFilter::try_new(directives).map_err(|e| TelemetryError::Filter(e.to_string()))?
        }
        _ => EnvFilter::new("info"),
    };
    if settings.otlp_endpoint.is_some() {
        // The OTLP exporter's HTTP client (reqwest with `rustls-no-provider`, unified across the
        // workspace) panics without a process-wide crypto provider; install ours if none is.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let provider = build_provider(service_name, settings.otlp_endpoint.as_deref())?;

    let fmt_layer = match settings.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .flatten_event(true)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().pretty().boxed(),
    };
    Registry::default()
        .with(otel_layer(&provider, service_name))
        .with(fmt_layer.with_filter(filter))
        .try_init()
        .map_err(|e| TelemetryError::AlreadyInitialized(e.to_string()))?;
    install_globals(&provider);
    tracing::debug!(
        service = service_name,
        otlp = settings.otlp_endpoint.is_some(),
        "telemetry initialised"
    );
    Ok(TelemetryGuard {
        provider: Some(provider),
    })
}

/// Installs test telemetry once per process: OpenTelemetry context (so traceparent helpers work)
/// and logs through the test writer, silent unless `RUST_LOG` is set. Safe to call from every test;
/// does nothing if a global subscriber is already installed.
pub fn init_for_tests() {
    static ONCE: Once = Once::new();
    // Keeps the test provider alive for the whole process.
    static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();
    ONCE.call_once(|| {
        let provider = SdkTracerProvider::builder().build();
        let filter = std::env::var("RUST_LOG")
            .ok()
            .and_then(|d| EnvFilter::try_new(d).ok())
            .unwrap_or_else(|| EnvFilter::new("off"));
        let installed = Registry::default()
            .with(otel_layer(&provider, "test"))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_test_writer()
                    .with_filter(filter),
            )
            .try_init();
        if installed.is_ok() {
            install_globals(&provider);
        }
        let _ = PROVIDER.set(provider);
    });
}
