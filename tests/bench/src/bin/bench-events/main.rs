//! Bench 1 (issue 2): end-to-end event throughput, outbox → RabbitMQ → idempotent consumer,
//! with publisher confirms and persistent messages, against a bare lapin loop in the same run.

/// The services' allocator (services/*/src/main.rs): the service runs in this process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod baseline;
mod outbox;
mod stages;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use pa_bench::report::{BenchReport, Goal, TargetCheck, default_out_dir};
use pa_bench::stats::per_second;
use pa_bench::{benchdb, install_crypto, round};

const TARGET_EVENTS_PER_S: f64 = 2_000.0;

#[derive(Parser)]
struct Args {
    /// Events per scenario.
    #[arg(long, default_value_t = 50_000)]
    events: u64,
    /// Events per enqueue transaction.
    #[arg(long, default_value_t = 500)]
    batch: u64,
    /// Concurrent enqueueing tasks (one connection each).
    #[arg(long, default_value_t = 2)]
    producers: u64,
    /// Scenarios to run, `RELAYSxCONSUMERS` each: outbox relays × `run_consumer` instances.
    #[arg(long, value_delimiter = ',', default_value = "1x1,2x1,2x2")]
    scenarios: Vec<String>,
    #[arg(long, default_value_t = 200)]
    prefetch: u16,
    /// Deliveries a consumer lane handles per transaction (`ConsumerSpec::batch`; the bench's
    /// handler writes only to PostgreSQL, as a batching consumer must). 1 = one each.
    #[arg(long, default_value_t = 64)]
    consumer_batch: u16,
    /// Pool size of each consumer (a service's default `max_connections`).
    #[arg(long, default_value_t = 10)]
    consumer_pool: u32,
    /// Events are spread round-robin over this many tenants.
    #[arg(long, default_value_t = 64)]
    tenants: u64,
    /// Upper bound for one scenario.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto();
    let args = Args::parse();
    let mut report = BenchReport::new(
        "1-events",
        "Events: outbox → RabbitMQ → idempotent consumer",
        2,
    );
    report.param("events per scenario", args.events);
    report.param("enqueue batch (events per transaction)", args.batch);
    report.param("producers", args.producers);
    report.param("consumer prefetch", args.prefetch);
    report.param(
        "consumer batch (deliveries per transaction, ConsumerSpec::batch)",
        args.consumer_batch,
    );
    report.param(
        "consumer pool (connections per consumer)",
        args.consumer_pool,
    );
    report.param("tenants the events are spread over", args.tenants);
    report.param(
        "consumer lanes",
        "pa-messaging default (AmqpSettings::consumer_concurrency)",
    );
    report.param("scenarios (relays × consumers)", args.scenarios.join(", "));

    if let Err(e) = measure(&args, &mut report).await {
        eprintln!("bench-events failed: {e:#}");
        report.error = Some(format!("{e:#}"));
    }
    if report.targets.is_empty() {
        report.targets.push(TargetCheck::new(
            "events/s",
            "events/s",
            f64::NAN,
            Goal::AtLeast,
            TARGET_EVENTS_PER_S,
            None,
            "bare lapin",
        ));
    }
    let path = report.write(&args.out.clone().unwrap_or_else(default_out_dir))?;
    println!("wrote {}", path.display());
    if report.error.is_some() {
        std::process::exit(2);
    }
    Ok(())
}

async fn measure(args: &Args, report: &mut BenchReport) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(args.timeout_secs);
    let base = baseline::run(&baseline::Params {
        messages: args.events as usize,
        window: args.batch as usize,
        prefetch: args.prefetch,
        body_bytes: 420,
        timeout,
    })
    .await?;
    let base_rate = per_second(args.events, base);
    println!("baseline bare lapin: {base_rate:.0} msg/s ({base:.2?})");
    report.figure(
        "baseline: bare lapin",
        "messages/s",
        "msg/s",
        round(base_rate, 0),
    );
    report.figure(
        "baseline: bare lapin",
        "elapsed",
        "s",
        round(base.as_secs_f64(), 2),
    );

    let db = benchdb::prepare().await?;
    let mut best: Option<(String, f64)> = None;
    for scenario in &args.scenarios {
        let (relays, consumers) = parse_scenario(scenario)?;
        db.settle().await?;
        let out = outbox::run(
            &db,
            &outbox::Params {
                events: args.events,
                batch: args.batch,
                producers: args.producers,
                relays,
                consumers,
                prefetch: args.prefetch,
                consumer_batch: args.consumer_batch,
                consumer_pool: args.consumer_pool,
                tenants: args.tenants,
                timeout,
            },
        )
        .await?;
        let rate = per_second(args.events, out.elapsed);
        let enqueue_rate = per_second(args.events, out.enqueue_elapsed);
        let label = format!("{relays} relay(s), {consumers} consumer(s)");
        println!("outbox, {label}: {rate:.0} events/s ({:.2?})", out.elapsed);
        let scenario = format!("outbox → broker → consumer, {label}");
        report.figure(&scenario, "end-to-end", "events/s", round(rate, 0));
        report.figure(
            &scenario,
            "elapsed",
            "s",
            round(out.elapsed.as_secs_f64(), 2),
        );
        report.figure(
            &scenario,
            "enqueue alone",
            "events/s",
            round(enqueue_rate, 0),
        );
        if best.as_ref().is_none_or(|(_, b)| rate > *b) {
            best = Some((label, rate));
        }
    }
    let stage_params = outbox::Params {
        events: args.events,
        batch: args.batch,
        producers: args.producers,
        relays: 1,
        consumers: 1,
        prefetch: args.prefetch,
        consumer_batch: args.consumer_batch,
        consumer_pool: args.consumer_pool,
        tenants: args.tenants,
        timeout,
    };
    db.settle().await?;
    let st = stages::run(&db, &stage_params).await?;
    let scenario = "stages one at a time (1 relay, 1 consumer)";
    for (metric, span) in [
        ("enqueue only (no relay running)", st.enqueue),
        ("relay only (full outbox → queue, no consumer)", st.relay),
        ("consumer only (full queue → handler commits)", st.consume),
    ] {
        let rate = per_second(args.events, span);
        println!("stage {metric}: {rate:.0} events/s");
        report.figure(scenario, metric, "events/s", round(rate, 0));
    }

    if let Some((label, rate)) = best {
        report.targets.push(TargetCheck::new(
            &format!("end-to-end events/s (best: {label})"),
            "events/s",
            round(rate, 0),
            Goal::AtLeast,
            TARGET_EVENTS_PER_S,
            Some(round(base_rate, 0)),
            "bare lapin publish/consume, no DB",
        ));
        report.note(format!(
            "the product path reaches {:.0}% of the bare-broker baseline",
            100.0 * rate / base_rate
        ));
    }
    Ok(())
}

/// `"2x4"` → 2 relays, 4 consumers.
fn parse_scenario(s: &str) -> anyhow::Result<(usize, usize)> {
    let (r, c) = s
        .split_once('x')
        .ok_or_else(|| anyhow::anyhow!("scenario {s:?} is not RxC"))?;
    Ok((r.trim().parse()?, c.trim().parse()?))
}
