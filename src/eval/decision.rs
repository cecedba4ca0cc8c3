//! Everything `slam report` and the TUI's report screen show about an eval run, gathered once:
//! per model its checks, the humans' scores and votes against the baseline, latency, the
//! judges' and similarity figures, cost; per input the answers side by side. The renderers
//! (`report::document`, the TUI widget) only format what is here.

use crate::domain::answer::AnswerState;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::cost::CostOptions;
use crate::analysis::cost::monthly_volume;
use crate::analysis::stats::{self, Interval, MeanCi};
use crate::config::Config;
use crate::config::model_table::ModelTable;
use crate::domain::rating::{PairOutcome, RatingKind, RatingStatus};
use crate::domain::time::utc_ms;
use crate::findings::cost::CostReport;
use crate::findings::decision::{
    AnswerRow, Decision, HeadToHead, InputAnswers, JudgeShare, ModelFigures, QUOTED_PER_DAY,
};
use crate::findings::eval::EvalReport;
use crate::store::records::ExportLine;
use crate::store::records::RatingRecord;

fn is_plain_cell(l: &ExportLine) -> bool {
    l.generation.cell.is_some() && !l.generation.is_sweep()
}

fn metric(l: &ExportLine, name: &str) -> Option<f64> {
    l.generation.metric(name)
}

/// Every active rating once (a pair vote travels on both answers' lines).
fn active_ratings(lines: &[ExportLine]) -> Vec<&RatingRecord> {
    let mut seen = BTreeSet::new();
    lines
        .iter()
        .flat_map(|l| &l.ratings)
        .filter(|r| r.status == RatingStatus::Active && seen.insert(r.uid.as_str()))
        .collect()
}

fn head_to_head(
    votes: &[&RatingRecord],
    model_of: &HashMap<&str, &str>,
    candidate: &str,
    baseline: &str,
) -> HeadToHead {
    let mut h = HeadToHead::default();
    for r in votes
        .iter()
        .filter(|r| r.kind == RatingKind::Pair && r.criterion.is_none())
    {
        let side = |g: &Option<String>| g.as_deref().and_then(|g| model_of.get(g)).copied();
        let (Some(a), Some(b), Some(outcome)) = (side(&r.gen_a), side(&r.gen_b), r.outcome) else {
            continue;
        };
        let candidate_is_a = match (a, b) {
            (a, b) if a == candidate && b == baseline => true,
            (a, b) if a == baseline && b == candidate => false,
            _ => continue,
        };
        h.votes += 1;
        match (outcome, candidate_is_a) {
            (PairOutcome::A, true) | (PairOutcome::B, false) => h.wins += 1,
            (PairOutcome::A, false) | (PairOutcome::B, true) => h.losses += 1,
            (PairOutcome::Tie | PairOutcome::BothBad, _) => h.ties += 1,
        }
    }
    h.share = stats::wilson(
        f64::from(h.wins) + f64::from(h.ties) / 2.0,
        f64::from(h.votes),
        stats::Z95,
    );
    h
}

fn clipped_scores(values: &[f64]) -> Option<MeanCi> {
    stats::mean_ci(values).map(|mut m| {
        m.interval = m.interval.map(|i| Interval {
            low: i.low.max(1.0),
            high: i.high.min(5.0),
            ..i
        });
        m
    })
}

fn judge_shares(eval: &EvalReport, model: &str) -> Vec<JudgeShare> {
    eval.judges
        .iter()
        .flat_map(|j| {
            j.models.get(model).into_iter().flatten().map(|(c, s)| {
                let won = s.candidate_wins as f64 + s.ties as f64 / 2.0;
                JudgeShare {
                    judge: j.judge.clone(),
                    criterion: c.clone(),
                    pairs: s.pairs,
                    share: stats::wilson(won, s.pairs as f64, stats::Z95),
                }
            })
        })
        .collect()
}

/// The decision's figures from a run's export lines and its stored report (judges and
/// similarity come with `eval`; a report read from a file has none).
pub fn gather(
    config: &Config,
    prices: &ModelTable,
    eval: EvalReport,
    lines: &[ExportLine],
    baseline: Option<&str>,
    opts: &CostOptions,
) -> anyhow::Result<Decision> {
    let cost = super::cost::report(config, prices, &eval, lines, baseline, opts)?;
    let plain: Vec<&ExportLine> = lines.iter().filter(|l| is_plain_cell(l)).collect();
    let model_of: HashMap<&str, &str> = lines
        .iter()
        .map(|l| (l.generation.uid.as_str(), l.generation.model.as_str()))
        .collect();
    let ratings = active_ratings(lines);
    let mut scores_of: HashMap<&str, Vec<f64>> = HashMap::new();
    for r in ratings.iter().filter(|r| r.kind == RatingKind::Score) {
        if let (Some(g), Some(s)) = (r.generation.as_deref(), r.score) {
            scores_of.entry(g).or_default().push(f64::from(s));
        }
    }
    let similarity = eval.similarity.as_ref();
    let names: BTreeSet<&str> = plain.iter().map(|l| l.generation.model.as_str()).collect();
    let mut models = BTreeMap::new();
    for name in &names {
        let figures = model_figures(name, &plain, &eval, &cost, &scores_of);
        models.insert((*name).to_owned(), figures);
    }
    if let Some(b) = baseline {
        against_baseline(&mut models, b, &ratings, &model_of);
    }
    Ok(Decision {
        session: eval.session,
        source: format!("session {}", eval.session),
        name: eval.name.clone(),
        baseline: baseline.map(str::to_owned),
        models,
        hardware: hardware(&plain),
        provenance: super::provenance::of(&plain),
        timeline: timeline(&plain),
        inputs: side_by_side(&plain, &scores_of, similarity),
        eval,
        cost,
    })
}

