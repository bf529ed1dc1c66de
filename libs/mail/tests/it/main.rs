//! pa-mail against a real SMTP server (the smtp-sink on port 0).

use pa_domain::EmailAddress;
use pa_mail::{EmailError, Mailer, Rendered, SmtpSettings, SmtpTls};

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        from: "Patient Access <no-reply@patient-access.test>".into(),
        ..SmtpSettings::default()
    }
}

fn mail() -> Rendered {
    Rendered {
        subject: "Your console".into(),
        text: "Sign in at http://console.example/?tenant=1".into(),
        html: "<p>Sign in at <a href=\"http://console.example/?tenant=1\">the console</a></p>"
            .into(),
    }
}

#[tokio::test]
async fn a_message_reaches_the_server_with_both_bodies() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = smtp_sink::SmtpSink::start("127.0.0.1:0").expect("sink");
    let mailer = Mailer::new(&settings(sink.addr().port())).expect("mailer");
    let to = EmailAddress::parse("admin@customer.example").expect("address");
    mailer.send(&to, mail()).await.expect("sent");
    let got = sink.messages_to("admin@customer.example");
    assert_eq!(got.len(), 1);
    let text = got[0].text_body().expect("text body");
    assert!(text.contains("http://console.example/?tenant=1"), "{text}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_transient_failure_and_bad_settings_are_refused() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Port 1 on loopback: nothing listens there.
    let mailer = Mailer::new(&SmtpSettings {
        timeout_secs: 2,
        ..settings(1)
    })
    .expect("mailer");
    let to = EmailAddress::parse("admin@customer.example").expect("address");
    let err = mailer.send(&to, mail()).await.expect_err("no server");
    assert!(matches!(err, EmailError::Delivery(_)));
    assert!(!err.is_permanent());
    let bad = Mailer::new(&SmtpSettings {
        from: "not a mailbox".into(),
        ..settings(25)
    });
    assert!(matches!(bad, Err(EmailError::Config(_))));
}

#[tokio::test]
async fn an_identified_message_sent_twice_carries_one_message_id_and_plain_sends_differ() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = smtp_sink::SmtpSink::start("127.0.0.1:0").expect("sink");
    let mailer = Mailer::new(&settings(sink.addr().port())).expect("mailer");
    let to = EmailAddress::parse("admin@customer.example").expect("address");
    let key = "admin-welcome.01a24af6-46a6-7250-8c48-1d13e75ade05";
    mailer
        .send_identified(&to, mail(), key)
        .await
        .expect("sent");
    mailer
        .send_identified(&to, mail(), key)
        .await
        .expect("sent again");
    mailer.send(&to, mail()).await.expect("plain");
    mailer.send(&to, mail()).await.expect("plain again");
    let ids: Vec<String> = sink
        .messages_to("admin@customer.example")
        .iter()
        .map(|m| m.header("Message-ID").expect("a Message-ID header"))
        .collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[0], format!("<{key}@patient-access.test>"));
    assert_eq!(ids[0], ids[1], "the same message, twice");
    assert_ne!(ids[2], ids[3], "plain sends get their own ids");
    assert_ne!(ids[2], ids[0]);
}
