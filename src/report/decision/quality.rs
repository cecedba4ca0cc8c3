//! The quality section: the humans' head-to-head share against the baseline and their scores,
//! each judge, similarity to the baseline; then each check's pass rate with its Wilson interval.

use super::{check_rate, similarity};
use crate::findings::decision::{Decision, ModelFigures};
use crate::report::document::{Block, Cell, count, head, interval, percent, text, verbatim};

pub(super) fn quality(d: &Decision) -> Vec<Block> {
    let mut header = head(&[
        "model",
        "humans vs baseline [low, high]",
        "votes",
        "human score [low, high]",
    ]);
    let judges = judge_columns(d);
    for (judge, criterion) in &judges {
        header.push(vec![
            text("judge "),
            verbatim(judge.clone()),
            text(" ("),
            verbatim(criterion.clone()),
            text(") [low, high]"),
        ]);
    }
    let has_similarity = d.eval.similarity.is_some();
    if has_similarity {
        header.push(vec![text("similarity to baseline [low, high]")]);
    }
    let rows = d
        .models
        .iter()
        .map(|(m, f)| model_row(d, m, f, &judges, has_similarity))
        .collect();
    let mut out = vec![
        Block::Heading(2, "Quality".into()),
        Block::Para(vec![
            text("Intervals are [low, high] at "),
            percent("confidence", 0.95),
            text(
                " confidence: Wilson for shares, Student's t for mean scores. Humans vs baseline: the share of head-to-head votes the model won against the baseline, ties counted half (a half = as good).",
            ),
        ]),
        Block::Table { header, rows },
    ];
    out.extend(per_check(d));
    out
}

/// Every (judge, criterion) any model was judged by, sorted.
fn judge_columns(d: &Decision) -> Vec<(String, String)> {
    let mut j: Vec<(String, String)> = d
        .models
        .values()
        .flat_map(|f| {
            f.judges
                .iter()
                .map(|j| (j.judge.clone(), j.criterion.clone()))
        })
        .collect();
    j.sort();
    j.dedup();
    j
}

/// One model's row: checks, the humans against the baseline, scores, each judge, similarity.
fn model_row(
    d: &Decision,
    m: &str,
    f: &ModelFigures,
    judges: &[(String, String)],
    has_similarity: bool,
) -> Vec<Cell> {
    let mut row: Vec<Cell> = vec![vec![verbatim(m.to_owned())]];
    match f.human.as_ref() {
        Some(h) => {
            row.push(match h.share {
                Some(i) => interval(
                    &format!("human.{m}"),
                    "share",
                    i.estimate,
                    Some((i.low, i.high)),
                ),
                None => vec![text("–")],
            });
            row.push(vec![
                count(format!("human.{m}.wins"), u64::from(h.wins)),
                text(" won, "),
                count(format!("human.{m}.ties"), u64::from(h.ties)),
                text(" tied, "),
                count(format!("human.{m}.losses"), u64::from(h.losses)),
                text(" lost of "),
                count(format!("human.{m}.votes"), u64::from(h.votes)),
            ]);
        }
        None if d.baseline.as_deref() == Some(m) => {
            row.extend([vec![text("baseline")], vec![text("–")]])
        }
        None => row.extend([vec![text("–")], vec![text("–")]]),
    }
    row.push(match &f.scores {
        Some(s) => {
            let mut c = interval(
                &format!("score.{m}"),
                "mean",
                s.mean,
                s.interval.map(|i| (i.low, i.high)),
            );
            c.extend([text(", n "), count(format!("score.{m}.n"), s.n as u64)]);
            c
        }
        None => vec![text("–")],
    });
    for (judge, criterion) in judges {
        let j = f
            .judges
            .iter()
            .find(|j| &j.judge == judge && &j.criterion == criterion);
        row.push(match j.and_then(|j| j.share) {
            Some(i) => {
                let key = format!("judge.{judge}.{m}.{criterion}");
                interval(&key, "share", i.estimate, Some((i.low, i.high)))
            }
            None => vec![text("–")],
        });
    }
    if has_similarity {
        row.push(match &f.similarity {
            Some(s) => similarity(m, s),
            None => vec![text("–")],
        });
    }
    row
}

/// Each check's pass rate per model with its interval and counts, when the run had checks.
fn per_check(d: &Decision) -> Vec<Block> {
    let checks: Vec<String> = {
        let mut c: Vec<String> = d
            .models
            .values()
            .flat_map(|f| f.checks.iter().map(|c| c.check.clone()))
            .collect();
        c.sort();
        c.dedup();
        c
    };
    if checks.is_empty() {
        return Vec::new();
    }
    let mut header = head(&["check"]);
    header.extend(d.models.keys().map(|m| vec![verbatim(m.clone())]));
    let rows = checks
        .iter()
        .map(|c| {
            let mut row = vec![vec![verbatim(c.clone())]];
            for (m, f) in &d.models {
                row.push(match f.check(c) {
                    Some(rate) => {
                        let mut cell = check_rate(m, rate);
                        cell.extend([
                            text(", "),
                            count(format!("check.{m}.{c}.passed"), rate.passed),
                            text(" of "),
                            count(format!("check.{m}.{c}.total"), rate.total),
                        ]);
                        cell
                    }
                    None => vec![text("–")],
                });
            }
            row
        })
        .collect();
    vec![
        Block::Para(vec![text(
            "Checks, each on its own (share of answers that passed it [low, high], passed of answers checked); no figure pools unlike checks:",
        )]),
        Block::Table { header, rows },
    ]
}
