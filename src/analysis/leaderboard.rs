//! The leaderboard from the ratings in force: scores with a t interval, pairwise records with
//! a Wilson interval, Bradley–Terry strengths with bootstrap intervals, and online Elo.

use std::collections::BTreeMap;

use super::stats::{self, Battle, EloParams, Interval, MeanCi};
use crate::domain::rating::PairOutcome;

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
    pub battles: Vec<(String, String, PairOutcome)>,
    /// The vote each battle came from (a best-of-N vote gives several); empty: one vote
    /// per battle.
    pub votes: Vec<usize>,
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
    /// What the LLM judges said of this model, apart from the humans.
    pub judge: Option<JudgeColumns>,
}

/// A model's figures from the judges' verdicts: battles against the baseline, win rate,
/// Bradley–Terry, and grades.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeColumns {
    pub wins: u32,
    pub ties: u32,
    pub losses: u32,
    pub win_rate: Option<Interval>,
    pub strength: Option<Interval>,
    pub grades: Option<MeanCi>,
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
    /// Judge battles and grades merged in by `with_judges`.
    pub judge_battles: usize,
    pub judge_grades: usize,
}

/// Bootstrap resamples: at least the 1000 the Chatbot Arena notebook uses.
pub const RESAMPLES: usize = 1000;
/// The bootstrap's seed, fixed so the same ratings always give the same intervals.
pub const SEED: u64 = 1;

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
    let (battles, votes): (Vec<Battle>, Vec<usize>) = input
        .battles
        .iter()
        .enumerate()
        .filter_map(|(i, (a, b, outcome))| {
            let battle = Battle {
                a: index(a)?,
                b: index(b)?,
                outcome: *outcome,
            };
            Some((
                battle,
                input.votes.get(i).copied().unwrap_or(usize::MAX - i),
            ))
        })
        .unzip();
    let n = models.len();
    let records = stats::win_rates(n, &battles);
    let has_battles = !battles.is_empty();
    let strengths = if has_battles {
        stats::bradley_terry_bootstrap_grouped(n, &battles, &votes, stats::BT_L2, resamples, seed)
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
            // A mean of 1–5 scores lies in 1–5: the t interval is clipped to the scale.
            let scores = stats::mean_ci(&scores).map(|mut m| {
                m.interval = m.interval.map(|i| Interval {
                    low: i.low.max(1.0),
                    high: i.high.min(5.0),
                    ..i
                });
                m
            });
            ModelRow {
                model: model.clone(),
                scores,
                wins: record.wins,
                ties: record.ties,
                both_bad: record.both_bad,
                losses: record.losses,
                win_rate,
                strength: strengths.get(i).copied().filter(|_| played),
                elo: elo.get(i).copied().filter(|_| played),
                tags,
                judge: None,
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
        judge_battles: 0,
        judge_grades: 0,
    }
}

