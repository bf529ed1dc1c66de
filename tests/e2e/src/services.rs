//! The four services and the settings each gets in a run (every setting `make up` gives it
//! in deploy/local/up.sh, pointed at the run's database, exchange, queues, simulator and
//! sink, with short intervals so a journey takes seconds).

use base64::Engine as _;

/// A service of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    TenantProvisioning,
    Consent,
    SyncDispatch,
    AdminConsole,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::TenantProvisioning,
        Service::Consent,
        Service::SyncDispatch,
        Service::AdminConsole,
    ];

    /// Crate, binary and OpenTelemetry service name.
    pub fn binary(self) -> &'static str {
        match self {
            Service::TenantProvisioning => "tenant-provisioning",
            Service::Consent => "consent",
            Service::SyncDispatch => "sync-dispatch",
            Service::AdminConsole => "admin-console",
        }
    }

    /// Environment prefix of its settings.
    pub fn prefix(self) -> &'static str {
        match self {
            Service::TenantProvisioning => "PA_TP_",
            Service::Consent => "PA_CONSENT_",
            Service::SyncDispatch => "PA_SYNC_",
            Service::AdminConsole => "PA_CONSOLE_",
        }
    }
}

/// What every service of a run shares.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// Short id naming the run's exchange and queues.
    pub run: String,
    pub amqp_url: String,
    /// The public base URL of each service (its first instance stands in for a load balancer).
    pub tp_url: String,
    pub consent_url: String,
    pub sync_url: String,
    pub console_url: String,
    pub login_base_url: String,
    pub graph_base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub smtp_port: u16,
    /// OTLP/HTTP endpoint every service exports its spans to.
    pub otlp_endpoint: Option<String>,
    /// The incremental sync interval of new tenants (seconds).
    pub sync_interval_secs: u32,
    /// The setup-link HMAC key and the console's TOTP sealing key (base64, 32 bytes each).
    pub setup_link_key: String,
    pub totp_key: String,
}

/// 32 random bytes, base64.
pub fn random_key() -> String {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("randomness");
    base64::engine::general_purpose::STANDARD.encode(key)
}

impl RunSettings {
    /// The run's topic exchange.
    pub fn exchange(&self) -> String {
        format!("pa.e2e.{}", self.run)
    }

    pub fn dead_letter_exchange(&self) -> String {
        format!("pa.e2e.{}.dlx", self.run)
    }

    pub fn dead_letter_queue(&self) -> String {
        format!("pa.e2e.{}.dead-letter", self.run)
    }

    /// A consumer queue of the run.
    pub fn queue(&self, service: Service, consumer: &str) -> String {
        format!("pa.e2e.{}.{}.{consumer}", self.run, service.binary())
    }

    /// Every consumer queue the run's services declare.
    pub fn queues(&self) -> Vec<String> {
        vec![
            self.queue(Service::TenantProvisioning, "setup-link-mailer"),
            self.queue(Service::TenantProvisioning, "setup-completed"),
            self.queue(Service::Consent, "admin-welcome-mailer"),
            self.queue(Service::Consent, "tenant-purge"),
            self.queue(Service::SyncDispatch, "tenant-events"),
            self.queue(Service::SyncDispatch, "jobs-full"),
            self.queue(Service::SyncDispatch, "jobs-incremental"),
            self.queue(Service::AdminConsole, "events"),
            self.dead_letter_queue(),
        ]
    }

