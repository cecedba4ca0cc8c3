//! Similarity to the baseline's answers by sentence embedding, the way the SLaM study read it:
//! each answer's cosine similarity to the baseline's answers for the same input (the mean over
//! the baseline's repetitions; the baseline is never compared with itself), the SLaM reading
//! (per input, the model whose answer is most similar to the baseline's wins), and stability
//! across repetitions (mean pairwise cosine of one model's answers to one input).

use std::collections::BTreeMap;

use serde::Serialize;

use super::judge::HumanVote;
use super::stats::agreement::{agreement, kendall_tau_b, spearman};

/// One answer with its embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedAnswer {
    pub uid: String,
    pub model: String,
    /// The input (prompt) it answers.
    pub input: String,
    pub repetition: i64,
    pub vector: Vec<f32>,
}

/// Cosine similarity, accumulated in f64 (embeddings are unit length, but a stored vector from
/// another embedder need not be).
pub fn cosine(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let norm = (na * nb).sqrt();
    (norm > 0.0).then(|| dot / norm)
}

/// Mean pairwise cosine of a set of vectors (None with fewer than two).
pub fn mean_pairwise_cosine(vectors: &[&[f32]]) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0usize;
    for (i, a) in vectors.iter().enumerate() {
        for b in &vectors[i + 1..] {
            sum += cosine(a, b)?;
            n += 1;
        }
    }
    (n > 0).then(|| sum / n as f64)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelSimilarity {
    /// Answers with a baseline answer to compare with (0 for the baseline itself).
    pub answers: usize,
    /// Mean similarity to the baseline over those answers.
    pub mean: Option<f64>,
    /// SLaM's reading: the share of contested inputs where this model's answers (mean over its
    /// repetitions) were the most similar to the baseline's (a tie splits the input).
    pub slam_wins: f64,
    pub slam_inputs: usize,
    /// Mean over inputs of the mean pairwise cosine between this model's repetitions.
    pub stability: Option<f64>,
    pub stability_inputs: usize,
}

/// How far similarity's reading agrees with the human pair votes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SimilarityVsHumans {
    /// Decisive human votes between two non-baseline answers that both have a similarity: the
    /// more similar answer is similarity's pick.
    pub items: usize,
    pub rate: Option<f64>,
    pub kappa: Option<f64>,
    /// Per model (not the baseline): the humans' win rate over every pair vote it was in
    /// ((wins + ties / 2) / votes), and its mean similarity.
    pub rankings: BTreeMap<String, (f64, f64)>,
    /// Do the two rank the models alike (three models or more)?
    pub spearman: Option<f64>,
    pub kendall_tau_b: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SimilarityReport {
    pub embedder: String,
    pub baseline: String,
    pub models: BTreeMap<String, ModelSimilarity>,
    /// Each non-baseline answer's similarity, by uid.
    #[serde(skip)]
    pub per_answer: BTreeMap<String, f64>,
    pub humans: SimilarityVsHumans,
}

pub fn summarize(
    answers: &[EmbeddedAnswer],
    baseline: &str,
    embedder: &str,
    votes: &[HumanVote],
) -> SimilarityReport {
    let mut base_by_input: BTreeMap<&str, Vec<&[f32]>> = BTreeMap::new();
    for a in answers.iter().filter(|a| a.model == baseline) {
        base_by_input.entry(&a.input).or_default().push(&a.vector);
    }
    let mut per_answer = BTreeMap::new();
    // (model, input) → similarities of its repetitions.
    let mut by_model_input: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for a in answers.iter().filter(|a| a.model != baseline) {
        let Some(base) = base_by_input.get(a.input.as_str()) else {
            continue;
        };
        let sims: Vec<f64> = base.iter().filter_map(|b| cosine(&a.vector, b)).collect();
        if sims.is_empty() {
            continue;
        }
        let s = sims.iter().sum::<f64>() / sims.len() as f64;
        per_answer.insert(a.uid.clone(), s);
        by_model_input
            .entry((&a.model, &a.input))
            .or_default()
            .push(s);
    }
    let mut models: BTreeMap<String, ModelSimilarity> = BTreeMap::new();
    for ((model, _), sims) in &by_model_input {
        let m = models.entry((*model).to_owned()).or_default();
        m.answers += sims.len();
        *m.mean.get_or_insert(0.0) += sims.iter().sum::<f64>();
    }
    for m in models.values_mut() {
        m.mean = m.mean.map(|s| s / m.answers as f64);
    }
    slam_reading(&by_model_input, &mut models);
    stability(answers, &mut models);
    let humans = versus_humans(votes, &per_answer, answers, baseline, &models);
    SimilarityReport {
        embedder: embedder.to_owned(),
        baseline: baseline.to_owned(),
        models,
        per_answer,
        humans,
    }
}

