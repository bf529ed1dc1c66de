//! The command line: `serve` (default), `openapi`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Patient Access sync-dispatch service.
#[derive(Debug, Parser)]
#[command(name = "sync-dispatch", version, about)]
pub struct Cli {
    /// TOML configuration file (overrides `PA_SYNC_CONFIG_FILE`); `PA_SYNC_*` variables
    /// override its values.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API, the event consumers, the scheduler and the sync workers (the default).
    Serve,
    /// Print the OpenAPI document (the committed `openapi/sync-dispatch.json`).
    Openapi,
}

/// `openapi`: the document on stdout, exactly as committed.
pub fn print_openapi() -> anyhow::Result<()> {
    let json = crate::openapi::to_pretty_json(&crate::openapi::document())?;
    std::io::stdout().write_all(json.as_bytes())?;
    Ok(())
}
