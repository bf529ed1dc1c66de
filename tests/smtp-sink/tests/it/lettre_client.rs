use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use smtp_sink::{SinkConfig, SmtpSink};

use crate::{init, transport};

fn mailbox(s: &str) -> Mailbox {
    s.parse().expect("mailbox")
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim_end().to_string())
}

fn plain(from: &str, to: &str, subject: &str, body: &str) -> Message {
    Message::builder()
        .from(mailbox(from))
        .to(mailbox(to))
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .expect("message")
}

#[tokio::test]
async fn a_plain_mail_sent_with_lettre_is_received_with_envelope_subject_and_body() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let msg = plain(
        "Patient Access <noreply@patient-access.test>",
        "Ann Admin <ann@customer.example>",
        "Your setup link",
        "Hello Ann,\n\nopen the link.\n",
    );
    transport(&sink).send(msg).await.expect("send");

    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "visible as soon as the client saw 250");
    let m = &mails[0];
    assert_eq!(m.id, 1);
    assert_eq!(m.mail_from, "noreply@patient-access.test");
    assert_eq!(m.rcpt_to, vec!["ann@customer.example".to_string()]);
    assert_eq!(m.auth_user, None);
    assert_eq!(m.subject().as_deref(), Some("Your setup link"));
    assert_eq!(
        m.header("to").as_deref(),
        Some("\"Ann Admin\" <ann@customer.example>")
    );
    // lettre always ends DATA with CRLF "." CRLF, so a body ending in a line break gains an
    // empty last line on the wire; compare without trailing line breaks.
    assert_eq!(
        trimmed(m.text_body()).as_deref(),
        Some("Hello Ann,\n\nopen the link.")
    );
    assert!(m.raw.contains("\r\n"), "raw keeps CRLF line endings");
}

#[tokio::test]
async fn a_multipart_alternative_mail_yields_its_quoted_printable_plain_part() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    // Non-ASCII text with a line over 76 characters: lettre picks quoted-printable.
    let link = format!(
        "https://wizard.patient-access.test/setup?token={}",
        "Ab9_-".repeat(12)
    );
    let text = format!(
        "Grüß Gott, Jörg!\n\nStart the setup here: {link}\n\nThis link expires in 7 days.\n"
    );
    let html = format!("<p>Grüß Gott</p><p><a href=\"{link}\">Start</a></p>");
    let msg = Message::builder()
        .from(mailbox("noreply@patient-access.test"))
        .to(mailbox("jorg@customer.example"))
        .subject("Willkommen — Einrichtung Ihres Mandanten für Patient Access beginnt jetzt")
        .multipart(MultiPart::alternative_plain_html(
            text.clone(),
            html.clone(),
        ))
        .expect("message");
    transport(&sink).send(msg).await.expect("send");

    let m = sink
        .wait_for_message_to("jorg@customer.example", Duration::from_secs(5))
        .await
        .expect("mail");
    assert!(
        m.raw
            .contains("Content-Transfer-Encoding: quoted-printable"),
        "{}",
        m.raw
    );
    assert_eq!(m.text_body().as_deref(), Some(text.as_str()));
    assert_eq!(m.html_body().as_deref(), Some(html.as_str()));
    assert_eq!(
        m.subject().as_deref(),
        Some("Willkommen — Einrichtung Ihres Mandanten für Patient Access beginnt jetzt")
    );
    assert_eq!(m.links(), vec![link]);
}

#[tokio::test]
async fn a_mostly_non_ascii_body_that_lettre_sends_as_base64_is_decoded() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let body =
        "患者アクセスの設定を開始してください。このリンクは七日間有効です。\n二行目。\n".repeat(3);
    let msg = plain(
        "a@patient-access.test",
        "kenji@customer.example",
        "設定",
        &body,
    );
    transport(&sink).send(msg).await.expect("send");

    let m = &sink.messages()[0];
    assert!(
        m.raw.contains("Content-Transfer-Encoding: base64"),
        "{}",
        m.raw
    );
    assert_eq!(m.text_body().as_deref(), Some(body.as_str()));
    assert_eq!(m.subject().as_deref(), Some("設定"));
}

#[tokio::test]
async fn lines_starting_with_dots_survive_dot_stuffing_unchanged() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let body = ".\n..\n.leading dot\n...three\nmiddle . dot\n.\nend\n";
    transport(&sink)
        .send(plain("a@x.test", "dots@x.test", "dots", body))
        .await
        .expect("send");

    let m = &sink.messages()[0];
    assert_eq!(trimmed(m.text_body()).as_deref(), Some(body.trim_end()));
}

#[tokio::test]
async fn many_concurrent_sessions_each_deliver_their_message() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let n = 40;
    let mut tasks = Vec::new();
    for i in 0..n {
        // one transport (and so one connection) per task: concurrent sessions
        let t = transport(&sink);
        tasks.push(tokio::spawn(async move {
            let msg = plain(
                "a@x.test",
                &format!("user{i}@x.test"),
                &format!("n{i}"),
                &format!("body {i}\n"),
            );
            t.send(msg).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("send");
    }
    let mails = sink.messages();
    assert_eq!(mails.len(), n);
    let ids: Vec<u64> = mails.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        (1..=n as u64).collect::<Vec<_>>(),
        "ids unique and in order"
    );
    for i in 0..n {
        let m = &sink.messages_to(&format!("USER{i}@x.test"))[0];
        assert_eq!(trimmed(m.text_body()), Some(format!("body {i}")));
    }
}

#[tokio::test]
async fn one_pooled_connection_delivers_several_messages_in_sequence() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let t = transport(&sink);
    for i in 0..5 {
        t.send(plain("a@x.test", "seq@x.test", &format!("s{i}"), "x\n"))
            .await
            .expect("send");
    }
    let subjects: Vec<String> = sink.messages().iter().filter_map(|m| m.subject()).collect();
    assert_eq!(subjects, vec!["s0", "s1", "s2", "s3", "s4"]);
}

