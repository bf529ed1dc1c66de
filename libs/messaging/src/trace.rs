//! W3C trace context across the broker, via pa-telemetry.

/// The `traceparent` of the current span, if telemetry gives it one.
pub(crate) fn current_traceparent() -> Option<String> {
    pa_telemetry::current_traceparent()
}

/// Makes `span` a child of the remote span named by `traceparent` (before it is entered).
pub(crate) fn set_parent(span: &tracing::Span, traceparent: &str) {
    pa_telemetry::set_parent_from_traceparent(span, traceparent);
}
