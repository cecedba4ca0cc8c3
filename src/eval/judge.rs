//! `slam judge SESSION`: an LLM judge over an eval run's answers. Each candidate answer is
//! judged against the baseline's answer to the same input and repetition, in both orders (and
//! per criterion); every verdict is stored as it comes (resumable) with its prompt, the
//! template's sha256, the raw reply, tokens and latency. A reply that does not parse gets one
//! repair request, then is stored as `invalid`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use anyhow::bail;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::ask::{Asker, ask_with_repair};
use super::{answers, grade};
use crate::analysis::judge::{
    self, JudgeMode, JudgeSummary, JudgedOutcome, JudgedPair, Verdict, Winner,
};
use crate::app::{BackendFactory, Limits};
use crate::config::{Config, ResolvedModel};
use crate::domain::{GenParamsPatch, ResponseFormat};
use crate::findings::judge::JudgeReport;
use crate::store::Store;
use crate::store::manifest::sha256_hex;
use crate::store::records::ExportLine;

#[derive(Debug, Clone)]
pub struct JudgeOptions {
    pub judge: String,
    pub baseline: Option<String>,
    /// Named criteria (name, description); empty: one overall verdict.
    pub criteria: Vec<(String, String)>,
    /// A template replacing the built-in one.
    pub template: Option<String>,
    pub max_tokens: u32,
    pub mode: JudgeMode,
    /// Grading: what a good answer is (with criteria: added to each criterion's description).
    pub rubric: Option<String>,
    /// Grading: show the judge the baseline's answer to the same input as a reference (the
    /// baseline itself is then not graded).
    pub reference: bool,
    /// How long one reply may take (`None`: no limit).
    pub timeout: Option<std::time::Duration>,
}

impl JudgeOptions {
    /// Overall pairwise verdicts with the built-in template.
    pub fn pairwise(judge: &str) -> Self {
        Self {
            judge: judge.to_owned(),
            baseline: None,
            criteria: Vec::new(),
            template: None,
            max_tokens: 160,
            mode: JudgeMode::Pairwise,
            rubric: None,
            reference: false,
            timeout: None,
        }
    }
}

/// One verdict to ask.
enum Job {
    Pair(Task),
    Grade(grade::GradeTask),
}

impl Job {
    fn key(&self, judge: &str, recipe: &str) -> String {
        match self {
            Job::Pair(t) => t.key(judge, recipe),
            Job::Grade(t) => t.key(judge, recipe),
        }
    }

    /// The answer the verdict is stored with.
    fn answer(&self) -> &str {
        match self {
            Job::Pair(t) => &t.candidate.generation.uid,
            Job::Grade(t) => &t.answer.generation.uid,
        }
    }
}

/// One verdict to ask: a candidate answer, the baseline's, a criterion, an order.
struct Task {
    candidate: ExportLine,
    baseline: ExportLine,
    criterion: Option<(String, String)>,
    candidate_first: bool,
}

impl Task {
    fn key(&self, judge: &str, template_sha: &str) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.candidate.generation.uid,
            self.baseline.generation.uid,
            self.criterion.as_ref().map_or("", |c| c.0.as_str()),
            self.candidate_first,
            judge,
            template_sha
        )
    }
}

/// The options' own faults: duplicate criteria, a template that hides an answer.
pub fn check(opts: &JudgeOptions) -> Result<String, String> {
    let mut seen = HashSet::new();
    for (name, _) in &opts.criteria {
        if !seen.insert(name.to_lowercase()) {
            return Err(format!("criterion {name:?} is given twice"));
        }
    }
    let pairwise = opts.mode == JudgeMode::Pairwise;
    if pairwise && (opts.rubric.is_some() || opts.reference) {
        return Err("a rubric and a reference are for grading (mode grade)".into());
    }
    let template = opts.template.clone().unwrap_or_else(|| {
        if pairwise {
            judge::PAIRWISE_TEMPLATE
        } else {
            judge::GRADE_TEMPLATE
        }
        .to_owned()
    });
    judge::check_template(&template, pairwise)?;
    Ok(template)
}

