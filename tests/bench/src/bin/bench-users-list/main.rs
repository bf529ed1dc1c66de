//! Bench (issue 16): the admin console's users list. A 100,000-user tenant in a database of
//! 1,000,000 users across tenants; 32 concurrent clients, each with its own console session,
//! GET `/v1/users?search=<term>&limit=50` in a closed loop after a warm-up (admin-console
//! in-process: session check, the search statement, JSON). Baseline, same run: the very same
//! statement (`admin_console::repo::directory::list_users_query`) run directly by 32 workers
//! on a pool like the service's search pool (same size, same session settings).

/// The services' allocator: the service runs in this process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod data;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use admin_console::config::Settings;
use admin_console::repo::directory::{UserFilter, UserSort, list_users_query, search_pool};
use admin_console::startup::Application;
use clap::Parser;
use pa_bench::load::{LoadOutcome, closed_loop};
use pa_bench::report::{BenchReport, Goal, TargetCheck, default_out_dir};
use pa_bench::{amqp, benchdb, install_crypto, round};
use pa_domain::TenantId;

const TARGET_P99_MS: f64 = 25.0;
/// Its own database: the 1,000,000-user load is never dropped by another bench starting.
const DATABASE: &str = "patient_access_bench_console";
const TARGET_RATIO: f64 = 0.5;

/// Search terms (surnames and fragments of them: about 1 % of the people each, so every page
/// is full), rotated per request. The measured scenario and its targets use these.
pub const TERMS: [&str; 6] = ["garcia", "nguyen", "smith", "patel", "ander", "okafor"];
/// Full names (about 20 people each): a second, figures-only scenario.
pub const FULL_NAMES: [&str; 4] = [
    "mary%20garcia",
    "james%20nguyen",
    "linda%20patel",
    "kevin%20smith",
];

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Users of the measured tenant.
    #[arg(long, default_value_t = 100_000)]
    tenant_users: u32,
    /// Users in the whole database (the rest spread over tenants of 10,000).
    #[arg(long, default_value_t = 1_000_000)]
    total_users: u32,
    #[arg(long, default_value_t = 5)]
    warmup_secs: u64,
    #[arg(long, default_value_t = 20)]
    secs: u64,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto();
    let args = Args::parse();
    let mut report = BenchReport::new(
        "5-users-list",
        "Console users list: GET /v1/users?search=…&limit=50",
        16,
    );
    report.param("concurrent clients", args.clients);
    report.param("users in the measured tenant", args.tenant_users);
    report.param("users in the database", args.total_users);
    report.param("warm-up", format!("{} s", args.warmup_secs));
    report.param("measured window (each)", format!("{} s", args.secs));
    report.param("search terms (rotated)", TERMS.join(", "));
    if let Err(e) = measure(&args, &mut report).await {
        eprintln!("bench-users-list failed: {e:#}");
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
            "direct SQL",
        ));
    }
    let path = report.write(&args.out.clone().unwrap_or_else(default_out_dir))?;
    println!("wrote {}", path.display());
    std::process::exit(if report.error.is_some() { 2 } else { 0 });
}

