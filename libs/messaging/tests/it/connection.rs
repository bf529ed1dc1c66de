//! Connection parameters the contract requires.

use crate::support::{self, init};

#[tokio::test]
async fn connections_negotiate_a_ten_second_heartbeat() {
    init();
    let (connection, _channel) = support::channel().await;
    assert_eq!(connection.configuration().heartbeat(), 10);
}

#[tokio::test]
async fn an_unparseable_url_is_reported_without_echoing_it() {
    init();
    let settings = pa_messaging::AmqpSettings {
        url: "amqp://user:s3cret@host:notaport/%2f".into(),
        ..support::settings()
    };
    let err = pa_messaging::connect(&settings, "bad-url")
        .await
        .expect_err("invalid URL");
    assert!(
        matches!(err, pa_messaging::MessagingError::InvalidUrl(_)),
        "{err:?}"
    );
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[tokio::test]
async fn the_broker_probe_keeps_one_connection_across_checks() {
    init();
    let probe = pa_messaging::BrokerProbe::new(support::settings(), "pa-messaging-test.probe");
    assert_eq!(probe.connections_opened(), 0, "connects lazily");
    for _ in 0..5 {
        probe.check().await.expect("broker up");
    }
    assert_eq!(probe.connections_opened(), 1);
}

#[tokio::test]
async fn the_broker_probe_fails_when_the_broker_is_unreachable() {
    init();
    let settings = pa_messaging::AmqpSettings {
        // Nothing listens on port 9 (discard) here.
        url: "amqp://guest:guest@127.0.0.1:9/%2f".into(),
        ..support::settings()
    };
    let probe = pa_messaging::BrokerProbe::new(settings, "pa-messaging-test.probe");
    assert!(probe.check().await.is_err());
    assert_eq!(probe.connections_opened(), 0);
}
