//! An LLM judge's verdicts, pure: the prompts (templates the user can replace), the JSON schema a
//! verdict must follow, reading a verdict, and the position swap — every pair is judged in both
//! orders, a disagreement counts as a tie, and how often the orders agree is the judge's
//! position consistency.

use minijinja::{Environment, UndefinedBehavior, context};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

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
