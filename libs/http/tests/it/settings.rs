use pa_http::HttpSettings;

#[test]
fn http_settings_have_local_defaults() {
    let s: HttpSettings = serde_json::from_str("{}").unwrap();
    assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(s.body_limit_bytes, 65_536);
    assert_eq!(s.public_base_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(s, HttpSettings::default());
}

#[test]
fn http_settings_reject_unknown_keys() {
    let err = serde_json::from_str::<HttpSettings>(r#"{"bindd":"0.0.0.0:1"}"#).unwrap_err();
    assert!(err.to_string().contains("bindd"), "{err}");
}

#[test]
fn http_settings_parse_every_field() {
    let s: HttpSettings = serde_json::from_str(
        r#"{"bind":"0.0.0.0:8081","body_limit_bytes":1024,"public_base_url":"https://tp.example.com/"}"#,
    )
    .unwrap();
    assert_eq!(s.bind.port(), 8081);
    assert_eq!(s.body_limit_bytes, 1024);
    assert_eq!(s.public_base_url.host_str(), Some("tp.example.com"));
}