/// Check the options against the config: nothing runs on bad input.
fn prepare(
    config: &Config,
    opts: &JudgeOptions,
) -> anyhow::Result<(ResolvedModel, ResponseFormat, String, String)> {
    let template = check(opts).map_err(anyhow::Error::msg)?;
    let patch = GenParamsPatch {
        temperature: Some(0.0),
        max_tokens: Some(opts.max_tokens),
        seed: Some(0),
        ..GenParamsPatch::default()
    };
    let model = config
        .resolve(&opts.judge, &patch)
        .map_err(|e| anyhow::anyhow!("the judge: {e}"))?;
    let schema = match opts.mode {
        JudgeMode::Pairwise => judge::pairwise_schema(),
        JudgeMode::Grade => judge::grade_schema(),
    };
    let sha = sha256_hex(template.as_bytes());
    Ok((
        model,
        ResponseFormat::json_schema("answer", schema),
        template,
        sha,
    ))
}

/// What makes two verdicts comparable: the template, and for grading the rubric and whether a
/// reference was shown. Pairwise verdicts: the template's sha256 itself.
fn recipe(opts: &JudgeOptions, template_sha: &str) -> String {
    match opts.mode {
        JudgeMode::Pairwise => template_sha.to_owned(),
        JudgeMode::Grade => sha256_hex(
            format!(
                "{template_sha}|rubric={}|reference={}",
                opts.rubric.as_deref().unwrap_or(""),
                opts.reference
            )
            .as_bytes(),
        ),
    }
}

/// Judge `session`'s answers; `factory` opens the judge model (`Models` for real ones).
pub async fn run(
    config: &Config,
    db: &std::path::Path,
    session: i64,
    opts: JudgeOptions,
    factory: Arc<dyn BackendFactory>,
    cancel: CancellationToken,
) -> anyhow::Result<JudgeReport> {
    let (model, format, template, template_sha) = prepare(config, &opts)?;
    let recipe = recipe(&opts, &template_sha);
    let store = Store::open(db)?;
    let lines = store.export_lines(session)?;
    if lines.is_empty() {
        bail!("session {session} has no answers (see `slam sessions list`)");
    }
    // Grading alone needs no baseline; pairwise verdicts and references do.
    let needs_baseline = opts.mode == JudgeMode::Pairwise || opts.reference;
    let baseline = match answers::baseline(&store, session, opts.baseline.as_deref()) {
        Ok(b) => b,
        Err(e) if needs_baseline => return Err(e),
        Err(_) => String::new(),
    };
    let answers = answers::plain(&lines);
    let by_key: HashMap<(String, i64), &ExportLine> = answers
        .iter()
        .filter(|l| l.generation.model == baseline)
        .map(|l| ((l.prompt.uid.clone(), l.generation.repetition), *l))
        .collect();
    if needs_baseline && by_key.is_empty() {
        bail!("session {session} has no answers of the baseline {baseline:?}");
    }
    let criteria: Vec<Option<(String, String)>> = if opts.criteria.is_empty() {
        vec![None]
    } else {
        opts.criteria.iter().cloned().map(Some).collect()
    };
    let jobs: Vec<Job> = match opts.mode {
        JudgeMode::Pairwise => pair_tasks(&answers, &baseline, &by_key, &criteria)
            .into_iter()
            .map(Job::Pair)
            .collect(),
        JudgeMode::Grade => {
            let reference = opts.reference.then_some(&by_key);
            grade::tasks(&answers, &baseline, reference, &criteria)
                .into_iter()
                .map(Job::Grade)
                .collect()
        }
    };
    let done: HashSet<String> = store
        .verdicts(session)?
        .into_iter()
        .filter_map(|v| v.read.key)
        .collect();
    let ids = store.generation_ids(session)?;
    let opened = crate::app::run::open(factory, model.clone())
        .await
        .map_err(|e| anyhow::anyhow!("the judge {}: {e}", model.name()))?;
    let asker = Asker {
        model: opened,
        params: model.params.clone(),
        format,
        limits: Limits::timeout(opts.timeout),
    };
    let mut report = JudgeReport {
        judge: model.name().to_owned(),
        self_preference_risk: lines.iter().any(|l| l.generation.model == model.name()),
        baseline: baseline.clone(),
        mode: opts.mode,
        ..JudgeReport::default()
    };
    for job in jobs {
        if cancel.is_cancelled() {
            break;
        }
        let key = job.key(model.name(), &recipe);
        if done.contains(&key) {
            continue;
        }
        let verdict = match &job {
            Job::Pair(t) => ask(&asker, &template, &template_sha, t).await?,
            Job::Grade(t) => {
                let rubric = opts.rubric.as_deref();
                grade::ask(&asker, &template, &template_sha, rubric, t).await?
            }
        };
        report.asked += 1;
        report.invalid += usize::from(Verdict::of(&verdict).is_invalid());
        let Some(id) = ids.get(job.answer()) else {
            continue;
        };
        let mut stored = verdict;
        stored["key"] = json!(key);
        stored["recipe_sha256"] = json!(recipe);
        stored["judge_model_id"] = json!(model.entry.server_id());
        store.insert_verdict(*id, model.name(), &stored)?;
    }
    fill(&mut report, &store.verdicts(session)?, &lines, &recipe);
    Ok(report)
}

