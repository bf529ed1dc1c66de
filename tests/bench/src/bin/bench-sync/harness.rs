//! The bench's stack: the bench database, sync-dispatch in this process (its own exchange
//! and queues), the simulator process, and a probe on the exchange timing the events.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use pa_bench::benchdb::BenchDb;
use pa_db::PgPool;
use pa_domain::TenantId;
use pa_entra::{Credential, EntraSettings, SecretString};
use pa_events::{AccessRole, ConfiguredGroup, InitialAdmin, SetupCompleted};
use pa_messaging::lapin::options::{
    BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions,
};
use pa_messaging::lapin::types::FieldTable;
use pa_messaging::{AmqpSettings, Envelope, EventMeta};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sync_dispatch::config::Settings;
use sync_dispatch::repo::runs::{self, RunRecord};
use sync_dispatch::startup::{Application, RunningApp};
use uuid::Uuid;

use crate::sim::{Sim, SimTenant};

/// The bench's own database (other benches drop theirs when they start).
pub const DATABASE: &str = "patient_access_bench_sync";

/// Events received by the probe, with when they arrived.
pub type Seen = Arc<Mutex<Vec<(Instant, Envelope)>>>;

pub struct Harness {
    pub db: BenchDb,
    /// `pa_app` (RLS applies).
    pub pool: PgPool,
    /// The superuser on the bench database (the COPY baseline).
    pub admin: PgPool,
    pub sim: Sim,
    suffix: String,
    app: Option<RunningApp>,
    pub seen: Seen,
    probe: tokio::task::JoinHandle<()>,
}

