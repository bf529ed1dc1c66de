//! Raw SMTP conversations: reply codes, command sequencing, pipelining, AUTH, limits.

use std::net::SocketAddr;
use std::time::Duration;

use smtp_sink::{SinkConfig, SmtpSink};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::init;

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (r, w) = stream.into_split();
        let mut c = Client {
            reader: BufReader::new(r),
            writer: w,
        };
        let (code, lines) = c.reply().await;
        assert_eq!(code, 220, "{lines:?}");
        assert!(lines[0].contains("ESMTP"));
        c
    }

    async fn send(&mut self, raw: &str) {
        self.writer.write_all(raw.as_bytes()).await.expect("write");
    }

    /// Reads one (possibly multi-line) reply: code and the text of each line.
    async fn reply(&mut self) -> (u16, Vec<String>) {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(5), self.reader.read_line(&mut line))
                .await
                .expect("reply in time")
                .expect("read");
            assert!(n > 0, "connection closed; got {lines:?}");
            assert!(line.ends_with("\r\n"), "replies end with CRLF: {line:?}");
            let code: u16 = line[..3].parse().expect("code");
            let more = line.as_bytes()[3] == b'-';
            lines.push(line[4..].trim_end().to_string());
            if !more {
                return (code, lines);
            }
        }
    }

    async fn cmd(&mut self, line: &str) -> u16 {
        self.send(&format!("{line}\r\n")).await;
        self.reply().await.0
    }

    async fn is_closed(&mut self) -> bool {
        let mut rest = String::new();
        matches!(
            tokio::time::timeout(Duration::from_secs(5), self.reader.read_line(&mut rest)).await,
            Ok(Ok(0))
        )
    }
}

#[tokio::test]
async fn ehlo_advertises_8bitmime_size_and_auth_and_helo_gets_a_plain_greeting() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let mut c = Client::connect(sink.addr()).await;
    c.send("EHLO client.test\r\n").await;
    let (code, lines) = c.reply().await;
    assert_eq!(code, 250);
    assert!(lines[0].contains("client.test"));
    for ext in [
        "8BITMIME",
        "PIPELINING",
        "ENHANCEDSTATUSCODES",
        "AUTH PLAIN LOGIN",
        "SMTPUTF8",
    ] {
        assert!(
            lines.iter().any(|l| l == ext),
            "{ext} missing from {lines:?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l == &format!("SIZE {}", SinkConfig::default().max_message_bytes))
    );
    c.send("HELO client.test\r\n").await;
    let (code, lines) = c.reply().await;
    assert_eq!((code, lines.len()), (250, 1));
    assert_eq!(c.cmd("EHLO").await, 501, "EHLO needs a domain");
}

#[tokio::test]
async fn commands_out_of_sequence_get_503_and_unknown_ones_500() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.cmd("MAIL FROM:<a@x.test>").await, 503, "MAIL before EHLO");
    assert_eq!(c.cmd("EHLO c.test").await, 250);
    assert_eq!(c.cmd("RCPT TO:<b@x.test>").await, 503, "RCPT before MAIL");
    assert_eq!(c.cmd("DATA").await, 503, "DATA before MAIL");
    assert_eq!(c.cmd("MAIL FROM:<a@x.test>").await, 250);
    assert_eq!(c.cmd("MAIL FROM:<a@x.test>").await, 503, "nested MAIL");
    assert_eq!(c.cmd("DATA").await, 503, "DATA before RCPT");
    assert_eq!(c.cmd("RCPT TO:<>").await, 501, "empty recipient");
    assert_eq!(
        c.cmd("RCPT TO:<b@x.test> NOTIFY=NEVER").await,
        555,
        "unsupported parameter"
    );
    assert_eq!(c.cmd("RCPT b@x.test").await, 501, "syntax");
    assert_eq!(c.cmd("RCPT TO:<b@x.test>").await, 250);
    assert_eq!(c.cmd("RSET").await, 250);
    assert_eq!(c.cmd("DATA").await, 503, "RSET cleared the transaction");
    assert_eq!(c.cmd("NOOP").await, 250);
    assert_eq!(c.cmd("VRFY someone").await, 252);
    assert_eq!(c.cmd("STARTTLS").await, 502);
    assert_eq!(c.cmd("FROBNICATE").await, 500);
    assert_eq!(c.cmd("MAIL FROM:<a@x.test> BODY=BINARYMIME").await, 501);
    assert_eq!(
        c.cmd("MAIL FROM:<a@x.test> BODY=8BITMIME SMTPUTF8 SIZE=100")
            .await,
        250
    );
    assert_eq!(c.cmd("QUIT").await, 221);
    assert!(c.is_closed().await);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn data_is_dot_unstuffed_and_the_envelope_kept_including_the_null_sender() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.cmd("EHLO c.test").await, 250);
    assert_eq!(c.cmd("MAIL FROM:<>").await, 250);
    assert_eq!(c.cmd("RCPT TO:<one@x.test>").await, 250);
    assert_eq!(c.cmd("RCPT TO:<Two@X.test>").await, 250);
    assert_eq!(c.cmd("DATA").await, 354);
    c.send("Subject: dots\r\n\r\n..leading\r\n...\r\nplain\r\n.\r\n")
        .await;
    let (code, lines) = c.reply().await;
    assert_eq!(code, 250, "{lines:?}");
    assert!(lines[0].contains("queued as 1"));

    let m = &sink.messages()[0];
    assert_eq!(m.mail_from, "");
    assert_eq!(
        m.rcpt_to,
        vec!["one@x.test".to_string(), "Two@X.test".to_string()]
    );
    assert_eq!(m.raw, "Subject: dots\r\n\r\n.leading\r\n..\r\nplain\r\n");
    assert!(m.is_addressed_to("two@x.test"));

    // the session continues with a fresh transaction
    assert_eq!(c.cmd("DATA").await, 503);
    assert_eq!(c.cmd("QUIT").await, 221);
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.cmd("EHLO c.test").await, 250);
    c.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<p@x.test>\r\nRCPT TO:<q@x.test>\r\nDATA\r\n")
        .await;
    let codes = [
        c.reply().await.0,
        c.reply().await.0,
        c.reply().await.0,
        c.reply().await.0,
    ];
    assert_eq!(codes, [250, 250, 250, 354]);
    c.send("Subject: p\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n")
        .await;
    let codes = [c.reply().await.0, c.reply().await.0, c.reply().await.0];
    assert_eq!(codes, [250, 250, 221]);
    assert_eq!(sink.messages_to("q@x.test").len(), 1);
}

