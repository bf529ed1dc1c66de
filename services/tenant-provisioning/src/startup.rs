//! [`Application`]: builds the whole service (pool, HTTP server, outbox relay, setup-link
//! mailer, purge worker) so `main` and the tests start exactly the same thing.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use pa_config::ExposeSecret;
use pa_db::PgPool;
use pa_http::{BodyLimit, Readiness, RequestTracing};
use pa_messaging::{AmqpSettings, BrokerProbe, ConsumerSpec, OutboxRelay, OutboxSignal};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_actix_web::{AppExt, scope};

use crate::auth::OperatorAuth;
use crate::config::Settings;
use crate::domain::SetupTokenKey;
use crate::email::setup_link_mailer::{self, SetupLinkMailer};
use crate::email::{EmailError, Mailer};
use crate::routes::egress::EgressManifest;
use crate::state::AppState;
use crate::{openapi, purge, routes};

/// Longest accepted setup-link lifetime and purge grace period (one year / ten years).
const MAX_TTL_SECS: u64 = 365 * 24 * 3600;
const MAX_GRACE_SECS: u64 = 10 * 365 * 24 * 3600;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("connecting to PostgreSQL failed")]
    Db(#[from] pa_db::DbError),
    #[error("setting up SMTP failed")]
    Email(#[from] EmailError),
    #[error("binding the HTTP listener failed")]
    Io(#[from] std::io::Error),
    #[error("rendering the egress manifest failed")]
    Json(#[from] serde_json::Error),
}

/// A built, listening service; call [`run_until_stopped`](Self::run_until_stopped).
pub struct Application {
    port: u16,
    server: Server,
    stop_workers: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Application {
    /// Connects, binds `settings.http.bind` (port 0 picks a free port) and starts the
    /// background workers.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        validate(&settings)?;
        let token_key = SetupTokenKey::from_base64(settings.setup_links.token_key.expose_secret())
            .map_err(|e| StartupError::Config(e.to_string()))?;
        let pool = pa_db::connect(&settings.database).await?;
        // Background workers (outbox relay, mailer lanes, purge) get their own
        // small pool: a slow mail server or a busy relay never takes connections from requests.
        let concurrency = settings.setup_links.mailer_concurrency.max(1);
        let background = pa_db::connect(&pa_db::DatabaseSettings {
            // mailer lanes + 2 activation lanes + relay, purge and a spare
            max_connections: u32::from(concurrency) + 5,
            ..settings.database.clone()
        })
        .await?;
        let outbox = OutboxSignal::new();
        let operator_auth = web::Data::new(OperatorAuth::new(pool.clone()));
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            outbox: outbox.clone(),
            setup_token_key: token_key.clone(),
            egress_manifest: EgressManifest::new(&settings.egress)?,
            setup_links: settings.setup_links.clone(),
            purge_grace_secs: i64::try_from(settings.deprovision.grace_period_secs)
                .unwrap_or(i64::MAX),
        });
        let mailer = SetupLinkMailer {
            mailer: Mailer::new(&settings.smtp)?,
            key: token_key,
            wizard_base_url: settings.setup_links.wizard_base_url.clone(),
            egress_cidrs: settings.egress.cidrs.clone(),
            egress_manifest_url: format!(
                "{}/v1/egress-ips",
                settings.http.public_base_url.as_str().trim_end_matches('/')
            ),
            retry_window: Duration::from_secs(settings.smtp.retry_window_secs),
        };
        let listener = TcpListener::bind(settings.http.bind)?;
        let port = listener.local_addr()?.port();

        let mailer_spec = ConsumerSpec::new(
            settings.setup_links.mailer_queue.clone(),
            [setup_link_mailer::ROUTING_KEY],
        );
        // `batch` stays 1: the mailer's effect (the SMTP hand-off) is outside the
        // transaction, and a rolled-back batch would mail its other links again.
        let mailer_spec = ConsumerSpec {
            concurrency,
            batch: 1,
            ..mailer_spec
        };
        declare_queue(&settings.amqp, &mailer_spec).await;
        let activation_spec = ConsumerSpec {
            concurrency: 2,
            batch: settings.activation.batch.max(1),
            outbox: Some(outbox.clone()),
            ..ConsumerSpec::new(
                settings.activation.queue.clone(),
                [crate::activation::ROUTING_KEY],
            )
        };
        declare_queue(&settings.amqp, &activation_spec).await;
        let (stop_workers, stop) = watch::channel(false);
        let mut workers = vec![
            tokio::spawn(
                OutboxRelay::new(background.clone(), settings.amqp.clone())
                    .with_signal(outbox.clone())
                    .run(stop.clone()),
            ),
            tokio::spawn(run_mailer(
                background.clone(),
                settings.amqp.clone(),
                mailer_spec,
                Arc::new(mailer),
                stop.clone(),
            )),
            tokio::spawn(run_activation(
                background.clone(),
                settings.amqp.clone(),
                activation_spec,
                stop.clone(),
            )),
        ];
        if settings.deprovision.purge_interval_secs > 0 {
            let every = Duration::from_secs(settings.deprovision.purge_interval_secs);
            workers.push(tokio::spawn(purge::run(background, outbox, every, stop)));
        }

        let readiness = readiness(pool, settings.amqp.clone());
        let openapi = openapi::document();
        let limit = BodyLimit::from(&settings.http);
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .wrap(RequestTracing)
                .app_data(limit)
                .app_data(state.clone())
                .app_data(operator_auth.clone())
                .into_utoipa_app()
                .service(scope::scope("/v1").configure(routes::configure))
                .split_for_parts();
            let (readiness, openapi) = (readiness.clone(), openapi.clone());
            app.configure(move |cfg| pa_http::configure_common(cfg, readiness, openapi))
        })
        .listen(listener)?
        .run();
        tracing::info!(port, "tenant-provisioning listening");
        Ok(Self {
            port,
            server,
            stop_workers,
            workers,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server stops (SIGINT/SIGTERM), then stops the workers.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.stop_workers.send(true);
        for worker in self.workers {
            if tokio::time::timeout(Duration::from_secs(10), worker)
                .await
                .is_err()
            {
                tracing::warn!("a background worker did not stop in time");
            }
        }
        result
    }
}

/// Runs the setup-link mailer until shutdown.
async fn run_mailer(
    pool: PgPool,
    amqp: AmqpSettings,
    spec: ConsumerSpec,
    mailer: Arc<SetupLinkMailer>,
    stop: watch::Receiver<bool>,
) {
    if let Err(e) = pa_messaging::run_consumer(pool, amqp, spec, mailer, stop).await {
        tracing::error!(error = %crate::error::error_chain(&e), "the setup-link mailer stopped: setup e-mails are NOT being sent");
    }
}

/// Runs the `setup.completed` consumer (tenant activation) until shutdown.
async fn run_activation(
    pool: PgPool,
    amqp: AmqpSettings,
    spec: ConsumerSpec,
    stop: watch::Receiver<bool>,
) {
    let handler = Arc::new(crate::activation::Activation);
    if let Err(e) = pa_messaging::run_consumer(pool, amqp, spec, handler, stop).await {
        tracing::error!(error = %crate::error::error_chain(&e), "the activation consumer stopped: completed setups do NOT activate tenants");
    }
}

/// Declares a consumer's queue (and binding) before the service takes requests, so no
/// event it subscribes to (`tenant.setup_link_issued`, `setup.completed`) published from
/// now on can miss it. Best effort: when the
/// broker is down the consumer declares it once it connects (the events wait in the
/// outbox meanwhile).
async fn declare_queue(amqp: &AmqpSettings, spec: &ConsumerSpec) {
    let declare = async {
        let conn = pa_messaging::connect(amqp, "tenant-provisioning.declare").await?;
        let channel = conn.create_channel().await?;
        pa_messaging::topology::declare_exchanges(&channel, amqp).await?;
        pa_messaging::topology::declare_consumer_queue(&channel, amqp, spec).await?;
        let _ = conn.close(200, "declared".into()).await;
        Ok::<_, anyhow::Error>(())
    };
    match tokio::time::timeout(Duration::from_secs(5), declare).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(queue = %spec.queue, error = %format!("{e:#}"), "declaring a consumer queue failed; the consumer retries");
        }
        Err(_) => {
            tracing::warn!(queue = %spec.queue, "declaring a consumer queue timed out; the consumer retries")
        }
    }
}

