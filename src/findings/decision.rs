//! Everything `slam report` and the TUI's report screen show about an eval run, gathered once by
//! `eval::decision`: per model its checks, the humans' scores and votes against the baseline,
//! latency, the judges' and similarity figures, cost; per input the answers side by side. The
//! renderers (`report::document`, the TUI widget) only format what is here.

use std::collections::BTreeMap;

use super::cost::{CostReport, ModelCost};
use super::eval::EvalReport;
use crate::analysis::checks::PassRate;
use crate::analysis::consistency::Spread;
use crate::analysis::stats::{Interval, MeanCi};

/// The daily volume the verdict lines and per-1k figures are quoted at.
pub const QUOTED_PER_DAY: u64 = 10_000;

/// The humans' pair votes between a candidate's answers and the baseline's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadToHead {
    pub votes: u32,
    pub wins: u32,
    /// Ties and "both bad".
    pub ties: u32,
    pub losses: u32,
    /// (wins + ties / 2) / votes, Wilson 95%.
    pub share: Option<Interval>,
}

/// A judge's pairwise figures for one candidate (all criteria pooled as the judge saw them).
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeShare {
    pub judge: String,
    pub criterion: String,
    pub pairs: usize,
    /// (candidate wins + ties / 2) / pairs, Wilson 95%.
    pub share: Option<Interval>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelFigures {
    pub cells: usize,
    pub errors: usize,
    /// Per check, by name: passed / total with a Wilson 95% interval. Never pooled across
    /// checks: unlike checks are not trials of one thing.
    pub checks: Vec<PassRate>,
    pub e2e_ms: Spread,
    pub ttft_ms: Spread,
    pub decode_tokens_per_s: Spread,
    pub output_tokens_mean: Option<f64>,
    /// The humans' 1–5 scores (t interval clipped to the scale).
    pub scores: Option<MeanCi>,
    /// Candidates only: against the baseline.
    pub human: Option<HeadToHead>,
    pub judges: Vec<JudgeShare>,
    /// Mean similarity of its answers to the baseline's, t interval over the answers.
    pub similarity: Option<MeanCi>,
    pub p95_ratio: Option<f64>,
    pub cost: Option<ModelCost>,
    /// Dollars per 1,000 requests and per million output tokens at `QUOTED_PER_DAY`.
    pub per_1k: Option<f64>,
    pub per_mtok: Option<f64>,
}

/// One answer in the report's side-by-side view (a view of an exported answer).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    pub uid: String,
    pub model: String,
    pub repetition: i64,
    pub text: String,
    pub error: Option<String>,
    /// How it ended: complete, truncated, cancelled, …
    pub state: crate::domain::answer::AnswerState,
    pub checks: Option<(u64, u64)>,
    /// Mean of the humans' active scores on it.
    pub score: Option<f64>,
    pub similarity: Option<f64>,
    /// The judges' pairwise verdicts on it against the baseline's answer, both orders
    /// combined: "gpt-4 (overall): won".
    pub judged: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputAnswers {
    pub item: String,
    pub system: Option<String>,
    pub user: String,
    pub answers: Vec<AnswerRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub session: i64,
    /// Where the run was read from: `session N` of the store, or the export file's path.
    pub source: String,
    pub name: String,
    pub baseline: Option<String>,
    /// Sorted by name.
    pub models: BTreeMap<String, ModelFigures>,
    /// Where the throughput was measured: each distinct hardware line of the manifests.
    pub hardware: Vec<String>,
    /// What produced the run, from its own records.
    pub provenance: super::provenance::Provenance,
    pub eval: EvalReport,
    pub cost: CostReport,
    /// Per model: (seconds since the run's first request, e2e ms) of each successful cell.
    pub timeline: BTreeMap<String, Vec<(f64, f64)>>,
    pub inputs: Vec<InputAnswers>,
}

impl ModelFigures {
    /// The check it passes least often (None without checks).
    pub fn weakest_check(&self) -> Option<&PassRate> {
        (self.checks.iter())
            .filter(|c| c.rate.is_some())
            .min_by(|a, b| {
                a.rate
                    .partial_cmp(&b.rate)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    }

    pub fn check(&self, name: &str) -> Option<&PassRate> {
        self.checks.iter().find(|c| c.check == name)
    }
}

impl Decision {
    /// Each priced model's monthly cost at `QUOTED_PER_DAY`, by name.
    pub fn quoted_monthly(&self) -> Vec<(&String, f64)> {
        self.models
            .iter()
            .filter_map(|(m, f)| {
                let cost = f.cost.as_ref()?;
                Some((m, cost.monthly.get(&QUOTED_PER_DAY).copied().flatten()?))
            })
            .collect()
    }
}
