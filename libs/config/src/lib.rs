//! Layered configuration for every Patient Access process.
//!
//! Layers, lowest precedence first:
//!
//! 1. the serde defaults of the target type (`#[serde(default)]` on the struct and its sections);
//! 2. an optional TOML file: the `file` argument, or else the path in the environment variable
//!    `{prefix}CONFIG_FILE`; a file that is named but missing is an error;
//! 3. environment variables `{prefix}SECTION__KEY` (a double underscore nests, names are
//!    case-insensitive). `{prefix}CONFIG_FILE` itself is never treated as a key.
//!
//! Configuration structs use `#[serde(deny_unknown_fields)]`, so a misspelt key in the file or
//! in the environment fails loading with a [`ConfigError`] naming the key and where it came from.
//!
//! ```
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize)]
//! #[serde(default, deny_unknown_fields)]
//! struct Settings { http: Http }
//! impl Default for Settings { fn default() -> Self { Self { http: Http { port: 8080 } } } }
//! #[derive(Debug, Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Http { port: u16 }
//!
//! let env = [("APP_HTTP__PORT".to_string(), "9000".to_string())];
//! let s: Settings = pa_config::load_from_iter("APP_", None, env).unwrap();
//! assert_eq!(s.http.port, 9000);
//! ```
//!
//! Values from the environment are strings; numbers and booleans are converted when the target
//! field asks for one, so a password such as `0123` stays a string. A value starting with `[` or
//! `{` is parsed as an inline array or table (`[a, b]`, `{k = v}`).

mod env;
mod error;

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
pub use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::ConfigError;

/// The suffix of the environment variable naming the configuration file (`{prefix}CONFIG_FILE`).
pub const CONFIG_FILE_VAR: &str = "CONFIG_FILE";

/// A service's own defaults for sections whose type's `Default` belongs to a library (e.g.
/// the `[http]` port): they sit below the file and the environment KEY BY KEY, so setting
/// one key of such a section keeps the service's value for the others (serde's `default`
/// alone would fall back to the library's).
#[derive(Default)]
pub struct SectionDefaults(Figment);

impl SectionDefaults {
    /// No section defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `value` is the default of section `name`.
    pub fn section<V: Serialize>(self, name: &str, value: &V) -> Self {
        Self(self.0.merge(Serialized::default(name, value)))
    }
}

/// Loads `T` from its serde defaults, then the TOML file (`file`, or env `{prefix}CONFIG_FILE`),
/// then the process environment variables starting with `prefix`.
pub fn load<T: DeserializeOwned>(prefix: &str, file: Option<&Path>) -> Result<T, ConfigError> {
    load_with_defaults(prefix, file, SectionDefaults::new())
}

/// [`load`] with `defaults` below the file and the environment.
pub fn load_with_defaults<T: DeserializeOwned>(
    prefix: &str,
    file: Option<&Path>,
    defaults: SectionDefaults,
) -> Result<T, ConfigError> {
    let env = std::env::vars_os().filter_map(utf8_pair);
    load_from_iter_with_defaults(prefix, file, env, defaults)
}

/// Like [`load`], but reads "environment variables" from `env` instead of the process
/// environment. Meant for tests; variables not starting with `prefix` are ignored.
pub fn load_from_iter<T, I>(prefix: &str, file: Option<&Path>, env: I) -> Result<T, ConfigError>
where
    T: DeserializeOwned,
    I: IntoIterator<Item = (String, String)>,
{
    load_from_iter_with_defaults(prefix, file, env, SectionDefaults::new())
}

/// [`load_from_iter`] with `defaults` below the file and the environment.
pub fn load_from_iter_with_defaults<T, I>(
    prefix: &str,
    file: Option<&Path>,
    env: I,
    defaults: SectionDefaults,
) -> Result<T, ConfigError>
where
    T: DeserializeOwned,
    I: IntoIterator<Item = (String, String)>,
{
    let vars = env::PrefixedEnv::collect(prefix, env);
    let file: Option<PathBuf> = file.map(Path::to_path_buf).or_else(|| vars.config_file());

    let mut figment = defaults.0;
    if let Some(path) = &file {
        if !path.is_file() {
            return Err(ConfigError::File {
                path: path.clone(),
                message: "file not found".to_owned(),
            });
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    figment = figment.merge(vars);
    figment
        .extract_lossy::<T>()
        .map_err(|e| ConfigError::from_figment(e, file.as_deref()))
}

fn utf8_pair((k, v): (std::ffi::OsString, std::ffi::OsString)) -> Option<(String, String)> {
    Some((k.into_string().ok()?, v.into_string().ok()?))
}

#[cfg(test)]
mod tests;