/// One model's figures over its plain cells (the baseline comparison comes after).
fn model_figures(
    name: &str,
    plain: &[&ExportLine],
    eval: &EvalReport,
    cost: &CostReport,
    scores_of: &HashMap<&str, Vec<f64>>,
) -> ModelFigures {
    let similarity = eval.similarity.as_ref();
    let mine: Vec<&&ExportLine> = plain
        .iter()
        .filter(|l| l.generation.model == name)
        .collect();
    let latency = eval
        .consistency
        .models
        .get(name)
        .map(|m| m.latency.clone())
        .unwrap_or_default();
    let outputs: Vec<f64> = mine
        .iter()
        .filter(|l| l.generation.error_kind.is_none())
        .filter_map(|l| metric(l, "output_tokens"))
        .collect();
    let output_tokens_mean =
        (!outputs.is_empty()).then(|| outputs.iter().sum::<f64>() / outputs.len() as f64);
    let my_scores: Vec<f64> = mine
        .iter()
        .flat_map(|l| {
            scores_of
                .get(l.generation.uid.as_str())
                .into_iter()
                .flatten()
        })
        .copied()
        .collect();
    let model_cost = cost.models.get(name).cloned();
    let per_1k = model_cost
        .as_ref()
        .and_then(|c| c.monthly.get(&QUOTED_PER_DAY).copied().flatten())
        .map(|m| m / monthly_volume(QUOTED_PER_DAY as f64) * 1000.0);
    let per_mtok = per_1k
        .zip(output_tokens_mean.filter(|t| *t > 0.0))
        .map(|(k, t)| k / 1000.0 / t * 1e6);
    ModelFigures {
        cells: mine.len(),
        errors: mine
            .iter()
            .filter(|l| l.generation.error_kind.is_some())
            .count(),
        checks: eval.checks.get(name).cloned().unwrap_or_default(),
        e2e_ms: latency.e2e_ms,
        ttft_ms: latency.ttft_ms,
        decode_tokens_per_s: latency.decode_tokens_per_s,
        output_tokens_mean,
        scores: clipped_scores(&my_scores),
        human: None,
        judges: judge_shares(eval, name),
        similarity: similarity.and_then(|s| {
            let mine: Vec<f64> = mine
                .iter()
                .filter_map(|l| s.per_answer.get(&l.generation.uid).copied())
                .collect();
            stats::mean_ci(&mine)
        }),
        p95_ratio: None,
        cost: model_cost,
        per_1k,
        per_mtok,
    }
}

/// Each candidate against the baseline: the humans' votes and p95 latency as a ratio.
fn against_baseline(
    models: &mut BTreeMap<String, ModelFigures>,
    baseline: &str,
    ratings: &[&RatingRecord],
    model_of: &HashMap<&str, &str>,
) {
    let b = baseline;
    let base_p95 = models.get(b).and_then(|m| m.e2e_ms.p95);
    for (name, m) in models.iter_mut().filter(|(n, _)| n.as_str() != b) {
        m.human = Some(head_to_head(ratings, model_of, name, b));
        m.p95_ratio = m
            .e2e_ms
            .p95
            .zip(base_p95.filter(|p| *p > 0.0))
            .map(|(m, b)| m / b);
    }
}

/// A candidate answer's pairwise verdicts, per judge, recipe and criterion: both orders
/// combined as the judge reports combine them (a disagreement is a tie).
fn judged(line: &ExportLine) -> Vec<String> {
    use crate::analysis::judge::{Winner, combine};
    type Orders = [Option<Winner>; 2];
    let mut by: BTreeMap<(String, String, String), Orders> = BTreeMap::new();
    for v in &line.verdicts {
        let j = v.read();
        if !j.is_pairwise() {
            continue;
        }
        let Some((w, first)) = j.reading() else {
            continue;
        };
        let key = (
            v.judge.clone(),
            j.criterion_or_overall().to_owned(),
            j.recipe().unwrap_or_default().to_owned(),
        );
        by.entry(key).or_default()[usize::from(!first)] = Some(w);
    }
    by.into_iter()
        .map(|((judge, criterion, _), orders)| {
            let outcome = match orders {
                [Some(a), Some(b)] => match combine(a, b).0 {
                    Winner::Candidate => "won",
                    Winner::Baseline => "lost",
                    Winner::Tie => "tie",
                },
                _ => "one order only",
            };
            format!("{judge} ({criterion}): {outcome}")
        })
        .collect()
}

