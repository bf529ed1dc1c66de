//! The `[telemetry]` configuration section.

use serde::Deserialize;

/// How log lines are written to stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One JSON object per line (production default).
    #[default]
    Json,
    /// Human-readable multi-line output for local development.
    Pretty,
}

/// Telemetry settings (`[telemetry]` section; env `{prefix}TELEMETRY__LOG_FORMAT`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// `json` (default) or `pretty`.
    pub log_format: LogFormat,
    /// OTLP/HTTP collector endpoint, e.g. `http://127.0.0.1:4318` (`/v1/traces` is appended
    /// unless the URL already ends with it). No exporter when unset.
    pub otlp_endpoint: Option<String>,
}