#[tokio::test]
async fn waiting_for_a_message_returns_when_it_arrives_later() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let t = transport(&sink);
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        t.send(plain("a@x.test", "late@x.test", "late", "x\n"))
            .await
            .map(|_| ())
    });
    let started = Instant::now();
    let m = sink
        .wait_for_message_to("Late@X.test", Duration::from_secs(10))
        .await
        .expect("arrives");
    assert_eq!(m.subject().as_deref(), Some("late"));
    assert!(started.elapsed() < Duration::from_secs(5));
    sender.await.expect("join").expect("send");
}

#[tokio::test]
async fn waiting_for_a_message_that_never_comes_times_out_with_none() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    transport(&sink)
        .send(plain("a@x.test", "other@x.test", "o", "x\n"))
        .await
        .expect("send");
    let started = Instant::now();
    let m = sink
        .wait_for_message_to("nobody@x.test", Duration::from_millis(300))
        .await;
    assert!(m.is_none());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn waiting_for_two_messages_returns_both_oldest_first() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    let t = transport(&sink);
    t.send(plain("a@x.test", "twice@x.test", "first", "1\n"))
        .await
        .expect("send");
    let t2 = t.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = t2
            .send(plain("a@x.test", "twice@x.test", "second", "2\n"))
            .await;
    });
    let two = sink
        .wait_for_messages_to("twice@x.test", 2, Duration::from_secs(10))
        .await;
    let subjects: Vec<String> = two.iter().filter_map(|m| m.subject()).collect();
    assert_eq!(subjects, vec!["first", "second"]);
    // the single-message wait returns the oldest
    let first = sink
        .wait_for_message_to("twice@x.test", Duration::ZERO)
        .await
        .expect("there");
    assert_eq!(first.subject().as_deref(), Some("first"));
}

#[tokio::test]
async fn clients_configured_with_credentials_authenticate_with_plain_or_login() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    for (mechanism, user) in [
        (Mechanism::Plain, "plain-user"),
        (Mechanism::Login, "login-user"),
    ] {
        let t = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(sink.addr().port())
            .credentials(Credentials::new(
                user.to_string(),
                "any password".to_string(),
            ))
            .authentication(vec![mechanism])
            .build();
        t.send(plain("a@x.test", &format!("{user}@x.test"), "auth", "x\n"))
            .await
            .expect("send");
        let m = &sink.messages_to(&format!("{user}@x.test"))[0];
        assert_eq!(m.auth_user.as_deref(), Some(user));
    }
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_refused_permanently_and_not_stored() {
    init();
    let config = SinkConfig {
        max_message_bytes: 2_000,
        ..SinkConfig::default()
    };
    let sink = SmtpSink::start_with("127.0.0.1:0", config).expect("start");
    let t = transport(&sink);
    let big = "0123456789012345678901234567890123456789\n".repeat(100);
    let err = t
        .send(plain("a@x.test", "big@x.test", "big", &big))
        .await
        .expect_err("too big");
    assert!(err.is_permanent(), "{err}");
    assert!(
        err.to_string().contains("552") || err.to_string().contains("size"),
        "{err}"
    );
    assert!(sink.messages().is_empty());
    // a small one on the same sink still goes through
    t.send(plain("a@x.test", "small@x.test", "small", "x\n"))
        .await
        .expect("send");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_switched_on_temporary_failure_is_transient_for_the_client() {
    init();
    let sink = SmtpSink::start("127.0.0.1:0").expect("start");
    sink.set_temporary_failure(true);
    let err = transport(&sink)
        .send(plain("a@x.test", "retry@x.test", "r", "x\n"))
        .await
        .expect_err("451");
    assert!(err.is_transient(), "{err}");
    sink.set_temporary_failure(false);
    transport(&sink)
        .send(plain("a@x.test", "retry@x.test", "r", "x\n"))
        .await
        .expect("send");
    assert_eq!(sink.messages_to("retry@x.test").len(), 1);
}

#[tokio::test]
async fn with_a_mail_directory_every_message_is_written_as_an_eml_file() {
    init();
    let dir =
        std::env::temp_dir().join(format!("smtp-sink-test-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = SinkConfig {
        mail_dir: Some(dir.clone()),
        ..SinkConfig::default()
    };
    let sink = SmtpSink::start_with("127.0.0.1:0", config).expect("start");
    transport(&sink)
        .send(plain("a@x.test", "file@x.test", "on disk", "x\n"))
        .await
        .expect("send");

    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0]
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    assert!(name.ends_with("-000001.eml"), "{name}");
    let content = std::fs::read_to_string(&files[0]).expect("read");
    assert_eq!(content, sink.messages()[0].raw);
    let _ = std::fs::remove_dir_all(&dir);
}