fn hardware(plain: &[&ExportLine]) -> Vec<String> {
    let described = (plain.iter()).filter_map(|l| {
        let line = super::provenance::machine_line(l.generation.machine()?);
        Some(format!("{}: {line}", l.generation.model))
    });
    described.collect::<BTreeSet<_>>().into_iter().collect()
}

fn timeline(plain: &[&ExportLine]) -> BTreeMap<String, Vec<(f64, f64)>> {
    let points: Vec<(&str, f64, f64)> = plain
        .iter()
        .filter(|l| l.generation.error_kind.is_none())
        .filter_map(|l| {
            let e2e = metric(l, "e2e_ms")?;
            let end = utc_ms(&l.generation.created_at)? as f64;
            Some((l.generation.model.as_str(), end - e2e, e2e))
        })
        .collect();
    let t0 = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mut out: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (model, start, e2e) in points {
        out.entry(model.to_owned())
            .or_default()
            .push(((start - t0) / 1000.0, e2e));
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

fn side_by_side(
    plain: &[&ExportLine],
    scores_of: &HashMap<&str, Vec<f64>>,
    similarity: Option<&crate::analysis::similarity::SimilarityReport>,
) -> Vec<InputAnswers> {
    let mut inputs: Vec<InputAnswers> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for l in plain {
        let i = *at.entry(l.prompt.uid.as_str()).or_insert_with(|| {
            inputs.push(InputAnswers {
                item: l
                    .prompt
                    .item
                    .clone()
                    .unwrap_or_else(|| l.prompt.uid.clone()),
                system: l.prompt.system.clone(),
                user: l.prompt.user.clone(),
                answers: Vec::new(),
            });
            inputs.len() - 1
        });
        let checks = l.generation.checks_passed();
        let uid = l.generation.uid.as_str();
        inputs[i].answers.push(AnswerRow {
            uid: uid.to_owned(),
            model: l.generation.model.clone(),
            repetition: l.generation.repetition,
            text: l.generation.text.clone(),
            error: l.generation.error_kind.clone(),
            state: AnswerState::of(
                l.generation.finish_reason.as_deref(),
                l.generation.error_kind.as_deref(),
            ),
            checks,
            score: scores_of
                .get(uid)
                .filter(|s| !s.is_empty())
                .map(|s| s.iter().sum::<f64>() / s.len() as f64),
            similarity: similarity.and_then(|s| s.per_answer.get(uid).copied()),
            judged: judged(l),
        });
    }
    for input in &mut inputs {
        input
            .answers
            .sort_by(|a, b| (&a.model, a.repetition).cmp(&(&b.model, b.repetition)));
    }
    inputs.sort_by(|a, b| a.item.cmp(&b.item));
    inputs
}

/// A stored run's decision (judges and similarity included).
pub fn from_store(
    config: &Config,
    store: &crate::store::Store,
    session: i64,
    baseline: Option<&str>,
    opts: &CostOptions,
) -> anyhow::Result<Decision> {
    if store.session(session)?.is_none() {
        anyhow::bail!("no session {session} in the store (see `slam sessions list`)");
    }
    let lines = store.export_lines(session)?;
    let baseline = super::answers::baseline(store, session, baseline).ok();
    with_automatic_judges(config, session, &lines, baseline.as_deref(), opts)
}

/// The decision from a run's lines: its cells' figures, and the judges' and similarity
/// figures from the verdicts and vectors the lines carry.
fn with_automatic_judges(
    config: &Config,
    session: i64,
    lines: &[ExportLine],
    baseline: Option<&str>,
    opts: &CostOptions,
) -> anyhow::Result<Decision> {
    let mut eval = super::show::report(session, lines);
    eval.judges = super::judge::reports(lines);
    eval.similarity = baseline.and_then(|b| super::similarity::from_lines(lines, b));
    gather(config, &opts.prices()?, eval, lines, baseline, opts)
}

/// An exported run's decision, from its file (no judges or similarity: they live in a store).
pub fn from_file(
    config: &Config,
    path: &std::path::Path,
    baseline: Option<&str>,
    opts: &CostOptions,
) -> anyhow::Result<Decision> {
    let lines = super::show::read_export(path)?;
    if !lines.iter().any(|l| l.generation.cell.is_some()) {
        anyhow::bail!("{}: no eval cells in this file", path.display());
    }
    // Else the baseline its spec file (the session's `prompt_set`, when it can be read) marks.
    let baseline = baseline.map(str::to_owned).or_else(|| {
        let spec = lines.first()?.session.prompt_set.as_ref()?;
        super::answers::spec_baseline(std::fs::read_to_string(spec).ok().as_deref())
    });
    let mut d = with_automatic_judges(config, 0, &lines, baseline.as_deref(), opts)?;
    d.source = path.display().to_string();
    Ok(d)
}

#[cfg(test)]
mod tests;
