//! [`Application`]: builds the whole service (pools, HTTP server, outbox relay, event consumer,
//! audit sealer, retention purger, session sweeper) so `main` and the tests start the same thing.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use pa_config::ExposeSecret;
use pa_db::PgPool;
use pa_entra::{EntraClient, IdTokenValidator};
use pa_http::{BodyLimit, Readiness, RequestTracing};
use pa_messaging::{AmqpSettings, BrokerProbe, ConsumerSpec, OutboxRelay, OutboxSignal};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_actix_web::{AppExt, scope};

use crate::auth::session_cache::{self, SessionCache};
use crate::auth::session_hints::{self, SessionHints};
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::consumer::{self, ConsoleEvents};
use crate::domain::sealing::SealingKey;
use crate::state::AppState;
use crate::{openapi, routes, workers};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("connecting to PostgreSQL failed")]
    Db(#[from] pa_db::DbError),
    #[error("building the Entra ID client failed")]
    Entra(#[from] pa_entra::EntraError),
    #[error("binding the HTTP listener failed")]
    Io(#[from] std::io::Error),
}

/// A built, listening service.
pub struct Application {
    port: u16,
    server: Server,
    stop_workers: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Application {
    /// Builds on the system clock.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds with an injected clock (tests move time).
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let sealing = SealingKey::from_base64(settings.emergency.totp_key.expose_secret())
            .map_err(StartupError::Config)?;
        let spa = pa_http::spa::Spa::load(&settings.web)?;
        let entra = EntraClient::new(settings.entra.clone())?;
        let id_tokens = IdTokenValidator::new(&entra);
        let pool = pa_db::connect(&settings.database).await?;
        let background = pa_db::connect(&pa_db::DatabaseSettings {
            max_connections: 6,
            ..settings.database.clone()
        })
        .await?;
        let search_pool = crate::repo::directory::search_pool(
            &settings.database,
            settings.console.search_connections,
        )?;
        let outbox = OutboxSignal::new();
        let sessions = Arc::new(SessionCache::new(Duration::from_millis(
            settings.console.session_cache_ms,
        )));
        let (stop_workers, stop) = watch::channel(false);
        let mut workers = Vec::new();
        let mut session_hints = SessionHints::default();
        if settings.console.session_cache_ms > 0 {
            let started = session_hints::start(&settings.amqp, Arc::clone(&sessions), stop.clone());
            // Best effort, as the events queue below: hear the other instances' hints before
            // taking requests; a broker that is away leaves the cache's lifetime as the bound.
            if tokio::time::timeout(Duration::from_secs(5), started.subscribed)
                .await
                .is_err()
            {
                tracing::warn!("session hints not subscribed yet; the subscriber keeps trying");
            }
            session_hints = started.hints;
            workers.extend(started.tasks);
        }
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            search_pool,
            outbox: outbox.clone(),
            clock: Arc::clone(&clock),
            entra,
            id_tokens,
            redirect_uri: settings.redirect_uri(),
            console: settings.console.clone(),
            emergency: settings.emergency.clone(),
            sealing,
            sessions: sessions.clone(),
            session_hints,
        });
        let listener = TcpListener::bind(settings.http.bind)?;
        let port = listener.local_addr()?.port();

        workers.push(tokio::spawn(
            OutboxRelay::new(background.clone(), settings.amqp.clone())
                .with_signal(outbox.clone())
                .run(stop.clone()),
        ));
        let w = &settings.workers;
        if w.consume_events {
            let spec = ConsumerSpec {
                outbox: Some(outbox.clone()),
                ..ConsumerSpec::new(
                    settings.console.events_queue.clone(),
                    consumer::ROUTING_KEYS,
                )
            };
            declare_queue(&settings.amqp, &spec).await;
            workers.push(tokio::spawn(run_consumer(
                background.clone(),
                settings.amqp.clone(),
                spec,
                ConsoleEvents { sessions },
                stop.clone(),
            )));
        }
        if w.seal_interval_ms > 0 {
            let sealer = pa_audit::Sealer::with_settings(
                background.clone(),
                pa_audit::SealerSettings {
                    poll_interval: Duration::from_millis(w.seal_interval_ms),
                    ..Default::default()
                },
            );
            workers.push(tokio::spawn(sealer.run(stop.clone())));
        }
        if w.retention_purge_secs > 0 {
            let purger = pa_audit::RetentionPurger::with_settings(
                background.clone(),
                pa_audit::PurgerSettings {
                    interval: Duration::from_secs(w.retention_purge_secs),
                    ..Default::default()
                },
            );
            workers.push(tokio::spawn(purger.run(stop.clone())));
        }
        if w.session_sweep_secs > 0 {
            workers.push(tokio::spawn(workers::run_sweeper(
                background.clone(),
                Arc::clone(&clock),
                Duration::from_secs(w.session_sweep_secs),
                stop.clone(),
            )));
        }

        let readiness = readiness(pool, settings.amqp.clone());
        let openapi = openapi::document();
        let limit = BodyLimit::from(&settings.http);
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .wrap(from_fn(session_cache::forget_after_writes))
                .wrap(RequestTracing)
                .app_data(limit)
                .app_data(state.clone())
                .into_utoipa_app()
                .service(scope::scope("/auth").configure(routes::configure_auth))
                .service(scope::scope("/v1").configure(routes::configure_v1))
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
        tracing::info!(port, "admin-console listening");
        Ok(Self {
            port,
            server,
            stop_workers,
            workers,
        })
    }

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

async fn run_consumer(
    pool: PgPool,
    amqp: AmqpSettings,
    spec: ConsumerSpec,
    handler: ConsoleEvents,
    stop: watch::Receiver<bool>,
) {
    if let Err(e) = pa_messaging::run_consumer(pool, amqp, spec, Arc::new(handler), stop).await {
        tracing::error!(error = %crate::error::error_chain(&e), "the event consumer stopped: leavers' sessions are NOT being ended");
    }
}

/// Declares the consumer's queue before taking requests, so no event published from now on
/// misses it (best effort; the consumer declares it again when it connects).
async fn declare_queue(amqp: &AmqpSettings, spec: &ConsumerSpec) {
    let declare = async {
        let conn = pa_messaging::connect(amqp, "admin-console.declare").await?;
        let channel = conn.create_channel().await?;
        pa_messaging::topology::declare_exchanges(&channel, amqp).await?;
        pa_messaging::topology::declare_consumer_queue(&channel, amqp, spec).await?;
        let _ = conn.close(200, "declared".into()).await;
        Ok::<_, anyhow::Error>(())
    };
    match tokio::time::timeout(Duration::from_secs(5), declare).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(queue = %spec.queue, error = %format!("{e:#}"), "declaring the events queue failed; the consumer retries")
        }
        Err(_) => {
            tracing::warn!(queue = %spec.queue, "declaring the events queue timed out; the consumer retries")
        }
    }
}

fn readiness(pool: PgPool, amqp: AmqpSettings) -> Readiness {
    let broker = Arc::new(BrokerProbe::new(amqp, "admin-console.readyz"));
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
