//! The test harness: the real consent service on a pre-bound port, the shared migrated test
//! database, RabbitMQ, an in-process Entra simulator and SMTP sink per test, and fixtures
//! for tenants and setup links (written as tenant-provisioning would).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use consent::clock::ManualClock;
use consent::config::Settings;
use consent::startup::Application;
use entra_sim::SimHandle;
use pa_db::PgPool;
use pa_domain::TenantId;
use pa_entra::{Credential, EntraSettings, RetrySettings, SecretString};
use sha2::{Digest, Sha256};
use smtp_sink::SmtpSinkHandle;
use uuid::Uuid;

use crate::sim;

/// A running service plus what tests need around it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// `pa_app` (subject to row-level security): fixtures seeding other services' tables;
    /// the service itself connects as `pa_consent`.
    pub pool: PgPool,
    pub sim: SimHandle,
    pub clock: Arc<ManualClock>,
    pub sink: SmtpSinkHandle,
    pub welcome_queue: String,
    /// This instance's `tenant.purged` consumer queue (deleted with the mailer's).
    pub purge_queue: String,
}

impl Drop for TestApp {
    /// Deletes this test's consumer queues so per-test queues do not pile up in the broker.
    fn drop(&mut self) {
        let queues = [
            std::mem::take(&mut self.welcome_queue),
            std::mem::take(&mut self.purge_queue),
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
                    let conn = pa_messaging::connect(&settings, "consent-it").await?;
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

/// Settings for a test instance on `port`, talking to `sim` and the SMTP sink on `smtp`.
pub fn test_settings(port: u16, sim: &SimHandle, smtp: u16) -> Settings {
    let app = sim.app();
    let mut s = Settings::default();
    let base = format!("http://127.0.0.1:{port}");
    s.http.bind = format!("127.0.0.1:{port}").parse().expect("addr");
    s.http.public_base_url = format!("{base}/").parse().expect("url");
    // The service's own role (least privilege); fixtures use `pool` (pa_app).
    s.database.url = pa_db::testing::service_url(consent::config::DB_ROLE).into();
    s.database.max_connections = 5;
    s.entra = EntraSettings {
        login_base_url: sim.login_base_url(),
        graph_base_url: sim.graph_base_url(),
        client_id: app.client_id.clone(),
        credential: Credential::Secret(SecretString::from(app.client_secret.clone())),
        redirect_uri: Some(format!("{base}/consent/callback").parse().expect("url")),
        retry: RetrySettings {
            max_attempts: 2,
            base_backoff_ms: 50,
            max_backoff_ms: 200,
            max_retry_after_ms: 1_000,
        },
        ..EntraSettings::default()
    };
    s.smtp.host = "127.0.0.1".into();
    s.smtp.port = smtp;
    s.smtp.retry_window_secs = 2;
    s.wizard.frontend_url = format!("{base}/setup").parse().expect("url");
    s.wizard.consent_propagation_wait_ms = 300;
    s.wizard.welcome_mailer_queue = format!(
        "pa.test.consent.admin-welcome-mailer.{}",
        Uuid::now_v7().simple()
    );
    s.wizard.tenant_purge_queue =
        format!("pa.test.consent.tenant-purge.{}", Uuid::now_v7().simple());
    s.console.base_url = "https://console.test.example".parse().expect("url");
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
        let sim = sim::start().await;
        let sink = smtp_sink::SmtpSink::start("127.0.0.1:0").expect("smtp sink");
        let listener = TcpListener::bind("127.0.0.1:0").expect("port");
        let port = listener.local_addr().expect("addr").port();
        let mut settings = test_settings(port, &sim, sink.addr().port());
        tweak(&mut settings);
        let settings = settings.with_derived_defaults();
        sim.add_redirect_uri(settings.entra.redirect_uri.as_ref().expect("redirect uri"));
        let welcome_queue = settings.wizard.welcome_mailer_queue.clone();
        let purge_queue = settings.wizard.tenant_purge_queue.clone();
        let clock = Arc::new(ManualClock::new());
        let app = Application::build_with(settings, listener, clock.clone())
            .await
            .expect("app builds");
        tokio::spawn(app.run_until_stopped());
        Self {
            base: format!("http://127.0.0.1:{port}"),
            client: client(),
            pool,
            sim,
            clock,
            sink,
            welcome_queue,
            purge_queue,
        }
    }

    /// A tenant (`pending_setup`) with an active setup link, as tenant-provisioning makes them.
    pub async fn provision(&self) -> Link {
        self.provision_with("production", None).await
    }

    pub async fn provision_with(&self, environment: &str, external_ref: Option<&str>) -> Link {
        let tenant = TenantId::from_uuid(Uuid::now_v7());
        sqlx::query(
            "INSERT INTO tenants (id, display_name, contact_email, environment, external_ref) \
             VALUES ($1, 'Test Hospital', $2, $3, $4)",
        )
        .bind(tenant)
        .bind(format!("it-{}@customer.example", Uuid::now_v7().simple()))
        .bind(environment)
        .bind(external_ref)
        .execute(&self.pool)
        .await
        .expect("tenant");
        self.issue_link(tenant).await
    }

    /// A new active link for `tenant` (the previous one must be closed).
    pub async fn issue_link(&self, tenant: TenantId) -> Link {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("rng");
        let token = format!(
            "pa_setup_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
        );
        let link_id = Uuid::now_v7();
        self.tenant_sql(
            tenant,
            "INSERT INTO setup_links (tenant_id, id, token_hash, sent_to, issued_by, expires_at) \
             VALUES ($1, $2, $3, 'it@customer.example', 'tests', now() + interval '1 day')",
            |q| {
                q.bind(link_id)
                    .bind(Sha256::digest(token.as_bytes()).to_vec())
            },
        )
        .await;
        Link {
            tenant,
            link_id,
            token,
        }
    }

    /// Runs `sql` (with `$1` = the tenant) under the tenant's RLS context.
    pub async fn tenant_sql<'q>(
        &self,
        tenant: TenantId,
        sql: &'q str,
        bind: impl FnOnce(
            sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
        )
            -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) {
        let mut tx = pa_db::begin_tenant(&self.pool, tenant).await.expect("tx");
        bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant))
            .execute(&mut *tx)
            .await
            .expect("fixture sql");
        tx.commit().await.expect("commit");
    }

    /// Audit records of `tenant` with `action`: (actor_type, actor_id, outcome, client_addr).
    pub async fn audit(
        &self,
        tenant: TenantId,
        action: &str,
    ) -> Vec<(String, String, String, Option<String>)> {
        let mut tx = pa_db::begin_tenant(&self.pool, tenant).await.expect("tx");
        let rows = sqlx::query_as(
            "SELECT actor_type, actor_id, outcome, host(client_addr) FROM audit_log \
              WHERE tenant_id = $1 AND action = $2 ORDER BY occurred_at",
        )
        .bind(tenant)
        .bind(action)
        .fetch_all(&mut *tx)
        .await
        .expect("audit");
        tx.commit().await.expect("commit");
        rows
    }

    /// The tenant's status in the registry.
    pub async fn tenant_status(&self, tenant: TenantId) -> String {
        sqlx::query_scalar("SELECT status::text FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_one(&self.pool)
            .await
            .expect("tenant")
    }
}

/// A client that never follows redirects and keeps no cookies (tests pass them by hand).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A tenant and one of its setup links with the token.
#[derive(Clone, Debug)]
pub struct Link {
    pub tenant: TenantId,
    pub link_id: Uuid,
    pub token: String,
}
