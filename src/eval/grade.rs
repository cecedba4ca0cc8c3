//! The judge's grading mode: each answer graded alone from 1 to 5 (per criterion), optionally
//! against the baseline's answer to the same input as a reference and a rubric.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::ask::{Asker, ask_with_repair};
use crate::analysis::judge::{self, grade::GradeSummary};
use crate::domain::rating::{RatingKind, RatingStatus};
use crate::store::eval::StoredVerdict;
use crate::store::records::ExportLine;

/// One grade to ask: an answer, its reference (if any), a criterion.
pub struct GradeTask {
    pub answer: ExportLine,
    pub reference: Option<ExportLine>,
    pub criterion: Option<(String, String)>,
}

impl GradeTask {
    pub fn key(&self, judge: &str, recipe: &str) -> String {
        format!(
            "grade|{}|{}|{}|{}|{}",
            self.answer.generation.uid,
            self.reference
                .as_ref()
                .map_or("", |r| r.generation.uid.as_str()),
            self.criterion.as_ref().map_or("", |c| c.0.as_str()),
            judge,
            recipe
        )
    }
}

/// Every answer per criterion; with a reference, every answer but the baseline's, against the
/// baseline's answer to the same input and repetition.
pub fn tasks(
    answers: &[&ExportLine],
    baseline: &str,
    reference: Option<&HashMap<(String, i64), &ExportLine>>,
    criteria: &[Option<(String, String)>],
) -> Vec<GradeTask> {
    let mut out = Vec::new();
    for a in answers {
        let reference = match reference {
            None => None,
            Some(_) if a.generation.model == baseline => continue,
            Some(by_key) => match by_key.get(&(a.prompt.uid.clone(), a.generation.repetition)) {
                Some(r) => Some((*r).clone()),
                None => continue,
            },
        };
        for criterion in criteria {
            out.push(GradeTask {
                answer: (*a).clone(),
                reference: reference.clone(),
                criterion: criterion.clone(),
            });
        }
    }
    out
}

/// Ask one grade (and repair it once if it does not parse).
pub(super) async fn ask(
    asker: &Asker,
    template: &str,
    template_sha: &str,
    rubric: Option<&str>,
    task: &GradeTask,
) -> anyhow::Result<Value> {
    let rubric = match (&task.criterion, rubric) {
        (Some((name, description)), Some(r)) => Some(format!("{name} ({description}); {r}")),
        (Some((name, description)), None) => Some(format!("{name} ({description})")),
        (None, r) => r.map(str::to_owned),
    };
    let prompt = judge::render_grade(
        template,
        &task.answer.prompt.user,
        &task.answer.generation.text,
        task.reference.as_ref().map(|r| r.generation.text.as_str()),
        rubric.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let asked = ask_with_repair(
        asker,
        &prompt,
        judge::parse_grade,
        r#"{"reason": "one short sentence", "score": 1-5}"#,
    )
    .await;
    let mut v = json!({
        "mode": "grade",
        "criterion": task.criterion.as_ref().map(|c| &c.0),
        "candidate": task.answer.generation.uid,
        "candidate_model": task.answer.generation.model,
        "reference": task.reference.as_ref().map(|r| &r.generation.uid),
        "baseline_model": task.reference.as_ref().map(|r| &r.generation.model),
        "template_sha256": template_sha,
        "rubric": rubric,
    });
    asked.record(&mut v, &prompt);
    match asked.parsed {
        Ok(g) => {
            v["status"] = json!("ok");
            v["score"] = json!(g.score);
            v["reason"] = json!(g.reason);
        }
        Err(why) => {
            v["status"] = json!("invalid");
            v["why"] = json!(why);
        }
    }
    Ok(v)
}

type Grades = BTreeMap<String, BTreeMap<String, GradeSummary>>;

/// Per model and criterion; and the overall grade of each answer (by uid).
pub fn summaries(
    verdicts: &[StoredVerdict],
    judge_name: &str,
    recipe: &str,
) -> (Grades, BTreeMap<String, u8>) {
    let mut scores: BTreeMap<(String, String), Vec<u8>> = BTreeMap::new();
    let mut overall = BTreeMap::new();
    for v in verdicts.iter().filter(|v| v.judge == judge_name) {
        let j = &v.read;
        if !j.is_grade() || j.recipe() != Some(recipe) || !j.is_ok() {
            continue;
        }
        let Some(score) = j.grade() else {
            continue;
        };
        let criterion = j.criterion_or_overall().to_owned();
        if criterion == "overall" {
            overall.insert(v.generation.clone(), score);
        }
        let model = j.candidate_model.clone().unwrap_or_default();
        scores.entry((model, criterion)).or_default().push(score);
    }
    let mut out: Grades = BTreeMap::new();
    for ((model, criterion), list) in scores {
        out.entry(model)
            .or_default()
            .insert(criterion, judge::grade::summarize_grades(&list));
    }
    (out, overall)
}

/// The humans' scores in force on the session's answers: (answer uid, model, score).
pub fn human_scores(lines: &[ExportLine]) -> Vec<(String, String, u8)> {
    lines
        .iter()
        .flat_map(|l| l.ratings.iter().map(move |r| (l, r)))
        .filter(|(_, r)| r.kind == RatingKind::Score && r.status == RatingStatus::Active)
        .filter_map(|(l, r)| Some((r.generation.clone()?, l.generation.model.clone(), r.score?)))
        .collect()
}
