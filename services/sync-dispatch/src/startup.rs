//! [`Application`]: builds the whole service (pools, HTTP API, outbox relay, event consumer,
//! scheduler, full and incremental sync workers) so `main`, the tests and the benches start
//! exactly the same thing.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use pa_db::PgPool;
use pa_entra::EntraClient;
use pa_http::{BodyLimit, Readiness, RequestTracing};
use pa_messaging::{AmqpSettings, BrokerProbe, ConsumerSpec, Handler, OutboxRelay, OutboxSignal};
use pa_operator_auth::OperatorAuth;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_actix_web::{AppExt, scope};
use uuid::Uuid;

use crate::config::Settings;
use crate::consumers::{self, TenantEvents};
use crate::jobs::{FULL_ROUTING_KEY, INCREMENTAL_ROUTING_KEY};
use crate::state::AppState;
use crate::worker::{JobHandler, Worker};
use crate::{openapi, routes, scheduler};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("connecting to PostgreSQL failed")]
    Db(#[from] pa_db::DbError),
    #[error("binding the HTTP listener failed")]
    Io(#[from] std::io::Error),
}

/// A built, listening service; call [`run_until_stopped`](Self::run_until_stopped) (or
/// [`spawn`](Self::spawn) in tests).
pub struct Application {
    port: u16,
    worker_id: Uuid,
    server: Server,
    stop_workers: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Application {
    /// Connects, binds `settings.http.bind` (port 0 picks a free port) and starts the
    /// background tasks.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        if let Some(problem) = settings.sync.problem() {
            return Err(StartupError::Config(problem.to_owned()));
        }
        let entra = EntraClient::new(settings.entra.clone())
            .map_err(|e| StartupError::Config(format!("entra: {e}")))?;
        let pool = pa_db::connect(&settings.database).await?;
        // Workers, scheduler and relay get their own pool: a long run never takes
        // connections from the API. Each running job holds up to three (the consumer's
        // transaction, the run's writes, its heartbeat).
        let s = &settings.sync;
        let background = pa_db::connect(&pa_db::DatabaseSettings {
            max_connections: u32::from(s.full_workers + s.incremental_workers) * 3 + 4,
            ..settings.database.clone()
        })
        .await?;
        let outbox = OutboxSignal::new();
        let worker_id = Uuid::now_v7();
        let (stop_workers, stop) = watch::channel(false);
        let mut workers = vec![tokio::spawn(
            OutboxRelay::new(background.clone(), settings.amqp.clone())
                .with_signal(outbox.clone())
                .run(stop.clone()),
        )];
        let events = consumers::spec(&settings.sync, outbox.clone());
        declare_queue(&settings.amqp, &events).await;
        let handler = Arc::new(TenantEvents {
            settings: settings.sync.clone(),
        });
        workers.push(consume(
            pool.clone(),
            &settings.amqp,
            events,
            handler,
            &stop,
        ));
        if s.workers {
            let worker = Arc::new(Worker {
                pool: background.clone(),
                entra,
                outbox: outbox.clone(),
                settings: s.clone(),
                id: worker_id,
            });
            let lanes = [
                (s.full_queue.clone(), FULL_ROUTING_KEY, s.full_workers),
                (
                    s.incremental_queue.clone(),
                    INCREMENTAL_ROUTING_KEY,
                    s.incremental_workers,
                ),
            ];
            for (queue, routing_key, lanes) in lanes {
                let lanes = lanes.max(1);
                // Prefetch = lanes: an instance holds no more jobs than it runs, so idle
                // instances get the rest.
                let spec = ConsumerSpec {
                    prefetch: lanes,
                    concurrency: lanes,
                    batch: 1,
                    ..ConsumerSpec::new(queue, [routing_key])
                };
                declare_queue(&settings.amqp, &spec).await;
                let handler = Arc::new(JobHandler(Arc::clone(&worker)));
                workers.push(consume(
                    background.clone(),
                    &settings.amqp,
                    spec,
                    handler,
                    &stop,
                ));
            }
        }
        if s.scheduler {
            workers.push(tokio::spawn(scheduler::run(
                background.clone(),
                outbox.clone(),
                s.clone(),
                stop.clone(),
            )));
        }

        let listener = TcpListener::bind(settings.http.bind)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            outbox,
        });
        let auth = web::Data::new(OperatorAuth::new(pool.clone()));
        let readiness = readiness(pool, settings.amqp.clone());
        let openapi = openapi::document();
        let limit = BodyLimit::from(&settings.http);
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .wrap(RequestTracing)
                .app_data(limit)
                .app_data(state.clone())
                .app_data(auth.clone())
                .into_utoipa_app()
                .service(scope::scope("/v1").configure(routes::configure))
                .split_for_parts();
            let (readiness, openapi) = (readiness.clone(), openapi.clone());
            app.configure(move |cfg| pa_http::configure_common(cfg, readiness, openapi))
        })
        .listen(listener)?
        .run();
        tracing::info!(port, %worker_id, "sync-dispatch listening");
        Ok(Self {
            port,
            worker_id,
            server,
            stop_workers,
            workers,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// This instance's worker id (the lease owner of the runs it runs).
    pub fn worker_id(&self) -> Uuid {
        self.worker_id
    }

    /// Serves until the server stops (SIGINT/SIGTERM), then stops the background tasks.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        stop_all(self.stop_workers, self.workers).await;
        result
    }

    /// Runs the service in the background (tests, benches).
    pub fn spawn(self) -> RunningApp {
        let server = self.server.handle();
        RunningApp {
            port: self.port,
            worker_id: self.worker_id,
            server,
            server_task: tokio::spawn(self.server),
            stop_workers: self.stop_workers,
            workers: self.workers,
        }
    }
}

