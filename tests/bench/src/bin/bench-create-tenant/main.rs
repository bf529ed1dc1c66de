//! Bench 2 (issue 2): create-tenant latency. The tenant-provisioning service runs in-process
//! (real PostgreSQL, RabbitMQ, SMTP sink); 32 concurrent clients POST /v1/tenants in a closed
//! loop after a warm-up. Baseline: a bare INSERT of an equivalent row, same concurrency, same
//! pool size, same run.

/// The services' allocator (services/*/src/main.rs): the service runs in this process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod baseline;
mod service;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use clap::Parser;
use pa_bench::load::{LoadOutcome, closed_loop};
use pa_bench::report::{BenchReport, Goal, TargetCheck, default_out_dir};
use pa_bench::{amqp, benchdb, install_crypto, round};
use serde_json::json;
use tenant_provisioning::config::Settings;

/// Issue 18: a regression guard for the plain up-front key check plus one write statement
/// (vendor provisioning is not a hot path).
const TARGET_P99_MS: f64 = 50.0;

#[derive(Parser)]
struct Args {
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    #[arg(long, default_value_t = 5)]
    warmup_secs: u64,
    /// Measured window for the service.
    #[arg(long, default_value_t = 20)]
    secs: u64,
    /// Measured window for the baseline.
    #[arg(long, default_value_t = 10)]
    baseline_secs: u64,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto();
    let args = Args::parse();
    let mut report = BenchReport::new("2-create-tenant", "Create tenant: POST /v1/tenants", 2);
    report.param("concurrent clients", args.clients);
    report.param("warm-up", format!("{} s", args.warmup_secs));
    report.param("measured window (service)", format!("{} s", args.secs));
    report.param(
        "measured window (baseline and variants)",
        format!("{} s", args.baseline_secs),
    );
    if let Err(e) = measure(&args, &mut report).await {
        eprintln!("bench-create-tenant failed: {e:#}");
        report.error = Some(format!("{e:#}"));
    }
    if report.targets.is_empty() {
        report.targets.push(TargetCheck::new(
            "p99 latency",
            "ms",
            f64::NAN,
            Goal::AtMost,
            TARGET_P99_MS,
            None,
            "bare INSERT",
        ));
    }
    let path = report.write(&args.out.clone().unwrap_or_else(default_out_dir))?;
    println!("wrote {}", path.display());
    // The in-process service has no stop handle: end the process here.
    std::process::exit(if report.error.is_some() { 2 } else { 0 });
}

