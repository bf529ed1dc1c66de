//! The per-request span carries method, route pattern, status, latency and request id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::test::{TestRequest, call_service};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::test_app;

type Fields = Arc<Mutex<HashMap<String, String>>>;

/// Records the fields of `http_request` spans.
struct Capture(Fields);

struct Collect<'a>(&'a mut HashMap<String, String>);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl<S> Layer<S> for Capture
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        if attrs.metadata().name() == "http_request" {
            attrs.record(&mut Collect(&mut self.0.lock().unwrap()));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if ctx.span(id).is_some_and(|s| s.name() == "http_request") {
            values.record(&mut Collect(&mut self.0.lock().unwrap()));
        }
    }
}

#[actix_web::test]
async fn the_request_span_records_method_route_status_latency_and_request_id() {
    let fields: Fields = Arc::default();
    let subscriber = tracing_subscriber::registry().with(Capture(fields.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = test_app!();
    let req = TestRequest::get()
        .uri("/tenants/42")
        .insert_header(("x-request-id", "span-test-1"))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), 200);

    let fields = fields.lock().unwrap();
    assert_eq!(fields.get("method").map(String::as_str), Some("GET"));
    assert_eq!(
        fields.get("route").map(String::as_str),
        Some("/tenants/{id}")
    );
    assert_eq!(fields.get("status").map(String::as_str), Some("200"));
    assert_eq!(
        fields.get("request_id").map(String::as_str),
        Some("span-test-1")
    );
    assert!(fields.get("latency_ms").is_some(), "{fields:?}");
    assert_eq!(
        fields.get("otel.name").map(String::as_str),
        Some("GET /tenants/{id}")
    );
}