/// The humans' board with the judges' figures beside (computed the same way from
/// `judges`, the judges' verdicts as input); a model only the judges saw gets a row too.
/// The humans' order is kept; judge-only rows come last.
pub fn with_judges(
    mut board: Leaderboard,
    judges: &LeaderboardInput,
    resamples: usize,
    seed: u64,
) -> Leaderboard {
    let judged = compute(judges, resamples, seed);
    board.judge_battles = judged.battles;
    board.judge_grades = judged.scores;
    for j in judged.rows {
        let columns = JudgeColumns {
            wins: j.wins,
            ties: j.ties + j.both_bad,
            losses: j.losses,
            win_rate: j.win_rate,
            strength: j.strength,
            grades: j.scores,
        };
        match board.rows.iter_mut().find(|r| r.model == j.model) {
            Some(row) => row.judge = Some(columns),
            None => board.rows.push(ModelRow {
                model: j.model,
                scores: None,
                wins: 0,
                ties: 0,
                both_bad: 0,
                losses: 0,
                win_rate: None,
                strength: None,
                elo: None,
                tags: BTreeMap::new(),
                judge: Some(columns),
            }),
        }
    }
    board
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::Z95;

    fn answer(model: &str, score: f64, tags: &[&str]) -> ScoredAnswer {
        ScoredAnswer {
            model: model.into(),
            score: Some(score),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn rows_carry_scores_records_strengths_and_tags_best_first() {
        let battle = |a: &str, b: &str, o| (a.to_string(), b.to_string(), o);
        let input = LeaderboardInput {
            answers: vec![
                answer("slm", 4.0, &[]),
                answer("slm", 2.0, &["refusal"]),
                answer("gpt", 5.0, &["hallucination"]),
                answer("only-scored", 3.0, &["refusal", "wrong-format"]),
            ],
            battles: vec![
                battle("gpt", "slm", PairOutcome::A),
                battle("slm", "gpt", PairOutcome::B),
                battle("gpt", "slm", PairOutcome::Tie),
                battle("slm", "gpt", PairOutcome::A),
            ],
            votes: Vec::new(),
        };
        let board = compute(&input, 1000, 7);
        let names: Vec<&str> = board.rows.iter().map(|r| r.model.as_str()).collect();
        assert_eq!(
            names,
            ["gpt", "slm", "only-scored"],
            "by strength, then mean score"
        );
        let gpt = &board.rows[0];
        assert_eq!((gpt.wins, gpt.ties, gpt.losses), (2, 1, 1));
        // 2.5 of 4 battles, as a Wilson interval.
        let expected = stats::wilson(2.5, 4.0, Z95).unwrap();
        assert_eq!(gpt.win_rate, Some(expected));
        assert!(gpt.strength.is_some_and(|s| s.estimate > 1000.0));
        assert!(gpt.elo.is_some_and(|e| e > 1000.0));
        let slm = &board.rows[1];
        assert_eq!(slm.scores.map(|m| (m.n, m.mean)), Some((2, 3.0)));
        assert_eq!(slm.tags.get("refusal"), Some(&1));
        let scored = &board.rows[2];
        assert!(scored.strength.is_none() && scored.elo.is_none() && scored.win_rate.is_none());
        assert_eq!(scored.tags.len(), 2);
        assert_eq!((board.battles, board.scores, board.resamples), (4, 4, 1000));
    }

    #[test]
    fn no_ratings_no_rows() {
        let board = compute(&LeaderboardInput::default(), 1000, 1);
        assert!(board.rows.is_empty());
        assert_eq!(board.resamples, 0);
    }

    #[test]
    fn judge_columns_sit_beside_the_humans_and_never_mix_with_them() {
        let battle = |a: &str, b: &str, o| (a.to_string(), b.to_string(), o);
        let humans = LeaderboardInput {
            answers: vec![answer("slm", 4.0, &[])],
            battles: vec![battle("slm", "gpt", PairOutcome::B)],
            votes: Vec::new(),
        };
        let judges = LeaderboardInput {
            answers: vec![answer("slm", 2.0, &[]), answer("slm", 4.0, &[])],
            battles: vec![
                battle("slm", "gpt", PairOutcome::A),
                battle("slm", "gpt", PairOutcome::Tie),
                battle("tiny", "gpt", PairOutcome::B),
            ],
            votes: Vec::new(),
        };
        let board = with_judges(compute(&humans, 1000, 7), &judges, 1000, 7);
        assert_eq!(
            (board.battles, board.judge_battles, board.judge_grades),
            (1, 3, 2)
        );
        let slm = board.rows.iter().find(|r| r.model == "slm").unwrap();
        // Humans: one loss; judges: a win and a tie, (1 + 0.5) / 2.
        assert_eq!((slm.wins, slm.losses), (0, 1));
        let j = slm.judge.as_ref().unwrap();
        assert_eq!((j.wins, j.ties, j.losses), (1, 1, 0));
        assert!((j.win_rate.unwrap().estimate - 0.75).abs() < 1e-12);
        assert_eq!(j.grades.as_ref().map(|g| g.mean), Some(3.0));
        assert_eq!(slm.scores.as_ref().map(|g| g.mean), Some(4.0));
        // A model only the judges saw gets a row, last, with no human figures.
        let last = board.rows.last().unwrap();
        assert_eq!((last.model.as_str(), last.battles()), ("tiny", 0));
        assert_eq!(last.judge.as_ref().map(|j| j.losses), Some(1));
    }
}
