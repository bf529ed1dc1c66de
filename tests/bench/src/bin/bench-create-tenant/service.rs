//! The tenant-provisioning service booted in-process exactly as its tests boot it
//! (`startup::Application`), on the bench database, the local broker and an in-process SMTP
//! sink, plus one operator key to call it with.

use anyhow::Context;
use pa_bench::{amqp, benchdb::BenchDb};
use secrecy::SecretString;
use tenant_provisioning::config::Settings;
use tenant_provisioning::context::RequestContext;
use tenant_provisioning::domain::KeyName;
use tenant_provisioning::service::operator_keys;
use tenant_provisioning::startup::Application;

/// The running service. The SMTP sink lives as long as this value.
pub struct Service {
    pub base_url: String,
    pub operator_key: String,
    /// The setup-link mailer's queue, unique to this run (deleted at the end).
    pub mailer_queue: String,
    pub sink: smtp_sink::SmtpSinkHandle,
}

pub async fn start(db: &BenchDb, pool_size: u32) -> anyhow::Result<Service> {
    let sink = smtp_sink::SmtpSink::start("127.0.0.1:0")?;
    let mut s = Settings::default();
    s.http.bind = "127.0.0.1:0".parse()?;
    s.database.url = db.service_secret(tenant_provisioning::config::DB_ROLE);
    // Diagnostics only: `PA_BENCH_TP_AMQP_URL` (e.g. a closed port) idles the service's relay
    // in its reconnect backoff, to measure what relaying costs the request path.
    let amqp_url = std::env::var("PA_BENCH_TP_AMQP_URL").unwrap_or_else(|_| amqp::url());
    s.amqp.url = SecretString::from(amqp_url);
    s.amqp.exchange = amqp::BENCH_EXCHANGE.to_owned();
    s.smtp.host = sink.addr().ip().to_string();
    s.smtp.port = sink.addr().port();
    s.deprovision.purge_interval_secs = 0;
    s.setup_links.token_key = SecretString::from(random_key());
    let mailer_queue = format!("pa.bench.tp-mailer-{}", uuid::Uuid::new_v4().simple());
    s.setup_links.mailer_queue = mailer_queue.clone();
    s.database.max_connections = pool_size;
    if let Some(c) = std::env::var("PA_BENCH_MAILERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        s.setup_links.mailer_concurrency = c;
    }

    let operator_key = create_operator_key(db).await?;
    let app = Application::build(s)
        .await
        .context("building tenant-provisioning")?;
    let base_url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Ok(Service {
        base_url,
        operator_key,
        mailer_queue,
        sink,
    })
}

/// What `tenant-provisioning create-operator-key` does, in-process.
async fn create_operator_key(db: &BenchDb) -> anyhow::Result<String> {
    let pool = db.app_pool(1).await?;
    let name = KeyName::parse("pa-bench").map_err(|e| anyhow::anyhow!("key name: {e}"))?;
    let ctx = RequestContext::system("pa-bench");
    let mut tx = pool.begin().await?;
    let (key, _) = operator_keys::create(&mut tx, &ctx, &name)
        .await
        .map_err(|e| anyhow::anyhow!("creating an operator key: {e:?}"))?;
    tx.commit().await?;
    pool.close().await;
    Ok(key.expose().to_owned())
}

/// Base64 of 32 random bytes (two v4 UUIDs), a fresh setup-token key per run.
fn random_key() -> String {
    use base64::Engine as _;
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
