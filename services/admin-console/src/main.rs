//! `admin-console`: rustls provider → config → telemetry → serve (or print the OpenAPI document).

use admin_console::config::Settings;
use admin_console::startup::Application;
use clap::{Parser, Subcommand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Patient Access admin console API.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// TOML configuration file (else `PA_CONSOLE_CONFIG_FILE`).
    #[arg(long, global = true)]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Print the OpenAPI document (what `openapi/admin-console.json` holds).
    Openapi,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Cli::parse();
    if let Some(Command::Openapi) = args.command {
        print!(
            "{}",
            admin_console::openapi::to_pretty_json(&admin_console::openapi::document())?
        );
        return Ok(());
    }
    let settings = Settings::load(args.config.as_deref())?;
    let _telemetry = pa_telemetry::init("admin-console", &settings.telemetry)?;
    let app = Application::build(settings).await?;
    app.run_until_stopped().await?;
    Ok(())
}
