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