fn validate(s: &Settings) -> Result<(), StartupError> {
    let bad = |m: &str| Err(StartupError::Config(m.to_owned()));
    if !(1..=MAX_TTL_SECS).contains(&s.setup_links.ttl_secs) {
        return bad("setup_links.ttl_secs must be between 1 and 31536000");
    }
    if s.deprovision.grace_period_secs > MAX_GRACE_SECS {
        return bad("deprovision.grace_period_secs must be at most ten years");
    }
    if s.egress.cidrs.is_empty() {
        return bad("egress.cidrs must not be empty");
    }
    Ok(())
}

/// `/readyz`: PostgreSQL answers, and the readiness connection to RabbitMQ is up (one per
/// instance, reconnected when it is not: [`pa_messaging::BrokerProbe`]).
fn readiness(pool: PgPool, amqp: AmqpSettings) -> Readiness {
    let broker = Arc::new(BrokerProbe::new(amqp, "tenant-provisioning.readyz"));
    Readiness::new()
        .with_check("postgres", move || {
            let pool = pool.clone();
            async move {
                sqlx::query("SELECT 1")
                    .execute(&pool)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        })
        .with_check("rabbitmq", move || {
            let broker = Arc::clone(&broker);
            async move {
                broker
                    .check()
                    .await
                    .map_err(|e| crate::error::error_chain(&e))
            }
        })
}
