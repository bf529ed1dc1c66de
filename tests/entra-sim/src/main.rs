//! `entra-sim` binary: the simulator for the local stack.

use clap::Parser;
use entra_sim::{AppOverrides, HttpsConfig, SimConfig, Simulator};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Microsoft Entra ID + Microsoft Graph simulator.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Plain-HTTP listener.
    #[arg(long, env = "ENTRA_SIM_BIND", default_value = "127.0.0.1:8400")]
    bind: SocketAddr,
    /// HTTPS listener (CA generated at start, or rebuilt from --ca-key).
    #[arg(long, env = "ENTRA_SIM_HTTPS_BIND")]
    https_bind: Option<SocketAddr>,
    /// Base of every URL the simulator hands out (default: the HTTPS listener, else the HTTP one).
    #[arg(long, env = "ENTRA_SIM_PUBLIC_BASE_URL")]
    public_base_url: Option<url::Url>,
    /// Write the CA certificate PEM here.
    #[arg(long, env = "ENTRA_SIM_CA_OUT")]
    ca_out: Option<PathBuf>,
    /// PKCS#8 PEM file of the CA key: reused if it exists, written after start if not.
    #[arg(long, env = "ENTRA_SIM_CA_KEY")]
    ca_key: Option<PathBuf>,
    /// Seed the "Contoso Health" demo tenant.
    #[arg(long, env = "ENTRA_SIM_SEED_DEMO")]
    seed_demo: bool,
    #[arg(long, env = "ENTRA_SIM_CLIENT_ID")]
    client_id: Option<String>,
    #[arg(long, env = "ENTRA_SIM_CLIENT_SECRET")]
    client_secret: Option<String>,
    /// Comma-separated redirect URIs registered on the app.
    #[arg(long, env = "ENTRA_SIM_REDIRECT_URIS", value_delimiter = ',')]
    redirect_uris: Option<Vec<String>>,
    /// Extra DNS names for the HTTPS certificate (comma-separated).
    #[arg(long, env = "ENTRA_SIM_TLS_NAMES", value_delimiter = ',')]
    tls_names: Vec<String>,
    #[arg(long, env = "ENTRA_SIM_WORKERS", default_value_t = 2)]
    workers: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let cli = Cli::parse();
    let ca_key_pem = match &cli.ca_key {
        Some(p) if p.exists() => Some(std::fs::read_to_string(p)?),
        _ => None,
    };
    let cfg = SimConfig {
        bind: cli.bind,
        https: cli.https_bind.map(|bind| HttpsConfig {
            bind,
            extra_names: cli.tls_names.clone(),
            ca_key_pem,
        }),
        public_base_url: cli.public_base_url,
        seed_demo: cli.seed_demo,
        app: AppOverrides {
            client_id: cli.client_id,
            client_secret: cli.client_secret,
            redirect_uris: cli.redirect_uris,
            ..AppOverrides::default()
        },
        workers: cli.workers,
        ca_out: cli.ca_out.clone(),
    };
    let sim = Simulator::start(cfg).await?;
    if let (Some(path), Some(pem)) = (&cli.ca_key, sim.ca_key_pem())
        && !path.exists()
    {
        std::fs::write(path, pem)?;
    }
    let app = sim.app();
    println!("entra-sim is running (this is a simulator: every credential below is fake)");
    println!("  login base URL : {}", sim.login_base_url());
    println!("  graph base URL : {}", sim.graph_base_url());
    println!("  control API    : {}", sim.control_url());
    println!("  http listener  : {}", sim.http_base_url());
    if let Some(u) = sim.https_base_url() {
        println!("  https listener : {u}");
    }
    if let Some(p) = &cli.ca_out {
        println!("  CA certificate : {}", p.display());
    }
    println!("  client id      : {}", app.client_id);
    println!("  client secret  : {}", app.client_secret);
    println!("  cert x5t#S256  : {}", app.cert_thumbprint_sha256_b64url);
    println!("  redirect URIs  : {}", app.redirect_uris.join(", "));
    for t in sim.tenants() {
        println!(
            "  tenant         : {} {} ({})",
            t.id,
            t.display_name,
            t.domains.join(", ")
        );
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    sim.shutdown().await;
    Ok(())
}