/// Every judge's figures over a session, from its stored verdicts (one report per judge and
/// recipe: template, rubric, reference).
pub fn stored_reports(store: &Store, session: i64) -> anyhow::Result<Vec<JudgeReport>> {
    Ok(reports(&store.export_lines(session)?))
}

/// Every judge's report from the verdicts an eval run's lines carry (a store's export or a
/// file), one per judge and recipe.
pub fn reports(lines: &[ExportLine]) -> Vec<JudgeReport> {
    let verdicts: Vec<crate::store::eval::StoredVerdict> = lines
        .iter()
        .flat_map(|l| {
            l.verdicts.iter().map(|v| {
                crate::store::eval::StoredVerdict::new(
                    l.generation.uid.clone(),
                    v.judge.clone(),
                    v.verdict.clone(),
                )
            })
        })
        .collect();
    let mut judges: Vec<(String, String)> = verdicts
        .iter()
        .filter_map(|v| Some((v.judge.clone(), v.read.recipe()?.to_owned())))
        .collect();
    judges.sort();
    judges.dedup();
    judges
        .into_iter()
        .map(|(name, sha)| {
            let mine: Vec<&crate::store::eval::StoredVerdict> = verdicts
                .iter()
                .filter(|v| v.judge == name && v.read.recipe() == Some(sha.as_str()))
                .collect();
            let mode = mine
                .first()
                .map(|v| v.read.judge_mode())
                .unwrap_or_default();
            let mut report = JudgeReport {
                self_preference_risk: lines.iter().any(|l| l.generation.model == name),
                baseline: mine
                    .first()
                    .and_then(|v| v.read.baseline_model.clone())
                    .unwrap_or_default(),
                asked: mine.len(),
                invalid: mine.iter().filter(|v| v.read.is_invalid()).count(),
                mode,
                judge: name,
                ..JudgeReport::default()
            };
            fill(&mut report, &verdicts, lines, &sha);
            report
        })
        .collect()
}

/// The figures of one judge and template from the stored verdicts, by the report's mode.
fn fill(
    report: &mut JudgeReport,
    verdicts: &[crate::store::eval::StoredVerdict],
    lines: &[ExportLine],
    recipe: &str,
) {
    let mine: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| v.judge == report.judge && v.read.recipe() == Some(recipe))
        .map(|v| &v.read)
        .collect();
    report.judge_tokens = mine.iter().filter_map(|v| v.judge_tokens).sum();
    report.judge_prompt_tokens = mine.iter().map(|v| v.judge_prompt_tokens).sum();
    report.cost = report.judge_prompt_tokens.and_then(|prompt| {
        let id = mine.first().and_then(|v| v.judge_model_id.as_deref());
        let table = crate::config::model_table::bundled();
        let price = super::cost::price_for(table, id, &report.judge)?;
        crate::analysis::cost::api_cost(
            price,
            // A stored verdict keeps the judge's output tokens whole: its thinking, if any, is
            // billed at the output price.
            &crate::analysis::cost::Billed {
                prompt_tokens: prompt,
                completion_tokens: report.judge_tokens,
                ..Default::default()
            },
        )
        .ok()
    });
    match report.mode {
        JudgeMode::Pairwise => {
            let (models, outcomes) = summaries(verdicts, &report.judge, recipe);
            report.models = models;
            report.humans = judge::agreement_with_humans(&answers::human_votes(lines), &outcomes);
        }
        JudgeMode::Grade => {
            let (grades, overall) = grade::summaries(verdicts, &report.judge, recipe);
            report.grades = grades;
            let scores = grade::human_scores(lines);
            report.human_scores = Some(judge::grade::grade_agreement(&scores, &overall));
        }
    }
}

/// Every candidate answer against the baseline's of the same input and repetition, per
/// criterion, in both orders.
fn pair_tasks(
    answers: &[&ExportLine],
    baseline: &str,
    by_key: &HashMap<(String, i64), &ExportLine>,
    criteria: &[Option<(String, String)>],
) -> Vec<Task> {
    let mut tasks = Vec::new();
    for cand in answers.iter().filter(|l| l.generation.model != baseline) {
        let Some(base) = by_key.get(&(cand.prompt.uid.clone(), cand.generation.repetition)) else {
            continue;
        };
        for criterion in criteria {
            for candidate_first in [true, false] {
                tasks.push(Task {
                    candidate: (*cand).clone(),
                    baseline: (*base).clone(),
                    criterion: criterion.clone(),
                    candidate_first,
                });
            }
        }
    }
    tasks
}

