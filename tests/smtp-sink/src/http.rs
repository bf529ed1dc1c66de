//! The read API: a deliberately tiny HTTP/1.1 responder (one request per connection).
//!
//! - `GET /messages[?to=addr]` → JSON list (oldest first) with envelope, subject, decoded text body
//! - `GET /messages/{id|latest}` → the raw message (`message/rfc822`)
//! - `GET /messages/{id|latest}/text` → the decoded text/plain body
//! - `DELETE /messages` → forget everything received so far (files stay)
//! - `GET /healthz` → `{"status":"ok"}`

use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::ReceivedMail;
use crate::store::Store;

const MAX_HEAD: usize = 16 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn serve(listener: TcpListener, store: Arc<Store>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let store = store.clone();
                tokio::spawn(async move {
                    if let Err(e) =
                        tokio::time::timeout(REQUEST_TIMEOUT, handle(stream, &store)).await
                    {
                        tracing::debug!(error = %e, "http request timed out");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "http accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, value: &impl Serialize) -> Self {
        let mut body = serde_json::to_vec_pretty(value).unwrap_or_else(|_| b"null".to_vec());
        body.push(b'\n');
        Response {
            status,
            content_type: "application/json",
            body,
        }
    }

    fn error(status: u16, message: &str) -> Self {
        Self::json(status, &serde_json::json!({ "error": message }))
    }
}

async fn handle(stream: TcpStream, store: &Store) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    // Read the request head (request line + headers) up to the blank line.
    let mut content_length = 0usize;
    let mut request_line = String::new();
    loop {
        let mut line = Vec::new();
        let limit = (MAX_HEAD + 1 - head.len()) as u64;
        let n = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD {
            return write(
                reader.get_mut(),
                false,
                Response::error(431, "request head too large"),
            )
            .await;
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        if request_line.is_empty() {
            request_line = text;
            continue;
        }
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    // Discard a (small) body so the client isn't reset mid-send.
    if content_length > 0 {
        let mut sink = tokio::io::sink();
        tokio::io::copy(
            &mut (&mut reader).take(content_length.min(MAX_HEAD) as u64),
            &mut sink,
        )
        .await?;
    }

    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let head_only = method == "HEAD";
    let response = route(if head_only { "GET" } else { method }, path, query, store);
    write(reader.get_mut(), head_only, response).await
}

fn route(method: &str, path: &str, query: &str, store: &Store) -> Response {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["healthz"]) => Response::json(200, &serde_json::json!({ "status": "ok" })),
        ("GET", ["messages"]) => {
            let to = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
                .unwrap_or_default()
                .into_iter()
                .find(|(k, _)| k == "to")
                .map(|(_, v)| v);
            let mails = match to {
                Some(to) => store.find(|m| m.is_addressed_to(&to)),
                None => store.all(),
            };
            let list: Vec<Summary> = mails.iter().map(Summary::from).collect();
            Response::json(200, &list)
        }
        ("DELETE", ["messages"]) => {
            store.clear();
            Response::json(200, &serde_json::json!({ "status": "cleared" }))
        }
        ("GET", ["messages", id]) => match lookup(store, id) {
            Some(m) => Response {
                status: 200,
                content_type: "message/rfc822",
                body: m.raw.into_bytes(),
            },
            None => Response::error(404, "no such message"),
        },
        ("GET", ["messages", id, "text"]) => match lookup(store, id) {
            Some(m) => match m.text_body() {
                Some(text) => Response {
                    status: 200,
                    content_type: "text/plain; charset=utf-8",
                    body: text.into_bytes(),
                },
                None => Response::error(404, "message has no text/plain part"),
            },
            None => Response::error(404, "no such message"),
        },
        (_, ["healthz"] | ["messages"] | ["messages", _] | ["messages", _, "text"]) => {
            Response::error(405, "method not allowed")
        }
        _ => Response::error(404, "not found"),
    }
}

fn lookup(store: &Store, id: &str) -> Option<ReceivedMail> {
    if id == "latest" {
        return store.latest();
    }
    store.get(id.parse().ok()?)
}

#[derive(Serialize)]
struct Summary {
    id: u64,
    received_at: String,
    mail_from: String,
    rcpt_to: Vec<String>,
    subject: Option<String>,
    size: usize,
    links: Vec<String>,
    text_body: Option<String>,
}

impl From<&ReceivedMail> for Summary {
    fn from(m: &ReceivedMail) -> Self {
        Summary {
            id: m.id,
            received_at: time::OffsetDateTime::from(m.received_at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            mail_from: m.mail_from.clone(),
            rcpt_to: m.rcpt_to.clone(),
            subject: m.subject(),
            size: m.raw.len(),
            links: m.links(),
            text_body: m.text_body(),
        }
    }
}

async fn write(stream: &mut TcpStream, head_only: bool, r: Response) -> io::Result<()> {
    let reason = match r.status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        r.status,
        r.content_type,
        r.body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    if !head_only {
        stream.write_all(&r.body).await?;
    }
    stream.shutdown().await
}
