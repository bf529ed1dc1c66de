//! The service's configuration: defaults → optional TOML file → `PA_SYNC_*` environment
//! variables (pa-config). Unknown keys are rejected; secrets are `SecretString`.
//!
//! The Microsoft endpoints and the app credential are the `[entra]` section
//! (`pa_entra::EntraSettings`), e.g. `PA_SYNC_ENTRA__CLIENT_ID`,
//! `PA_SYNC_ENTRA__CREDENTIAL__SECRET`, `PA_SYNC_ENTRA__GRAPH_BASE_URL`.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// Environment-variable prefix, e.g. `PA_SYNC_SYNC__LEASE_TTL_SECS`.
pub const ENV_PREFIX: &str = "PA_SYNC_";

/// The PostgreSQL role this service connects as (least privilege: migration 0053).
pub const DB_ROLE: pa_db::ServiceRole = pa_db::ServiceRole::SyncDispatch;

/// The local-stack port of this service.
pub const DEFAULT_PORT: u16 = 8083;

/// Everything the service needs to run.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub http: pa_http::HttpSettings,
    pub database: pa_db::DatabaseSettings,
    pub amqp: pa_messaging::AmqpSettings,
    pub telemetry: pa_telemetry::TelemetrySettings,
    pub entra: pa_entra::EntraSettings,
    pub sync: SyncSettings,
}

impl Default for Settings {
    fn default() -> Self {
        let mut http = pa_http::HttpSettings {
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            ..pa_http::HttpSettings::default()
        };
        http.public_base_url = Url::parse("http://127.0.0.1:8083/").expect("a valid literal URL");
        Self {
            http,
            database: pa_db::DatabaseSettings::for_role(DB_ROLE),
            amqp: Default::default(),
            telemetry: Default::default(),
            entra: Default::default(),
            sync: Default::default(),
        }
    }
}

impl Settings {
    /// Loads the layers (see the module docs); `file` overrides `PA_SYNC_CONFIG_FILE`.
    pub fn load(file: Option<&Path>) -> Result<Self, pa_config::ConfigError> {
        pa_config::load_with_defaults(ENV_PREFIX, file, Self::section_defaults())
    }

    /// This service's defaults for the sections whose type belongs to a library.
    pub fn section_defaults() -> pa_config::SectionDefaults {
        pa_config::SectionDefaults::new()
            .section("database", &pa_db::DatabaseSettings::role_defaults(DB_ROLE))
            .section("http", &Self::default().http)
    }
}

/// Scheduling, workers and safety rules (`[sync]`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Incremental interval of a newly registered tenant (seconds; tenants change it with
    /// `tenant.settings_changed`).
    pub default_interval_secs: u32,
    /// The shortest incremental interval a tenant may choose (seconds; 10 in production).
    pub min_interval_secs: u32,
    /// Full reconcile interval (seconds; daily).
    pub full_reconcile_secs: u32,
    /// How often the scheduler looks for due tenants and stale runs (milliseconds).
    pub scheduler_tick_ms: u64,
    /// Tenants claimed per scheduler transaction.
    pub claim_batch: u32,
    /// A job nobody took within this many seconds is published again (a duplicate is harmless).
    pub unclaimed_after_secs: u32,
    /// A worker's lease on a tenant lasts this long unless renewed (seconds).
    pub lease_ttl_secs: u32,
    /// How often a worker renews its lease (milliseconds; well below the lease).
    pub heartbeat_ms: u64,
    /// Backoff after a failed run: base × 2^(failures−1), capped (seconds).
    pub retry_base_secs: u32,
    pub retry_max_secs: u32,
    /// The share rule of the hold threshold ("more than 20 % of the active users") applies
    /// only when more than this many users would be deactivated, so a small clinic's single
    /// leaver is not held; the count rule ("more than 500") always applies.
    pub hold_min_deactivations: u32,
    /// After a run that created at least this many users, the directory tables' planner
    /// statistics are refreshed (`sync_refresh_statistics()`, migration 0038): a new tenant's
    /// rows are otherwise unknown to the planner until autovacuum analyzes, which it may
    /// never do for a tenant small next to the whole table. 0 turns it off.
    pub stats_refresh_min_created: u64,
    /// Configured groups read at once by one full sync.
    pub group_read_concurrency: u16,
    /// Graph pages buffered between the reading and the writing side of a run.
    pub page_buffer: u16,
    /// Full syncs one instance runs at once (its lanes on the full-sync queue).
    pub full_workers: u16,
    /// Incremental syncs one instance runs at once (its lanes on the incremental queue).
    pub incremental_workers: u16,
    /// Run the scheduler loop in this instance.
    pub scheduler: bool,
    /// Consume sync jobs in this instance.
    pub workers: bool,
    /// Queue of the tenant events this service consumes.
    pub events_queue: String,
    /// Queues of the full and incremental sync jobs.
    pub full_queue: String,
    pub incremental_queue: String,
}

