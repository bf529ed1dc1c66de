//! A figment provider over an explicit list of `{prefix}SECTION__KEY` variables.

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

use crate::CONFIG_FILE_VAR;

/// Environment variables that start with a prefix, with the prefix stripped and the
/// `CONFIG_FILE` variable set aside.
pub(crate) struct PrefixedEnv {
    prefix: String,
    /// `(key path lowercased and dotted, raw value)`.
    vars: Vec<(String, String)>,
    config_file: Option<String>,
}

impl PrefixedEnv {
    pub(crate) fn collect<I>(prefix: &str, env: I) -> Self
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let upper_prefix = prefix.to_ascii_uppercase();
        let mut vars = Vec::new();
        let mut config_file = None;
        for (name, value) in env {
            let upper = name.to_ascii_uppercase();
            let Some(rest) = upper.strip_prefix(&upper_prefix) else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            if rest == CONFIG_FILE_VAR {
                if !value.trim().is_empty() {
                    config_file = Some(value);
                }
                continue;
            }
            let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            vars.push((path.join("."), value));
        }
        // Deterministic merge order regardless of how the environment was iterated.
        vars.sort();
        Self {
            prefix: upper_prefix,
            vars,
            config_file,
        }
    }

    /// The file named by `{prefix}CONFIG_FILE`, if set and non-empty.
    pub(crate) fn config_file(&self) -> Option<std::path::PathBuf> {
        self.config_file.as_ref().map(std::path::PathBuf::from)
    }
}

/// Strings stay strings (numbers and booleans are converted on demand by `extract_lossy`);
/// inline arrays and tables are parsed.
fn to_value(raw: &str) -> Value {
    let trimmed = raw.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        raw.parse().unwrap_or_else(|_| Value::from(raw.to_owned()))
    } else {
        Value::from(raw.to_owned())
    }
}

impl Provider for PrefixedEnv {
    fn metadata(&self) -> Metadata {
        let prefix = self.prefix.clone();
        Metadata::named(format!("environment variable(s) {}*", self.prefix)).interpolater(
            move |_: &Profile, keys: &[&str]| {
                let keys: Vec<String> = keys.iter().map(|k| k.to_ascii_uppercase()).collect();
                format!("{prefix}{}", keys.join("__"))
            },
        )
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut dict = Dict::new();
        for (key, raw) in &self.vars {
            let path: Vec<&str> = key.split('.').collect();
            if path.iter().any(|p| p.is_empty()) {
                return Err(Error::from(format!(
                    "invalid environment variable name {}{}",
                    self.prefix,
                    key.to_ascii_uppercase().replace('.', "__")
                )));
            }
            insert(&mut dict, &path, to_value(raw));
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// Inserts `value` at `path`, creating (or replacing non-table values with) nested tables.
fn insert(dict: &mut Dict, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            dict.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry((*first).to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if entry.as_dict().is_none() {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}
