//! pa-telemetry integration test: the real `init` with an OTLP endpoint (its own process under
//! nextest, so it can install the global subscriber).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use pa_telemetry::{LogFormat, TelemetrySettings};

/// A one-request OTLP/HTTP collector: returns (request line, content type, body length).
fn fake_collector() -> (String, mpsc::Receiver<(String, String, usize)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let (mut content_type, mut length) = (String::new(), 0usize);
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "content-type" => content_type = value.trim().to_owned(),
                "content-length" => length = value.trim().parse().unwrap(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
            .unwrap();
        tx.send((request_line.trim_end().to_owned(), content_type, body.len()))
            .unwrap();
    });
    (endpoint, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_exports_spans_over_otlp_http_and_the_guard_flushes_on_drop() {
    let (endpoint, received) = fake_collector();
    let settings = TelemetrySettings {
        log_format: LogFormat::Json,
        otlp_endpoint: Some(endpoint),
    };
    let guard = pa_telemetry::init("pa-telemetry-test", &settings).unwrap();

    let span = tracing::info_span!("exported");
    pa_telemetry::set_parent_from_traceparent(
        &span,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    let tp = span.in_scope(pa_telemetry::current_traceparent).unwrap();
    assert!(tp.contains("4bf92f3577b34da6a3ce929d0e0e4736"), "{tp}");
    span.in_scope(|| tracing::info!("inside the exported span"));
    drop(span);

    // A second init fails cleanly instead of panicking.
    assert!(pa_telemetry::init("again", &TelemetrySettings::default()).is_err());

    drop(guard);
    let (request_line, content_type, len) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the guard's drop flushed the span to the collector");
    assert_eq!(request_line, "POST /v1/traces HTTP/1.1");
    assert_eq!(content_type, "application/x-protobuf");
    assert!(len > 0);
}
