//! The test harness: boots the real service on port 0 against the shared migrated
//! `pa_test` database, RabbitMQ and a per-test SMTP sink, with a fresh operator key.

use std::time::Duration;

use pa_db::PgPool;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use smtp_sink::{ReceivedMail, SmtpSinkHandle};
use tenant_provisioning::config::{Settings, SmtpTls};
use tenant_provisioning::context::RequestContext;
use tenant_provisioning::domain::{KeyName, SetupToken};
use tenant_provisioning::service::operator_keys;
use tenant_provisioning::startup::Application;
use uuid::Uuid;

/// A running service plus what tests need around it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// A fresh operator key (the bearer secret).
    pub key: String,
    pub key_id: Uuid,
    /// `pa_app` (subject to row-level security): fixtures and checks; the service itself
    /// connects as `pa_tp`.
    pub pool: PgPool,
    pub sink: SmtpSinkHandle,
    /// This instance's setup-link mailer queue (deleted when the test ends).
    pub mailer_queue: String,
    /// This instance's `setup.completed` consumer queue (deleted when the test ends).
    pub activation_queue: String,
}

impl Drop for TestApp {
    /// Deletes this test's mailer queue so per-test queues do not pile up in the broker.
    fn drop(&mut self) {
        let queues = [
            std::mem::take(&mut self.mailer_queue),
            std::mem::take(&mut self.activation_queue),
        ];
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let settings = pa_messaging::AmqpSettings::default();
                let delete = async {
                    let conn = pa_messaging::connect(&settings, "tenant-provisioning-it").await?;
                    let channel = conn.create_channel().await?;
                    for queue in &queues {
                        channel
                            .queue_delete(queue.as_str().into(), Default::default())
                            .await?;
                    }
                    let _ = conn.close(200, "test done".into()).await;
                    Ok::<_, anyhow::Error>(())
                };
                let _ = tokio::time::timeout(Duration::from_secs(5), delete).await;
            });
        })
        .join();
    }
}

/// Installs the TLS provider and quiet test logging (idempotent).
pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    pa_telemetry::init_for_tests();
}

/// A random setup-link token key (base64 of 32 bytes), as `openssl rand -base64 32` makes.
pub fn random_token_key() -> String {
    use base64::Engine;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("rng");
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// Settings for a test instance (port 0, test database, the given SMTP sink port, a random
/// token key, and a mailer queue of its own).
///
/// Why its own queue: test processes share the database and the broker but each has its
/// own SMTP sink. On one shared queue, test B's mailer could take test A's event and send
/// A's mail to B's sink. With a queue per instance, every instance receives every
/// `tenant.setup_link_issued` and mails it to its own sink, so a test always finds the
/// mail of its links in its sink (other tests' mails there are to other addresses).
pub fn test_settings(smtp_port: u16) -> Settings {
    let mut s = Settings::default();
    s.setup_links.token_key = random_token_key().into();
    s.setup_links.mailer_queue = format!(
        "pa.test.tenant-provisioning.setup-link-mailer.{}",
        Uuid::now_v7().simple()
    );
    // Its own activation queue too, for the same reason: every instance applies every
    // `setup.completed` (idempotently), so a test's event is applied whoever else runs.
    s.activation.queue = format!(
        "pa.test.tenant-provisioning.setup-completed.{}",
        Uuid::now_v7().simple()
    );
    s.http.bind = "127.0.0.1:0".parse().expect("addr");
    // The service's own role (least privilege); fixtures use `pool` (pa_app).
    s.database.url = pa_db::testing::service_url(tenant_provisioning::config::DB_ROLE).into();
    s.database.max_connections = 5;
    s.smtp.host = "127.0.0.1".into();
    s.smtp.port = smtp_port;
    s.smtp.tls = SmtpTls::None;
    s.setup_links.wizard_base_url = "https://wizard.test.example/onboarding/"
        .parse()
        .expect("url");
    // Tests drive the purge themselves (tenant_provisioning::purge::purge_due).
    s.deprovision.purge_interval_secs = 0;
    s
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Boots with `tweak` applied to the test settings.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        init();
        let pool = pa_db::testing::app_pool().await;
        let sink = smtp_sink::SmtpSink::start("127.0.0.1:0").expect("smtp sink");
        let mut settings = test_settings(sink.addr().port());
        tweak(&mut settings);
        let mailer_queue = settings.setup_links.mailer_queue.clone();
        let activation_queue = settings.activation.queue.clone();
        let app = Application::build(settings).await.expect("app builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let (key, key_id) = create_operator_key(&pool, "integration test").await;
        Self {
            base,
            client: reqwest::Client::new(),
            key,
            key_id,
            pool,
            sink,
            mailer_queue,
            activation_queue,
        }
    }

    /// A request with this test's operator key.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_empty(&self, path: &str) -> Response {
        self.request(Method::POST, path)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path)
            .send()
            .await
            .expect("request")
    }

    /// Provisions a tenant with a unique contact address; returns its JSON.
    pub async fn create_tenant(&self) -> Value {
        self.create_tenant_with(json!({})).await
    }

    /// Provisions a tenant; `overrides` replace fields of a valid default body.
    pub async fn create_tenant_with(&self, overrides: Value) -> Value {
        let mut body = json!({
            "display_name": "Acme Health",
            "contact_email": unique_email(),
            "environment": "production",
        });
        merge(&mut body, overrides);
        let response = self.post("/v1/tenants", &body).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("tenant json")
    }

    /// The setup e-mail(s) to `to`, waiting (up to 20 s) for at least `n`: they are sent
    /// asynchronously, after the request's transaction committed.
    pub async fn mails_to(&self, to: &str, n: usize) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mails = self.sink.messages_to(to);
            if mails.len() >= n || tokio::time::Instant::now() > deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The token in the newest setup e-mail to `to` (waiting for the `n`th).
    pub async fn token_in_mail(&self, to: &str, n: usize) -> String {
        let mails = self.mails_to(to, n).await;
        let mail = mails
            .get(n - 1)
            .unwrap_or_else(|| panic!("no setup e-mail #{n} to {to}"));
        token_of(mail)
    }

    /// `setup_link_lookup(sha256(token))` as the service role sees it.
    pub async fn lookup(&self, token: &str) -> Option<(Uuid, Uuid, String)> {
        let hash = SetupToken::parse(token).expect("well-formed token").hash();
        sqlx::query_as("SELECT tenant_id, link_id, status FROM setup_link_lookup($1)")
            .bind(hash.as_bytes())
            .fetch_optional(&self.pool)
            .await
            .expect("lookup")
    }
}