impl Harness {
    pub async fn start(
        db: BenchDb,
        sim: Sim,
        tweak: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<Self> {
        let suffix = Uuid::now_v7().simple().to_string();
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(&db.app_url)
            .await?;
        let admin_url = std::env::var("PA_BENCH_ADMIN_DATABASE_URL")
            .unwrap_or_else(|_| pa_db::testing::admin_url());
        let admin = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(PgConnectOptions::from_str(&admin_url)?.database(DATABASE))
            .await?;
        // Diagnostics: PA_BENCH_SYNC_LOG_MS=200 logs the service's statements slower than that
        // in the PostgreSQL server log.
        if let Ok(ms) = std::env::var("PA_BENCH_SYNC_LOG_MS") {
            let ms: u32 = ms.parse()?;
            let sql = format!("ALTER DATABASE {DATABASE} SET log_min_duration_statement = {ms}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&admin)
                .await?;
        }
        let seen: Seen = Arc::default();
        let probe = probe(&amqp(&suffix), Arc::clone(&seen)).await?;
        let mut harness = Self {
            db,
            pool,
            admin,
            sim,
            suffix,
            app: None,
            seen,
            probe,
        };
        harness.restart(tweak).await?;
        Ok(harness)
    }

    /// The service's settings for this bench: its own exchange and queues, the simulator.
    pub async fn settings(&self) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        s.http.bind = "127.0.0.1:0".parse()?;
        s.database.url = self.db.app_secret();
        s.amqp = amqp(&self.suffix);
        let (client_id, secret) = self.sim.app().await?;
        s.entra = EntraSettings {
            login_base_url: format!("{}/", self.sim.base).parse()?,
            graph_base_url: format!("{}/graph", self.sim.base).parse()?,
            client_id,
            credential: Credential::Secret(SecretString::from(secret)),
            ..EntraSettings::default()
        };
        s.sync.scheduler_tick_ms = 250;
        s.sync.retry_base_secs = 2;
        for (queue, name) in [
            (&mut s.sync.events_queue, "events"),
            (&mut s.sync.full_queue, "full"),
            (&mut s.sync.incremental_queue, "incremental"),
        ] {
            *queue = format!("pa.bench.sync-dispatch.{}.{name}", self.suffix);
        }
        Ok(s)
    }

    /// (Re)starts the service with the bench settings adjusted by `tweak`.
    pub async fn restart(&mut self, tweak: impl FnOnce(&mut Settings)) -> anyhow::Result<()> {
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
        let mut settings = self.settings().await?;
        tweak(&mut settings);
        self.app = Some(Application::build(settings).await?.spawn());
        Ok(())
    }

    /// Registers a tenant: its registry row, then `setup.completed` with `groups` and the
    /// directory's `admin@` as initial admin. Returns the tenant id.
    pub async fn register(
        &self,
        t: &SimTenant,
        groups: &[(Uuid, AccessRole)],
    ) -> anyhow::Result<TenantId> {
        let id = TenantId::new();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tenants (id, display_name, contact_email, environment, status, setup_completed_at)
             VALUES ($1, 'Bench', $2, 'production', 'active', now())",
        )
        .bind(id)
        .bind(format!("it@{}", t.domain))
        .execute(&mut *tx)
        .await?;
        let event = SetupCompleted {
            tenant_id: id,
            entra_tenant_id: t.id,
            link_id: Uuid::now_v7(),
            wizard_session_id: Uuid::now_v7(),
            completed_at: time::OffsetDateTime::now_utc(),
            initial_admin: InitialAdmin {
                object_id: t.admin,
                user_principal_name: format!("admin@{}", t.domain),
                display_name: "Initial Admin".into(),
                mail: None,
            },
            groups: groups
                .iter()
                .map(|(group_id, role)| ConfiguredGroup {
                    group_id: *group_id,
                    display_name: "configured".into(),
                    role: *role,
                })
                .collect(),
            config_version: 1,
        };
        let meta = EventMeta {
            tenant_id: Some(id),
            request_id: None,
        };
        pa_messaging::enqueue(&mut tx, &meta, &event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The tenant's runs, newest first.
    pub async fn runs(&self, tenant: TenantId) -> anyhow::Result<Vec<RunRecord>> {
        let mut tx = pa_db::begin_tenant(&self.pool, tenant).await?;
        let runs = runs::list(&mut tx, tenant, None, None, 100_000).await?;
        tx.commit().await?;
        Ok(runs)
    }

    /// Waits (polling every 50 ms, up to `timeout`) for a run matching `pred`.
    pub async fn wait_run(
        &self,
        tenant: TenantId,
        timeout: Duration,
        pred: impl Fn(&RunRecord) -> bool,
    ) -> anyhow::Result<RunRecord> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(run) = self.runs(tenant).await?.into_iter().find(|r| pred(r)) {
                return Ok(run);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no matching run of {tenant} within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the service and the probe; deletes the bench's queues and exchange.
    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
        self.probe.abort();
        for name in ["events", "full", "incremental"] {
            pa_bench::amqp::delete_queue(&format!("pa.bench.sync-dispatch.{}.{name}", self.suffix))
                .await;
        }
    }
}

/// Ended run.
pub fn finished(r: &RunRecord) -> bool {
    r.status != "queued" && r.status != "running"
}

fn amqp(suffix: &str) -> AmqpSettings {
    AmqpSettings {
        url: SecretString::from(pa_bench::amqp::url()),
        exchange: format!("pa.bench.sync.{suffix}"),
        ..AmqpSettings::default()
    }
}

/// A consumer of `user.*`, `sync.run_finished` on the bench's exchange, recording arrivals.
async fn probe(amqp: &AmqpSettings, seen: Seen) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let conn = pa_messaging::connect(amqp, "bench-sync.probe").await?;
    let channel = conn.create_channel().await?;
    pa_messaging::topology::declare_exchanges(&channel, amqp).await?;
    let queue = format!("pa.bench.probe.{}", Uuid::now_v7().simple());
    let options = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..Default::default()
    };
    channel
        .queue_declare(queue.as_str().into(), options, FieldTable::default())
        .await?;
    for key in ["user.deactivated", "sync.run_finished"] {
        channel
            .queue_bind(
                queue.as_str().into(),
                amqp.exchange.as_str().into(),
                key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    let mut deliveries = channel
        .basic_consume(
            queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok(tokio::spawn(async move {
        let _keep = (conn, channel);
        while let Some(next) = deliveries.next().await {
            let delivery = match next {
                Ok(delivery) => delivery,
                Err(e) => {
                    eprintln!("bench probe: {e}");
                    continue;
                }
            };
            if let Ok(envelope) = serde_json::from_slice::<Envelope>(&delivery.data) {
                seen.lock()
                    .map(|mut s| s.push((Instant::now(), envelope)))
                    .ok();
            }
            let _ = delivery.acker.ack(BasicAckOptions::default()).await;
        }
    }))
}
