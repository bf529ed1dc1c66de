//! The command line: `serve` (default), `create-operator-key --name <n>`, `openapi`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::context::RequestContext;
use crate::domain::KeyName;
use crate::service::operator_keys;

/// Patient Access tenant-provisioning service.
#[derive(Debug, Parser)]
#[command(name = "tenant-provisioning", version, about)]
pub struct Cli {
    /// TOML configuration file (overrides `PA_TP_CONFIG_FILE`); `PA_TP_*` variables
    /// override its values.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service, the outbox relay and the purge worker (the default).
    Serve,
    /// Create an operator API key and print it (once) to stdout; details go to stderr.
    CreateOperatorKey {
        /// Who holds the key or what uses it.
        #[arg(long)]
        name: String,
    },
    /// Print the OpenAPI document (the committed `openapi/tenant-provisioning.json`).
    Openapi,
}

/// `openapi`: the document on stdout, exactly as committed.
pub fn print_openapi() -> anyhow::Result<()> {
    let json = crate::openapi::to_pretty_json(&crate::openapi::document())?;
    std::io::stdout().write_all(json.as_bytes())?;
    Ok(())
}

/// `create-operator-key`: the key on stdout (for `KEY=$(…)`), its metadata on stderr.
pub async fn create_operator_key(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let name = KeyName::parse(name).map_err(|e| anyhow::anyhow!("--name {e}"))?;
    let pool = pa_db::connect(&settings.database).await?;
    let ctx = RequestContext::system("tenant-provisioning.cli");
    let mut tx = pool.begin().await?;
    let (key, record) = operator_keys::create(&mut tx, &ctx, &name)
        .await
        .map_err(|e| {
            anyhow::anyhow!("creating the key failed: {}", crate::error::error_chain(&e))
        })?;
    tx.commit().await?;
    eprintln!(
        "Created operator key {} ({}, prefix {}). It is shown once; store it now.",
        record.id, record.name, record.key_prefix
    );
    println!("{}", key.expose());
    Ok(())
}
