//! The error returned when configuration cannot be loaded.

use std::path::{Path, PathBuf};

use figment::error::Kind;

/// Why configuration could not be loaded. Every variant about a key names it (dotted path,
/// e.g. `http.body_limit_bytes`) and, when known, where the value came from (the TOML file or
/// the exact environment variable name).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file was named but could not be read or parsed.
    #[error("configuration file {}: {message}", path.display())]
    File {
        /// The file that was named.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A key that the configuration does not define (probably a typo).
    #[error("unknown configuration key `{key}`{}", origin_suffix(origin))]
    UnknownKey {
        /// Dotted path of the unknown key.
        key: String,
        /// Where it came from (`environment variable PA_TP_HTTP__BINDD`, `TOML file …`).
        origin: Option<String>,
    },
    /// A required key without a default that no layer provided.
    #[error("missing configuration key `{key}`")]
    MissingKey {
        /// Dotted path of the missing key.
        key: String,
    },
    /// A key whose value could not be converted to the expected type.
    #[error(
        "invalid value for configuration key `{key}`{}: {message}",
        origin_suffix(origin)
    )]
    InvalidValue {
        /// Dotted path of the key (empty for the top level).
        key: String,
        /// Where it came from.
        origin: Option<String>,
        /// What was wrong with the value.
        message: String,
    },
}

fn origin_suffix(origin: &Option<String>) -> String {
    origin
        .as_ref()
        .map(|o| format!(" (from {o})"))
        .unwrap_or_default()
}

impl ConfigError {
    /// The dotted key path this error is about, if it is about a key.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::File { .. } => None,
            Self::UnknownKey { key, .. }
            | Self::MissingKey { key }
            | Self::InvalidValue { key, .. } => Some(key),
        }
    }

    pub(crate) fn from_figment(err: figment::Error, file: Option<&Path>) -> Self {
        // figment may chain several errors; the first is the most specific.
        let Some(err) = err.into_iter().next() else {
            return Self::InvalidValue {
                key: String::new(),
                origin: None,
                message: "unknown configuration error".to_owned(),
            };
        };
        let profile = err.profile.clone().unwrap_or_default();
        let origin_for = |path: &[String]| {
            err.metadata.as_ref().map(|md| {
                if md.name.starts_with("environment") && !path.is_empty() {
                    format!("environment variable {}", md.interpolate(&profile, path))
                } else {
                    match &md.source {
                        Some(source) => format!("{} {source}", md.name),
                        None => md.name.to_string(),
                    }
                }
            })
        };
        let from_env = err
            .metadata
            .as_ref()
            .is_some_and(|md| md.name.starts_with("environment"));
        let joined = |path: &[String]| path.join(".");
        match &err.kind {
            Kind::UnknownField(name, _) => {
                let mut path = err.path.clone();
                if path.last() != Some(name) {
                    path.push(name.clone());
                }
                Self::UnknownKey {
                    key: joined(&path),
                    origin: origin_for(&path),
                }
            }
            Kind::MissingField(name) => {
                let mut path = err.path.clone();
                if path.last().map(String::as_str) != Some(name.as_ref()) {
                    path.push(name.to_string());
                }
                Self::MissingKey { key: joined(&path) }
            }
            Kind::Message(msg) if err.path.is_empty() && !from_env => {
                match file {
                    // Parse/IO errors of the TOML provider surface as a bare message.
                    Some(path) => Self::File {
                        path: path.to_path_buf(),
                        message: msg.clone(),
                    },
                    None => Self::InvalidValue {
                        key: String::new(),
                        origin: None,
                        message: msg.clone(),
                    },
                }
            }
            kind => Self::InvalidValue {
                key: joined(&err.path),
                origin: origin_for(&err.path),
                message: kind.to_string(),
            },
        }
    }
}
