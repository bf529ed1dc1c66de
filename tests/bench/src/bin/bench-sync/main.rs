//! Bench 4 (issue 15): sync-dispatch, in this process, against the `entra-sim` binary (a
//! separate process, so this process's memory is the service's) and the bench database:
//!
//! * first full sync of a generated 100,000-user directory with nested groups, simulator →
//!   rows committed: users/s and peak RSS; baseline: the same rows loaded by a bare `COPY`;
//! * the same with 200 ms of latency per Graph page: total time against the latency of the
//!   pages that must be read one after another;
//! * leaver latency on the incremental schedule: directory change → `user.deactivated`;
//! * fairness: 1,000 small tenants on their schedule while a 100,000-user first sync runs;
//!   baseline: the same tenants' lag in a quiet window of the same run.

mod fairness;
mod full;
mod harness;
mod leaver;
mod sim;
#[allow(dead_code)]
#[path = "../bench-graph-read/simproc.rs"]
mod simproc;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use pa_bench::report::{BenchReport, Goal, TargetCheck, default_out_dir};
use pa_bench::{install_crypto, round};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Targets of issue 15.
const COPY_SHARE: f64 = 0.25;
const MAX_RSS_MIB: f64 = 300.0;
const LATENCY_FACTOR: f64 = 1.25;
const SLACK_SECS: f64 = 5.0;

#[derive(Parser)]
struct Args {
    /// The `entra-sim` binary (built with the same profile).
    #[arg(long, default_value = "target/bench-release/entra-sim")]
    sim_bin: PathBuf,
    /// Users of the large directory (first sync, latency, fairness).
    #[arg(long, default_value_t = 100_000)]
    users: u64,
    /// Injected latency per Graph call in the latency and fairness scenarios (ms).
    #[arg(long, default_value_t = 200)]
    latency_ms: u64,
    /// Users of the leaver bench's directory, its interval (s) and how many leavers.
    #[arg(long, default_value_t = 10_000)]
    leaver_users: u64,
    #[arg(long, default_value_t = 10)]
    leaver_interval_secs: u32,
    #[arg(long, default_value_t = 8)]
    leavers: usize,
    /// Small tenants of the fairness bench and their interval (s).
    #[arg(long, default_value_t = 1_000)]
    small_tenants: usize,
    #[arg(long, default_value_t = 60)]
    small_interval_secs: u32,
    /// Scenarios to run: full, latency, leaver, fairness.
    #[arg(long, value_delimiter = ',', default_values_t = ["full".to_owned(), "latency".to_owned(), "leaver".to_owned(), "fairness".to_owned()])]
    scenarios: Vec<String>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto();
    // The service's own logs, when asked for (e.g. RUST_LOG=sync_dispatch=info): off by default
    // so the figures carry no logging cost.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let args = Args::parse();
    let mut report = BenchReport::new("4-sync", "Directory sync (sync-dispatch)", 15);
    report.param("large directory", format!("{} users (generated: All Staff ⊃ 8 departments ⊃ 6 teams each; configured: All Staff viewer, one department manager, PA Admins admin)", args.users));
    report.param(
        "Graph latency (latency, fairness)",
        format!("{} ms per call", args.latency_ms),
    );
    report.param(
        "leavers",
        format!(
            "{} on a {} s interval, {}-user directory",
            args.leavers, args.leaver_interval_secs, args.leaver_users
        ),
    );
    report.param(
        "fairness",
        format!(
            "{} small tenants (5 users) on a {} s interval",
            args.small_tenants, args.small_interval_secs
        ),
    );
    report.param("service", "sync-dispatch in-process, default lanes (1 full, 4 incremental), mimalloc; simulator: entra-sim binary, separate process, throttling on");
    if let Err(e) = run(&args, &mut report).await {
        report.error = Some(format!("{e:#}"));
    }
    let path = report.write(&args.out.clone().unwrap_or_else(default_out_dir))?;
    println!("wrote {}", path.display());
    if report.error.is_some() {
        std::process::exit(2);
    }
    Ok(())
}

