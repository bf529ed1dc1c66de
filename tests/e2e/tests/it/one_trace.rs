//! One trace: every service exports its spans to an in-process OTLP/HTTP receiver while the
//! journey runs, each journey request carrying a client `traceparent`; the parent/child
//! links must cross the services over HTTP (client → service) and AMQP (service →
//! RabbitMQ → another service's consumer → the sync run it queued).

use std::collections::HashMap;
use std::time::Duration;

use pa_e2e::client::ClientTrace;
use pa_e2e::journey::{self, Fault};
use pa_e2e::otlp::{OtlpReceiver, SpanRecord};
use pa_e2e::services::Service;
use pa_e2e::stack::{Stack, StackOptions};
use pa_e2e::wait::Deadline;

/// The received spans by id, with parent walking.
struct Spans(HashMap<String, SpanRecord>);

impl Spans {
    fn new(spans: Vec<SpanRecord>) -> Self {
        Self(spans.into_iter().map(|s| (s.span_id.clone(), s)).collect())
    }

    /// Spans of `service` named `name` (`amqp.consume`, `POST /v1/wizard/finish`, …).
    fn named(&self, service: &str, name: &str) -> Vec<&SpanRecord> {
        self.0
            .values()
            .filter(|s| s.service == service && s.name == name)
            .collect()
    }

    /// The consumer span of `service` for an event type.
    fn consumed(&self, service: &str, event_type: &str) -> Vec<&SpanRecord> {
        self.named(service, "amqp.consume")
            .into_iter()
            .filter(|s| s.attr("event_type") == Some(event_type))
            .collect()
    }

    /// True when `ancestor` is `span` or one of its ancestors (same trace).
    fn descends(&self, span: &SpanRecord, ancestor: &str) -> bool {
        let mut current = Some(span);
        while let Some(s) = current {
            if s.span_id == ancestor {
                return true;
            }
            current = s.parent_span_id.as_ref().and_then(|p| self.0.get(p));
        }
        false
    }

