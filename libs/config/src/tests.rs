#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Deserialize;

use crate::{ConfigError, ExposeSecret, SecretString, load_from_iter};

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    name: String,
    http: Http,
    database: Database,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            name: "svc".into(),
            http: Http::default(),
            database: Database::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Http {
    port: u16,
    body_limit_bytes: usize,
    verbose: bool,
    limits: Limits,
}

impl Default for Http {
    fn default() -> Self {
        Self {
            port: 8080,
            body_limit_bytes: 65536,
            verbose: false,
            limits: Limits::default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Limits {
    max_items: u32,
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Database {
    url: SecretString,
    password: Option<SecretString>,
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: SecretString::from("postgres://localhost/db"),
            password: None,
        }
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn temp_toml(contents: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "pa-config-test-{}-{}.toml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn defaults_apply_when_nothing_is_configured() {
    let s: Settings = load_from_iter("PA_T_", None, env(&[("OTHER", "x")])).unwrap();
    assert_eq!(s.name, "svc");
    assert_eq!(s.http.port, 8080);
    assert_eq!(s.http.body_limit_bytes, 65536);
    assert_eq!(s.database.url.expose_secret(), "postgres://localhost/db");
}

#[test]
fn file_overrides_defaults() {
    let path = temp_toml("name = \"from-file\"\n[http]\nport = 9000\n");
    let s: Settings = load_from_iter("PA_T_", Some(&path), env(&[])).unwrap();
    assert_eq!(s.name, "from-file");
    assert_eq!(s.http.port, 9000);
    assert_eq!(
        s.http.body_limit_bytes, 65536,
        "untouched keys keep defaults"
    );
}

#[test]
fn env_overrides_file() {
    let path = temp_toml("[http]\nport = 9000\nbody_limit_bytes = 10\n");
    let s: Settings = load_from_iter(
        "PA_T_",
        Some(&path),
        env(&[("PA_T_HTTP__PORT", "9100"), ("PA_T_HTTP__VERBOSE", "true")]),
    )
    .unwrap();
    assert_eq!(s.http.port, 9100);
    assert!(s.http.verbose);
    assert_eq!(s.http.body_limit_bytes, 10);
}

#[test]
fn config_file_variable_names_the_file_and_is_not_a_key() {
    let path = temp_toml("name = \"via-env-file\"\n");
    let s: Settings = load_from_iter(
        "PA_T_",
        None,
        env(&[("PA_T_CONFIG_FILE", path.to_str().unwrap())]),
    )
    .unwrap();
    assert_eq!(s.name, "via-env-file");
}

#[test]
fn explicit_file_that_does_not_exist_is_an_error() {
    let missing = std::env::temp_dir().join("pa-config-definitely-missing.toml");
    let err = load_from_iter::<Settings, _>("PA_T_", Some(&missing), env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::File { .. }), "{err:?}");
}

#[test]
fn malformed_toml_is_a_file_error() {
    let path = temp_toml("[http\nport = ");
    let err = load_from_iter::<Settings, _>("PA_T_", Some(&path), env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::File { .. }), "{err:?}");
}

#[test]
fn unknown_key_in_file_is_rejected_and_named() {
    let path = temp_toml("[http]\nprot = 9000\n");
    let err = load_from_iter::<Settings, _>("PA_T_", Some(&path), env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::UnknownKey { .. }), "{err:?}");
    assert_eq!(err.key(), Some("http.prot"));
    assert!(err.to_string().contains("http.prot"), "{err}");
}

#[test]
fn unknown_env_key_is_rejected_and_names_the_variable() {
    let err = load_from_iter::<Settings, _>("PA_T_", None, env(&[("PA_T_HTTP__BINDD", "x")]))
        .unwrap_err();
    assert_eq!(err.key(), Some("http.bindd"));
    let msg = err.to_string();
    assert!(msg.contains("PA_T_HTTP__BINDD"), "{msg}");
}

#[test]
fn unknown_top_level_env_key_is_rejected() {
    let err =
        load_from_iter::<Settings, _>("PA_T_", None, env(&[("PA_T_NAMEE", "x")])).unwrap_err();
    assert_eq!(err.key(), Some("namee"));
}

#[test]
fn nested_sections_are_reachable_from_env_and_file() {
    let path = temp_toml("[http.limits]\nmax_items = 3\ntags = [\"a\"]\n");
    let s: Settings = load_from_iter(
        "pa_t_",
        Some(&path),
        env(&[("pa_t_http__limits__tags", "[x, y]")]),
    )
    .unwrap();
    assert_eq!(s.http.limits.max_items, 3);
    assert_eq!(s.http.limits.tags, vec!["x".to_owned(), "y".to_owned()]);
}

#[test]
fn invalid_value_names_the_key() {
    let err = load_from_iter::<Settings, _>("PA_T_", None, env(&[("PA_T_HTTP__PORT", "lots")]))
        .unwrap_err();
    assert!(matches!(err, ConfigError::InvalidValue { .. }), "{err:?}");
    assert_eq!(err.key(), Some("http.port"));
    assert!(err.to_string().contains("PA_T_HTTP__PORT"), "{err}");
}

#[test]
fn numeric_looking_secret_stays_a_string() {
    let s: Settings = load_from_iter(
        "PA_T_",
        None,
        env(&[("PA_T_DATABASE__PASSWORD", "0123"), ("PA_T_NAME", "42")]),
    )
    .unwrap();
    assert_eq!(s.database.password.unwrap().expose_secret(), "0123");
    assert_eq!(s.name, "42");
}

#[test]
fn secret_debug_output_is_redacted() {
    let s: Settings = load_from_iter(
        "PA_T_",
        None,
        env(&[("PA_T_DATABASE__URL", "postgres://u:hunter2@h/db")]),
    )
    .unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
    assert_eq!(s.database.url.expose_secret(), "postgres://u:hunter2@h/db");
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Required {
    #[allow(dead_code)]
    token: String,
}

#[test]
fn missing_required_key_is_named() {
    let err = load_from_iter::<Required, _>("PA_T_", None, env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::MissingKey { .. }), "{err:?}");
    assert_eq!(err.key(), Some("token"));
}
