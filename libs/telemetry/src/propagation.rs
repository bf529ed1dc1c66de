//! W3C `traceparent` helpers for carrying a trace across HTTP and AMQP boundaries.

use std::borrow::Cow;
use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

const TRACEPARENT: &str = "traceparent";

/// The W3C `traceparent` of the current span (`00-<trace id>-<span id>-<flags>`), or `None` when
/// there is no current span or telemetry is not initialised.
pub fn current_traceparent() -> Option<String> {
    traceparent_of(&tracing::Span::current())
}

/// The W3C `traceparent` of `span`, or `None` when it carries no valid OpenTelemetry context.
pub fn traceparent_of(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    if !cx.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// The 32-hex-digit trace id of `span`, if it has a valid OpenTelemetry context.
pub fn trace_id_of(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let span_ref = cx.span();
    let sc = span_ref.span_context();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// Makes `span` a child of the remote span described by `traceparent`.
///
/// Call it right after creating the span and before entering it (OpenTelemetry fixes a span's
/// parent when it starts). A malformed or all-zero `traceparent` is ignored (the span keeps its
/// local parent, or starts a new trace); this never panics.
pub fn set_parent_from_traceparent(span: &tracing::Span, traceparent: &str) {
    let mut carrier = HashMap::with_capacity(1);
    carrier.insert(TRACEPARENT.to_owned(), traceparent.trim().to_owned());
    let cx = TraceContextPropagator::new().extract(&carrier);
    if !cx.span().span_context().is_valid() {
        tracing::debug!(traceparent, "ignoring malformed traceparent");
        return;
    }
    if let Err(err) = span.set_parent(cx) {
        tracing::debug!(error = %err, "cannot set the span's remote parent");
    }
}

/// Names `span` as it is exported (`otel.name`), also after its OpenTelemetry span started.
///
/// tracing-opentelemetry reads a recorded `otel.name` only while the OpenTelemetry span is
/// still being built; once anything asked for the span's context (a remote parent set with
/// [`set_parent_from_traceparent`], [`trace_id_of`], [`current_traceparent`]) the span has
/// started and a later `span.record("otel.name", …)` renames nothing — e.g. a request span
/// named after the matched route, which is known only at the end. This records the field
/// (for the logs) and renames the running OpenTelemetry span too.
pub fn set_otel_name(span: &tracing::Span, name: impl Into<Cow<'static, str>>) {
    let name = name.into();
    span.record("otel.name", name.as_ref());
    let cx = span.context();
    let otel = cx.span();
    if otel.span_context().is_valid() {
        otel.update_name(name);
    }
}
