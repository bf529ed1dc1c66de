//! HTTPS: an extra CA is trusted only through configuration.

use entra_sim::{SimConfig, Simulator};
use pa_entra::{ErrorKind, PageSize, UserFilter};

use crate::support::{client_with, create_tenant, install_crypto, settings};

#[tokio::test]
async fn the_simulator_ca_is_trusted_only_when_configured() {
    install_crypto();
    let sim = Simulator::start(SimConfig {
        workers: 1,
        ..SimConfig::with_https()
    })
    .await
    .unwrap();
    assert_eq!(sim.login_base_url().scheme(), "https");
    let (tenant, _) = create_tenant(&sim, "Tls Hospital", true);

    let (untrusting, _) = client_with(settings(&sim));
    let err = untrusting.app_token(&tenant).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");

    let ca_path =
        std::env::temp_dir().join(format!("pa-entra-sim-ca-{}.pem", uuid::Uuid::new_v4()));
    std::fs::write(&ca_path, sim.ca_pem().unwrap()).unwrap();
    let mut s = settings(&sim);
    s.extra_ca_pem = Some(ca_path.clone());
    let (client, _) = client_with(s);
    let resolved = client.resolve_tenant(&tenant.to_string()).await.unwrap();
    assert_eq!(resolved.id, tenant);
    let users = client
        .graph(tenant)
        .users(&UserFilter::default(), PageSize::MAX)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    let _ = std::fs::remove_file(ca_path);
}

#[test]
fn an_unreadable_ca_file_is_a_configuration_error() {
    install_crypto();
    let s = pa_entra::EntraSettings {
        client_id: "app".into(),
        credential: pa_entra::Credential::Secret("s".to_owned().into()),
        extra_ca_pem: Some("/nonexistent/ca.pem".into()),
        ..pa_entra::EntraSettings::default()
    };
    let err = pa_entra::EntraClient::new(s).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
}
