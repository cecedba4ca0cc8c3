//! An LLM judge's verdicts, pure: the prompts (templates the user can replace), the JSON schema a
//! verdict must follow, reading a verdict, and the position swap — every pair is judged in both
//! orders, a disagreement counts as a tie, and how often the orders agree is the judge's
//! position consistency.

use std::collections::BTreeMap;

use minijinja::{Environment, UndefinedBehavior, context};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub mod grade;
pub mod verdict;

pub use verdict::{Verdict, leaderboard_input};

/// Pairwise against the baseline, or each answer graded alone from 1 to 5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JudgeMode {
    #[default]
    Pairwise,
    Grade,
}

impl std::str::FromStr for JudgeMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pairwise" => Ok(Self::Pairwise),
            "grade" => Ok(Self::Grade),
            _ => Err(format!(
                "unknown judge mode {s:?}: expected pairwise or grade"
            )),
        }
    }
}

/// What the judge wrote, about the answers in the order it was shown them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Choice {
    A,
    B,
    #[serde(rename = "tie")]
    Tie,
}

/// Who won, in the candidate's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Winner {
    Candidate,
    Baseline,
    Tie,
}

/// The judge's choice as a winner: A is the candidate when the candidate was shown first.
pub fn winner(choice: Choice, candidate_first: bool) -> Winner {
    match (choice, candidate_first) {
        (Choice::Tie, _) => Winner::Tie,
        (Choice::A, true) | (Choice::B, false) => Winner::Candidate,
        (Choice::A, false) | (Choice::B, true) => Winner::Baseline,
    }
}

/// Both orders' winners into one verdict: the same winner both times stands; anything else is a
/// tie. The flag says whether the two orders agreed.
pub fn combine(first: Winner, second: Winner) -> (Winner, bool) {
    if first == second {
        (first, true)
    } else {
        (Winner::Tie, false)
    }
}

/// A pairwise verdict: which answer is better, and why in a sentence.
pub fn pairwise_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "reason": {"type": "string", "maxLength": 300},
            "verdict": {"enum": ["A", "B", "tie"]}
        },
        "required": ["reason", "verdict"],
        "additionalProperties": false
    })
}

/// A single answer's grade from 1 to 5.
pub fn grade_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "reason": {"type": "string", "maxLength": 300},
            "score": {"type": "integer", "minimum": 1, "maximum": 5}
        },
        "required": ["reason", "score"],
        "additionalProperties": false
    })
}

/// A parsed pairwise verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairVerdict {
    pub verdict: Choice,
    pub reason: String,
}

/// A parsed grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub score: u8,
    pub reason: String,
}

/// The JSON object in a reply: the whole reply, or the first `{…}` in it (a remote judge may
/// wrap it in prose or a fence).
fn json_object(reply: &str) -> Result<Value, String> {
    let t = reply.trim();
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return Ok(v);
    }
    let start = t.find('{').ok_or("no JSON object in the reply")?;
    let end = t.rfind('}').ok_or("no JSON object in the reply")?;
    serde_json::from_str(t.get(start..=end).unwrap_or("")).map_err(|e| format!("not JSON: {e}"))
}

pub fn parse_pairwise(reply: &str) -> Result<PairVerdict, String> {
    let v = json_object(reply)?;
    serde_json::from_value(v).map_err(|e| format!("not a verdict: {e}"))
}

pub fn parse_grade(reply: &str) -> Result<Grade, String> {
    let g: Grade =
        serde_json::from_value(json_object(reply)?).map_err(|e| format!("not a grade: {e}"))?;
    if (1..=5).contains(&g.score) {
        Ok(g)
    } else {
        Err(format!("score {} is not between 1 and 5", g.score))
    }
}

/// The built-in pairwise prompt. Variables: question, answer_a, answer_b, and criterion /
/// criterion_description when judging one criterion.
pub const PAIRWISE_TEMPLATE: &str = r#"You compare two answers to the same request, written for a product feature. Judge only what the user would get: correctness, helpfulness and how well each follows the request{% if criterion %} — here only for this criterion: {{ criterion }} ({{ criterion_description }}){% endif %}. The order of the answers and their length must not sway you.

[Request]
{{ question }}

[Answer A]
{{ answer_a }}

[Answer B]
{{ answer_b }}

Reply with JSON only: {"reason": "one short sentence", "verdict": "A" | "B" | "tie"}."#;

/// The built-in grading prompt. Variables: question, answer, reference (may be empty), rubric.
pub const GRADE_TEMPLATE: &str = r#"You grade one answer to a request, written for a product feature, from 1 (useless) to 5 (excellent){% if rubric %}, by this rubric: {{ rubric }}{% endif %}.

[Request]
{{ question }}
{% if reference %}
[Reference answer]
{{ reference }}
{% endif %}
[Answer]
{{ answer }}

