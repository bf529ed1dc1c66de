//! Settings: defaults, unknown keys rejected, credentials in both forms.

use pa_entra::{AssertionAlgorithm, Credential, EntraSettings, ExposeSecret};

#[test]
fn defaults_point_at_the_public_cloud() {
    let s: EntraSettings = serde_json::from_str(r#"{"client_id":"app"}"#).unwrap();
    assert_eq!(
        s.login_base_url.as_str(),
        "https://login.microsoftonline.com/"
    );
    assert_eq!(s.graph_base_url.as_str(), "https://graph.microsoft.com/");
    assert_eq!(s.graph_scope, "https://graph.microsoft.com/.default");
    assert_eq!(s.token_refresh_margin_secs, 300);
    assert_eq!(s.retry.max_attempts, 6);
}

#[test]
fn unknown_keys_are_rejected_at_every_level() {
    assert!(serde_json::from_str::<EntraSettings>(r#"{"client_idd":"app"}"#).is_err());
    assert!(serde_json::from_str::<EntraSettings>(r#"{"retry":{"max_attempt":3}}"#).is_err());
    assert!(
        serde_json::from_str::<EntraSettings>(
            r#"{"credential":{"certificate":{"cert_pem":"c","key_pem":"k","extra":1}}}"#
        )
        .is_err()
    );
}

#[test]
fn secret_and_certificate_credentials_deserialise() {
    let s: EntraSettings = serde_json::from_str(
        r#"{"client_id":"app","graph_base_url":"http://127.0.0.1:8400/graph","credential":{"secret":"shh"}}"#,
    )
    .unwrap();
    assert!(matches!(&s.credential, Credential::Secret(v) if v.expose_secret() == "shh"));
    assert!(!format!("{s:?}").contains("shh"));
    assert_eq!(s.graph_base_url.path(), "/graph");

    let s: EntraSettings = serde_json::from_str(
        r#"{"credential":{"certificate":{"cert_pem":"C","key_pem":"K","algorithm":"RS256"}}}"#,
    )
    .unwrap();
    let Credential::Certificate(c) = &s.credential else {
        panic!()
    };
    assert_eq!(c.algorithm, AssertionAlgorithm::Rs256);
    assert!(!format!("{s:?}").contains("\"K\""));
}

/// How a service embeds the section: `[entra]` in TOML or `PREFIX_ENTRA__…` env vars.
#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ServiceSettings {
    entra: EntraSettings,
}

#[test]
fn a_service_loads_the_section_from_env_vars_through_pa_config() {
    let env = [
        (
            "PA_T_ENTRA__CLIENT_ID",
            "4f0e8d2c-5b7a-4c1e-9a63-2d8f1b7e6c50",
        ),
        ("PA_T_ENTRA__GRAPH_BASE_URL", "http://127.0.0.1:8400/graph"),
        ("PA_T_ENTRA__CREDENTIAL__SECRET", "from-env"),
        ("PA_T_ENTRA__RETRY__MAX_ATTEMPTS", "3"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let s: ServiceSettings = pa_config::load_from_iter("PA_T_", None, env).unwrap();
    assert_eq!(s.entra.client_id, "4f0e8d2c-5b7a-4c1e-9a63-2d8f1b7e6c50");
    assert_eq!(
        s.entra.graph_base_url.as_str(),
        "http://127.0.0.1:8400/graph"
    );
    assert!(
        matches!(&s.entra.credential, Credential::Secret(v) if v.expose_secret() == "from-env")
    );
    assert_eq!(s.entra.retry.max_attempts, 3);
    assert_eq!(s.entra.retry.base_backoff_ms, 2_000);
}
