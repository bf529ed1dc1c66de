//! Bench (issue 16): the admin console's audit CSV export of 1,000,000 records —
//! `pa_audit::export_tenant` (keyset chunks, Rust CSV encoding with the formula guard) in a
//! fresh process, bytes discarded; rows/s and the process's peak RSS. Baseline, same run,
//! same rows and order: a bare `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)`.
//!
//! "Peak RSS flat": the export process's VmHWM for 1,000,000 records against the same
//! export of the newest 100,000 (ten times fewer) — it must not grow with the export.

/// The services' allocator (services/*/src/main.rs): the export runs in a service.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod child;
mod copy;
mod seed;

use std::path::PathBuf;

use anyhow::{Context, ensure};
use clap::Parser;
use pa_bench::report::{BenchReport, Goal, TargetCheck, default_out_dir};
use pa_bench::{benchdb, install_crypto, round};
use pa_domain::TenantId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The export must reach this share of the bare COPY's rows/s (as the users-list bench asks
/// of its direct SQL). It measures about 60 % here: the gap is by design (see the note the
/// bench writes).
const TARGET_SHARE_OF_COPY: f64 = 0.5;
/// "Peak RSS flat": the peak for ten times the records may be at most this factor higher
/// (memory growing with the export would show as up to ~10×).
const TARGET_RSS_RATIO: f64 = 1.25;
/// This bench's own database: its million records take a while to load, and another bench
/// starting meanwhile must not drop them (benchdb::prepare_named).
const DATABASE: &str = "patient_access_bench_audit";
const BASELINE: &str = "bare COPY (SELECT …) TO STDOUT, CSV, same rows and order, same run";

#[derive(Parser)]
struct Args {
    /// Records in the exported tenant's trail.
    #[arg(long, default_value_t = 1_000_000)]
    rows: i64,
    /// Records in the small export the peak RSS is compared with (the newest ones).
    #[arg(long, default_value_t = 100_000)]
    small_rows: i64,
    /// Measured rounds (COPY, then export, alternating); the best of each counts.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Records per export chunk (default: pa-audit's ExportOptions default).
    #[arg(long)]
    chunk_rows: Option<u32>,
    #[arg(long)]
    out: Option<PathBuf>,
    /// Internal: run one export job (JSON) and print its figures.
    #[arg(long, hide = true)]
    child: Option<String>,
}

/// Bytes and lines read in one pass, and how long it took.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Pass {
    pub bytes: u64,
    pub lines: u64,
    pub secs: f64,
}

impl Pass {
    /// Records per second (lines minus the CSV header).
    fn rows_per_s(&self, header: bool) -> f64 {
        (self.lines - u64::from(header)) as f64 / self.secs
    }

    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.secs
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto();
    let args = Args::parse();
    if let Some(job) = &args.child {
        let run = child::run_job(&serde_json::from_str(job)?).await?;
        println!("{}", serde_json::to_string(&run)?);
        return Ok(());
    }
    let mut report = BenchReport::new("6-audit-export", "Audit CSV export", 16);
    report.param("records exported", args.rows);
    report.param(
        "small export (newest records, for the RSS comparison)",
        args.small_rows,
    );
    report.param("measured rounds (best counts)", args.rounds);
    let chunk = args
        .chunk_rows
        .unwrap_or(pa_audit::ExportOptions::default().chunk_rows);
    report.param(
        "export",
        format!(
            "pa_audit::export_tenant, CSV, {chunk} records per chunk, in a fresh process as \
             pa_app, bytes discarded"
        ),
    );
    report.param(
        "record",
        "console user action: 12 columns + chain seq/hash, ≈ 380 bytes of CSV",
    );
    if let Err(e) = measure(&args, &mut report).await {
        eprintln!("bench-audit-export failed: {e:#}");
        report.error = Some(format!("{e:#}"));
    }
    let path = report.write(&args.out.clone().unwrap_or_else(default_out_dir))?;
    println!("wrote {}", path.display());
    if report.error.is_some() {
        std::process::exit(2);
    }
    Ok(())
}

