//! One trace spans the request that enqueued an event and the handler that consumed it.

use std::time::Duration;

use pa_db::testing;
use pa_domain::TenantId;
use pa_messaging::{Event, OutboxRelay};
use serde::Serialize;
use tracing::Instrument;

use crate::support::{self, Behaviour, Recorder, RunningConsumer, init};

#[derive(Serialize)]
struct Traced {}

impl Event for Traced {
    const TYPE: &'static str = "test.messaging.traced";
}

#[tokio::test]
async fn the_handler_span_continues_the_trace_of_the_enqueuing_span() {
    init();
    let pool = testing::app_pool().await;
    let (_conn, channel) = support::channel().await;
    let spec = support::declared_spec(&channel, "traced", Traced::TYPE).await;
    let recorder = Recorder::new(Behaviour::Succeed);
    let consumer = RunningConsumer::start(pool.clone(), spec.clone(), recorder.clone());

    let tenant = TenantId::new();
    let request_span = tracing::info_span!("http.request");
    let trace_id =
        pa_telemetry::trace_id_of(&request_span).expect("telemetry gives spans a trace id");
    // The row is read before the commit: once committed, any test's relay may publish it.
    let traceparent = async {
        let mut tx = pa_db::begin_tenant(&pool, tenant).await.expect("begin");
        let meta = pa_messaging::EventMeta {
            tenant_id: Some(tenant),
            request_id: None,
        };
        let id = pa_messaging::enqueue(&mut tx, &meta, &Traced {})
            .await
            .expect("enqueue");
        let traceparent: Option<String> =
            sqlx::query_scalar("SELECT headers->>'traceparent' FROM outbox WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .expect("outbox row");
        tx.commit().await.expect("commit");
        traceparent
    }
    .instrument(request_span)
    .await;
    let traceparent = traceparent.expect("traceparent captured at enqueue");
    assert!(
        traceparent.contains(&trace_id),
        "{traceparent} carries {trace_id}"
    );

    OutboxRelay::new(pool.clone(), support::settings())
        .drain_once()
        .await
        .expect("drain");
    assert!(
        support::eventually(Duration::from_secs(10), || async {
            !recorder.calls().is_empty()
        })
        .await
    );
    assert_eq!(recorder.trace_ids(), vec![Some(trace_id)]);

    consumer.stop().await;
    support::delete_queue(&channel, &spec.queue).await;
}