Reply with JSON only: {"reason": "one short sentence", "score": 1-5}."#;

/// Which variables a template must use, by mode.
pub fn required_variables(pairwise: bool) -> &'static [&'static str] {
    if pairwise {
        &["question", "answer_a", "answer_b"]
    } else {
        &["question", "answer"]
    }
}

/// Check a judge template: it compiles and uses every answer placeholder of its mode.
pub fn check_template(source: &str, pairwise: bool) -> Result<(), String> {
    let mut env = Environment::new();
    env.add_template("judge", source)
        .map_err(|e| format!("the judge template: {e}"))?;
    let used = env
        .get_template("judge")
        .map_err(|e| e.to_string())?
        .undeclared_variables(false);
    let missing: Vec<&str> = required_variables(pairwise)
        .iter()
        .copied()
        .filter(|v| !used.contains(*v))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the judge template never uses {}: the judge would not see what it judges",
            missing
                .iter()
                .map(|v| format!("{{{{ {v} }}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// One pairwise prompt, answers in the order given.
pub fn render_pairwise(
    source: &str,
    question: &str,
    answer_a: &str,
    answer_b: &str,
    criterion: Option<(&str, &str)>,
) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    let (name, description) = criterion.unwrap_or(("", ""));
    env.render_str(
        source,
        context! {question, answer_a, answer_b, criterion => name, criterion_description => description},
    )
    .map_err(|e| format!("the judge template: {e}"))
}

pub fn render_grade(
    source: &str,
    question: &str,
    answer: &str,
    reference: Option<&str>,
    rubric: Option<&str>,
) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.render_str(
        source,
        context! {question, answer, reference => reference.unwrap_or(""), rubric => rubric.unwrap_or("")},
    )
    .map_err(|e| format!("the judge template: {e}"))
}

/// The judge's figures over combined pairs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JudgeSummary {
    pub pairs: usize,
    pub candidate_wins: usize,
    pub baseline_wins: usize,
    pub ties: usize,
    /// Pairs whose two orders agreed, of the pairs with both orders valid.
    pub consistent: usize,
    pub position_consistency: Option<f64>,
    /// Of the decisive pairs, how often the longer answer won.
    pub longer_won: Option<f64>,
}

/// One pair, both orders judged: the winners as read and the two answers' lengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JudgedPair {
    pub candidate_first: Winner,
    pub baseline_first: Winner,
    pub candidate_chars: usize,
    pub baseline_chars: usize,
}

