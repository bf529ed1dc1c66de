//! The product side: `pa_audit::export_tenant` in a fresh process of this binary, so its peak
//! RSS (VmHWM) is the export's alone.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use futures::StreamExt as _;
use pa_audit::{AuditFilter, ExportFormat, ExportOptions, export_tenant_with};
use pa_bench::procfs;
use pa_domain::TenantId;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use time::OffsetDateTime;

use crate::Pass;

/// What the parent asks a child to export.
#[derive(Clone, Serialize, Deserialize)]
pub struct Job {
    pub app_url: String,
    pub tenant: TenantId,
    /// Only records at or after this, in unix microseconds (None: all).
    pub since: Option<i64>,
    pub ndjson: bool,
    /// ExportOptions::chunk_rows (None: the product's default).
    pub chunk_rows: Option<u32>,
}

/// The child's figures.
#[derive(Serialize, Deserialize)]
pub struct ChildRun {
    pub pass: Pass,
    /// VmRSS when the export started (pool connected, nothing read).
    pub rss_before_kib: u64,
    /// VmHWM at the end: the process's peak.
    pub peak_rss_kib: u64,
    pub chunks: u64,
}

/// In the child: runs the export, bodies counted and discarded as a slow-enough client would.
pub async fn run_job(job: &Job) -> anyhow::Result<ChildRun> {
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&job.app_url)
        .await?;
    let filter = AuditFilter {
        since: job
            .since
            .map(|us| OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000))
            .transpose()?,
        ..AuditFilter::default()
    };
    let format = if job.ndjson {
        ExportFormat::Ndjson
    } else {
        ExportFormat::Csv
    };
    let rss_before_kib = procfs::rss_kib().unwrap_or(0);
    let started = Instant::now();
    let options = job
        .chunk_rows
        .map_or_else(ExportOptions::default, |chunk_rows| ExportOptions {
            chunk_rows,
        });
    let mut stream = export_tenant_with(pool, job.tenant, filter, format, options);
    let mut pass = Pass::default();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        pass.bytes += chunk.len() as u64;
        pass.lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        chunks += 1;
    }
    pass.secs = started.elapsed().as_secs_f64();
    Ok(ChildRun {
        pass,
        rss_before_kib,
        peak_rss_kib: procfs::peak_rss_kib().unwrap_or(0),
        chunks,
    })
}

/// In the parent: runs `job` in a fresh process of this binary.
pub async fn spawn(job: &Job) -> anyhow::Result<ChildRun> {
    let exe = std::env::current_exe()?;
    let input = serde_json::to_string(job)?;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .arg("--child")
            .arg(input)
            .stderr(std::process::Stdio::inherit())
            .output()
    })
    .await??;
    if !output.status.success() {
        bail!("the export process failed ({})", output.status);
    }
    serde_json::from_slice(&output.stdout).context("the export process's result")
}
