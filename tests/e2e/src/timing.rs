//! How long each step of a journey took, printed as a table for the closing note.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The steps of one journey, in order.
#[derive(Debug)]
pub struct Timings {
    label: String,
    started: Instant,
    current: Option<(String, Instant)>,
    steps: Vec<(String, Duration)>,
}

impl Timings {
    pub fn new(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            started: Instant::now(),
            current: None,
            steps: Vec::new(),
        }
    }

    /// Ends the current step (if any) and starts `name`.
    pub fn step(&mut self, name: &str) {
        self.end();
        println!("[{}] {name}", self.label);
        self.current = Some((name.to_owned(), Instant::now()));
    }

    /// Ends the current step.
    pub fn end(&mut self) {
        if let Some((name, since)) = self.current.take() {
            self.steps.push((name, since.elapsed()));
        }
    }

    /// The recorded steps.
    pub fn steps(&self) -> &[(String, Duration)] {
        &self.steps
    }

    /// The duration of the first step whose name contains `part`.
    pub fn of(&self, part: &str) -> Option<Duration> {
        self.steps
            .iter()
            .find(|(name, _)| name.contains(part))
            .map(|(_, d)| *d)
    }

    /// A Markdown table of the steps and the total.
    pub fn table(&self) -> String {
        let mut out = format!(
            "\n### {}\n\n| # | step | ms |\n|---|---|---:|\n",
            self.label
        );
        for (i, (name, took)) in self.steps.iter().enumerate() {
            let _ = writeln!(out, "| {} | {name} | {} |", i + 1, took.as_millis());
        }
        let _ = writeln!(
            out,
            "| | **total** | **{}** |",
            self.started.elapsed().as_millis()
        );
        out
    }

    /// Ends the current step and prints the table.
    pub fn print(&mut self) {
        self.end();
        println!("{}", self.table());
    }
}
