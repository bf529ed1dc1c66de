//! `smtp-sink --smtp 127.0.0.1:2525 --http 127.0.0.1:8025 --dir .run/mail`
//!
//! Local-stack mail sink: accepts every message on the SMTP address, writes each one to `--dir`
//! as an `.eml` file and serves the read API on the HTTP address:
//!
//! ```text
//! curl 127.0.0.1:8025/messages                 # JSON list: envelope, subject, links, text body
//! curl 127.0.0.1:8025/messages?to=a@b.example  # only mail to that recipient
//! curl 127.0.0.1:8025/messages/latest/text     # decoded text/plain body of the newest mail
//! curl 127.0.0.1:8025/messages/3               # raw message
//! curl -X DELETE 127.0.0.1:8025/messages       # forget everything (files stay)
//! ```
//!
//! The API lists what arrived since this process started; the files persist.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use smtp_sink::{SinkConfig, SmtpSink};

#[derive(Parser)]
#[command(
    name = "smtp-sink",
    version,
    about = "Local SMTP sink with a small HTTP read API"
)]
struct Args {
    /// SMTP listen address.
    #[arg(long, default_value = "127.0.0.1:2525")]
    smtp: String,
    /// HTTP read-API listen address.
    #[arg(long, default_value = "127.0.0.1:8025")]
    http: String,
    /// Directory for one `.eml` file per message (created if missing). No files when omitted.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Largest message accepted, in bytes (advertised with SIZE).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_message_bytes: usize,
    /// Host name used in the greeting.
    #[arg(long, default_value = "smtp-sink.localhost")]
    hostname: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();

    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)?;
    }
    let config = SinkConfig {
        hostname: args.hostname,
        max_message_bytes: args.max_message_bytes,
        mail_dir: args.dir.clone(),
        command_timeout: Duration::from_secs(300),
        ..SinkConfig::default()
    };
    let sink = SmtpSink::start_with(&args.smtp, config)?;
    let http = sink.serve_http(&args.http)?;
    tracing::info!(
        smtp = %sink.addr(),
        http = %http,
        dir = ?args.dir,
        "smtp-sink ready: GET http://{http}/messages lists received mail"
    );

    shutdown_signal().await;
    tracing::info!("smtp-sink stopping");
    drop(sink);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
