//! `tenant-provisioning`: rustls provider → config → telemetry → subcommand.

use clap::Parser;
use tenant_provisioning::cli::{self, Cli, Command};
use tenant_provisioning::config::Settings;
use tenant_provisioning::startup::Application;

/// mimalloc: 5–9 % more create-tenant requests per second than glibc's malloc on the
/// 2-core bench machine (tests/bench/NOTES.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Ignore the error: another component may have installed it already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Cli::parse();
    let command = args.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        // Needs no configuration; stdout must hold nothing but the document.
        return cli::print_openapi();
    }
    let settings = Settings::load(args.config.as_deref())?;
    match command {
        Command::CreateOperatorKey { name } => {
            // No telemetry: stdout carries the key and nothing else.
            cli::create_operator_key(&settings, &name).await
        }
        Command::Serve | Command::Openapi => {
            let _telemetry = pa_telemetry::init("tenant-provisioning", &settings.telemetry)?;
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}
