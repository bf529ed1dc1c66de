//! [`Stack`]: one run's world — its database, the simulator ("Microsoft"), the SMTP sink
//! ("mail"), its own RabbitMQ exchange and queues, and every service as child processes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use entra_sim::{SimConfig, SimHandle, Simulator};
use pa_db::PgPool;
use smtp_sink::SmtpSinkHandle;

use crate::client::Balancer;
use crate::db::RunDatabase;
use crate::process::ServiceProcess;
use crate::services::{RunSettings, Service, random_key};
use crate::{bins, ports};

/// The local broker (as for every test of the workspace).
pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// How a run is set up.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// Instances of every service (all running at once).
    pub instances: usize,
    /// OTLP/HTTP endpoint for every service's spans.
    pub otlp_endpoint: Option<String>,
    /// Incremental sync interval of the tenant (seconds).
    pub sync_interval_secs: u32,
    /// Extra environment variables (`PA_…` names) per service.
    pub extra_env: Vec<(Service, String, String)>,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            instances: 1,
            otlp_endpoint: None,
            sync_interval_secs: 10,
            extra_env: Vec::new(),
        }
    }
}

/// A running run (see the module docs). [`Stack::shutdown`] ends it; dropping it without
/// (a failed test) kills the processes, cleans the broker and database up and keeps the logs.
pub struct Stack {
    pub settings: RunSettings,
    pub db: RunDatabase,
    /// Superuser pool on the run's database (end-state checks).
    pub inspector: PgPool,
    pub sim: SimHandle,
    pub sink: SmtpSinkHandle,
    /// The services' log files.
    pub logs: PathBuf,
    instances: BTreeMap<Service, Vec<ServiceProcess>>,
    finished: bool,
}

impl Stack {
    /// Starts everything and waits until every instance is ready.
    pub async fn start(options: StackOptions) -> Self {
        crate::init();
        let db = RunDatabase::create().await;
        let inspector = db.inspector().await;
        let sim = Simulator::start(SimConfig {
            workers: 2,
            ..SimConfig::default()
        })
        .await
        .expect("the Entra simulator starts");
        let sink = smtp_sink::SmtpSink::start("127.0.0.1:0").expect("the SMTP sink starts");
        let mut ports_of: BTreeMap<Service, Vec<u16>> = BTreeMap::new();
        for service in Service::ALL {
            let ports = (0..options.instances.max(1))
                .map(|_| ports::free_port())
                .collect();
            ports_of.insert(service, ports);
        }
        let url = |s: Service| format!("http://127.0.0.1:{}", ports_of[&s][0]);
        let app = sim.app();
        let run = db.name.rsplit('_').next().unwrap_or("run").to_owned();
        let settings = RunSettings {
            run,
            amqp_url: AMQP_URL.to_owned(),
            tp_url: url(Service::TenantProvisioning),
            consent_url: url(Service::Consent),
            sync_url: url(Service::SyncDispatch),
            console_url: url(Service::AdminConsole),
            login_base_url: sim.login_base_url().to_string(),
            graph_base_url: sim.graph_base_url().to_string(),
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            smtp_port: sink.addr().port(),
            otlp_endpoint: options.otlp_endpoint.clone(),
            sync_interval_secs: options.sync_interval_secs,
            setup_link_key: random_key(),
            totp_key: random_key(),
        };
        sim.add_redirect_uri(format!("{}/consent/callback", settings.consent_url));
        sim.add_redirect_uri(format!("{}/auth/callback", settings.console_url));
        let logs = std::env::temp_dir().join("pa-e2e").join(&db.name);
        std::fs::create_dir_all(&logs).expect("log directory");
        let mut instances = BTreeMap::new();
        for service in Service::ALL {
            let mut list = Vec::new();
            for (i, port) in ports_of[&service].iter().enumerate() {
                let mut env = settings.env(service, *port, &db.service_url(service.binary()));
                env.extend(
                    options
                        .extra_env
                        .iter()
                        .filter(|(s, _, _)| *s == service)
                        .map(|(_, k, v)| (k.clone(), v.clone())),
                );
                let name = format!("{}-{}", service.binary(), i + 1);
                let log = logs.join(format!("{name}.log"));
                let mut process =
                    ServiceProcess::new(name, *port, bins::path(service.binary()), env, log);
                process.start();
                list.push(process);
            }
            instances.insert(service, list);
        }
        let mut stack = Self {
            settings,
            db,
            inspector,
            sim,
            sink,
            logs,
            instances,
            finished: false,
        };
        for list in stack.instances.values_mut() {
            for process in list {
                process.wait_ready().await;
            }
        }
        stack
    }

