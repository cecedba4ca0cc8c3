//! What a judge found over an eval run's answers: its verdicts summarised per candidate and
//! criterion, against the humans, and what it cost. Built by `eval::judge`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::judge::grade::{GradeAgreement, GradeSummary};
use crate::analysis::judge::{HumanAgreement, JudgeMode, JudgeSummary};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JudgeReport {
    pub judge: String,
    pub baseline: String,
    /// The judge is also one of the compared models: it may prefer its own answers.
    pub self_preference_risk: bool,
    pub asked: usize,
    pub invalid: usize,
    /// Per candidate model, per criterion ("overall" without criteria).
    pub models: BTreeMap<String, BTreeMap<String, JudgeSummary>>,
    /// Against the human pair votes on the same answers (overall verdicts).
    pub humans: HumanAgreement,
    pub mode: JudgeMode,
    /// Grading: per model, per criterion.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub grades: BTreeMap<String, BTreeMap<String, GradeSummary>>,
    /// Grading: against the humans' scores on the same answers (overall grades).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub human_scores: Option<GradeAgreement>,
    /// What the judge wrote and read over its stored verdicts, and what that cost at the
    /// bundled API price (None: not an API model with a price, or a reply without usage).
    pub judge_tokens: u64,
    pub judge_prompt_tokens: Option<u64>,
    pub cost: Option<f64>,
}