pub fn summarize(pairs: &[JudgedPair]) -> JudgeSummary {
    let mut s = JudgeSummary {
        pairs: pairs.len(),
        ..JudgeSummary::default()
    };
    let (mut decisive, mut longer) = (0usize, 0usize);
    for p in pairs {
        let (w, agreed) = combine(p.candidate_first, p.baseline_first);
        s.consistent += usize::from(agreed);
        match w {
            Winner::Candidate => s.candidate_wins += 1,
            Winner::Baseline => s.baseline_wins += 1,
            Winner::Tie => s.ties += 1,
        }
        let longer_side = match p.candidate_chars.cmp(&p.baseline_chars) {
            std::cmp::Ordering::Greater => Some(Winner::Candidate),
            std::cmp::Ordering::Less => Some(Winner::Baseline),
            std::cmp::Ordering::Equal => None,
        };
        if w != Winner::Tie
            && let Some(side) = longer_side
        {
            decisive += 1;
            longer += usize::from(side == w);
        }
    }
    s.position_consistency = (!pairs.is_empty()).then(|| s.consistent as f64 / pairs.len() as f64);
    s.longer_won = (decisive > 0).then(|| longer as f64 / decisive as f64);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_swap_maps_back_and_a_disagreement_is_a_tie() {
        assert_eq!(winner(Choice::A, true), Winner::Candidate);
        assert_eq!(winner(Choice::A, false), Winner::Baseline);
        assert_eq!(winner(Choice::B, false), Winner::Candidate);
        assert_eq!(winner(Choice::Tie, false), Winner::Tie);
        // "A" both times: the position won, not an answer.
        let a_first = winner(Choice::A, true);
        let a_second = winner(Choice::A, false);
        assert_eq!(combine(a_first, a_second), (Winner::Tie, false));
        assert_eq!(
            combine(Winner::Candidate, Winner::Candidate),
            (Winner::Candidate, true)
        );
    }

    #[test]
    fn summary_by_hand() {
        let pair = |a, b, c, d| JudgedPair {
            candidate_first: a,
            baseline_first: b,
            candidate_chars: c,
            baseline_chars: d,
        };
        use Winner::*;
        let s = summarize(&[
            pair(Candidate, Candidate, 90, 40), // consistent, longer won
            pair(Baseline, Baseline, 90, 40),   // consistent, shorter won
            pair(Candidate, Baseline, 10, 40),  // disagree → tie
            pair(Tie, Tie, 10, 10),             // consistent tie
        ]);
        assert_eq!((s.candidate_wins, s.baseline_wins, s.ties), (1, 1, 2));
        assert_eq!(s.consistent, 3);
        assert_eq!(s.position_consistency, Some(0.75));
        assert_eq!(s.longer_won, Some(0.5));
    }

    #[test]
    fn verdicts_parse_or_say_why() {
        let v = parse_pairwise(r#"{"reason": "B is right", "verdict": "B"}"#).unwrap();
        assert_eq!(v.verdict, Choice::B);
        let fenced =
            parse_pairwise("Sure!\n```json\n{\"reason\": \"x\", \"verdict\": \"tie\"}\n```");
        assert_eq!(fenced.unwrap().verdict, Choice::Tie);
        assert!(parse_pairwise("Answer A is clearly better.").is_err());
        assert!(parse_pairwise(r#"{"verdict": "C", "reason": ""}"#).is_err());
        assert_eq!(
            parse_grade(r#"{"score": 4, "reason": "ok"}"#)
                .unwrap()
                .score,
            4
        );
        assert!(parse_grade(r#"{"score": 9, "reason": "ok"}"#).is_err());
    }

    #[test]
    fn templates_must_show_the_answers() {
        assert!(check_template(PAIRWISE_TEMPLATE, true).is_ok());
        assert!(check_template(GRADE_TEMPLATE, false).is_ok());
        let err = check_template("Judge {{ question }} and {{ answer_a }}", true).unwrap_err();
        assert!(err.contains("{{ answer_b }}"), "{err}");
        let shown = render_pairwise(PAIRWISE_TEMPLATE, "Q?", "first", "second", None).unwrap();
        assert!(shown.find("first").unwrap() < shown.find("second").unwrap());
        let criterion = render_pairwise(
            PAIRWISE_TEMPLATE,
            "Q",
            "a",
            "b",
            Some(("clarity", "easy to read")),
        )
        .unwrap();
        assert!(criterion.contains("clarity (easy to read)"));
    }
}

/// A human's pairwise vote on two answers (by uid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HumanVote {
    pub first: String,
    pub second: String,
    /// The first answer won, the second won, or neither (tie, both bad): as a `Winner` where
    /// `Candidate` means "first".
    pub first_won: Option<bool>,
}

/// The judge's combined verdict on one pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedOutcome {
    pub model: String,
    pub candidate: String,
    pub baseline: String,
    pub winner: Winner,
    pub candidate_chars: usize,
    pub baseline_chars: usize,
}

impl JudgedOutcome {
    /// The longer answer's side (None when both are as long).
    fn longer(&self) -> Option<Winner> {
        match self.candidate_chars.cmp(&self.baseline_chars) {
            std::cmp::Ordering::Greater => Some(Winner::Candidate),
            std::cmp::Ordering::Less => Some(Winner::Baseline),
            std::cmp::Ordering::Equal => None,
        }
    }
}

/// How far the judge agrees with the humans on the pairs both judged.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HumanAgreement {
    /// Human votes matched with a judge verdict (each vote an item).
    pub items: usize,
    pub rate: Option<f64>,
    pub kappa: Option<f64>,
    pub kappa_low: Option<f64>,
    pub kappa_high: Option<f64>,
    /// The same without the items either side called a tie.
    pub decisive_items: usize,
    pub decisive_rate: Option<f64>,
    pub decisive_kappa: Option<f64>,
    /// Per candidate model: win rate against the baseline ((wins + ties / 2) / pairs) by the
    /// humans and by the judge, on the pairs both judged.
    pub win_rates: BTreeMap<String, (f64, f64)>,
    /// Do humans and judge rank the models alike (three models or more)?
    pub spearman: Option<f64>,
    pub kendall_tau_b: Option<f64>,
    /// Length bias on the same pairs: of the decisive calls between answers of different
    /// lengths, how often the longer answer won, by the humans and by the judge.
    pub longer_won_humans: Option<f64>,
    pub longer_won_judge: Option<f64>,
}

/// `won / of`, None when `of` is 0.
fn share((won, of): (usize, usize)) -> Option<f64> {
    (of > 0).then(|| won as f64 / of as f64)
}

pub fn agreement_with_humans(votes: &[HumanVote], judged: &[JudgedOutcome]) -> HumanAgreement {
    use super::stats::agreement::{agreement, kendall_tau_b, spearman};
    let mut human = Vec::new();
    let mut machine = Vec::new();
    let mut rates: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    let (mut longer_h, mut longer_j) = ((0usize, 0usize), (0usize, 0usize));
    let score = |w: Winner| match w {
        Winner::Candidate => 1.0,
        Winner::Tie => 0.5,
        Winner::Baseline => 0.0,
    };
    for j in judged {
        for v in votes {
            let human_winner = if v.first == j.candidate && v.second == j.baseline {
                match v.first_won {
                    Some(true) => Winner::Candidate,
                    Some(false) => Winner::Baseline,
                    None => Winner::Tie,
                }
            } else if v.first == j.baseline && v.second == j.candidate {
                match v.first_won {
                    Some(true) => Winner::Baseline,
                    Some(false) => Winner::Candidate,
                    None => Winner::Tie,
                }
            } else {
                continue;
            };
            human.push(human_winner);
            machine.push(j.winner);
            if let Some(side) = j.longer() {
                for (w, tally) in [(human_winner, &mut longer_h), (j.winner, &mut longer_j)] {
                    if w != Winner::Tie {
                        tally.0 += usize::from(w == side);
                        tally.1 += 1;
                    }
                }
            }
            let r = rates.entry(j.model.clone()).or_default();
            r.0 += score(human_winner);
            r.1 += score(j.winner);
            r.2 += 1.0;
        }
    }
    let key = |w: &Winner| match w {
        Winner::Candidate => 0u8,
        Winner::Baseline => 1,
        Winner::Tie => 2,
    };
    let (h, m): (Vec<u8>, Vec<u8>) = (
        human.iter().map(key).collect(),
        machine.iter().map(key).collect(),
    );
    let all = agreement(&h, &m);
    let (hd, md): (Vec<u8>, Vec<u8>) = h
        .iter()
        .zip(&m)
        .filter(|(a, b)| **a != 2 && **b != 2)
        .unzip();
    let decisive = agreement(&hd, &md);
    let win_rates: BTreeMap<String, (f64, f64)> = rates
        .into_iter()
        .map(|(model, (hs, js, n))| (model, (hs / n, js / n)))
        .collect();
    let (hr, jr): (Vec<f64>, Vec<f64>) = win_rates.values().copied().unzip();
    let ranked = win_rates.len() >= 3;
    HumanAgreement {
        items: all.n,
        rate: all.rate,
        kappa: all.kappa.map(|k| k.estimate),
        kappa_low: all.kappa.map(|k| k.low),
        kappa_high: all.kappa.map(|k| k.high),
        decisive_items: decisive.n,
        decisive_rate: decisive.rate,
        decisive_kappa: decisive.kappa.map(|k| k.estimate),
        spearman: ranked.then(|| spearman(&hr, &jr)).flatten(),
        kendall_tau_b: ranked.then(|| kendall_tau_b(&hr, &jr)).flatten(),
        win_rates,
        longer_won_humans: share(longer_h),
        longer_won_judge: share(longer_j),
    }
}

#[cfg(test)]
mod human_tests {
    use super::*;

    #[test]
    fn votes_are_matched_to_verdicts_in_either_order_by_hand() {
        // Candidates are longer than their baselines but c3, as long as b3.
        let judged = |model: &str, c: &str, b: &str, w| JudgedOutcome {
            model: model.into(),
            candidate: c.into(),
            baseline: b.into(),
            winner: w,
            candidate_chars: if c == "c3" { 10 } else { 20 },
            baseline_chars: 10,
        };
        let vote = |f: &str, s: &str, w| HumanVote {
            first: f.into(),
            second: s.into(),
            first_won: w,
        };
        let j = [
            judged("m1", "c1", "b1", Winner::Candidate),
            judged("m1", "c2", "b2", Winner::Baseline),
            judged("m2", "c3", "b3", Winner::Tie),
        ];
        let v = [
            vote("c1", "b1", Some(true)),  // candidate: agrees
            vote("b2", "c2", Some(true)),  // baseline shown first and won: agrees
            vote("c3", "b3", Some(false)), // baseline; judge tie: disagrees
            vote("x", "y", Some(true)),    // no verdict: left out
        ];
        let a = agreement_with_humans(&v, &j);
        assert_eq!(a.items, 3);
        assert_eq!(a.rate, Some(2.0 / 3.0));
        assert_eq!((a.decisive_items, a.decisive_rate), (2, Some(1.0)));
        // m1: humans 1 + 0 of 2 = 0.5, judge the same; m2: humans 0, judge 0.5.
        assert_eq!(a.win_rates["m1"], (0.5, 0.5));
        assert_eq!(a.win_rates["m2"], (0.0, 0.5));
        assert_eq!(a.spearman, None, "two models: no ranking to compare");
        // Unequal lengths: c1/b1 (humans and judge: the longer won) and c2/b2 (both: the
        // shorter won); c3/b3 is left out.
        assert_eq!(
            (a.longer_won_humans, a.longer_won_judge),
            (Some(0.5), Some(0.5))
        );
    }
}
