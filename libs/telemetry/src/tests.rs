#![allow(clippy::unwrap_used)]

use crate::{
    current_traceparent, init_for_tests, set_parent_from_traceparent, trace_id_of, traceparent_of,
};

const REMOTE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn span_under_a_parsed_traceparent_reports_the_same_trace_id() {
    init_for_tests();
    let span = tracing::info_span!("handler");
    set_parent_from_traceparent(&span, REMOTE);
    let tp = span.in_scope(current_traceparent).unwrap();
    let parts: Vec<&str> = tp.split('-').collect();
    assert_eq!(parts.len(), 4, "{tp}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(
        parts[2], "00f067aa0ba902b7",
        "the local span gets its own span id"
    );
    assert_eq!(parts[3], "01");
}

#[test]
fn child_spans_inherit_the_remote_trace() {
    init_for_tests();
    let span = tracing::info_span!("consumer");
    set_parent_from_traceparent(&span, REMOTE);
    let _entered = span.enter();
    let child = tracing::info_span!("child");
    assert_eq!(
        trace_id_of(&child).as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
}

#[test]
fn malformed_traceparent_is_ignored_without_panicking() {
    init_for_tests();
    for bad in [
        "",
        "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
    ] {
        let span = tracing::info_span!("handler");
        set_parent_from_traceparent(&span, bad);
        let tp = span.in_scope(current_traceparent).unwrap();
        assert!(
            !tp.contains("4bf92f3577b34da6a3ce929d0e0e4736"),
            "{bad} -> {tp}"
        );
    }
}

#[test]
fn a_root_span_gets_a_fresh_valid_traceparent() {
    init_for_tests();
    let span = tracing::info_span!("root");
    let tp = traceparent_of(&span).unwrap();
    assert_eq!(tp.len(), 55, "{tp}");
    assert!(tp.starts_with("00-"));
}

#[test]
fn no_current_span_means_no_traceparent() {
    init_for_tests();
    assert_eq!(current_traceparent(), None);
}

#[test]
fn otlp_endpoint_gets_the_traces_path_once() {
    assert_eq!(
        crate::init::traces_url("http://c:4318"),
        "http://c:4318/v1/traces"
    );
    assert_eq!(
        crate::init::traces_url("http://c:4318/v1/traces/"),
        "http://c:4318/v1/traces"
    );
}

/// Keeps the names of the spans exported through it.
#[derive(Debug, Clone, Default)]
struct Names(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl opentelemetry_sdk::trace::SpanExporter for Names {
    async fn export(
        &self,
        batch: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        let mut names = self.0.lock().unwrap();
        names.extend(batch.into_iter().map(|s| s.name.into_owned()));
        Ok(())
    }
}

#[test]
fn a_started_span_is_renamed_for_export_by_set_otel_name() {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;

    let names = Names::default();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_simple_exporter(names.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::with_default(subscriber, || {
        let recorded = tracing::info_span!("recorded", otel.name = "GET");
        // Asking for the context starts the OpenTelemetry span (as a remote parent does).
        assert!(trace_id_of(&recorded).is_some());
        recorded.record("otel.name", "GET /recorded/{id}");
        drop(recorded);
        let renamed = tracing::info_span!("renamed", otel.name = "GET");
        assert!(trace_id_of(&renamed).is_some());
        crate::set_otel_name(&renamed, "GET /renamed/{id}");
        drop(renamed);
    });
    let names = names.0.lock().unwrap().clone();
    assert_eq!(
        names,
        ["GET", "GET /renamed/{id}"],
        "recording otel.name after the start renames nothing; set_otel_name does"
    );
}
