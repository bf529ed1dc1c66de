//! The command line: `serve` (default), `openapi`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Patient Access consent service (the setup wizard's API).
#[derive(Debug, Parser)]
#[command(name = "consent", version, about)]
pub struct Cli {
    /// TOML configuration file (overrides `PA_CONSENT_CONFIG_FILE`); `PA_CONSENT_*`
    /// variables override its values.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service, the outbox relay and the admin-welcome mailer (the default).
    Serve,
    /// Print the OpenAPI document (the committed `openapi/consent.json`).
    Openapi,
}

/// `openapi`: the document on stdout, exactly as committed.
pub fn print_openapi() -> anyhow::Result<()> {
    let json = crate::openapi::to_pretty_json(&crate::openapi::document())?;
    std::io::stdout().write_all(json.as_bytes())?;
    Ok(())
}