async fn measure(args: &Args, report: &mut BenchReport) -> anyhow::Result<()> {
    report.note(format!("load average at start: {}", load_average()));
    let db = benchdb::prepare_named(DATABASE).await?;
    let pool = db.app_pool(4).await?;
    let tenant = TenantId::new();

    let written = seed::write(&pool, tenant, args.rows).await?;
    let rate = args.rows as f64 / written.as_secs_f64();
    println!(
        "seeded {} records in {written:.2?} ({rate:.0}/s)",
        args.rows
    );
    report.figure(
        "setup",
        "records written (INSERT … SELECT, queued for sealing)",
        "records/s",
        round(rate, 0),
    );
    let (sealed, took) = seed::seal(&pool, tenant).await?;
    ensure!(
        sealed == args.rows as u64,
        "sealed {sealed} of {} records",
        args.rows
    );
    let rate = sealed as f64 / took.as_secs_f64();
    println!("sealed {sealed} records in {took:.2?} ({rate:.0}/s)");
    report.figure(
        "setup",
        "records sealed (Sealer, one tenant, batches of 1,000)",
        "records/s",
        round(rate, 0),
    );
    db.settle().await?;
    // One untimed pass, so neither side pays for reading the table into the cache.
    copy::run(&pool, tenant).await?;

    let full = child::Job {
        app_url: db.app_url.clone(),
        tenant,
        since: None,
        ndjson: false,
        chunk_rows: args.chunk_rows,
    };
    let small = child::Job {
        since: Some(small_since(&pool, tenant, args.small_rows).await?),
        ..full.clone()
    };
    let mut best = Best::default();
    for round_no in 1..=args.rounds {
        measure_round(
            args,
            report,
            &pool,
            tenant,
            (&full, &small),
            round_no,
            &mut best,
        )
        .await?;
    }

    let nd = child::spawn(&child::Job {
        ndjson: true,
        ..full.clone()
    })
    .await?;
    ensure!(
        nd.pass.lines == args.rows as u64,
        "the NDJSON export wrote {} lines",
        nd.pass.lines
    );
    report.figure(
        "NDJSON",
        "export (NDJSON)",
        "rows/s",
        round(nd.pass.rows_per_s(false), 0),
    );
    report.figure(
        "NDJSON",
        "export process peak RSS",
        "MiB",
        mib(nd.peak_rss_kib),
    );

    report.targets.push(TargetCheck::new(
        &format!(
            "CSV export rows/s ({} records), ≥ {:.0} % of bare COPY",
            args.rows,
            TARGET_SHARE_OF_COPY * 100.0
        ),
        "rows/s",
        round(best.export, 0),
        Goal::AtLeast,
        round(best.copy * TARGET_SHARE_OF_COPY, 0),
        Some(round(best.copy, 0)),
        BASELINE,
    ));
    let ratio = best.peak_full as f64 / best.peak_small.max(1) as f64;
    report.targets.push(TargetCheck::new(
        &format!(
            "export peak RSS, {} ÷ {} records (highest of the rounds each)",
            args.rows, args.small_rows
        ),
        "×",
        round(ratio, 2),
        Goal::AtMost,
        TARGET_RSS_RATIO,
        Some(round(args.rows as f64 / args.small_rows as f64, 1)),
        "records ratio",
    ));
    report.note(format!(
        "the export reaches {:.0} % of the bare COPY's rows/s (best rounds); peak RSS {:.1} MiB \
         for {} records, {:.1} MiB for {}",
        100.0 * best.export / best.copy,
        mib(best.peak_full),
        args.rows,
        mib(best.peak_small),
        args.small_rows
    ));
    report.note(format!(
        "load average at end: {} (2 cores, shared)",
        load_average()
    ));
    report.note(
        "COPY runs the whole query at once (PostgreSQL picks a parallel hash join and sort); \
         the export reads keyset chunks of 5,000 (an index range and a chain-row probe per \
         record), each its own short transaction, reading and encoding the next while the \
         current one is consumed",
    );
    Ok(())
}

