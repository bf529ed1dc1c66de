//! A test's stack: its own database and broker exchange, an Entra simulator, an event probe,
//! and any number of sync-dispatch instances started on port 0.

use std::time::Duration;

use entra_sim::{SimConfig, SimHandle, Simulator};
use pa_db::PgPool;
use pa_entra::{Credential, EntraSettings, RetrySettings, SecretString};
use pa_messaging::AmqpSettings;
use sync_dispatch::config::Settings;
use sync_dispatch::startup::{Application, RunningApp};
use uuid::Uuid;

use super::db::TestDb;
use super::probe::EventProbe;

/// Everything one test runs against.
pub struct Stack {
    pub db: TestDb,
    pub sim: SimHandle,
    /// `pa_app` on the test's database (RLS applies): fixtures; the service itself
    /// connects as `pa_sync`.
    pub pool: PgPool,
    /// The superuser on the test's database.
    pub admin: PgPool,
    pub probe: EventProbe,
    pub http: reqwest::Client,
    /// The first instance's base URL.
    pub base: String,
    /// An operator key (bearer secret) and its id.
    pub key: String,
    pub key_id: Uuid,
    suffix: String,
    instances: Vec<RunningApp>,
}

/// Installs the TLS provider and quiet test logging (idempotent).
pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    pa_telemetry::init_for_tests();
}

impl Stack {
    /// A stack with one instance using the test settings.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A stack with one instance whose settings `tweak` adjusts.
    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        init();
        let db = TestDb::create().await;
        let sim = Simulator::start(SimConfig {
            workers: 2,
            ..SimConfig::default()
        })
        .await
        .expect("simulator");
        let suffix = Uuid::now_v7().simple().to_string();
        let pool = db.app_pool().await;
        let admin = db.admin_pool().await;
        let mut stack = Self {
            probe: EventProbe::start(&amqp(&suffix)).await,
            db,
            sim,
            pool,
            admin,
            http: reqwest::Client::new(),
            base: String::new(),
            key: String::new(),
            key_id: Uuid::nil(),
            suffix,
            instances: Vec::new(),
        };
        let (key, key_id) = super::operator_key(&stack.admin, false).await;
        stack.key = key;
        stack.key_id = key_id;
        let app = stack.spawn(tweak).await;
        stack.base = format!("http://127.0.0.1:{}", app.port());
        stack.instances.push(app);
        stack
    }

    /// The settings of an instance of this test: port 0, the test's database, exchange and
    /// queues, the simulator, short intervals, a short lease.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::default();
        s.http.bind = "127.0.0.1:0".parse().expect("addr");
        s.database.url = self.db.service_url().into();
        s.database.max_connections = 6;
        s.amqp = amqp(&self.suffix);
        let app = self.sim.app();
        s.entra = EntraSettings {
            login_base_url: self.sim.login_base_url(),
            graph_base_url: self.sim.graph_base_url(),
            client_id: app.client_id.clone(),
            credential: Credential::Secret(SecretString::from(app.client_secret.clone())),
            request_timeout_ms: 20_000,
            retry: RetrySettings {
                max_attempts: 4,
                base_backoff_ms: 100,
                max_backoff_ms: 1_000,
                max_retry_after_ms: 10_000,
            },
            ..EntraSettings::default()
        };
        let sync = &mut s.sync;
        sync.min_interval_secs = 1;
        // Long enough that only the tests that want scheduled runs see them.
        sync.default_interval_secs = 3_600;
        sync.scheduler_tick_ms = 100;
        sync.lease_ttl_secs = 4;
        sync.heartbeat_ms = 1_000;
        sync.unclaimed_after_secs = 30;
        sync.retry_base_secs = 1;
        sync.retry_max_secs = 2;
        sync.incremental_workers = 2;
        sync.events_queue = format!("pa.test.sync-dispatch.{}.events", self.suffix);
        sync.full_queue = format!("pa.test.sync-dispatch.{}.full", self.suffix);
        sync.incremental_queue = format!("pa.test.sync-dispatch.{}.incremental", self.suffix);
        s
    }

    /// Starts another instance (same database, exchange and queues).
    pub async fn spawn(&self, tweak: impl FnOnce(&mut Settings)) -> RunningApp {
        let mut settings = self.settings();
        tweak(&mut settings);
        Application::build(settings)
            .await
            .expect("app builds")
            .spawn()
    }

    /// Adds a running instance to the stack (stopped with it).
    pub fn keep(&mut self, app: RunningApp) {
        self.instances.push(app);
    }

    /// Takes the stack's instances (e.g. to kill one).
    pub fn take_instances(&mut self) -> Vec<RunningApp> {
        std::mem::take(&mut self.instances)
    }

    /// A request to the first instance with the operator key.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("request")
    }

    /// Stops every instance, the probe and the simulator, and deletes the broker objects.
    pub async fn shutdown(mut self) {
        for app in std::mem::take(&mut self.instances) {
            tokio::time::timeout(Duration::from_secs(15), app.stop())
                .await
                .ok();
        }
        self.probe.stop().await;
        delete_broker_objects(&self.suffix).await;
        self.sim.shutdown().await;
    }
}

impl Drop for Stack {
    /// Deletes the test's queues and exchange even when the test failed before `shutdown`.
    fn drop(&mut self) {
        let suffix = self.suffix.clone();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(delete_broker_objects(&suffix));
        })
        .join();
    }
}

/// The test's AMQP settings: its own exchange, a fast relay.
pub fn amqp(suffix: &str) -> AmqpSettings {
    AmqpSettings {
        exchange: format!("pa.test.sync-dispatch.{suffix}"),
        poll_interval_ms: 50,
        max_backoff_ms: 1_000,
        ..AmqpSettings::default()
    }
}

async fn delete_broker_objects(suffix: &str) {
    let settings = amqp(suffix);
    let delete = async {
        let conn = pa_messaging::connect(&settings, "sync-dispatch-it").await?;
        let channel = conn.create_channel().await?;
        for name in ["events", "full", "incremental"] {
            let queue = format!("pa.test.sync-dispatch.{suffix}.{name}");
            channel
                .queue_delete(queue.as_str().into(), Default::default())
                .await?;
        }
        channel
            .exchange_delete(settings.exchange.as_str().into(), Default::default())
            .await?;
        let _ = conn.close(200, "test done".into()).await;
        Ok::<_, anyhow::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), delete).await;
}