/// `email_sent_at` of a setup link (read under the tenant's RLS context).
pub async fn email_sent_at(
    pool: &PgPool,
    tenant: Uuid,
    link: Uuid,
) -> Option<time::OffsetDateTime> {
    let mut tx = pa_db::begin_tenant(pool, tenant.into()).await.expect("tx");
    let sent = sqlx::query_scalar(
        "SELECT email_sent_at FROM setup_links WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(link)
    .fetch_one(&mut *tx)
    .await
    .expect("link");
    tx.commit().await.expect("commit");
    sent
}

/// Creates an operator key directly through the service layer (like the CLI does).
pub async fn create_operator_key(pool: &PgPool, name: &str) -> (String, Uuid) {
    let mut tx = pool.begin().await.expect("tx");
    let ctx = RequestContext::system("tests");
    let name = KeyName::parse(name).expect("name");
    let (key, record) = operator_keys::create(&mut tx, &ctx, &name)
        .await
        .expect("key");
    tx.commit().await.expect("commit");
    (key.expose().to_owned(), record.id)
}

/// A contact address no other test uses.
pub fn unique_email() -> String {
    format!("it-{}@customer.example", Uuid::now_v7().simple())
}

/// The setup token in a setup e-mail's link (`…/setup#token=<token>`).
pub fn token_of(mail: &ReceivedMail) -> String {
    let text = mail.text_body().expect("text body");
    let start = text.find("#token=").expect("link with token") + "#token=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Shallow-merges `overrides` into `body`; `null` values remove the field.
pub fn merge(body: &mut Value, overrides: Value) {
    if let (Some(b), Value::Object(o)) = (body.as_object_mut(), overrides) {
        for (k, v) in o {
            if v.is_null() {
                b.remove(&k);
            } else {
                b.insert(k, v);
            }
        }
    }
}

/// Asserts a problem response: status, `application/problem+json`, `code`; returns the body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status of {}",
        response.url()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type {content_type}"
    );
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    body
}

/// The id of a tenant JSON.
pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// Runs purge passes until tenant `id` is purged. Other test processes purge too, and a
/// pass skips a tenant another pass has locked, so one pass alone may miss it.
pub async fn purge(app: &TestApp, id: &str) {
    // As the service's purge worker: connected as its own role (pa_tp).
    let service = pa_db::testing::service_pool(tenant_provisioning::config::DB_ROLE).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        tenant_provisioning::purge::purge_due(&service, &pa_messaging::OutboxSignal::new())
            .await
            .expect("purge pass");
        let status: String = sqlx::query_scalar("SELECT status FROM tenants WHERE id = $1::uuid")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("tenant");
        if status == "purged" {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "tenant {id} was not purged"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