async fn run(args: &Args, report: &mut BenchReport) -> anyhow::Result<()> {
    let port = simproc::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let log = std::env::temp_dir().join("pa-bench-sync-entra-sim.log");
    let sim_args = vec!["--bind".to_owned(), format!("127.0.0.1:{port}")];
    let _sim_process = simproc::SimProcess::start(
        &args.sim_bin,
        &sim_args,
        base.clone(),
        "/_sim/info",
        &log,
        Duration::from_secs(60),
    )
    .await?;
    let db = pa_bench::benchdb::prepare_named(harness::DATABASE).await?;
    let mut h = harness::Harness::start(db, sim::Sim::new(base), |_| {}).await?;
    let wants = |s: &str| args.scenarios.iter().any(|x| x == s);
    let result = async {
        if wants("full") {
            println!("== first full sync of {} users", args.users);
            full_scenario(&h, args, report).await?;
        }
        if wants("latency") {
            println!(
                "== first full sync of {} users, {} ms per Graph call",
                args.users, args.latency_ms
            );
            latency_scenario(&h, args, report).await?;
        }
        if wants("leaver") {
            println!("== leaver latency");
            leaver_scenario(&h, args, report).await?;
        }
        if wants("fairness") {
            println!("== fairness: {} small tenants", args.small_tenants);
            fairness_scenario(&mut h, args, report).await?;
        }
        anyhow::Ok(())
    }
    .await;
    h.stop().await;
    result
}

async fn full_scenario(
    h: &harness::Harness,
    args: &Args,
    report: &mut BenchReport,
) -> anyhow::Result<()> {
    let scenario = format!("first full sync, {} users", args.users);
    let run = full::first_sync(h, args.seed, args.users, 0).await?;
    let (users_copy, grants_copy, copied, grants) = full::copy_baseline(h, run.tenant).await?;
    let copy_rate = copied as f64 / users_copy.as_secs_f64();
    let both_rate = copied as f64 / (users_copy + grants_copy).as_secs_f64();
    let rate = run.users_per_s();
    report.figure(
        &scenario,
        "users committed",
        "users",
        run.run.users_created as f64,
    );
    report.figure(
        &scenario,
        "run time (lease taken → committed)",
        "s",
        round(run.run_time.as_secs_f64(), 2),
    );
    report.figure(
        &scenario,
        "end to end (setup.completed published → run seen finished)",
        "s",
        round(run.wall.as_secs_f64(), 2),
    );
    report.figure(&scenario, "users/s (run time)", "users/s", round(rate, 0));
    report.figure(
        &scenario,
        "Graph pages read",
        "pages",
        run.run.pages_read as f64,
    );
    let mib = |k: Option<u64>| k.map_or(f64::NAN, |k| round(k as f64 / 1024.0, 1));
    report.figure(
        &scenario,
        "RSS before the sync",
        "MiB",
        mib(run.rss_before_kib),
    );
    report.figure(
        &scenario,
        "peak RSS during the sync",
        "MiB",
        mib(run.peak_rss_kib),
    );
    report.figure(
        "baseline: bare COPY",
        "directory_users rows",
        "rows",
        copied as f64,
    );
    report.figure(
        "baseline: bare COPY",
        "directory_users COPY time",
        "s",
        round(users_copy.as_secs_f64(), 2),
    );
    report.figure(
        "baseline: bare COPY",
        "users/s (directory_users only)",
        "users/s",
        round(copy_rate, 0),
    );
    report.figure(
        "baseline: bare COPY",
        "directory_user_grants rows",
        "rows",
        grants as f64,
    );
    report.figure(
        "baseline: bare COPY",
        "users/s (users + grants)",
        "users/s",
        round(both_rate, 0),
    );
    report.targets.push(TargetCheck::new(
        "first full sync users/s (100k, nested groups)",
        "users/s",
        round(rate, 0),
        Goal::AtLeast,
        round(COPY_SHARE * copy_rate, 0),
        Some(round(copy_rate, 0)),
        "bare COPY of the same directory_users rows",
    ));
    report.targets.push(TargetCheck::new(
        "peak RSS during the first full sync (service + bench harness)",
        "MiB",
        mib(run.peak_rss_kib),
        Goal::AtMost,
        MAX_RSS_MIB,
        Some(mib(run.rss_before_kib)),
        "RSS before the sync",
    ));
    report.note(format!(
        "the sync reached {:.0}% of the bare-COPY rate of its directory_users rows ({:.0}% counting the grants COPY too); besides those rows it writes the grants, one history row per user, the groups and the run bookkeeping, all in the same transaction",
        100.0 * rate / copy_rate,
        100.0 * rate / both_rate
    ));
    Ok(())
}