async fn measure(args: &Args, report: &mut BenchReport) -> anyhow::Result<()> {
    let db = benchdb::prepare_named(DATABASE).await?;
    let started = std::time::Instant::now();
    let fixture = data::load(&db, args.tenant_users, args.total_users, args.clients).await?;
    report.note(format!(
        "loading {} users took {:.0} s",
        args.total_users,
        started.elapsed().as_secs_f64()
    ));
    db.settle().await?;
    let pool_size = Settings::default().console.search_connections;
    report.param(
        "DB pool (the service's default search pool: console.search_connections)",
        pool_size,
    );
    let database = pa_db::DatabaseSettings {
        url: db.app_secret(),
        ..Settings::default().database
    };

    // Baseline first (the service's background loops would take CPU from it).
    let pool = search_pool(&database, pool_size)?;
    let tenant = fixture.tenant;
    let (base, base_err) = closed_loop(
        args.clients,
        Duration::from_secs(args.warmup_secs),
        Duration::from_secs(args.secs),
        move |worker, seq| {
            let pool = pool.clone();
            async move { direct_sql(&pool, tenant, term(worker, seq)).await }
        },
    )
    .await;
    print_outcome("direct SQL", &base);
    record(
        report,
        "direct SQL (same statement, tenant transaction)",
        &base,
        base_err,
    );

    let base_url = start_service(&db).await?;
    let clients: Arc<Vec<(reqwest::Client, String)>> = Arc::new(
        fixture
            .session_cookies
            .iter()
            .map(|cookie| (reqwest::Client::new(), format!("pa_console={cookie}")))
            .collect(),
    );
    let url = Arc::new(base_url);
    let (clients_again, url_again) = (clients.clone(), url.clone());
    let (svc, svc_err) = closed_loop(
        args.clients,
        Duration::from_secs(args.warmup_secs),
        Duration::from_secs(args.secs),
        move |worker, seq| {
            let (clients, url) = (clients.clone(), url.clone());
            async move {
                let (client, cookie) = &clients[worker % clients.len()];
                let resp = client
                    .get(format!(
                        "{url}/v1/users?search={}&limit=50",
                        term(worker, seq)
                    ))
                    .header("cookie", cookie)
                    .send()
                    .await?;
                let status = resp.status();
                let body = resp.bytes().await?;
                if !status.is_success() {
                    anyhow::bail!("{status}: {}", String::from_utf8_lossy(&body));
                }
                Ok(())
            }
        },
    )
    .await;
    print_outcome("GET /v1/users", &svc);
    record(report, "admin-console GET /v1/users", &svc, svc_err);

    // Figures only: a selective term (a full name, ~20 matches).
    let pool = search_pool(&database, pool_size)?;
    let short = Duration::from_secs(args.secs.min(10));
    let (sel_base, _) =
        closed_loop(
            args.clients,
            Duration::from_secs(1),
            short,
            move |worker, seq| {
                let pool = pool.clone();
                async move {
                    direct_sql(&pool, tenant, &full_name(worker, seq).replace("%20", " ")).await
                }
            },
        )
        .await;
    print_outcome("direct SQL, full-name term", &sel_base);
    record(
        report,
        "direct SQL, full-name term (~20 matches)",
        &sel_base,
        None,
    );
    let (sel_svc, sel_err) = closed_loop(args.clients, Duration::from_secs(1), short, {
        let (clients, url) = (clients_again.clone(), url_again.clone());
        move |worker, seq| {
            let (clients, url) = (clients.clone(), url.clone());
            async move {
                let (client, cookie) = &clients[worker % clients.len()];
                let resp = client
                    .get(format!(
                        "{url}/v1/users?search={}&limit=50",
                        full_name(worker, seq)
                    ))
                    .header("cookie", cookie)
                    .send()
                    .await?;
                anyhow::ensure!(resp.status().is_success(), "{}", resp.status());
                resp.bytes().await?;
                Ok(())
            }
        }
    })
    .await;
    print_outcome("GET /v1/users, full-name term", &sel_svc);
    record(
        report,
        "admin-console GET /v1/users, full-name term (~20 matches)",
        &sel_svc,
        sel_err,
    );

    let ratio = svc.per_second / base.per_second;
    report.targets.push(TargetCheck::new(
        "p99 latency",
        "ms",
        round(svc.latencies.p99_ms, 2),
        Goal::AtMost,
        TARGET_P99_MS,
        Some(round(base.latencies.p99_ms, 2)),
        "direct SQL",
    ));
    report.targets.push(TargetCheck::new(
        "requests/s vs direct SQL",
        "ratio",
        round(ratio, 3),
        Goal::AtLeast,
        TARGET_RATIO,
        Some(1.0),
        "direct SQL",
    ));
    report.note(format!(
        "service {:.0} req/s vs direct SQL {:.0} statements/s ({:.0} %); p50 {:.1} ms vs {:.1} ms",
        svc.per_second,
        base.per_second,
        ratio * 100.0,
        svc.latencies.p50_ms,
        base.latencies.p50_ms
    ));
    amqp::delete_bench_exchange().await;
    Ok(())
}

fn term(worker: usize, seq: u64) -> &'static str {
    TERMS[(worker + seq as usize) % TERMS.len()]
}

fn full_name(worker: usize, seq: u64) -> &'static str {
    FULL_NAMES[(worker + seq as usize) % FULL_NAMES.len()]
}

async fn direct_sql(pool: &sqlx::PgPool, tenant: TenantId, term: &str) -> anyhow::Result<()> {
    let filter = UserFilter {
        search: Some(term.to_owned()),
        ..UserFilter::default()
    };
    // Run as the service runs a search: one autocommit statement on the search pool.
    let rows = list_users_query(
        tenant,
        &filter,
        UserSort::DisplayName { descending: false },
        None,
        51,
    )?
    .build()
    .fetch_all(pool)
    .await?;
    anyhow::ensure!(!rows.is_empty(), "no match for {term}");
    Ok(())
}

async fn start_service(db: &benchdb::BenchDb) -> anyhow::Result<String> {
    let mut s = Settings::default();
    s.http.bind = "127.0.0.1:0".parse()?;
    s.database.url = db.app_secret();
    s.amqp.url = amqp::url().into();
    s.amqp.exchange = amqp::BENCH_EXCHANGE.to_owned();
    // Never called: the sessions are made directly; sign-in is not measured here.
    s.entra.client_id = "00000000-0000-0000-0000-00000000bench".into();
    s.entra.credential = pa_entra::Credential::Secret("unused".to_owned().into());
    s.entra.login_base_url = "http://127.0.0.1:9/".parse()?;
    s.entra.graph_base_url = "http://127.0.0.1:9/graph".parse()?;
    s.emergency.totp_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        .to_owned()
        .into();
    s.workers.consume_events = false;
    s.workers.seal_interval_ms = 0;
    s.workers.retention_purge_secs = 0;
    s.workers.session_sweep_secs = 0;
    let app = Application::build(s).await?;
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Ok(url)
}

fn print_outcome(label: &str, o: &LoadOutcome) {
    println!(
        "{label}: {:.0}/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms, errors {}",
        o.per_second,
        o.latencies.p50_ms,
        o.latencies.p95_ms,
        o.latencies.p99_ms,
        o.latencies.max_ms,
        o.errors
    );
}

fn record(report: &mut BenchReport, scenario: &str, o: &LoadOutcome, first_error: Option<String>) {
    report.figure(scenario, "requests/s", "1/s", round(o.per_second, 1));
    report.figure(scenario, "p50", "ms", round(o.latencies.p50_ms, 2));
    report.figure(scenario, "p95", "ms", round(o.latencies.p95_ms, 2));
    report.figure(scenario, "p99", "ms", round(o.latencies.p99_ms, 2));
    report.figure(scenario, "max", "ms", round(o.latencies.max_ms, 2));
    report.figure(scenario, "errors", "", o.errors as f64);
    if let Some(e) = first_error {
        report.note(format!("{scenario}: first error: {e}"));
    }
}