async fn measure(args: &Args, report: &mut BenchReport) -> anyhow::Result<()> {
    let db = benchdb::prepare().await?;
    db.settle().await?;
    let pool_size = std::env::var("PA_BENCH_POOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Settings::default().database.max_connections);
    report.param("DB pool (the service's default max_connections)", pool_size);

    // The baseline runs first: once the service is up, its outbox relay keeps working in
    // the background and would take CPU from the baseline.
    let (base, first_error) = baseline::run(
        &db,
        args.clients,
        pool_size,
        Duration::from_secs(1),
        Duration::from_secs(args.baseline_secs),
    )
    .await?;
    print_outcome("baseline bare INSERT", &base);
    let label = "baseline: bare INSERT INTO tenants";
    record(report, label, &base, first_error);

    let svc = service::start(&db, pool_size).await?;
    report.param(
        "request",
        "the API's default body (send_setup_link = true: a setup link is issued and e-mailed) \
         + a fresh Idempotency-Key",
    );
    // First the same service without parts of the work, to show where the time goes. They
    // run before the full requests so the setup-link mailer's backlog from those does not
    // weigh on them.
    let no_mail = Variant {
        send_setup_link: false,
        idempotency_key: true,
    };
    let bare = Variant {
        send_setup_link: false,
        idempotency_key: false,
    };
    for (label, variant) in [
        ("send_setup_link=false, no Idempotency-Key", bare),
        ("send_setup_link=false", no_mail),
    ] {
        let warmup = Duration::from_secs(2);
        let window = Duration::from_secs(args.baseline_secs);
        let (o, first_error) = create_tenants(&svc, args.clients, warmup, window, variant).await?;
        print_outcome(&format!("service, {label}"), &o);
        let scenario = format!("service: POST /v1/tenants, {label}");
        record(report, &scenario, &o, first_error);
    }

    let full = Variant {
        send_setup_link: true,
        idempotency_key: true,
    };
    db.settle().await?;
    let warmup = Duration::from_secs(args.warmup_secs);
    let window = Duration::from_secs(args.secs);
    let (create, first_error) = create_tenants(&svc, args.clients, warmup, window, full).await?;
    print_outcome("service", &create);
    let p99_by_second = by_second(&create, |l| l.p99_ms);
    println!("  per-second p99 (ms): {p99_by_second}");
    println!(
        "  per-second max (ms): {}",
        by_second(&create, |l| l.max_ms)
    );
    record(report, "service: POST /v1/tenants", &create, first_error);
    let worst = create
        .timeline
        .iter()
        .map(|s| s.latencies.p99_ms)
        .fold(f64::NAN, f64::max);
    report.figure(
        "service: POST /v1/tenants",
        "worst one-second p99 (stalls show here)",
        "ms",
        round(worst, 2),
    );
    report.note(format!(
        "service: POST /v1/tenants, p99 of each second of the window (ms): {p99_by_second}"
    ));
    let mails = svc.sink.messages().len();
    report.figure(
        "service: POST /v1/tenants",
        "setup e-mails at the SMTP sink when the window closed (warm-up included)",
        "e-mails",
        mails as f64,
    );
    svc.sink.clear();

    report.targets.push(TargetCheck::new(
        "p99 latency, 32 concurrent clients",
        "ms",
        round(create.latencies.p99_ms, 2),
        Goal::AtMost,
        TARGET_P99_MS,
        Some(round(base.latencies.p99_ms, 2)),
        "bare INSERT, same pool & concurrency",
    ));
    amqp::delete_queue(&svc.mailer_queue).await;
    amqp::delete_bench_exchange().await;
    if create.latencies.count == 0 {
        bail!("no request succeeded");
    }
    Ok(())
}

/// What each request asks for.
#[derive(Clone, Copy)]
struct Variant {
    /// The API default: issue the first setup link and e-mail it within the request.
    send_setup_link: bool,
    /// A fresh `Idempotency-Key` per request, as a careful operator client sends.
    idempotency_key: bool,
}

/// 32 clients, each with its own reqwest client (own keep-alive connection).
async fn create_tenants(
    svc: &service::Service,
    clients: usize,
    warmup: Duration,
    duration: Duration,
    variant: Variant,
) -> anyhow::Result<(LoadOutcome, Option<String>)> {
    let http: Arc<Vec<reqwest::Client>> =
        Arc::new((0..clients).map(|_| reqwest::Client::new()).collect());
    let url = Arc::new(format!("{}/v1/tenants", svc.base_url));
    let auth = Arc::new(format!("Bearer {}", svc.operator_key));
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    Ok(closed_loop(clients, warmup, duration, move |worker, seq| {
        let (http, url, auth) = (http.clone(), url.clone(), auth.clone());
        let mut body = json!({
            "display_name": format!("Bench Health {run} {worker}-{seq}"),
            "contact_email": format!("it-admin+{run}-{worker}-{seq}@bench.example.org"),
            "environment": if seq % 2 == 0 { "production" } else { "non_production" },
        });
        if !variant.send_setup_link {
            body["send_setup_link"] = json!(false);
        }
        async move {
            let mut request = http[worker]
                .post(url.as_str())
                .header("Authorization", auth.as_str())
                .json(&body);
            if variant.idempotency_key {
                request = request.header("Idempotency-Key", uuid::Uuid::now_v7().to_string());
            }
            let resp = request.send().await?;
            let status = resp.status();
            let text = resp.text().await?;
            if status.as_u16() != 201 {
                bail!("{status}: {}", &text[..text.len().min(300)]);
            }
            Ok(())
        }
    })
    .await)
}

fn print_outcome(label: &str, o: &LoadOutcome) {
    let l = &o.latencies;
    println!(
        "{label}: {:.0} req/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {} errors",
        o.per_second, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, o.errors
    );
}

/// `metric` of each second of the window, in ms, space-separated: a stall shows as one slow
/// second.
fn by_second(o: &LoadOutcome, metric: fn(&pa_bench::stats::Latencies) -> f64) -> String {
    o.timeline
        .iter()
        .map(|s| format!("{:.0}", metric(&s.latencies)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn record(report: &mut BenchReport, scenario: &str, o: &LoadOutcome, first_error: Option<String>) {
    let l = &o.latencies;
    report.figure(scenario, "requests/s", "req/s", round(o.per_second, 0));
    report.figure(scenario, "p50", "ms", round(l.p50_ms, 2));
    report.figure(scenario, "p95", "ms", round(l.p95_ms, 2));
    report.figure(scenario, "p99", "ms", round(l.p99_ms, 2));
    report.figure(scenario, "max", "ms", round(l.max_ms, 2));
    report.figure(scenario, "completed", "requests", l.count as f64);
    report.figure(scenario, "errors", "requests", o.errors as f64);
    if let Some(e) = first_error {
        report.note(format!("{scenario}: first error: {e}"));
    }
}