impl Default for SyncSettings {
    fn default() -> Self {
        let queue = |name| pa_messaging::topology::queue_name("sync-dispatch", name);
        Self {
            default_interval_secs: 60,
            min_interval_secs: 10,
            full_reconcile_secs: 86_400,
            scheduler_tick_ms: 1_000,
            claim_batch: 200,
            unclaimed_after_secs: 300,
            lease_ttl_secs: 30,
            heartbeat_ms: 10_000,
            retry_base_secs: 30,
            retry_max_secs: 1_800,
            hold_min_deactivations: 10,
            stats_refresh_min_created: 1_000,
            group_read_concurrency: 4,
            page_buffer: 4,
            full_workers: 1,
            incremental_workers: 4,
            scheduler: true,
            workers: true,
            events_queue: queue("tenant-events"),
            full_queue: queue("jobs-full"),
            incremental_queue: queue("jobs-incremental"),
        }
    }
}

impl SyncSettings {
    /// Why these settings cannot work, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if self.min_interval_secs == 0 || self.default_interval_secs < self.min_interval_secs {
            return Some(
                "sync.default_interval_secs must be at least sync.min_interval_secs (> 0)",
            );
        }
        if self.lease_ttl_secs == 0
            || self.heartbeat_ms * 2 >= u64::from(self.lease_ttl_secs) * 1000
        {
            return Some("sync.heartbeat_ms must be under half of sync.lease_ttl_secs");
        }
        if self.claim_batch == 0 || self.group_read_concurrency == 0 || self.page_buffer == 0 {
            return Some("sync.claim_batch, group_read_concurrency and page_buffer must be > 0");
        }
        if self.full_reconcile_secs == 0 || self.retry_base_secs == 0 {
            return Some("sync.full_reconcile_secs and sync.retry_base_secs must be > 0");
        }
        None
    }

    pub fn scheduler_tick(&self) -> Duration {
        Duration::from_millis(self.scheduler_tick_ms.max(10))
    }

    pub fn heartbeat(&self) -> Duration {
        Duration::from_millis(self.heartbeat_ms.max(10))
    }

    /// The interval a tenant asked for, raised to the minimum.
    pub fn clamp_interval(&self, asked: u32) -> u32 {
        asked.max(self.min_interval_secs)
    }

    /// Seconds to wait after the `failures`-th failure in a row.
    pub fn retry_backoff_secs(&self, failures: u32) -> u32 {
        let exp = failures.saturating_sub(1).min(20);
        self.retry_base_secs
            .saturating_mul(1 << exp)
            .min(self.retry_max_secs.max(self.retry_base_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(env: &[(&str, &str)]) -> Result<Settings, pa_config::ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        pa_config::load_from_iter_with_defaults(ENV_PREFIX, None, env, Settings::section_defaults())
    }

    #[test]
    fn defaults_are_the_issues_numbers() {
        let s = load(&[]).expect("defaults load");
        assert_eq!(s.http.bind.port(), DEFAULT_PORT);
        assert_eq!(s.sync.default_interval_secs, 60);
        assert_eq!(s.sync.min_interval_secs, 10);
        assert_eq!(s.sync.full_reconcile_secs, 86_400);
        assert_eq!(s.sync.events_queue, "pa.sync-dispatch.tenant-events");
        assert_eq!(s.sync.problem(), None);
        assert_eq!(
            s.entra.graph_base_url.as_str(),
            "https://graph.microsoft.com/"
        );
    }

    #[test]
    fn environment_overrides_nested_sections_and_unknown_keys_fail() {
        let s = load(&[
            ("PA_SYNC_SYNC__LEASE_TTL_SECS", "9"),
            ("PA_SYNC_SYNC__HEARTBEAT_MS", "3000"),
            ("PA_SYNC_ENTRA__CLIENT_ID", "abc"),
        ])
        .expect("loads");
        assert_eq!(s.sync.lease_ttl_secs, 9);
        assert_eq!(s.entra.client_id, "abc");
        assert_eq!(s.sync.problem(), None);
        assert!(load(&[("PA_SYNC_SYNC__LEASE", "1")]).is_err());
        let s = load(&[("PA_SYNC_SYNC__HEARTBEAT_MS", "20000")]).expect("loads");
        assert!(
            s.sync.problem().is_some(),
            "a heartbeat as long as the lease"
        );
    }

    #[test]
    fn intervals_are_clamped_and_backoff_doubles_up_to_its_cap() {
        let s = SyncSettings::default();
        assert_eq!(s.clamp_interval(3), 10);
        assert_eq!(s.clamp_interval(90), 90);
        assert_eq!(s.retry_backoff_secs(1), 30);
        assert_eq!(s.retry_backoff_secs(2), 60);
        assert_eq!(s.retry_backoff_secs(30), 1_800);
    }
}