/// Ask one verdict (and repair it once if it does not parse).
async fn ask(
    asker: &Asker,
    template: &str,
    template_sha: &str,
    task: &Task,
) -> anyhow::Result<Value> {
    let (a, b) = if task.candidate_first {
        (&task.candidate, &task.baseline)
    } else {
        (&task.baseline, &task.candidate)
    };
    let criterion = task
        .criterion
        .as_ref()
        .map(|(n, d)| (n.as_str(), d.as_str()));
    let prompt = judge::render_pairwise(
        template,
        &task.candidate.prompt.user,
        &a.generation.text,
        &b.generation.text,
        criterion,
    )
    .map_err(anyhow::Error::msg)?;
    let asked = ask_with_repair(
        asker,
        &prompt,
        judge::parse_pairwise,
        r#"{"reason": "one short sentence", "verdict": "A" | "B" | "tie"}"#,
    )
    .await;
    let mut v = json!({
        "mode": "pairwise",
        "criterion": task.criterion.as_ref().map(|c| &c.0),
        "candidate": task.candidate.generation.uid,
        "candidate_model": task.candidate.generation.model,
        "baseline": task.baseline.generation.uid,
        "baseline_model": task.baseline.generation.model,
        "candidate_first": task.candidate_first,
        "candidate_chars": task.candidate.generation.text.chars().count(),
        "baseline_chars": task.baseline.generation.text.chars().count(),
        "template_sha256": template_sha,
    });
    asked.record(&mut v, &prompt);
    match asked.parsed {
        Ok(p) => {
            v["status"] = json!("ok");
            v["verdict"] = json!(p.verdict);
            v["reason"] = json!(p.reason);
            v["winner"] = json!(judge::winner(p.verdict, task.candidate_first));
        }
        Err(why) => {
            v["status"] = json!("invalid");
            v["why"] = json!(why);
        }
    }
    Ok(v)
}

type Summaries = BTreeMap<String, BTreeMap<String, JudgeSummary>>;

/// Per candidate model and criterion: both orders of each pair combined; and the overall
/// verdict of each pair.
fn summaries(
    verdicts: &[crate::store::eval::StoredVerdict],
    judge_name: &str,
    recipe: &str,
) -> (Summaries, Vec<JudgedOutcome>) {
    // (candidate model, criterion, candidate answer, baseline answer) → both orders' readings.
    type PairKey = (String, String, String, String);
    type Reading = (Winner, usize, usize);
    let mut pairs: BTreeMap<PairKey, [Option<Reading>; 2]> = BTreeMap::new();
    for v in verdicts.iter().filter(|v| v.judge == judge_name) {
        let j = &v.read;
        if j.recipe() != Some(recipe) {
            continue;
        }
        let Some((w, first)) = j.reading() else {
            continue;
        };
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        let key = (
            text(&j.candidate_model),
            j.criterion_or_overall().to_owned(),
            text(&j.candidate),
            text(&j.baseline),
        );
        let lengths = (
            j.candidate_chars.unwrap_or(0) as usize,
            j.baseline_chars.unwrap_or(0) as usize,
        );
        pairs.entry(key).or_default()[usize::from(!first)] = Some((w, lengths.0, lengths.1));
    }
    let mut by: BTreeMap<(String, String), Vec<JudgedPair>> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for ((model, criterion, candidate, baseline), [a, b]) in pairs {
        if let (Some(a), Some(b)) = (a, b) {
            if criterion == "overall" {
                outcomes.push(JudgedOutcome {
                    model: model.clone(),
                    candidate,
                    baseline,
                    winner: judge::combine(a.0, b.0).0,
                    candidate_chars: a.1,
                    baseline_chars: a.2,
                });
            }
            by.entry((model, criterion)).or_default().push(JudgedPair {
                candidate_first: a.0,
                baseline_first: b.0,
                candidate_chars: a.1,
                baseline_chars: a.2,
            });
        }
    }
    let mut out: Summaries = BTreeMap::new();
    for ((model, criterion), list) in by {
        out.entry(model)
            .or_default()
            .insert(criterion, judge::summarize(&list));
    }
    (out, outcomes)
}
