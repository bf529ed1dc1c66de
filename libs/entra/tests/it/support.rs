//! Shared fixtures: a simulator per test, a client pointed at it, a consented tenant.

use std::sync::{Arc, Once};
use std::time::Duration;

use entra_sim::{NewUser, SimConfig, SimHandle, Simulator, TenantSpec};
use pa_entra::{
    Credential, EntraClient, EntraSettings, EntraTenantId, ManualClock, RetrySettings, SecretString,
};
use url::Url;

pub fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub async fn start_sim() -> SimHandle {
    install_crypto();
    Simulator::start(SimConfig {
        workers: 1,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// Settings for the simulator's app registration with a client secret.
pub fn settings(sim: &SimHandle) -> EntraSettings {
    let app = sim.app();
    EntraSettings {
        login_base_url: sim.login_base_url(),
        graph_base_url: sim.graph_base_url(),
        client_id: app.client_id.clone(),
        credential: Credential::Secret(SecretString::from(app.client_secret.clone())),
        redirect_uri: Some(Url::parse(&app.redirect_uris[0]).unwrap()),
        consent_propagation_timeout_ms: 60_000,
        retry: RetrySettings {
            max_attempts: 5,
            base_backoff_ms: 500,
            max_backoff_ms: 4_000,
            max_retry_after_ms: 120_000,
        },
        ..EntraSettings::default()
    }
}

/// A client on a virtual clock: waits are recorded, not slept.
pub fn client_with(settings: EntraSettings) -> (EntraClient, Arc<ManualClock>) {
    let clock = ManualClock::new();
    let client = EntraClient::with_clock(settings, clock.clone()).unwrap();
    (client, clock)
}

/// A simulator, a tenant with an admin and consent granted, and a client.
pub struct Ctx {
    pub sim: SimHandle,
    pub tenant: EntraTenantId,
    pub domain: String,
    pub client: EntraClient,
    pub clock: Arc<ManualClock>,
}

impl Ctx {
    pub async fn new(name: &str) -> Self {
        let sim = start_sim().await;
        let (tenant, domain) = create_tenant(&sim, name, true);
        let (client, clock) = client_with(settings(&sim));
        Ctx {
            sim,
            tenant,
            domain,
            client,
            clock,
        }
    }

    pub fn admin_upn(&self) -> String {
        format!("admin@{}", self.domain)
    }
}

/// Creates a tenant `{slug}.onmicrosoft.com` with an `admin@` user; consented when asked.
pub fn create_tenant(sim: &SimHandle, name: &str, consented: bool) -> (EntraTenantId, String) {
    let slug: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    let domain = format!("{slug}.onmicrosoft.com");
    let mut spec = TenantSpec::new(name, &[domain.as_str()]);
    if consented {
        spec = spec.consented();
    }
    let t = sim.create_tenant(spec).unwrap();
    sim.add_user(
        t.id,
        NewUser::new(&format!("admin@{domain}"), "Tenant Admin"),
    )
    .unwrap();
    (EntraTenantId::parse(&t.id.to_string()).unwrap(), domain)
}

/// Follows an authorize-style URL once (no redirects) and returns the redirect's query string.
pub async fn follow_to_callback(url: &Url) -> Result<String, (u16, String)> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url.clone()).send().await.unwrap();
    let status = resp.status().as_u16();
    if status != 302 {
        return Err((status, resp.text().await.unwrap_or_default()));
    }
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let location = Url::parse(&location).unwrap();
    Ok(location.query().unwrap_or_default().to_owned())
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A virtual clock whose sleeps also advance the simulator's clock (through its control API), so
/// sim-side time (consent propagation, token expiry, RU buckets) moves exactly as the client waits.
#[derive(Debug)]
pub struct SimClock {
    manual: Arc<ManualClock>,
    advance_url: String,
    http: reqwest::Client,
}

impl SimClock {
    pub fn new(sim: &SimHandle) -> Arc<Self> {
        Arc::new(Self {
            manual: ManualClock::new(),
            advance_url: format!(
                "{}/clock/advance",
                sim.control_url().as_str().trim_end_matches('/')
            ),
            http: reqwest::Client::new(),
        })
    }

    pub fn manual(&self) -> &ManualClock {
        &self.manual
    }
}

impl pa_entra::Clock for SimClock {
    fn now(&self) -> std::time::Instant {
        pa_entra::Clock::now(&*self.manual)
    }

    fn sleep(&self, duration: Duration) -> futures::future::BoxFuture<'static, ()> {
        let recorded = pa_entra::Clock::sleep(&*self.manual, duration);
        let request = self
            .http
            .post(&self.advance_url)
            .json(&serde_json::json!({ "seconds": duration.as_secs_f64().ceil() as u64 }));
        Box::pin(async move {
            recorded.await;
            let resp = request.send().await.expect("advance the simulator clock");
            assert!(
                resp.status().is_success(),
                "clock advance: {}",
                resp.status()
            );
        })
    }
}
