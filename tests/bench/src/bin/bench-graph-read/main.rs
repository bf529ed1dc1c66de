//! Bench 3 (issue 3): the pa-entra client reads every user of a generated directory and the
//! transitive members of its groups (page size 999) from the `entra-sim` binary running as a
//! separate process; pages/s, users/s and the client's peak RSS, for two directory sizes.
//! Baseline: raw reqwest GETs of the same pages, bodies discarded (the simulator's ceiling).
//!
//! The parent starts the simulator and runs the baseline; the client runs in a fresh child
//! process (this binary with `--child`) so its VmHWM is the client's alone.

mod client;
mod control;
mod raw;
mod simproc;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use client::{ClientRun, PAGE, Target};
use pa_bench::report::{BenchReport, Goal, TargetCheck, default_out_dir};
use pa_bench::{install_crypto, round};
use pa_entra::{EntraClient, EntraTenantId, GroupFilter, PageSize, USER_SELECT};

const TARGET_USERS_PER_S: f64 = 50_000.0;
const SIMULATOR: &str =
    "entra-sim binary, separate process, HTTP on 127.0.0.1, throttling off, no injected latency";
/// "Peak memory independent of directory size": the client's peak RSS on the largest
/// directory may exceed the one on the smallest by at most this factor.
const TARGET_RSS_RATIO: f64 = 1.25;

#[derive(Parser)]
struct Args {
    /// The `entra-sim` binary (built with the same profile).
    #[arg(long, default_value = "target/bench-release/entra-sim")]
    sim_bin: PathBuf,
    /// Directory sizes, smallest first; the target is checked on the largest.
    #[arg(long, value_delimiter = ',', default_values_t = vec![10_000u64, 100_000])]
    users: Vec<u64>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Passes over the user listing (client and baseline alike).
    #[arg(long, default_value_t = 3)]
    passes: u32,
    #[arg(long)]
    out: Option<PathBuf>,
    /// Internal: run the client on the target read from stdin, print the result to stdout.
    #[arg(long, hide = true)]
    child: bool,
}

/// One directory size's figures.
struct SizeRun {
    users: u64,
    client: ClientRun,
    raw_users: raw::Walk,
    raw_members: raw::Walk,
    generation: Duration,
    sim_peak_rss_kib: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto();
    let args = Args::parse();
    if args.child {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        let target: Target = serde_json::from_str(&input)?;
        let run = client::run(&target).await?;
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &run)?;
        out.flush()?;
        return Ok(());
    }

    let mut report = BenchReport::new(
        "3-graph-read",
        "Graph read: all users + transitive members",
        3,
    );
    report.param("page size ($top)", PAGE);
    report.param("directory sizes (users)", format!("{:?}", args.users));
    report.param("generator seed", args.seed);
    report.param("passes over the user listing", args.passes);
    report.param("simulator", SIMULATOR);
    let mut runs = Vec::new();
    for &users in &args.users {
        match measure_size(&args, users).await {
            Ok(run) => {
                record(&mut report, &run);
                runs.push(run);
            }
            Err(e) => {
                eprintln!("bench-graph-read ({users} users) failed: {e:#}");
                report.error = Some(format!("{users} users: {e:#}"));
                break;
            }
        }
    }
    targets(&mut report, &runs);
    let path = report.write(&args.out.clone().unwrap_or_else(default_out_dir))?;
    println!("wrote {}", path.display());
    if report.error.is_some() {
        std::process::exit(2);
    }
    Ok(())
}

