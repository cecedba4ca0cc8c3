//! The leaderboard from the ratings in force: scores with a t interval, pairwise records with
//! a Wilson interval, Bradley–Terry strengths with bootstrap intervals, and online Elo.

use std::collections::BTreeMap;

use super::stats::{self, Battle, EloParams, Interval, MeanCi, Outcome};

/// One scored answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredAnswer {
    pub model: String,
    pub score: Option<f64>,
    pub tags: Vec<String>,
}

/// What the store hands over: scores, and battles in the order they were voted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeaderboardInput {
    pub answers: Vec<ScoredAnswer>,
    /// (model_a, model_b, outcome).
    pub battles: Vec<(String, String, Outcome)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    pub model: String,
    /// Scores given (1–5).
    pub scores: Option<MeanCi>,
    pub wins: u32,
    pub ties: u32,
    pub both_bad: u32,
    pub losses: u32,
    /// (wins + ties/2) / battles, Wilson 95%.
    pub win_rate: Option<Interval>,
    /// Bradley–Terry on the Elo scale, bootstrap 95%.
    pub strength: Option<Interval>,
    pub elo: Option<f64>,
    pub tags: BTreeMap<String, u32>,
}

impl ModelRow {
    pub fn battles(&self) -> u32 {
        self.wins + self.ties + self.both_bad + self.losses
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leaderboard {
    /// Best first: by Bradley–Terry strength when there are battles, else by mean score.
    pub rows: Vec<ModelRow>,
    pub battles: usize,
    pub scores: usize,
    pub resamples: usize,
}

/// Bootstrap resamples: at least the 1000 the Chatbot Arena notebook uses.
pub const RESAMPLES: usize = 1000;

pub fn compute(input: &LeaderboardInput, resamples: usize, seed: u64) -> Leaderboard {
    let mut models: Vec<String> = input
        .answers
        .iter()
        .map(|a| a.model.clone())
        .chain(
            input
                .battles
                .iter()
                .flat_map(|(a, b, _)| [a.clone(), b.clone()]),
        )
        .collect();
    models.sort();
    models.dedup();
    let index = |m: &str| models.binary_search_by(|x| x.as_str().cmp(m)).ok();
    let battles: Vec<Battle> = input
        .battles
        .iter()
        .filter_map(|(a, b, outcome)| {
            Some(Battle {
                a: index(a)?,
                b: index(b)?,
                outcome: *outcome,
            })
        })
        .collect();
    let n = models.len();
    let records = stats::win_rates(n, &battles);
    let has_battles = !battles.is_empty();
    let strengths = if has_battles {
        stats::bradley_terry_bootstrap(n, &battles, stats::BT_L2, resamples, seed)
    } else {
        Vec::new()
    };
    let elo = stats::online_elo(n, &battles, EloParams::default());
    let mut rows: Vec<ModelRow> = models
        .iter()
        .enumerate()
        .map(|(i, model)| {
            let scores: Vec<f64> = input
                .answers
                .iter()
                .filter(|a| &a.model == model)
                .filter_map(|a| a.score)
                .collect();
            let mut tags = BTreeMap::new();
            for answer in input.answers.iter().filter(|a| &a.model == model) {
                for tag in &answer.tags {
                    *tags.entry(tag.clone()).or_insert(0) += 1;
                }
            }
            let (record, win_rate) = records.get(i).map(|(r, w)| (*r, *w)).unwrap_or_default();
            let played = record.wins + record.ties + record.both_bad + record.losses > 0;
            ModelRow {
                model: model.clone(),
                scores: stats::mean_ci(&scores),
                wins: record.wins,
                ties: record.ties,
                both_bad: record.both_bad,
                losses: record.losses,
                win_rate,
                strength: strengths.get(i).copied().filter(|_| played),
                elo: elo.get(i).copied().filter(|_| played),
                tags,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &ModelRow| {
            (
                r.strength.map_or(f64::NEG_INFINITY, |s| s.estimate),
                r.scores.as_ref().map_or(f64::NEG_INFINITY, |s| s.mean),
            )
        };
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.model.cmp(&b.model))
    });
    Leaderboard {
        rows,
        battles: battles.len(),
        scores: input.answers.iter().filter(|a| a.score.is_some()).count(),
        resamples: if has_battles { resamples } else { 0 },
    }
}
