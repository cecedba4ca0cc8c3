//! Single-answer grading, 1 to 5: the figures per model and how far the judge's grades agree
//! with the scores humans gave the same answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::stats::agreement::{kendall_tau_b, spearman};
use crate::analysis::stats::mean_ci;

/// A model's grades (on one criterion).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GradeSummary {
    pub graded: usize,
    pub mean: Option<f64>,
    /// 95% interval of the mean (Student's t).
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// How many answers got 1, 2, 3, 4 and 5.
    pub counts: [usize; 5],
}

pub fn summarize_grades(scores: &[u8]) -> GradeSummary {
    let mut counts = [0; 5];
    for s in scores {
        if (1..=5).contains(s) {
            counts[usize::from(*s - 1)] += 1;
        }
    }
    let values: Vec<f64> = scores.iter().map(|s| f64::from(*s)).collect();
    let ci = mean_ci(&values);
    GradeSummary {
        graded: scores.len(),
        mean: ci.as_ref().map(|c| c.mean),
        low: ci.as_ref().and_then(|c| c.interval.map(|i| i.low)),
        high: ci.as_ref().and_then(|c| c.interval.map(|i| i.high)),
        counts,
    }
}

/// The judge's grades against the humans' scores on the same answers (every human score an
/// item).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GradeAgreement {
    pub items: usize,
    /// The same score.
    pub exact: Option<f64>,
    /// At most one point apart.
    pub within_one: Option<f64>,
    /// Rank correlation of the scores over the items.
    pub spearman: Option<f64>,
    pub kendall_tau_b: Option<f64>,
    /// Per model: the humans' mean score and the judge's, on the items.
    pub means: BTreeMap<String, (f64, f64)>,
}

/// `human`: (answer uid, model, score); `judge`: the judge's grade per answer uid.
pub fn grade_agreement(
    human: &[(String, String, u8)],
    judge: &BTreeMap<String, u8>,
) -> GradeAgreement {
    let mut h = Vec::new();
    let mut j = Vec::new();
    let mut per_model: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for (uid, model, score) in human {
        let Some(grade) = judge.get(uid) else {
            continue;
        };
        h.push(f64::from(*score));
        j.push(f64::from(*grade));
        let m = per_model.entry(model).or_default();
        m.0 += f64::from(*score);
        m.1 += f64::from(*grade);
        m.2 += 1.0;
    }
    let n = h.len();
    let share = |f: &dyn Fn(f64, f64) -> bool| {
        (n > 0).then(|| h.iter().zip(&j).filter(|(a, b)| f(**a, **b)).count() as f64 / n as f64)
    };
    GradeAgreement {
        items: n,
        exact: share(&|a, b| a == b),
        within_one: share(&|a, b| (a - b).abs() <= 1.0),
        spearman: (n >= 3).then(|| spearman(&h, &j)).flatten(),
        kendall_tau_b: (n >= 3).then(|| kendall_tau_b(&h, &j)).flatten(),
        means: per_model
            .into_iter()
            .map(|(m, (hs, js, k))| (m.to_owned(), (hs / k, js / k)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_by_hand() {
        // 2, 4, 4, 5: mean 3.75, sd = sqrt(((1.75)² + 0.25² + 0.25² + 1.25²)/3) = 1.2583;
        // t(0.975, 3) = 3.182446; half-width 3.182446 × 1.2583 / 2 = 2.00224.
        let s = summarize_grades(&[2, 4, 4, 5]);
        assert_eq!((s.graded, s.counts), (4, [0, 1, 0, 2, 1]));
        assert!((s.mean.unwrap() - 3.75).abs() < 1e-12);
        assert!((s.low.unwrap() - (3.75 - 2.00224)).abs() < 1e-4, "{s:?}");
        assert!((s.high.unwrap() - (3.75 + 2.00224)).abs() < 1e-4, "{s:?}");
        assert_eq!(summarize_grades(&[]).mean, None);
    }

    #[test]
    fn agreement_with_human_scores_by_hand() {
        let human: Vec<(String, String, u8)> = [
            ("a", "m", 5),
            ("b", "m", 3),
            ("c", "n", 1),
            ("d", "n", 2),
            ("x", "n", 4),
        ]
        .iter()
        .map(|(u, m, s)| ((*u).into(), (*m).into(), *s))
        .collect();
        let judge: BTreeMap<String, u8> = [("a", 5), ("b", 4), ("c", 3), ("d", 2)]
            .iter()
            .map(|(u, s)| ((*u).into(), *s))
            .collect();
        let g = grade_agreement(&human, &judge);
        // x has no grade. Exact: a, d; within one: a, b, d.
        assert_eq!(g.items, 4);
        assert_eq!((g.exact, g.within_one), (Some(0.5), Some(0.75)));
        // Humans 5,3,1,2 and judge 5,4,3,2 rank the items the same way but for c/d.
        // Ranks: h = 4,3,1,2; j = 4,3,2,1: d² = 0,0,1,1 → ρ = 1 − 6·2/(4·15) = 0.8.
        assert!((g.spearman.unwrap() - 0.8).abs() < 1e-12);
        // Concordant 5, discordant 1 of 6 pairs: τ = 4/6.
        assert!((g.kendall_tau_b.unwrap() - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(g.means["m"], (4.0, 4.5));
        assert_eq!(g.means["n"], (1.5, 2.5));
    }
}
