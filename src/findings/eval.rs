//! What an evaluation run found, from its stored cells: consistency per model, check pass rates,
//! energy, and throughput per concurrency level of a sweep. Built by `eval::show`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::checks::PassRate;
use crate::analysis::consistency::Consistency;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub session: i64,
    pub name: String,
    pub spec_sha256: Option<String>,
    pub consistency: Consistency,
    /// Per model, per check.
    pub checks: BTreeMap<String, Vec<PassRate>>,
    /// Per model, per concurrency level (sweeps only).
    pub sweep: BTreeMap<String, Vec<SweepLevel>>,
    /// The judges' figures (from the store; none for a report read from a file).
    #[serde(default, skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub judges: Vec<super::judge::JudgeReport>,
    /// Similarity to the baseline by embedding (from the store).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<crate::analysis::similarity::SimilarityReport>,
    /// Per model, the energy its answers used (local models on a machine that can say).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub energy: BTreeMap<String, EnergySummary>,
    /// What the machine did while the run ran (from the store).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<crate::domain::hardware::TimelineSummary>,
}

/// A model's energy over its answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergySummary {
    /// Answers with an energy figure, of those measured at all.
    pub measured: usize,
    pub answers: usize,
    /// Total joules over total output tokens of the measured answers.
    pub joules_per_token: Option<f64>,
    pub estimated: bool,
    pub shared: bool,
    /// Why answers have no figure.
    pub notes: Vec<String>,
}

/// One concurrency level of a sweep: what the model sustained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepLevel {
    pub concurrency: u32,
    pub requests: usize,
    pub errors: usize,
    /// First request sent → last answer finished.
    pub seconds: f64,
    pub requests_per_s: Option<f64>,
    pub output_tokens_per_s: Option<f64>,
    pub e2e_p50_ms: Option<f64>,
    pub e2e_p95_ms: Option<f64>,
    pub ttft_p95_ms: Option<f64>,
}
