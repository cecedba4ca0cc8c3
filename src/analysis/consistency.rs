//! How consistent each model is over an evaluation's repetitions: latency spread (mean,
//! standard deviation, coefficient of variation, percentiles), errors by kind, whether the same
//! input gets the same answer again (TARr@N, edit similarity), and latency drift over the run.
//! `scripts/eval-reference.py` computes the same figures independently; the end-to-end test
//! compares the two.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::metrics::percentile;

/// One stored cell, as the figures need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub model: String,
    /// The input it answers (cells of one input are its repetitions).
    pub input: String,
    pub text: String,
    pub ttft_ms: Option<f64>,
    pub e2e_ms: Option<f64>,
    pub tpot_ms: Option<f64>,
    pub decode_tokens_per_s: Option<f64>,
    pub error_kind: Option<String>,
    /// When it finished, in ms since the epoch.
    pub finished_ms: i64,
}

impl Cell {
    fn ok(&self) -> bool {
        self.error_kind.is_none()
    }
}

/// Spread of one latency figure over a model's successful cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub n: usize,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1); none below two values.
    pub std: Option<f64>,
    /// Coefficient of variation: std / mean.
    pub cv: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Spread {
    pub fn of(values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return Self::default();
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = (n >= 2)
            .then(|| (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
        Self {
            n,
            mean: Some(mean),
            std,
            cv: std.filter(|_| mean != 0.0).map(|s| s / mean),
            p50: percentile(&v, 50.0),
            p90: percentile(&v, 90.0),
            p95: percentile(&v, 95.0),
            p99: percentile(&v, 99.0),
            min: v.first().copied(),
            max: v.last().copied(),
        }
    }
}

/// Does the same input get the same answer again?
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    /// Inputs with at least two successful repetitions.
    pub inputs: usize,
    /// Share of those whose answers are byte-identical after trimming trailing whitespace
    /// (TARr@N).
    pub identical_share: Option<f64>,
    /// Mean over those inputs of the mean pairwise 1 − edit distance / longer length
    /// (characters).
    pub mean_edit_similarity: Option<f64>,
}

/// One minute of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Minute {
    pub minute: i64,
    pub n: usize,
    pub e2e_p50: Option<f64>,
    pub ttft_p50: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub ttft_ms: Spread,
    pub e2e_ms: Spread,
    pub tpot_ms: Spread,
    pub decode_tokens_per_s: Spread,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelConsistency {
    pub cells: usize,
    pub ok: usize,
    pub errors: BTreeMap<String, usize>,
    pub error_rate: Option<f64>,
    pub latency: Latency,
    pub stability: Stability,
    pub drift: Vec<Minute>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Consistency {
    pub models: BTreeMap<String, ModelConsistency>,
}

/// The figures of every model over `cells` (one run).
pub fn compute(cells: &[Cell]) -> Consistency {
    let t0 = cells.iter().map(|c| c.finished_ms).min().unwrap_or(0);
    let mut by_model: BTreeMap<&str, Vec<&Cell>> = BTreeMap::new();
    for c in cells {
        by_model.entry(&c.model).or_default().push(c);
    }
    let models = by_model
        .into_iter()
        .map(|(model, cells)| (model.to_owned(), of_model(&cells, t0)))
        .collect();
    Consistency { models }
}

fn of_model(cells: &[&Cell], t0: i64) -> ModelConsistency {
    let ok: Vec<&Cell> = cells.iter().copied().filter(|c| c.ok()).collect();
    let mut errors = BTreeMap::new();
    for kind in cells.iter().filter_map(|c| c.error_kind.as_ref()) {
        *errors.entry(kind.clone()).or_insert(0) += 1;
    }
    let spread = |f: fn(&Cell) -> Option<f64>| {
        Spread::of(&ok.iter().filter_map(|c| f(c)).collect::<Vec<_>>())
    };
    ModelConsistency {
        cells: cells.len(),
        ok: ok.len(),
        errors,
        error_rate: (!cells.is_empty())
            .then(|| (cells.len() - ok.len()) as f64 / cells.len() as f64),
        latency: Latency {
            ttft_ms: spread(|c| c.ttft_ms),
            e2e_ms: spread(|c| c.e2e_ms),
            tpot_ms: spread(|c| c.tpot_ms),
            decode_tokens_per_s: spread(|c| c.decode_tokens_per_s),
        },
        stability: stability(&ok),
        drift: drift(&ok, t0),
    }
}

fn stability(ok: &[&Cell]) -> Stability {
    let mut by_input: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in ok {
        by_input
            .entry(&c.input)
            .or_default()
            .push(c.text.trim_end());
    }
    let repeated: Vec<&Vec<&str>> = by_input.values().filter(|t| t.len() >= 2).collect();
    let n = repeated.len();
    if n == 0 {
        return Stability::default();
    }
    let identical = repeated
        .iter()
        .filter(|t| t.iter().all(|x| *x == t[0]))
        .count();
    let similarity: f64 = repeated
        .iter()
        .map(|texts| {
            let mut sum = 0.0;
            let mut pairs = 0usize;
            for i in 0..texts.len() {
                for j in i + 1..texts.len() {
                    sum += edit_similarity(texts[i], texts[j]);
                    pairs += 1;
                }
            }
            sum / pairs as f64
        })
        .sum();
    Stability {
        inputs: n,
        identical_share: Some(identical as f64 / n as f64),
        mean_edit_similarity: Some(similarity / n as f64),
    }
}

/// 1 − Levenshtein distance / the longer length, in characters (two empty texts: 1).
pub fn edit_similarity(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longer = a.len().max(b.len());
    if longer == 0 {
        return 1.0;
    }
    1.0 - levenshtein(&a, &b) as f64 / longer as f64
}

fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

fn drift(ok: &[&Cell], t0: i64) -> Vec<Minute> {
    let mut minutes: BTreeMap<i64, Vec<&Cell>> = BTreeMap::new();
    for c in ok {
        minutes
            .entry((c.finished_ms - t0).div_euclid(60_000))
            .or_default()
            .push(c);
    }
    minutes
        .into_iter()
        .map(|(minute, cells)| {
            let median = |f: fn(&Cell) -> Option<f64>| {
                crate::domain::metrics::median(
                    &cells.iter().filter_map(|c| f(c)).collect::<Vec<_>>(),
                )
            };
            Minute {
                minute,
                n: cells.len(),
                e2e_p50: median(|c| c.e2e_ms),
                ttft_p50: median(|c| c.ttft_ms),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(model: &str, input: &str, text: &str, e2e: f64, at_s: i64) -> Cell {
        Cell {
            model: model.into(),
            input: input.into(),
            text: text.into(),
            ttft_ms: Some(e2e / 4.0),
            e2e_ms: Some(e2e),
            tpot_ms: None,
            decode_tokens_per_s: None,
            error_kind: None,
            finished_ms: 1_000_000 + at_s * 1000,
        }
    }

    #[test]
    fn spread_by_hand() {
        // numpy: mean 2.5, std(ddof=1) 1.2909944, percentile 90 → 3.7, 99 → 3.97.
        let s = Spread::of(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(
            (s.n, s.mean, s.min, s.max),
            (4, Some(2.5), Some(1.0), Some(4.0))
        );
        assert!((s.std.unwrap() - 1.2909944487358056).abs() < 1e-12);
        assert!((s.cv.unwrap() - 1.2909944487358056 / 2.5).abs() < 1e-12);
        assert!((s.p90.unwrap() - 3.7).abs() < 1e-12);
        assert!((s.p99.unwrap() - 3.97).abs() < 1e-12);
        let one = Spread::of(&[7.0]);
        assert_eq!((one.std, one.cv, one.p95), (None, None, Some(7.0)));
        assert_eq!(Spread::of(&[]), Spread::default());
    }

    #[test]
    fn edit_similarity_by_hand() {
        // kitten → sitting: 3 edits over 7 characters.
        assert!((edit_similarity("kitten", "sitting") - (1.0 - 3.0 / 7.0)).abs() < 1e-12);
        assert_eq!(edit_similarity("", ""), 1.0);
        assert_eq!(edit_similarity("abc", ""), 0.0);
        assert_eq!(
            edit_similarity("héllo", "hello"),
            0.8,
            "characters, not bytes"
        );
    }

    #[test]
    fn a_small_run_by_hand() {
        let mut cells = vec![
            cell("a", "i1", "Go Ana!", 100.0, 0),
            cell("a", "i1", "Go Ana!  \n", 200.0, 30),
            cell("a", "i2", "kitten", 300.0, 61),
            cell("a", "i2", "sitting", 400.0, 62),
            cell("a", "i3", "alone", 500.0, 125),
            cell("b", "i1", "x", 50.0, 10),
        ];
        cells.push(Cell {
            error_kind: Some("timeout".into()),
            e2e_ms: Some(9999.0),
            ..cell("a", "i3", "", 0.0, 130)
        });
        let c = compute(&cells);
        let a = &c.models["a"];
        assert_eq!((a.cells, a.ok), (6, 5));
        assert_eq!(a.errors["timeout"], 1);
        assert_eq!(a.error_rate, Some(1.0 / 6.0));
        assert_eq!(a.latency.e2e_ms.n, 5, "the failed cell is left out");
        assert_eq!(a.latency.e2e_ms.mean, Some(300.0));
        assert_eq!(a.latency.tpot_ms.n, 0);
        // i1 identical after trimming, i2 not, i3 has one repetition.
        assert_eq!(a.stability.inputs, 2);
        assert_eq!(a.stability.identical_share, Some(0.5));
        let sim = (1.0 + (1.0 - 3.0 / 7.0)) / 2.0;
        assert!((a.stability.mean_edit_similarity.unwrap() - sim).abs() < 1e-12);
        // Minutes from the first cell of the run: 0 (two), 1 (two), 2 (one ok).
        let drift: Vec<_> = a.drift.iter().map(|m| (m.minute, m.n, m.e2e_p50)).collect();
        assert_eq!(
            drift,
            [
                (0, 2, Some(150.0)),
                (1, 2, Some(350.0)),
                (2, 1, Some(500.0))
            ]
        );
        assert_eq!(c.models["b"].stability.inputs, 0);
        assert_eq!(c.models["b"].stability.identical_share, None);
    }
}