#[tokio::test]
async fn auth_login_and_plain_accept_any_credentials_through_challenges() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");

    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.cmd("AUTH PLAIN").await, 503, "AUTH before EHLO");
    assert_eq!(c.cmd("EHLO c.test").await, 250);
    assert_eq!(c.cmd("AUTH CRAM-MD5").await, 504);
    c.send("AUTH LOGIN\r\n").await;
    assert_eq!(c.reply().await, (334, vec!["VXNlcm5hbWU6".to_string()]));
    assert_eq!(
        c.cmd("bWFpbGVy").await,
        334,
        "user 'mailer' → password prompt"
    );
    assert_eq!(c.cmd("c2VjcmV0").await, 235);
    assert_eq!(c.cmd("AUTH LOGIN").await, 503, "already authenticated");
    assert_eq!(c.cmd("MAIL FROM:<a@x.test> AUTH=<>").await, 250);
    assert_eq!(c.cmd("RCPT TO:<authed@x.test>").await, 250);
    assert_eq!(c.cmd("DATA").await, 354);
    c.send("\r\nx\r\n.\r\n").await;
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(sink.messages()[0].auth_user.as_deref(), Some("mailer"));

    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.cmd("EHLO c.test").await, 250);
    assert_eq!(c.cmd("AUTH PLAIN").await, 334);
    assert_eq!(c.cmd("*").await, 501, "client cancelled");
    assert_eq!(c.cmd("AUTH PLAIN !!notbase64").await, 501);
    // "\0who\0pw"
    assert_eq!(c.cmd("AUTH PLAIN AHdobwBwdw==").await, 235);
}

#[tokio::test]
async fn an_oversize_message_gets_552_after_data_and_the_session_stays_usable() {
    init();
    let config = SinkConfig {
        max_message_bytes: 100,
        ..SinkConfig::default()
    };
    let sink = SmtpSink::start_with("127.0.0.1:0", config).expect("start");
    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.cmd("EHLO c.test").await, 250);
    assert_eq!(
        c.cmd("MAIL FROM:<a@x.test> SIZE=101").await,
        552,
        "declared size too big"
    );
    assert_eq!(c.cmd("MAIL FROM:<a@x.test> SIZE=abc").await, 501);
    assert_eq!(c.cmd("MAIL FROM:<a@x.test>").await, 250);
    assert_eq!(c.cmd("RCPT TO:<b@x.test>").await, 250);
    assert_eq!(c.cmd("DATA").await, 354);
    c.send(&format!(
        "{}\r\n{}\r\n.\r\n",
        "a".repeat(60),
        "b".repeat(60)
    ))
    .await;
    assert_eq!(c.reply().await.0, 552);
    assert!(sink.messages().is_empty());
    assert_eq!(
        c.cmd("MAIL FROM:<a@x.test>").await,
        250,
        "transaction was reset"
    );
    assert_eq!(c.cmd("RCPT TO:<b@x.test>").await, 250);
    assert_eq!(c.cmd("DATA").await, 354);
    c.send("\r\nsmall\r\n.\r\n").await;
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn an_overlong_command_line_is_refused_without_closing_the_session() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.cmd(&format!("NOOP {}", "x".repeat(40_000))).await, 500);
    assert_eq!(c.cmd("NOOP").await, 250);
}

#[tokio::test]
async fn an_idle_client_is_told_421_and_disconnected() {
    init();
    let config = SinkConfig {
        command_timeout: Duration::from_millis(200),
        ..SinkConfig::default()
    };
    let sink = SmtpSink::start_with("127.0.0.1:0", config).expect("start");
    let mut c = Client::connect(sink.addr()).await;
    assert_eq!(c.reply().await.0, 421);
    assert!(c.is_closed().await);
}

#[tokio::test]
async fn dropping_the_handle_stops_the_listener() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let addr = sink.addr();
    drop(sink);
    // the abort is processed on the runtime; give it a moment
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "listener still accepting after drop");
}