    /// The instances of `service`.
    pub fn instances(&self, service: Service) -> &[ServiceProcess] {
        &self.instances[&service]
    }

    /// Instance `i` of `service`.
    pub fn instance_mut(&mut self, service: Service, i: usize) -> &mut ServiceProcess {
        &mut self
            .instances
            .get_mut(&service)
            .expect("every service has instances")[i]
    }

    /// A client side load balancer over `service`'s instances.
    pub fn balancer(&self, service: Service) -> Balancer {
        Balancer::new(self.instances(service).iter().map(|p| p.base()).collect())
    }

    /// Creates an operator API key with tenant-provisioning's CLI (what an operator does
    /// once); returns the key.
    pub async fn create_operator_key(&self, name: &str) -> String {
        let env = self.settings.env(
            Service::TenantProvisioning,
            0,
            &self.db.service_url(Service::TenantProvisioning.binary()),
        );
        let binary = bins::path(Service::TenantProvisioning.binary());
        let name = name.to_owned();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(binary)
                .args(["create-operator-key", "--name", &name])
                .env_clear()
                .envs(env)
                .output()
        })
        .await
        .expect("the CLI task")
        .expect("tenant-provisioning create-operator-key runs");
        assert!(
            output.status.success(),
            "create-operator-key failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("the key is text")
            .trim()
            .to_owned()
    }

    /// Stops every instance (SIGTERM), deletes the run's broker objects and database, and
    /// the logs unless `PA_E2E_KEEP_LOGS` is set.
    pub async fn shutdown(mut self) {
        self.finished = true;
        for list in self.instances.values_mut() {
            for process in list.iter_mut() {
                process.signal_term();
            }
        }
        for list in self.instances.values_mut() {
            for process in list.iter_mut() {
                process.wait_exit(Duration::from_secs(10));
            }
        }
        delete_broker_objects(&self.settings).await;
        self.inspector.close().await;
        self.db.drop_now().await;
        self.sim.shutdown().await;
        if std::env::var_os("PA_E2E_KEEP_LOGS").is_none() {
            let _ = std::fs::remove_dir_all(&self.logs);
        } else {
            eprintln!("service logs kept in {}", self.logs.display());
        }
    }
}

impl Drop for Stack {
    /// A failed test: kill everything, keep the logs, clean the broker and the database up.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        for list in self.instances.values_mut() {
            for process in list.iter_mut() {
                process.kill();
                eprintln!(
                    "---- last lines of {} ----\n{}",
                    process.name,
                    process.log_tail(6)
                );
            }
        }
        eprintln!("service logs kept in {}", self.logs.display());
        let settings = self.settings.clone();
        let name = self.db.name.clone();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                delete_broker_objects(&settings).await;
                crate::db::drop_database(&name).await;
            });
        })
        .join();
    }
}

/// Deletes the run's queues and exchanges (quorum queues outlive their consumers).
async fn delete_broker_objects(settings: &RunSettings) {
    let amqp = pa_messaging::AmqpSettings::default();
    let delete = async {
        let conn = pa_messaging::connect(&amqp, "pa-e2e cleanup").await?;
        let channel = conn.create_channel().await?;
        for queue in settings.queues() {
            channel
                .queue_delete(queue.as_str().into(), Default::default())
                .await?;
        }
        for exchange in [settings.exchange(), settings.dead_letter_exchange()] {
            channel
                .exchange_delete(exchange.as_str().into(), Default::default())
                .await?;
        }
        let _ = conn.close(200, "e2e done".into()).await;
        Ok::<_, anyhow::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), delete).await;
}
