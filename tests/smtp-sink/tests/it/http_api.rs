//! The read API the local stack uses (`curl 127.0.0.1:8025/messages`).

use std::net::SocketAddr;

use lettre::message::header::ContentType;
use lettre::{AsyncTransport, Message};
use smtp_sink::SmtpSink;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{init, transport};

/// One HTTP/1.1 request; returns (status, content type, body).
async fn request(addr: SocketAddr, method: &str, target: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(
        format!("{method} {target} HTTP/1.1\r\nHost: sink\r\nUser-Agent: t\r\n\r\n").as_bytes(),
    )
    .await
    .expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("head/body");
    let status = head[9..12].parse().expect("status");
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.parse().ok())
        .expect("content-length");
    assert_eq!(length, body.len());
    (status, content_type, body.to_string())
}

#[tokio::test]
async fn the_read_api_lists_messages_and_serves_raw_and_text_bodies() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let http = sink.serve_http("127.0.0.1:0").expect("http");
    let t = transport(&sink);
    for (to, subject) in [
        ("ann@customer.example", "first"),
        ("bob@customer.example", "second"),
    ] {
        let msg = Message::builder()
            .from("noreply@pa.test".parse().expect("from"))
            .to(to.parse().expect("to"))
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(format!("Open https://wizard.test/setup?t={subject} now"))
            .expect("msg");
        t.send(msg).await.expect("send");
    }

    let (status, ct, body) = request(http, "GET", "/healthz").await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    assert!(body.contains("ok"));

    let (status, _, body) = request(http, "GET", "/messages").await;
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_str(&body).expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["subject"], "first");
    assert_eq!(list[0]["mail_from"], "noreply@pa.test");
    assert_eq!(list[0]["rcpt_to"][0], "ann@customer.example");
    assert_eq!(list[0]["links"][0], "https://wizard.test/setup?t=first");
    assert!(
        list[0]["text_body"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Open https://")
    );
    assert!(
        list[0]["received_at"]
            .as_str()
            .unwrap_or_default()
            .ends_with('Z')
    );

    let (status, _, body) = request(http, "GET", "/messages?to=bob%40customer.example").await;
    assert_eq!(status, 200);
    let only: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(only.as_array().map(Vec::len), Some(1));
    assert_eq!(only[0]["subject"], "second");

    let (status, ct, body) = request(http, "GET", "/messages/1").await;
    assert_eq!((status, ct.as_str()), (200, "message/rfc822"));
    assert_eq!(body, sink.messages()[0].raw);

    let (status, ct, body) = request(http, "GET", "/messages/latest/text").await;
    assert_eq!((status, ct.as_str()), (200, "text/plain; charset=utf-8"));
    assert!(
        body.starts_with("Open https://wizard.test/setup?t=second now"),
        "{body}"
    );

    assert_eq!(request(http, "GET", "/messages/99").await.0, 404);
    assert_eq!(request(http, "GET", "/messages/abc").await.0, 404);
    assert_eq!(request(http, "GET", "/nope").await.0, 404);
    assert_eq!(request(http, "POST", "/messages").await.0, 405);

    let (status, _, _) = request(http, "DELETE", "/messages").await;
    assert_eq!(status, 200);
    assert!(sink.messages().is_empty());
    let (_, _, body) = request(http, "GET", "/messages").await;
    assert_eq!(body.trim(), "[]");
}
