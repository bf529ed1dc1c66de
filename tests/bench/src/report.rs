//! The result file each bench writes, and the pass/fail rule for a target.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Direction of a target: a throughput must reach it, a latency must stay under it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    AtLeast,
    AtMost,
}

/// One figure with a target, checked against the baseline measured in the same run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetCheck {
    pub metric: String,
    pub unit: String,
    /// NaN when the bench could not measure it (written as JSON `null`).
    #[serde(deserialize_with = "null_as_nan")]
    pub measured: f64,
    pub goal: Goal,
    pub target: f64,
    /// The same metric for the baseline, measured in this run.
    pub baseline: Option<f64>,
    pub baseline_label: String,
    pub pass: bool,
}

impl TargetCheck {
    pub fn new(
        metric: &str,
        unit: &str,
        measured: f64,
        goal: Goal,
        target: f64,
        baseline: Option<f64>,
        baseline_label: &str,
    ) -> Self {
        let pass = measured.is_finite()
            && match goal {
                Goal::AtLeast => measured >= target,
                Goal::AtMost => measured <= target,
            };
        Self {
            metric: metric.into(),
            unit: unit.into(),
            measured,
            goal,
            target,
            baseline,
            baseline_label: baseline_label.into(),
            pass,
        }
    }
}

/// A measured figure without a target (extra percentiles, rates, memory).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    pub scenario: String,
    pub metric: String,
    pub unit: String,
    #[serde(deserialize_with = "null_as_nan")]
    pub value: f64,
}

impl Figure {
    pub fn new(scenario: &str, metric: &str, unit: &str, value: f64) -> Self {
        Self {
            scenario: scenario.into(),
            metric: metric.into(),
            unit: unit.into(),
            value,
        }
    }
}

/// Everything one bench binary found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BenchReport {
    /// File stem and sort key, e.g. `1-events`.
    pub id: String,
    pub title: String,
    pub issue: u32,
    /// Parameters of the run (counts, durations, pool sizes), in order.
    pub params: Vec<(String, String)>,
    pub targets: Vec<TargetCheck>,
    pub figures: Vec<Figure>,
    /// What limited the figures, computed ratios, errors seen.
    pub notes: Vec<String>,
    /// Set when the bench could not complete; its targets then count as FAIL.
    pub error: Option<String>,
}

impl BenchReport {
    pub fn new(id: &str, title: &str, issue: u32) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            issue,
            ..Self::default()
        }
    }

    pub fn param(&mut self, name: &str, value: impl ToString) {
        self.params.push((name.into(), value.to_string()));
    }

    pub fn figure(&mut self, scenario: &str, metric: &str, unit: &str, value: f64) {
        self.figures
            .push(Figure::new(scenario, metric, unit, value));
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Writes `<dir>/<id>.json`; the directory comes from `--out` or `PA_BENCH_OUT`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.json", self.id));
        std::fs::write(&path, serde_json::to_vec_pretty(self)?)?;
        Ok(path)
    }
}

/// Where results go when no `--out` is given.
pub fn default_out_dir() -> PathBuf {
    std::env::var_os("PA_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-results"))
}

/// serde_json writes a non-finite f64 as `null`; read it back as NaN.
fn null_as_nan<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unmeasured_target_survives_the_json_round_trip_as_a_fail() {
        let t = TargetCheck::new("p99", "ms", f64::NAN, Goal::AtMost, 25.0, None, "x");
        let json = serde_json::to_string(&t).expect("serialises");
        let back: TargetCheck = serde_json::from_str(&json).expect("deserialises");
        assert!(back.measured.is_nan());
        assert!(!back.pass);
    }
}