    /// The chain of (service, name) from `span` up to its root, for failure messages.
    fn lineage(&self, span: &SpanRecord) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = Some(span);
        while let Some(s) = current {
            out.push(format!("{}:{}", s.service, s.name));
            current = s.parent_span_id.as_ref().and_then(|p| self.0.get(p));
        }
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_journeys_spans_arrive_as_traces_connected_across_services_over_http_and_amqp() {
    let otlp = OtlpReceiver::start().await;
    let extra_env = Service::ALL
        .iter()
        .map(|s| (*s, "OTEL_BSP_SCHEDULE_DELAY".to_owned(), "200".to_owned()))
        .collect();
    let mut stack = Stack::start(StackOptions {
        otlp_endpoint: Some(otlp.endpoint.clone()),
        extra_env,
        ..StackOptions::default()
    })
    .await;
    let trace = ClientTrace::new();
    let j = journey::run_traced("one trace", &mut stack, Fault::None, Some(trace.clone())).await;
    let runs: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, trigger FROM sync_runs ORDER BY queued_at")
            .fetch_all(&stack.inspector)
            .await
            .expect("runs");
    let run_of = |trigger: &str| {
        runs.iter()
            .find(|(_, t)| t == trigger)
            .map(|(id, _)| id.to_string())
            .unwrap_or_else(|| panic!("a {trigger} run: {runs:?}"))
    };
    let (setup_run, sync_now_run) = (run_of("setup"), run_of("sync_now"));
    // A graceful stop flushes every service's exporter.
    stack.shutdown().await;

    let deadline = Deadline::new("the spans of every service", Duration::from_secs(20));
    let spans = loop {
        let spans = Spans::new(otlp.spans());
        let services: std::collections::BTreeSet<&str> =
            spans.0.values().map(|s| s.service.as_str()).collect();
        if Service::ALL.iter().all(|s| services.contains(s.binary()))
            && spans
                .named("sync-dispatch", "sync.run")
                .iter()
                .any(|s| s.attr("run_id") == Some(sync_now_run.as_str()))
        {
            break spans;
        }
        deadline.tick().await;
    };
    let client = |what: &str| {
        trace
            .span_of(what)
            .unwrap_or_else(|| panic!("the client sent {what}"))
    };
    let names: std::collections::BTreeSet<(String, String)> = spans
        .0
        .values()
        .map(|s| (s.service.clone(), s.name.clone()))
        .collect();
    let one = |list: Vec<&SpanRecord>, what: &str| -> SpanRecord {
        assert!(!list.is_empty(), "no span for {what} among {names:?}");
        list[0].clone()
    };

    // HTTP: the client's traceparent is the parent of each service's request span.
    let provision = one(
        spans.named("tenant-provisioning", "POST /v1/tenants"),
        "provisioning",
    );
    assert_eq!(provision.trace_id, trace.trace_id, "the journey's trace");
    assert_eq!(
        provision.parent_span_id.as_deref(),
        Some(client("POST /v1/tenants").as_str())
    );
    let finish = one(
        spans.named("consent", "POST /v1/wizard/finish"),
        "the wizard's finish",
    );
    assert_eq!(
        finish.parent_span_id.as_deref(),
        Some(client("POST /v1/wizard/finish").as_str())
    );
    let sync_now = one(
        spans.named("admin-console", "POST /v1/sync/requests"),
        "sync now",
    );
    assert_eq!(
        sync_now.parent_span_id.as_deref(),
        Some(client("POST /v1/sync/requests").as_str())
    );

    // AMQP within a service: provisioning → tenant.setup_link_issued → the setup-link mailer.
    let mailer = one(
        spans.consumed("tenant-provisioning", "tenant.setup_link_issued"),
        "the mailer",
    );
    assert!(
        spans.descends(&mailer, &provision.span_id),
        "{:?}",
        spans.lineage(&mailer)
    );

    // AMQP across services: the wizard's finish → setup.completed → each consumer.
    for service in ["tenant-provisioning", "sync-dispatch", "admin-console"] {
        for consumer in spans.consumed(service, "setup.completed") {
            assert!(
                spans.descends(consumer, &finish.span_id),
                "{service}'s setup.completed consumer: {:?}",
                spans.lineage(consumer)
            );
        }
        assert!(
            !spans.consumed(service, "setup.completed").is_empty(),
            "{service} consumed it"
        );
    }
    // … → sync-dispatch's consumer → the scheduler's job → the first sync run.
    let first = spans
        .named("sync-dispatch", "sync.run")
        .into_iter()
        .find(|s| s.attr("run_id") == Some(setup_run.as_str()))
        .expect("the first sync's span");
    assert!(
        spans.descends(first, &finish.span_id),
        "the first sync belongs to the finish's trace: {:?}",
        spans.lineage(first)
    );
    // The console's sync now → sync.requested → sync-dispatch → its run.
    let requested = spans.consumed("sync-dispatch", "sync.requested");
    assert!(
        requested
            .iter()
            .all(|c| spans.descends(c, &sync_now.span_id))
    );
    let manual = spans
        .named("sync-dispatch", "sync.run")
        .into_iter()
        .find(|s| s.attr("run_id") == Some(sync_now_run.as_str()))
        .expect("the sync-now run's span");
    assert!(
        spans.descends(manual, &sync_now.span_id),
        "the sync-now run belongs to the console request's trace: {:?}",
        spans.lineage(manual)
    );
    // The leaver's run (scheduled: a trace of its own) → user.deactivated → the console,
    // which ends the leaver's session.
    let leaver = spans.consumed("admin-console", "user.deactivated");
    assert!(!leaver.is_empty(), "the console consumed user.deactivated");
    for consumer in leaver {
        let lineage = spans.lineage(consumer);
        assert!(
            lineage.iter().any(|l| l == "sync-dispatch:sync.run"),
            "user.deactivated continues the run's trace: {lineage:?}"
        );
    }
    println!(
        "[one trace] {} spans from 4 services; journey trace {} holds {}",
        spans.0.len(),
        trace.trace_id,
        spans
            .0
            .values()
            .filter(|s| s.trace_id == trace.trace_id)
            .count()
    );
    let _ = j;
    otlp.stop().await;
}