async fn measure_size(args: &Args, users: u64) -> anyhow::Result<SizeRun> {
    let port = simproc::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let log = std::env::temp_dir().join(format!("pa-bench-entra-sim-{users}.log"));
    let sim_args = vec!["--bind".to_owned(), format!("127.0.0.1:{port}")];
    let sim = simproc::SimProcess::start(
        &args.sim_bin,
        &sim_args,
        base.clone(),
        "/_sim/info",
        &log,
        Duration::from_secs(60),
    )
    .await?;
    let (target, generation) = control::prepare(&base, args.seed, users, args.passes).await?;
    println!("{users} users: directory generated in {generation:.2?}");

    // One untimed pass over the users so neither side pays the simulator's first-touch costs.
    raw::walk(
        &reqwest::Client::new(),
        &client::bearer(&target).await?,
        &users_url(&target),
        false,
    )
    .await?;
    let client = run_child(&target).await?;
    println!(
        "{users} users: client {:.0} users/s, peak RSS {} KiB",
        client.users as f64 / client.users_secs,
        client.peak_rss_kib_after
    );
    let (raw_users, raw_members) = baseline(&target).await?;
    Ok(SizeRun {
        users,
        client,
        raw_users,
        raw_members,
        generation,
        sim_peak_rss_kib: simproc::peak_rss_kib_of(sim.pid()),
    })
}

