//! Turns the JSON files the bench binaries wrote into `tests/bench/RESULTS.md`.
//!
//! `bench-report --results DIR --machine FILE --out RESULTS.md [--notes NOTES.md]`: FILE holds
//! `key: value` lines about the machine (written by run.sh); NOTES.md, when given and present,
//! is appended as the analysis section.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use pa_bench::report::{BenchReport, Goal, TargetCheck};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    results: PathBuf,
    #[arg(long)]
    machine: PathBuf,
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    notes: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut reports = Vec::new();
    for entry in std::fs::read_dir(&args.results)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let report: BenchReport = serde_json::from_slice(&std::fs::read(&path)?)?;
            reports.push(report);
        }
    }
    reports.sort_by(|a, b| a.id.cmp(&b.id));
    let machine = std::fs::read_to_string(&args.machine)?;
    let notes = args
        .notes
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let md = render(&reports, &machine, notes.as_deref())?;
    std::fs::write(&args.out, md)?;
    let failed = reports
        .iter()
        .flat_map(|r| &r.targets)
        .filter(|t| !t.pass)
        .count();
    println!("wrote {} ({} target(s) missed)", args.out.display(), failed);
    Ok(())
}

fn render(reports: &[BenchReport], machine: &str, notes: Option<&str>) -> anyhow::Result<String> {
    let mut md = String::new();
    writeln!(md, "# Benchmark results\n")?;
    writeln!(
        md,
        "Written by `make bench` (tests/bench/run.sh); rerun it to refresh, do not edit by hand. \
         Every target is compared with a baseline measured in the same run on the same machine.\n"
    )?;
    writeln!(md, "## Machine\n\n| | |\n|---|---|")?;
    for line in machine.lines().filter(|l| !l.trim().is_empty()) {
        let (k, v) = line.split_once(':').unwrap_or((line, ""));
        writeln!(md, "| {} | {} |", k.trim(), v.trim().replace('|', "\\|"))?;
    }
    writeln!(md, "\n## Summary\n")?;
    writeln!(
        md,
        "| bench | issue | metric | measured | target | baseline (same run) | result |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|---|")?;
    for r in reports {
        if r.targets.is_empty() {
            writeln!(
                md,
                "| {} | #{} | (did not complete) | n/a | | | **FAIL** |",
                r.title, r.issue
            )?;
        }
        for t in &r.targets {
            writeln!(
                md,
                "| {} | #{} | {} | {} | {} | {} | **{}** |",
                r.title,
                r.issue,
                t.metric,
                value(t.measured, &t.unit),
                target(t),
                baseline(t),
                if t.pass { "PASS" } else { "FAIL" }
            )?;
        }
    }
    for r in reports {
        section(&mut md, r)?;
    }
    if let Some(notes) = notes {
        writeln!(md, "\n{}", notes.trim_end())?;
    }
    Ok(md)
}

fn section(md: &mut String, r: &BenchReport) -> anyhow::Result<()> {
    writeln!(md, "\n## {} (issue #{})\n", r.title, r.issue)?;
    if let Some(e) = &r.error {
        writeln!(
            md,
            "**The bench did not complete:** `{}`\n",
            e.replace('`', "'")
        )?;
    }
    if !r.params.is_empty() {
        let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        writeln!(md, "Parameters: {}.\n", params.join("; "))?;
    }
    if !r.figures.is_empty() {
        writeln!(md, "| scenario | metric | value |\n|---|---|---|")?;
        for f in &r.figures {
            writeln!(
                md,
                "| {} | {} | {} |",
                f.scenario,
                f.metric,
                value(f.value, &f.unit)
            )?;
        }
        writeln!(md)?;
    }
    for n in &r.notes {
        writeln!(md, "- {n}")?;
    }
    Ok(())
}

fn value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let digits = if v.fract() == 0.0 || v.abs() >= 100.0 {
        0
    } else {
        2
    };
    format!("{} {unit}", group_thousands(&format!("{v:.digits$}")))
}

fn group_thousands(s: &str) -> String {
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn target(t: &TargetCheck) -> String {
    let op = match t.goal {
        Goal::AtLeast => "≥",
        Goal::AtMost => "≤",
    };
    format!("{op} {}", value(t.target, &t.unit))
}

fn baseline(t: &TargetCheck) -> String {
    match t.baseline {
        Some(b) => format!("{} ({})", value(b, &t.unit), t.baseline_label),
        None => format!("n/a ({})", t.baseline_label),
    }
}