/// Per input, the model with the highest mean similarity wins it; ties split the input.
fn slam_reading(
    by_model_input: &BTreeMap<(&str, &str), Vec<f64>>,
    models: &mut BTreeMap<String, ModelSimilarity>,
) {
    let mut by_input: BTreeMap<&str, Vec<(&str, f64)>> = BTreeMap::new();
    for ((model, input), sims) in by_model_input {
        let mean = sims.iter().sum::<f64>() / sims.len() as f64;
        by_input.entry(input).or_default().push((model, mean));
    }
    for contenders in by_input.values() {
        let best = contenders
            .iter()
            .map(|c| c.1)
            .fold(f64::NEG_INFINITY, f64::max);
        let winners: Vec<&str> = contenders
            .iter()
            .filter(|c| c.1 == best)
            .map(|c| c.0)
            .collect();
        for (model, _) in contenders {
            let m = models.entry((*model).to_owned()).or_default();
            m.slam_inputs += 1;
            if winners.contains(model) {
                m.slam_wins += 1.0 / winners.len() as f64;
            }
        }
    }
    for m in models.values_mut() {
        if m.slam_inputs > 0 {
            m.slam_wins /= m.slam_inputs as f64;
        }
    }
}

/// Mean pairwise cosine of each model's repetitions per input, averaged over inputs.
fn stability(answers: &[EmbeddedAnswer], models: &mut BTreeMap<String, ModelSimilarity>) {
    let mut groups: BTreeMap<(&str, &str), Vec<&[f32]>> = BTreeMap::new();
    for a in answers {
        groups
            .entry((&a.model, &a.input))
            .or_default()
            .push(&a.vector);
    }
    let mut per_model: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for ((model, _), vectors) in &groups {
        if let Some(s) = mean_pairwise_cosine(vectors) {
            per_model.entry(model).or_default().push(s);
        }
    }
    for (model, list) in per_model {
        let m = models.entry(model.to_owned()).or_default();
        m.stability_inputs = list.len();
        m.stability = Some(list.iter().sum::<f64>() / list.len() as f64);
    }
}

fn versus_humans(
    votes: &[HumanVote],
    per_answer: &BTreeMap<String, f64>,
    answers: &[EmbeddedAnswer],
    baseline: &str,
    models: &BTreeMap<String, ModelSimilarity>,
) -> SimilarityVsHumans {
    let model_of: BTreeMap<&str, &str> = answers
        .iter()
        .map(|a| (a.uid.as_str(), a.model.as_str()))
        .collect();
    let (mut human, mut machine) = (Vec::new(), Vec::new());
    let mut scores: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for v in votes {
        for (uid, won) in [
            (
                &v.first,
                v.first_won.map_or(0.5, |f| f64::from(u8::from(f))),
            ),
            (
                &v.second,
                v.first_won.map_or(0.5, |f| f64::from(u8::from(!f))),
            ),
        ] {
            if let Some(model) = model_of.get(uid.as_str()).filter(|m| **m != baseline) {
                let s = scores.entry(model).or_default();
                s.0 += won;
                s.1 += 1.0;
            }
        }
        let (Some(first_won), Some(a), Some(b)) = (
            v.first_won,
            per_answer.get(&v.first),
            per_answer.get(&v.second),
        ) else {
            continue;
        };
        if a != b {
            human.push(first_won);
            machine.push(a > b);
        }
    }
    let pairs = agreement(&human, &machine);
    let rankings: BTreeMap<String, (f64, f64)> = scores
        .into_iter()
        .filter_map(|(model, (won, n))| {
            let mean = models.get(model)?.mean?;
            Some((model.to_owned(), (won / n, mean)))
        })
        .collect();
    let (h, s): (Vec<f64>, Vec<f64>) = rankings.values().copied().unzip();
    let ranked = rankings.len() >= 3;
    SimilarityVsHumans {
        items: pairs.n,
        rate: pairs.rate,
        kappa: pairs.kappa.map(|k| k.estimate),
        spearman: ranked.then(|| spearman(&h, &s)).flatten(),
        kendall_tau_b: ranked.then(|| kendall_tau_b(&h, &s)).flatten(),
        rankings,
    }
}

#[cfg(test)]
mod tests;