/// Runs the client in a fresh process of this binary.
async fn run_child(target: &Target) -> anyhow::Result<ClientRun> {
    let exe = std::env::current_exe()?;
    let input = serde_json::to_vec(target)?;
    let output = tokio::task::spawn_blocking(move || -> anyhow::Result<std::process::Output> {
        let mut child = Command::new(exe)
            .arg("--child")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        child
            .stdin
            .take()
            .context("child stdin")?
            .write_all(&input)?;
        Ok(child.wait_with_output()?)
    })
    .await??;
    if !output.status.success() {
        bail!("the client process failed ({})", output.status);
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// The same pages as the client, fetched raw: users, then groups and each group's transitive
/// user members.
async fn baseline(t: &Target) -> anyhow::Result<(raw::Walk, raw::Walk)> {
    let token = client::bearer(t).await?;
    let http = reqwest::Client::new();
    let graph = graph_url(t);
    let mut raw_users = raw::Walk::default();
    for _ in 0..t.passes.max(1) {
        raw_users += raw::walk(&http, &token, &users_url(t), false).await?;
    }

    // Group ids for the member URLs, read untimed through the client.
    let entra = EntraClient::new(client::settings(t)?)?;
    let page = PageSize::new(PAGE).context("page size")?;
    let ids = entra
        .graph(EntraTenantId::parse(&t.tenant)?)
        .groups(&GroupFilter::default(), page)
        .collect_all()
        .await?;
    let groups_url = format!(
        "{graph}/groups?$select={}&$top={PAGE}",
        pa_entra::GROUP_SELECT
    );
    let mut raw_members = raw::walk(&http, &token, &groups_url, false).await?;
    for g in ids {
        let url = format!(
            "{graph}/groups/{}/transitiveMembers/microsoft.graph.user?$select={USER_SELECT}&$count=true&$top={PAGE}",
            g.id
        );
        raw_members += raw::walk(&http, &token, &url, true).await?;
    }
    Ok((raw_users, raw_members))
}

fn graph_url(t: &Target) -> String {
    format!("{}/graph/v1.0", t.base_url.trim_end_matches('/'))
}

/// The first page the client's `users()` pager requests.
fn users_url(t: &Target) -> String {
    format!("{}/users?$select={USER_SELECT}&$top={PAGE}", graph_url(t))
}

fn record(report: &mut BenchReport, r: &SizeRun) {
    let c = &r.client;
    let scenario = format!("{} users: pa-entra client", r.users);
    report.figure(
        &scenario,
        "users read (all passes)",
        "users",
        c.users as f64,
    );
    report.figure(
        &scenario,
        "user pages/s",
        "pages/s",
        round(c.user_pages as f64 / c.users_secs, 1),
    );
    report.figure(
        &scenario,
        "users/s",
        "users/s",
        round(c.users as f64 / c.users_secs, 0),
    );
    report.figure(&scenario, "groups", "groups", c.groups as f64);
    report.figure(
        &scenario,
        "transitive member entries read",
        "entries",
        c.member_entries as f64,
    );
    report.figure(
        &scenario,
        "group + member pages/s",
        "pages/s",
        round((c.group_pages + c.member_pages) as f64 / c.members_secs, 1),
    );
    report.figure(
        &scenario,
        "member entries/s",
        "entries/s",
        round(c.member_entries as f64 / c.members_secs, 0),
    );
    report.figure(
        &scenario,
        "peak RSS before reading",
        "MiB",
        round(c.peak_rss_kib_before as f64 / 1024.0, 1),
    );
    report.figure(
        &scenario,
        "peak RSS after reading",
        "MiB",
        round(c.peak_rss_kib_after as f64 / 1024.0, 1),
    );
    let scenario = format!("{} users: baseline raw GETs", r.users);
    let (u, m) = (&r.raw_users, &r.raw_members);
    report.figure(
        &scenario,
        "user pages/s",
        "pages/s",
        round(u.pages as f64 / u.elapsed.as_secs_f64(), 1),
    );
    report.figure(
        &scenario,
        "users/s (same pages)",
        "users/s",
        round(c.users as f64 / u.elapsed.as_secs_f64(), 0),
    );
    report.figure(
        &scenario,
        "user page bytes",
        "MiB",
        round(u.bytes as f64 / 1_048_576.0, 1),
    );
    report.figure(
        &scenario,
        "group + member pages/s",
        "pages/s",
        round(m.pages as f64 / m.elapsed.as_secs_f64(), 1),
    );
    report.figure(
        &scenario,
        "member entries/s (same pages)",
        "entries/s",
        round(c.member_entries as f64 / m.elapsed.as_secs_f64(), 0),
    );
    let scenario = format!("{} users: simulator", r.users);
    report.figure(
        &scenario,
        "directory generation",
        "s",
        round(r.generation.as_secs_f64(), 2),
    );
    if let Some(kib) = r.sim_peak_rss_kib {
        report.figure(
            &scenario,
            "simulator peak RSS",
            "MiB",
            round(kib as f64 / 1024.0, 1),
        );
    }
}

fn targets(report: &mut BenchReport, runs: &[SizeRun]) {
    let largest = runs.iter().max_by_key(|r| r.users);
    let (measured, baseline, label) = match largest {
        Some(r) => (
            round(r.client.users as f64 / r.client.users_secs, 0),
            Some(round(
                r.client.users as f64 / r.raw_users.elapsed.as_secs_f64(),
                0,
            )),
            format!("raw GETs of the same pages, {} users", r.users),
        ),
        None => (f64::NAN, None, "raw GETs of the same pages".to_owned()),
    };
    report.targets.push(TargetCheck::new(
        "client users/s (list users, $top=999)",
        "users/s",
        measured,
        Goal::AtLeast,
        TARGET_USERS_PER_S,
        baseline,
        &label,
    ));

    let smallest = runs.iter().min_by_key(|r| r.users);
    let (ratio, size_ratio, label) = match (smallest, largest) {
        (Some(s), Some(l)) if l.users > s.users => (
            round(
                l.client.peak_rss_kib_after as f64 / s.client.peak_rss_kib_after as f64,
                2,
            ),
            Some(round(l.users as f64 / s.users as f64, 1)),
            format!("directory size ratio {} ÷ {} users", l.users, s.users),
        ),
        _ => (f64::NAN, None, "directory size ratio".to_owned()),
    };
    report.targets.push(TargetCheck::new(
        "client peak RSS, largest ÷ smallest directory",
        "×",
        ratio,
        Goal::AtMost,
        TARGET_RSS_RATIO,
        size_ratio,
        &label,
    ));
    if let Some(r) = largest {
        let c = &r.client;
        report.note(format!(
            "{} users: the client reached {:.0}% of the raw-GET page rate on users and {:.0}% on group members",
            r.users,
            100.0 * r.raw_users.elapsed.as_secs_f64() / c.users_secs,
            100.0 * r.raw_members.elapsed.as_secs_f64() / c.members_secs,
        ));
    }
}