/// A service running in the background.
pub struct RunningApp {
    port: u16,
    worker_id: Uuid,
    server: ServerHandle,
    server_task: JoinHandle<std::io::Result<()>>,
    stop_workers: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl RunningApp {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn worker_id(&self) -> Uuid {
        self.worker_id
    }

    /// Stops gracefully: the HTTP server, then the background tasks.
    pub async fn stop(self) {
        self.server.stop(true).await;
        let _ = self.server_task.await;
        stop_all(self.stop_workers, self.workers).await;
    }

    /// Ends the instance at once, as a crash would: every task is aborted where it stands
    /// (runs in progress included; their connections close, their broker deliveries return
    /// to the queue, their transactions roll back).
    pub fn kill(self) {
        for worker in &self.workers {
            worker.abort();
        }
        self.server_task.abort();
        drop(self.server.stop(false));
    }
}

async fn stop_all(stop: watch::Sender<bool>, workers: Vec<JoinHandle<()>>) {
    let _ = stop.send(true);
    for worker in workers {
        if tokio::time::timeout(Duration::from_secs(10), worker)
            .await
            .is_err()
        {
            tracing::warn!("a background task did not stop in time");
        }
    }
}

fn consume(
    pool: PgPool,
    amqp: &AmqpSettings,
    spec: ConsumerSpec,
    handler: Arc<dyn Handler>,
    stop: &watch::Receiver<bool>,
) -> JoinHandle<()> {
    let (amqp, stop) = (amqp.clone(), stop.clone());
    tokio::spawn(async move {
        let queue = spec.queue.clone();
        if let Err(e) = pa_messaging::run_consumer(pool, amqp, spec, handler, stop).await {
            tracing::error!(%queue, error = %crate::error::error_chain(&e), "a consumer stopped");
        }
    })
}

/// Declares a consumer's queue (and bindings) before the service runs, so nothing published
/// from now on can miss it. Best effort: the consumer declares it again when it connects.
async fn declare_queue(amqp: &AmqpSettings, spec: &ConsumerSpec) {
    let declare = async {
        let conn = pa_messaging::connect(amqp, "sync-dispatch.declare").await?;
        let channel = conn.create_channel().await?;
        pa_messaging::topology::declare_exchanges(&channel, amqp).await?;
        pa_messaging::topology::declare_consumer_queue(&channel, amqp, spec).await?;
        let _ = conn.close(200, "declared".into()).await;
        Ok::<_, anyhow::Error>(())
    };
    match tokio::time::timeout(Duration::from_secs(5), declare).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(queue = %spec.queue, error = %format!("{e:#}"), "declaring a queue failed; the consumer retries")
        }
        Err(_) => {
            tracing::warn!(queue = %spec.queue, "declaring a queue timed out; the consumer retries")
        }
    }
}

/// `/readyz`: PostgreSQL answers and the broker connection is up.
fn readiness(pool: PgPool, amqp: AmqpSettings) -> Readiness {
    let broker = Arc::new(BrokerProbe::new(amqp, "sync-dispatch.readyz"));
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