async fn latency_scenario(
    h: &harness::Harness,
    args: &Args,
    report: &mut BenchReport,
) -> anyhow::Result<()> {
    let scenario = format!(
        "first full sync, {} users, {} ms per Graph call",
        args.users, args.latency_ms
    );
    let run = full::first_sync(h, args.seed + 1, args.users, args.latency_ms).await?;
    let per_page = args.latency_ms as f64 / 1000.0;
    let chained = full::chained_pages(args.users);
    let unavoidable = chained as f64 * per_page;
    let all_pages = run.run.pages_read as f64 * per_page;
    let total = run.run_time.as_secs_f64();
    report.figure(
        &scenario,
        "run time (lease taken → committed)",
        "s",
        round(total, 2),
    );
    report.figure(
        &scenario,
        "Graph pages read",
        "pages",
        run.run.pages_read as f64,
    );
    report.figure(
        &scenario,
        "pages that must be read one after another (All Staff's member pages)",
        "pages",
        chained as f64,
    );
    report.figure(
        &scenario,
        "unavoidable sequential page latency",
        "s",
        round(unavoidable, 2),
    );
    report.figure(
        &scenario,
        "latency of every page read one after another",
        "s",
        round(all_pages, 2),
    );
    report.targets.push(TargetCheck::new(
        "first full sync time with 200 ms per Graph page",
        "s",
        round(total, 2),
        Goal::AtMost,
        round(LATENCY_FACTOR * unavoidable, 2),
        Some(round(unavoidable, 2)),
        "unavoidable sequential page latency",
    ));
    Ok(())
}

async fn leaver_scenario(
    h: &harness::Harness,
    args: &Args,
    report: &mut BenchReport,
) -> anyhow::Result<()> {
    let samples = leaver::leavers(
        h,
        args.seed + 2,
        args.leaver_users,
        args.leaver_interval_secs,
        args.leavers,
    )
    .await?;
    let scenario = format!("leavers, {} s interval", args.leaver_interval_secs);
    let mut worst = 0.0f64;
    for s in &samples {
        report.figure(
            &scenario,
            &format!("latency ({})", s.kind),
            "s",
            round(s.latency.as_secs_f64(), 2),
        );
        worst = worst.max(s.latency.as_secs_f64());
    }
    let mean =
        samples.iter().map(|s| s.latency.as_secs_f64()).sum::<f64>() / samples.len().max(1) as f64;
    report.figure(&scenario, "mean latency", "s", round(mean, 2));
    let interval = f64::from(args.leaver_interval_secs);
    report.targets.push(TargetCheck::new(
        "leaver latency, directory change → user.deactivated received (worst)",
        "s",
        round(worst, 2),
        Goal::AtMost,
        interval + SLACK_SECS,
        Some(interval),
        "the incremental interval",
    ));
    Ok(())
}

async fn fairness_scenario(
    h: &mut harness::Harness,
    args: &Args,
    report: &mut BenchReport,
) -> anyhow::Result<()> {
    let f = fairness::fairness(
        h,
        args.seed + 3,
        args.small_tenants,
        args.small_interval_secs,
        args.users,
        args.latency_ms,
    )
    .await?;
    let scenario = format!(
        "{} small tenants, {} s interval",
        f.small, args.small_interval_secs
    );
    report.figure(
        &scenario,
        "setup (directories + first syncs)",
        "s",
        round(f.setup.as_secs_f64(), 1),
    );
    report.figure(
        &scenario,
        "worst sync lag, quiet window",
        "s",
        round(f.quiet_worst, 2),
    );
    report.figure(
        &scenario,
        "worst sync lag, during the large first sync",
        "s",
        round(f.busy_worst, 2),
    );
    report.figure(
        &scenario,
        "p99 of the tenants' worst lag, during the large sync",
        "s",
        round(f.busy_p99, 2),
    );
    report.figure(
        &scenario,
        "small-tenant syncs in the busy window",
        "runs",
        f.busy_runs as f64,
    );
    report.figure(
        &scenario,
        "large first sync run time",
        "s",
        round(f.big_run.as_secs_f64(), 1),
    );
    report.figure(
        &scenario,
        "large first sync users",
        "users",
        f.big_users as f64,
    );
    let interval = f64::from(args.small_interval_secs);
    report.targets.push(TargetCheck::new(
        "small tenants' worst sync lag while a 100k first sync runs",
        "s",
        round(f.busy_worst, 2),
        Goal::AtMost,
        interval + SLACK_SECS,
        Some(round(f.quiet_worst, 2)),
        "worst lag in a quiet window of the same run",
    ));
    Ok(())
}
