//! Booting the simulator: keys, app registration, state, HTTP (+ HTTPS) listeners.

use actix_web::{App, HttpResponse, HttpServer, web};
use parking_lot::{Mutex, RwLock};
use std::net::TcpListener;

use crate::clock::SimClock;
use crate::config::{
    AppRegistration, DEFAULT_APP_ROLES, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    DEFAULT_DELEGATED, SimConfig, default_redirect_uris,
};
use crate::handle::SimHandle;
use crate::keys::{KeySet, SigningKey, pooled, self_signed_rsa_cert, sha1_b64url, sha256_b64url};
use crate::state::{AuthState, SimState};
use crate::store::Store;
use crate::throttle::Throttle;

pub struct Simulator;

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl Simulator {
    /// Start a simulator (binds the configured addresses; port 0 picks a free port).
    pub async fn start(cfg: SimConfig) -> anyhow::Result<SimHandle> {
        let http = TcpListener::bind(cfg.bind)?;
        let http_addr = http.local_addr()?;
        let https = match &cfg.https {
            Some(h) => Some(TcpListener::bind(h.bind)?),
            None => None,
        };
        let https_addr = https.as_ref().map(TcpListener::local_addr).transpose()?;
        let public = match (&cfg.public_base_url, https_addr) {
            (Some(u), _) => u.as_str().trim_end_matches('/').to_string(),
            (None, Some(a)) => format!("https://{a}"),
            (None, None) => format!("http://{http_addr}"),
        };
        let keys = tokio::task::spawn_blocking(|| pooled(4)).await??;
        let signing: Vec<SigningKey> = keys[..3]
            .iter()
            .map(|m| SigningKey::from_material(m))
            .collect::<Result<_, _>>()?;
        let app_key = keys[3].clone();
        let (cert_der, cert_pem) = self_signed_rsa_cert(&app_key, "entra-sim vendor app")?;
        let o = &cfg.app;
        let app = AppRegistration {
            client_id: o
                .client_id
                .clone()
                .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string()),
            client_secret: o
                .client_secret
                .clone()
                .unwrap_or_else(|| DEFAULT_CLIENT_SECRET.to_string()),
            display_name: o
                .display_name
                .clone()
                .unwrap_or_else(|| "Patient Access".to_string()),
            redirect_uris: o
                .redirect_uris
                .clone()
                .unwrap_or_else(default_redirect_uris),
            cert_pem,
            key_pem: app_key.pkcs8_pem.clone(),
            cert_thumbprint_sha256_b64url: sha256_b64url(&cert_der),
            cert_thumbprint_sha1_b64url: sha1_b64url(&cert_der),
            app_roles: o
                .app_roles
                .clone()
                .unwrap_or_else(|| strs(DEFAULT_APP_ROLES)),
            delegated_scopes: o
                .delegated_scopes
                .clone()
                .unwrap_or_else(|| strs(DEFAULT_DELEGATED)),
        };
        let tls = match &cfg.https {
            Some(h) => {
                let mut names = h.extra_names.clone();
                if let Some(host) = url::Url::parse(&public)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                {
                    names.push(
                        host.trim_start_matches('[')
                            .trim_end_matches(']')
                            .to_string(),
                    );
                }
                Some(crate::tls::build(&names, h.ca_key_pem.as_deref())?)
            }
            None => None,
        };
        let state = web::Data::new(SimState {
            login_base: public.clone(),
            graph_base: format!("{public}/graph"),
            app: RwLock::new(app),
            app_cert_key: jsonwebtoken::DecodingKey::from_rsa_raw_components(
                &app_key.n, &app_key.e,
            ),
            clock: SimClock::new(),
            keys: RwLock::new(KeySet::new(signing)?),
            store: Store::default(),
            auth: Mutex::new(AuthState::default()),
            throttle: Throttle::default(),
        });
        if cfg.seed_demo {
            state.op_seed_demo()?;
        }
        let data = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(crate::control::configure)
                .configure(crate::graph::configure)
                .configure(crate::identity::configure)
                .default_service(web::to(not_found))
        })
        .workers(cfg.workers.max(1))
        .disable_signals()
        .shutdown_timeout(1)
        .listen(http)?;
        let mut ca_pem = None;
        let mut ca_key_pem = None;
        if let (Some(listener), Some(tls)) = (https, tls) {
            server = server.listen_rustls_0_23(listener, tls.server_config)?;
            if let Some(path) = &cfg.ca_out {
                std::fs::write(path, &tls.ca_pem)?;
            }
            ca_pem = Some(tls.ca_pem);
            ca_key_pem = Some(tls.ca_key_pem);
        }
        let server = server.run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        SimHandle::new(
            state, handle, task, http_addr, https_addr, ca_pem, ca_key_pem,
        )
    }
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("application/json")
        .body(r#"{"error":"not_found","message":"entra-sim has no such endpoint"}"#)
}
