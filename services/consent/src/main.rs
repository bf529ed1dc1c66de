//! `consent`: rustls provider → config → telemetry → serve (or print the OpenAPI document).

use clap::Parser;
use consent::cli::{self, Cli, Command};
use consent::config::Settings;
use consent::startup::Application;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Ignore the error: another component may have installed it already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Cli::parse();
    match args.command.unwrap_or(Command::Serve) {
        // Needs no configuration; stdout must hold nothing but the document.
        Command::Openapi => cli::print_openapi(),
        Command::Serve => {
            let settings = Settings::load(args.config.as_deref())?;
            let _telemetry = pa_telemetry::init("consent", &settings.telemetry)?;
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}