/// The best figures over the rounds.
#[derive(Default)]
struct Best {
    copy: f64,
    export: f64,
    peak_full: u64,
    peak_small: u64,
}

/// One round: bare COPY, the full export, the small export.
async fn measure_round(
    args: &Args,
    report: &mut BenchReport,
    pool: &sqlx::PgPool,
    tenant: TenantId,
    (full, small): (&child::Job, &child::Job),
    round_no: u32,
    best: &mut Best,
) -> anyhow::Result<()> {
    let c = copy::run(pool, tenant).await?;
    ensure!(
        c.lines == args.rows as u64 + 1,
        "COPY wrote {} lines",
        c.lines
    );
    let e = child::spawn(full).await?;
    ensure!(
        e.pass.lines == args.rows as u64 + 1,
        "the export wrote {} lines",
        e.pass.lines
    );
    let s = child::spawn(small).await?;
    ensure!(
        s.pass.lines == args.small_rows as u64 + 1,
        "the small export wrote {} lines",
        s.pass.lines
    );
    let (cr, er) = (c.rows_per_s(true), e.pass.rows_per_s(true));
    println!(
        "round {round_no}: COPY {cr:.0} rows/s ({:.1} MB/s), export {er:.0} rows/s ({:.1} MB/s); \
         export peak RSS {} KiB ({} records), {} KiB ({} records)",
        c.mb_per_s(),
        e.pass.mb_per_s(),
        e.peak_rss_kib,
        args.rows,
        s.peak_rss_kib,
        args.small_rows
    );
    let scenario = format!("round {round_no}");
    report.figure(&scenario, "bare COPY", "rows/s", round(cr, 0));
    report.figure(&scenario, "bare COPY", "MB/s", round(c.mb_per_s(), 1));
    report.figure(&scenario, "export (CSV)", "rows/s", round(er, 0));
    report.figure(
        &scenario,
        "export (CSV)",
        "MB/s",
        round(e.pass.mb_per_s(), 1),
    );
    report.figure(
        &scenario,
        "export process peak RSS",
        "MiB",
        mib(e.peak_rss_kib),
    );
    report.figure(
        &scenario,
        &format!(
            "small export ({} records) process peak RSS",
            args.small_rows
        ),
        "MiB",
        mib(s.peak_rss_kib),
    );
    if round_no == 1 {
        report.param(
            "CSV size (export / COPY)",
            format!("{} / {} bytes", e.pass.bytes, c.bytes),
        );
        report.figure(
            "export process",
            "RSS before the first chunk",
            "MiB",
            mib(e.rss_before_kib),
        );
        report.figure("export process", "chunks", "chunks", e.chunks as f64);
    }
    best.copy = best.copy.max(cr);
    best.export = best.export.max(er);
    best.peak_full = best.peak_full.max(e.peak_rss_kib);
    best.peak_small = best.peak_small.max(s.peak_rss_kib);
    Ok(())
}

/// /proc/loadavg's first three fields: this machine is shared, and the figures move with it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

fn mib(kib: u64) -> f64 {
    round(kib as f64 / 1024.0, 1)
}

/// The occurred_at (unix microseconds) of the `n`-th newest record: exporting from it on
/// selects the newest `n`.
async fn small_since(pool: &sqlx::PgPool, tenant: TenantId, n: i64) -> anyhow::Result<i64> {
    let mut tx = pa_db::begin_tenant(pool, tenant).await?;
    let at: OffsetDateTime = sqlx::query_scalar(
        "SELECT occurred_at FROM audit_log WHERE tenant_id = $1 \
         ORDER BY occurred_at DESC, id DESC OFFSET $2 LIMIT 1",
    )
    .bind(tenant)
    .bind(n - 1)
    .fetch_optional(&mut *tx)
    .await?
    .context("fewer records than the small export")?;
    Ok((at.unix_timestamp_nanos() / 1_000) as i64)
}
