//! Hints between instances: every running subscriber receives each hint once it is subscribed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pa_messaging::{HintPublisher, run_hint_subscriber};
use uuid::Uuid;

use crate::support::{self, init};

type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// Starts a subscriber to `key`; returns what it receives and a signal of its subscription.
fn subscriber(
    key: &str,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (Received, tokio::sync::oneshot::Receiver<()>) {
    let received: Received = Arc::default();
    let (tx, subscribed) = tokio::sync::oneshot::channel();
    let first = Mutex::new(Some(tx));
    let sink = Arc::clone(&received);
    tokio::spawn(run_hint_subscriber(
        support::settings(),
        "pa-messaging-tests hints".to_owned(),
        vec![key.to_owned()],
        move |routing_key: &str, body: &[u8]| {
            sink.lock()
                .expect("lock")
                .push((routing_key.to_owned(), body.to_vec()));
        },
        move || {
            if let Some(tx) = first.lock().expect("lock").take() {
                let _ = tx.send(());
            }
        },
        stop,
    ));
    (received, subscribed)
}

#[tokio::test]
async fn every_subscribed_instance_receives_each_hint_and_no_other() {
    init();
    // A routing key of this test's own: other tests' hints never match it.
    let key = format!("test.hint.{}", Uuid::now_v7().simple());
    let (stop, rx) = tokio::sync::watch::channel(false);
    let (one, one_ready) = subscriber(&key, rx.clone());
    let (two, two_ready) = subscriber(&key, rx.clone());
    let (other, other_ready) = subscriber(&format!("{key}.other"), rx);
    for ready in [one_ready, two_ready, other_ready] {
        tokio::time::timeout(Duration::from_secs(10), ready)
            .await
            .expect("subscribed in time")
            .expect("signalled");
    }
    let publisher = HintPublisher::new(support::settings(), "pa-messaging-tests hint publisher");
    publisher.publish(&key, b"first").await;
    publisher.publish(&key, b"second").await;
    for received in [&one, &two] {
        assert!(
            support::eventually(Duration::from_secs(10), || async {
                received.lock().expect("lock").len() == 2
            })
            .await,
            "both hints reach every subscriber"
        );
        let got = received.lock().expect("lock").clone();
        assert_eq!(
            got,
            vec![
                (key.clone(), b"first".to_vec()),
                (key.clone(), b"second".to_vec())
            ]
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        other.lock().expect("lock").is_empty(),
        "a subscriber of another key hears nothing"
    );
    stop.send(true).expect("stop");
}
