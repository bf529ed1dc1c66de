//! [`Application`]: builds the whole service (pools, Entra client, HTTP server, outbox relay,
//! admin-welcome mailer, `tenant.purged` consumer) so `main` and the tests start exactly the
//! same thing.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use pa_db::PgPool;
use pa_http::{BodyLimit, Readiness, RequestTracing};
use pa_messaging::{AmqpSettings, BrokerProbe, ConsumerSpec, OutboxRelay, OutboxSignal};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_actix_web::{AppExt, scope};

use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::domain::ClientAddrResolver;
use crate::mailer::{self, WelcomeMailer};
use crate::routes::auth::origin_of;
use crate::state::AppState;
use crate::{openapi, routes};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("the Entra client could not be built")]
    Entra(#[from] pa_entra::EntraError),
    #[error("connecting to PostgreSQL failed")]
    Db(#[from] pa_db::DbError),
    #[error("setting up SMTP failed")]
    Email(#[from] pa_mail::EmailError),
    #[error("binding the HTTP listener (or loading the front-end) failed")]
    Io(#[from] std::io::Error),
}

/// A built, listening service; call [`run_until_stopped`](Self::run_until_stopped).
pub struct Application {
    port: u16,
    server: Server,
    stop_workers: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Application {
    /// Binds `settings.http.bind` (port 0 picks a free port) on the system clock.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(settings.http.bind)?;
        Self::build_with(settings, listener, Arc::new(SystemClock)).await
    }

    /// Serves on `listener` with `clock` (tests bind first, to register the callback URL).
    pub async fn build_with(
        settings: Settings,
        listener: TcpListener,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        validate(&settings)?;
        let entra = pa_entra::EntraClient::new(settings.entra.clone())?;
        let pool = pa_db::connect(&settings.database).await?;
        // The relay, the mailer (2 lanes) and the purge consumer get their own small pool:
        // mail never takes request connections.
        let background = pa_db::connect(&pa_db::DatabaseSettings {
            max_connections: 5,
            ..settings.database.clone()
        })
        .await?;
        let spa = pa_http::spa::Spa::load(&settings.web)?;
        let outbox = OutboxSignal::new();
        let mut allowed_origins = vec![
            origin_of(&settings.http.public_base_url),
            origin_of(&settings.wizard.frontend_url),
        ];
        allowed_origins.extend(settings.wizard.allowed_origins.iter().map(origin_of));
        let settings = Arc::new(settings);
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            outbox: outbox.clone(),
            entra,
            settings: Arc::clone(&settings),
            clock,
            client_addr: ClientAddrResolver::new(settings.wizard.trusted_proxies.clone()),
            allowed_origins,
        });
        let welcome = WelcomeMailer {
            mailer: pa_mail::Mailer::new(&settings.smtp)?,
            console: settings.console.clone(),
            retry_window: Duration::from_secs(settings.smtp.retry_window_secs),
        };
        let spec = ConsumerSpec {
            concurrency: 2,
            batch: 1,
            outbox: Some(outbox.clone()),
            ..ConsumerSpec::new(
                settings.wizard.welcome_mailer_queue.clone(),
                [mailer::ROUTING_KEY],
            )
        };
        declare_queue(&settings.amqp, &spec).await;
        // A purged tenant's wizard data is this service's to delete (`crate::purge`).
        let purge_spec = ConsumerSpec {
            concurrency: 1,
            batch: 1,
            outbox: Some(outbox.clone()),
            ..ConsumerSpec::new(
                settings.wizard.tenant_purge_queue.clone(),
                [crate::purge::ROUTING_KEY],
            )
        };
        declare_queue(&settings.amqp, &purge_spec).await;
        let port = listener.local_addr()?.port();
        let (stop_workers, stop) = watch::channel(false);
        let workers = vec![
            tokio::spawn(
                OutboxRelay::new(background.clone(), settings.amqp.clone())
                    .with_signal(outbox)
                    .run(stop.clone()),
            ),
            tokio::spawn(run_purge(
                background.clone(),
                settings.amqp.clone(),
                purge_spec,
                stop.clone(),
            )),
            tokio::spawn(run_mailer(
                background,
                settings.amqp.clone(),
                spec,
                Arc::new(welcome),
                stop,
            )),
        ];
        let readiness = readiness(pool, settings.amqp.clone());
        let openapi = openapi::document();
        let limit = BodyLimit::from(&settings.http);
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .wrap(RequestTracing)
                .app_data(limit)
                .app_data(state.clone())
                .into_utoipa_app()
                .service(scope::scope("/v1").configure(routes::configure))
                .configure(routes::configure_root)
                .split_for_parts();
            let (readiness, openapi, spa) = (readiness.clone(), openapi.clone(), spa.clone());
            let app = app.configure(move |cfg| pa_http::configure_common(cfg, readiness, openapi));
            match spa {
                Some(spa) => app.configure(move |cfg| pa_http::spa::configure(cfg, spa)),
                None => app,
            }
        })
        .listen(listener)?
        .run();
        tracing::info!(port, "consent listening");
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

async fn run_mailer(
    pool: PgPool,
    amqp: AmqpSettings,
    spec: ConsumerSpec,
    mailer: Arc<WelcomeMailer>,
    stop: watch::Receiver<bool>,
) {
    if let Err(e) = pa_messaging::run_consumer(pool, amqp, spec, mailer, stop).await {
        tracing::error!(error = %crate::error::error_chain(&e), "the admin-welcome mailer stopped: welcome mails are NOT being sent");
    }
}

async fn run_purge(
    pool: PgPool,
    amqp: AmqpSettings,
    spec: ConsumerSpec,
    stop: watch::Receiver<bool>,
) {
    let handler = Arc::new(crate::purge::TenantPurge);
    if let Err(e) = pa_messaging::run_consumer(pool, amqp, spec, handler, stop).await {
        tracing::error!(error = %crate::error::error_chain(&e), "the tenant.purged consumer stopped: purged tenants' wizard data is NOT being deleted");
    }
}

/// Declares a consumer's queue before the service takes requests, so no event published
/// from now on can miss it. Best effort: the consumer declares it once it connects.
async fn declare_queue(amqp: &AmqpSettings, spec: &ConsumerSpec) {
    let declare = async {
        let conn = pa_messaging::connect(amqp, "consent.declare").await?;
        let channel = conn.create_channel().await?;
        pa_messaging::topology::declare_exchanges(&channel, amqp).await?;
        pa_messaging::topology::declare_consumer_queue(&channel, amqp, spec).await?;
        let _ = conn.close(200, "declared".into()).await;
        Ok::<_, anyhow::Error>(())
    };
    match tokio::time::timeout(Duration::from_secs(5), declare).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(queue = %spec.queue, error = %format!("{e:#}"), "declaring the mailer queue failed; the consumer retries");
        }
        Err(_) => {
            tracing::warn!(queue = %spec.queue, "declaring the mailer queue timed out; the consumer retries")
        }
    }
}

fn validate(s: &Settings) -> Result<(), StartupError> {
    let bad = |m: &str| Err(StartupError::Config(m.to_owned()));
    if s.entra.redirect_uri.is_none() {
        return bad("entra.redirect_uri is not set");
    }
    if s.wizard.session_idle_secs == 0 || s.wizard.session_absolute_secs == 0 {
        return bad("wizard.session_idle_secs and wizard.session_absolute_secs must be positive");
    }
    if s.wizard.consent_state_ttl_secs == 0 {
        return bad("wizard.consent_state_ttl_secs must be positive");
    }
    Ok(())
}

/// `/readyz`: PostgreSQL answers, and the readiness connection to RabbitMQ is up.
fn readiness(pool: PgPool, amqp: AmqpSettings) -> Readiness {
    let broker = Arc::new(BrokerProbe::new(amqp, "consent.readyz"));
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
