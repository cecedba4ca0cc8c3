//! A stored verdict read back, typed: the JSON `eval::judge` and `eval::grade` write, mapped once
//! by serde (the store hands these out; nothing reads a verdict's JSON by key), and the judges'
//! verdicts as leaderboard input.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{JudgeMode, Winner, combine};
use crate::analysis::leaderboard::{LeaderboardInput, ScoredAnswer};
use crate::domain::lenient::lenient;
use crate::domain::rating::PairOutcome;

/// A verdict as stored. Every field may be missing (older verdicts lack later ones) or of
/// another type (a hand-edited store): either reads as `None`, never as an unreadable verdict.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Verdict {
    /// `pairwise` or `grade`, as written.
    #[serde(deserialize_with = "lenient")]
    pub mode: Option<String>,
    /// `ok`, `invalid`, …
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    /// None: the overall verdict.
    #[serde(deserialize_with = "lenient")]
    pub criterion: Option<String>,
    /// Answer uids and their models.
    #[serde(deserialize_with = "lenient")]
    pub candidate: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub baseline: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub candidate_model: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub baseline_model: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub candidate_first: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub candidate_chars: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub baseline_chars: Option<u64>,
    /// Pairwise: who won in this order.
    #[serde(deserialize_with = "lenient")]
    pub winner: Option<Winner>,
    /// Grading: the 1–5 grade, as the number written.
    #[serde(deserialize_with = "lenient")]
    pub score: Option<serde_json::Number>,
    /// What the run resumes by: one verdict per key.
    #[serde(deserialize_with = "lenient")]
    pub key: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub recipe_sha256: Option<String>,
    /// Verdicts stored before recipes name only their template.
    #[serde(deserialize_with = "lenient")]
    pub template_sha256: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub judge_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub judge_prompt_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub judge_model_id: Option<String>,
}

impl Verdict {
    /// The verdict in a stored JSON value (not an object: an empty verdict).
    pub fn of(value: &serde_json::Value) -> Verdict {
        Verdict::deserialize(value).unwrap_or_default()
    }

    /// The recipe it was asked under (older verdicts: the template's sha256).
    pub fn recipe(&self) -> Option<&str> {
        self.recipe_sha256
            .as_deref()
            .or(self.template_sha256.as_deref())
    }

    pub fn is_ok(&self) -> bool {
        self.status.as_deref() == Some("ok")
    }

    pub fn is_invalid(&self) -> bool {
        self.status.as_deref() == Some("invalid")
    }

    pub fn is_grade(&self) -> bool {
        self.mode.as_deref() == Some("grade")
    }

    pub fn is_pairwise(&self) -> bool {
        self.mode.as_deref() == Some("pairwise")
    }

    /// The mode as the report names it (a verdict without one: pairwise).
    pub fn judge_mode(&self) -> JudgeMode {
        self.mode
            .as_deref()
            .and_then(|m| m.parse().ok())
            .unwrap_or_default()
    }

    /// The criterion, `overall` for the overall verdict.
    pub fn criterion_or_overall(&self) -> &str {
        self.criterion.as_deref().unwrap_or("overall")
    }

    /// A pairwise verdict that was read: who won, and whether the candidate was shown first.
    pub fn reading(&self) -> Option<(Winner, bool)> {
        if !self.is_ok() {
            return None;
        }
        Some((self.winner?, self.candidate_first?))
    }

    /// A grade that was read, as stored (one that is not a small whole number: none).
    pub fn grade(&self) -> Option<u8> {
        u8::try_from(self.score.as_ref()?.as_u64()?).ok()
    }
}

/// The judges' stored verdicts as leaderboard input, apart from the humans': each pair's
/// overall verdict (both orders combined; one order alone is not counted) is a battle between
/// the candidate's model and the baseline's, each overall grade a score. Verdicts are JSON as
/// read back; `recipe` tells one judge's template (and rubric) from another's.
pub fn leaderboard_input(verdicts: &[(String, Verdict)]) -> LeaderboardInput {
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let mut input = LeaderboardInput::default();
    // (judge, recipe, candidate, baseline) → (models, both orders' winners).
    type Pair = ((String, String), [Option<Winner>; 2]);
    let mut pairs: BTreeMap<(String, String, String, String), Pair> = BTreeMap::new();
    for (judge, v) in verdicts {
        if !v.is_ok() || v.criterion.is_some() {
            continue;
        }
        let recipe = v.recipe().unwrap_or_default().to_owned();
        if v.is_grade() {
            input.answers.push(ScoredAnswer {
                model: text(&v.candidate_model),
                score: v.score.as_ref().and_then(serde_json::Number::as_f64),
                tags: Vec::new(),
            });
            continue;
        }
        let (Some(w), Some(first)) = (v.winner, v.candidate_first) else {
            continue;
        };
        let key = (judge.clone(), recipe, text(&v.candidate), text(&v.baseline));
        let entry = pairs.entry(key).or_insert_with(|| {
            (
                (text(&v.candidate_model), text(&v.baseline_model)),
                [None, None],
            )
        });
        entry.1[usize::from(!first)] = Some(w);
    }
    for ((candidate, baseline), orders) in pairs.into_values() {
        let [Some(a), Some(b)] = orders else {
            continue;
        };
        let outcome = match combine(a, b).0 {
            Winner::Candidate => PairOutcome::A,
            Winner::Baseline => PairOutcome::B,
            Winner::Tie => PairOutcome::Tie,
        };
        input.battles.push((candidate, baseline, outcome));
    }
    input
}

#[cfg(test)]
mod leaderboard_tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn both_orders_make_one_battle_and_overall_grades_are_scores() {
        let pair = |c: &str, first: bool, w: &str| {
            json!({"mode": "pairwise", "status": "ok", "criterion": null, "candidate": c,
                "baseline": format!("b-{c}"), "candidate_model": "slm", "baseline_model": "gpt",
                "candidate_first": first, "winner": w, "recipe_sha256": "r"})
        };
        let j = |v: Value| ("judge".to_string(), Verdict::of(&v));
        let verdicts = vec![
            j(pair("c1", true, "candidate")),
            j(pair("c1", false, "candidate")), // agreed: slm wins
            j(pair("c2", true, "candidate")),
            j(pair("c2", false, "baseline")), // disagreed: tie
            j(pair("c3", true, "baseline")),  // one order only: not counted
            j(
                json!({"mode": "pairwise", "status": "ok", "criterion": "clarity",
                "candidate": "c4", "candidate_first": true, "winner": "candidate"}),
            ),
            j(json!({"mode": "grade", "status": "ok", "criterion": null,
                "candidate_model": "slm", "score": 4})),
            j(
                json!({"mode": "grade", "status": "invalid", "criterion": null,
                "candidate_model": "slm"}),
            ),
        ];
        let input = leaderboard_input(&verdicts);
        assert_eq!(
            input.battles,
            [
                ("slm".into(), "gpt".into(), PairOutcome::A),
                ("slm".into(), "gpt".into(), PairOutcome::Tie),
            ]
        );
        assert_eq!(input.answers.len(), 1);
        assert_eq!(input.answers[0].score, Some(4.0));
    }
}
