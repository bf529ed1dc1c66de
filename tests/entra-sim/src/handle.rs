//! [`SimHandle`]: a running simulator — its URLs, app registration, CA, and shutdown. The control methods
//! live in `handle_control.rs`.

use actix_web::dev::ServerHandle;
use actix_web::web;
use std::net::SocketAddr;
use url::Url;

use crate::clock::SimClock;
use crate::config::AppRegistration;
use crate::state::SimState;

pub struct SimHandle {
    pub(crate) state: web::Data<SimState>,
    server: ServerHandle,
    task: parking_lot::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
    http_addr: SocketAddr,
    https_addr: Option<SocketAddr>,
    ca_pem: Option<String>,
    ca_key_pem: Option<String>,
    login: Url,
    graph: Url,
    control: Url,
}

impl SimHandle {
    pub(crate) fn new(
        state: web::Data<SimState>,
        server: ServerHandle,
        task: tokio::task::JoinHandle<std::io::Result<()>>,
        http_addr: SocketAddr,
        https_addr: Option<SocketAddr>,
        ca_pem: Option<String>,
        ca_key_pem: Option<String>,
    ) -> anyhow::Result<Self> {
        let login = Url::parse(&format!("{}/", state.login_base))?;
        let graph = Url::parse(&state.graph_base)?;
        let control = Url::parse(&format!("{}/_sim", state.login_base))?;
        Ok(Self {
            state,
            server,
            task: parking_lot::Mutex::new(Some(task)),
            http_addr,
            https_addr,
            ca_pem,
            ca_key_pem,
            login,
            graph,
            control,
        })
    }

    /// The STS base, with a trailing slash: `{base}/`. Authorities are `{login}{tenant}/v2.0`.
    pub fn login_base_url(&self) -> Url {
        self.login.clone()
    }

    /// The Graph base without a trailing slash: `{base}/graph`; requests go to `{graph}/v1.0/users`.
    pub fn graph_base_url(&self) -> Url {
        self.graph.clone()
    }

    /// `{base}/_sim`.
    pub fn control_url(&self) -> Url {
        self.control.clone()
    }

    /// The plain-HTTP listener (always present).
    pub fn http_base_url(&self) -> Url {
        let mut u = self.login.clone();
        let _ = u.set_scheme("http");
        let _ = u.set_ip_host(self.http_addr.ip());
        let _ = u.set_port(Some(self.http_addr.port()));
        u.set_path("/");
        u
    }

    pub fn https_base_url(&self) -> Option<Url> {
        let a = self.https_addr?;
        Url::parse(&format!("https://{a}/")).ok()
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https_addr
    }

    /// PEM of the CA that signed the HTTPS server certificate (when HTTPS is on).
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// PKCS#8 PEM of the CA key (pass it back as `HttpsConfig::ca_key_pem` to keep the same CA).
    pub fn ca_key_pem(&self) -> Option<String> {
        self.ca_key_pem.clone()
    }

    pub fn app(&self) -> AppRegistration {
        self.state.app.read().clone()
    }

    /// The simulator's clock (advance it, freeze it).
    pub fn clock(&self) -> SimClock {
        self.state.clock.clone()
    }

    /// Stop the listeners and wait for the server task.
    pub async fn shutdown(&self) {
        self.server.stop(false).await;
        let task = self.task.lock().take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}