    /// The settings of an instance of `service` listening on `port`, prefix included.
    pub fn env(&self, service: Service, port: u16, database_url: &str) -> Vec<(String, String)> {
        let public = match service {
            Service::TenantProvisioning => &self.tp_url,
            Service::Consent => &self.consent_url,
            Service::SyncDispatch => &self.sync_url,
            Service::AdminConsole => &self.console_url,
        };
        let mut kv: Vec<(&str, String)> = vec![
            ("HTTP__BIND", format!("127.0.0.1:{port}")),
            ("HTTP__PUBLIC_BASE_URL", format!("{public}/")),
            ("DATABASE__URL", database_url.to_owned()),
            ("DATABASE__MAX_CONNECTIONS", "6".into()),
            ("AMQP__URL", self.amqp_url.clone()),
            ("AMQP__EXCHANGE", self.exchange()),
            ("AMQP__DEAD_LETTER_EXCHANGE", self.dead_letter_exchange()),
            ("AMQP__DEAD_LETTER_QUEUE", self.dead_letter_queue()),
            ("AMQP__POLL_INTERVAL_MS", "250".into()),
            ("TELEMETRY__LOG_FORMAT", "json".into()),
        ];
        if let Some(otlp) = &self.otlp_endpoint {
            kv.push(("TELEMETRY__OTLP_ENDPOINT", otlp.clone()));
        }
        let entra = [
            ("ENTRA__LOGIN_BASE_URL", self.login_base_url.clone()),
            ("ENTRA__GRAPH_BASE_URL", self.graph_base_url.clone()),
            ("ENTRA__CLIENT_ID", self.client_id.clone()),
            ("ENTRA__CREDENTIAL__SECRET", self.client_secret.clone()),
            // Microsoft's answers are waited out in-line, but briefly (a burst of 429/503s).
            ("ENTRA__RETRY__BASE_BACKOFF_MS", "200".into()),
            ("ENTRA__RETRY__MAX_BACKOFF_MS", "2000".into()),
        ];
        let smtp = [
            ("SMTP__HOST", "127.0.0.1".to_owned()),
            ("SMTP__PORT", self.smtp_port.to_string()),
            ("SMTP__RETRY_WINDOW_SECS", "30".to_owned()),
        ];
        match service {
            Service::TenantProvisioning => {
                kv.extend(smtp);
                kv.extend([
                    ("SETUP_LINKS__WIZARD_BASE_URL", self.consent_url.clone()),
                    ("SETUP_LINKS__TOKEN_KEY", self.setup_link_key.clone()),
                    (
                        "SETUP_LINKS__MAILER_QUEUE",
                        self.queue(service, "setup-link-mailer"),
                    ),
                    ("ACTIVATION__QUEUE", self.queue(service, "setup-completed")),
                ]);
            }
            Service::Consent => {
                kv.extend(entra);
                kv.extend(smtp);
                kv.extend([
                    ("WIZARD__COOKIE_SECURE", "false".to_owned()),
                    (
                        "WIZARD__FRONTEND_URL",
                        format!("{}/setup", self.consent_url),
                    ),
                    (
                        "WIZARD__WELCOME_MAILER_QUEUE",
                        self.queue(service, "admin-welcome-mailer"),
                    ),
                    (
                        "WIZARD__TENANT_PURGE_QUEUE",
                        self.queue(service, "tenant-purge"),
                    ),
                    ("CONSOLE__BASE_URL", self.console_url.clone()),
                ]);
            }
            Service::SyncDispatch => {
                kv.extend(entra);
                kv.extend([
                    ("SYNC__EVENTS_QUEUE", self.queue(service, "tenant-events")),
                    ("SYNC__FULL_QUEUE", self.queue(service, "jobs-full")),
                    (
                        "SYNC__INCREMENTAL_QUEUE",
                        self.queue(service, "jobs-incremental"),
                    ),
                    (
                        "SYNC__DEFAULT_INTERVAL_SECS",
                        self.sync_interval_secs.to_string(),
                    ),
                    ("SYNC__MIN_INTERVAL_SECS", "1".into()),
                    ("SYNC__SCHEDULER_TICK_MS", "250".into()),
                    // A killed worker's run is taken over within seconds.
                    ("SYNC__LEASE_TTL_SECS", "4".into()),
                    ("SYNC__HEARTBEAT_MS", "1000".into()),
                    ("SYNC__UNCLAIMED_AFTER_SECS", "15".into()),
                    ("SYNC__RETRY_BASE_SECS", "2".into()),
                    ("SYNC__RETRY_MAX_SECS", "4".into()),
                    ("SYNC__INCREMENTAL_WORKERS", "2".into()),
                ]);
            }
            Service::AdminConsole => {
                kv.extend(entra);
                kv.extend([
                    ("CONSOLE__COOKIE_SECURE", "false".to_owned()),
                    ("CONSOLE__FRONTEND_URL", format!("{}/", self.console_url)),
                    ("CONSOLE__EVENTS_QUEUE", self.queue(service, "events")),
                    ("EMERGENCY__TOTP_KEY", self.totp_key.clone()),
                    ("WORKERS__SEAL_INTERVAL_MS", "200".into()),
                    ("WORKERS__SESSION_SWEEP_SECS", "5".into()),
                ]);
            }
        }
        kv.into_iter()
            .map(|(k, v)| (format!("{}{k}", service.prefix()), v))
            .collect()
    }
}
