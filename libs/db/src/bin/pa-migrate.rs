//! `pa-migrate`: applies the workspace's embedded migrations as the schema owner.
//!
//! ```text
//! pa-migrate --database-url postgres://pa_owner:pa_owner@127.0.0.1:5432/patient_access
//! PA_MIGRATE_DATABASE_URL=... pa-migrate
//! ```

use clap::Parser;

/// Apply pending Patient Access database migrations (connect as pa_owner).
#[derive(Parser)]
#[command(name = "pa-migrate", version)]
struct Args {
    /// Owner connection URL (contains a password: prefer the env var).
    #[arg(
        long,
        env = "PA_MIGRATE_DATABASE_URL",
        hide_env_values = true,
        required_unless_present = "list"
    )]
    database_url: Option<String>,
    /// List the embedded migrations and exit.
    #[arg(long)]
    list: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Args::parse();
    if args.list {
        for m in pa_db::MIGRATOR.iter() {
            println!("{:04} {}", m.version, m.description);
        }
        return Ok(());
    }
    let url = args
        .database_url
        .ok_or_else(|| anyhow::anyhow!("--database-url or PA_MIGRATE_DATABASE_URL is required"))?;
    pa_db::migrate(&url).await?;
    let latest = pa_db::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    println!("migrations applied; schema at version {latest}");
    Ok(())
}
