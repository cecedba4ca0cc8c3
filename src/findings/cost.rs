//! What each model of an eval run would cost a month, and against the baseline. Built by
//! `eval::cost`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::cost::Capacity;

/// How a model is priced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pricing {
    /// Per token: the mean cost of its answers.
    Api {
        per_request: f64,
        priced_answers: usize,
        /// Answers without token counts, left out of the mean.
        unpriced_answers: usize,
    },
    SelfHosted {
        cost_per_hour: f64,
        capacity: Option<Capacity>,
    },
    Unknown {
        why: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCost {
    pub pricing: Pricing,
    /// Dollars a month at each daily volume (`DAILY_VOLUMES`); None where unknown.
    pub monthly: BTreeMap<u64, Option<f64>>,
    /// The baseline's monthly cost over this model's, per daily volume.
    pub savings: BTreeMap<u64, Option<f64>>,
    /// Self-hosted: the monthly volume from which it costs no more than the baseline's API.
    pub break_even_per_month: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    pub baseline: Option<String>,
    pub price_source: String,
    pub p95_target_ms: Option<f64>,
    pub utilisation: f64,
    pub hours_per_month: f64,
    pub models: BTreeMap<String, ModelCost>,
}
