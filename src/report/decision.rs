//! The report of an eval run as a document: a verdict line per candidate, quality with
//! intervals, latency, throughput against concurrency, cost with its assumptions, and every
//! input's answers side by side. Keys follow `scripts/report-reference.py`'s names.

use super::cost::per_day;
use super::document::{Block, Span, count, interval, ratio, share, text, verbatim};
use crate::analysis::cost::Capacity;
use crate::findings::cost::Pricing;
use crate::findings::decision::{Decision, ModelFigures, QUOTED_PER_DAY};

mod answers;
mod provenance;
mod quality;
mod spend;
mod timing;

/// The whole report; `charts` are SVG strings to place (HTML), none for Markdown.
pub fn document(d: &Decision, charts: &super::charts::Charts) -> Vec<Block> {
    // Names are quoted as written (a run or model name may hold digits).
    let mut out = vec![Block::Heading(1, "slam report".into())];
    let mut meta = vec![
        text("Evaluation run "),
        verbatim(d.name.clone()),
        text(", read from "),
        verbatim(d.source.clone()),
    ];
    match &d.baseline {
        Some(b) => meta.extend([text(", baseline "), verbatim(b.clone())]),
        None => meta.push(text(
            ", no baseline (mark one `baseline = true` or give --baseline)",
        )),
    }
    meta.push(text(", models: "));
    meta.push(verbatim(
        d.models.keys().cloned().collect::<Vec<_>>().join(", "),
    ));
    out.push(Block::Para(meta));
    if let Some(stop) = &d.provenance.stopped {
        out.push(Block::Para(provenance::incomplete(stop)));
    }
    out.push(Block::Heading(2, "Verdict".into()));
    let verdicts = verdicts(d);
    if verdicts.is_empty() {
        out.push(Block::Para(vec![text(
            "No verdict: a verdict compares a candidate with the baseline, and this run has no candidate against a baseline.",
        )]));
    } else {
        out.push(Block::List(verdicts));
    }
    out.extend(quality::quality(d));
    out.extend(timing::latency(d, charts));
    out.extend(timing::sweep(d, charts));
    out.extend(spend::cost(d, charts));
    out.extend(provenance::provenance(d));
    out.extend(answers::answers(d));
    out
}

/// A verdict line per candidate; none without a baseline.
pub fn verdicts(d: &Decision) -> Vec<Vec<Span>> {
    let Some(base) = d.baseline.as_deref() else {
        return Vec::new();
    };
    d.models
        .iter()
        .filter(|(m, _)| m.as_str() != base)
        .map(|(m, f)| verdict(d, m, f))
        .collect()
}

fn base_name(d: &Decision) -> String {
    d.baseline.clone().unwrap_or_else(|| "the baseline".into())
}

/// "gemma3-base: checks 0.83 [0.75, 0.89] (baseline 0.95) · humans …".
fn verdict(d: &Decision, model: &str, f: &ModelFigures) -> Vec<Span> {
    let mut s = vec![verbatim(model), text(": ")];
    let base = base_name(d);
    let mut parts: Vec<Vec<Span>> = Vec::new();
    if !f.checks.is_empty() {
        parts.push(checks(d, model, f));
    }
    match f.human.as_ref() {
        Some(h) if h.votes > 0 => {
            let mut p = vec![
                text("humans prefer it to "),
                verbatim(base.clone()),
                text(" in "),
            ];
            if let Some(i) = h.share {
                p.extend(interval(
                    &format!("human.{model}"),
                    "share",
                    i.estimate,
                    Some((i.low, i.high)),
                ));
            }
            p.extend([
                text(" of "),
                count(format!("human.{model}.votes"), u64::from(h.votes)),
                text(" votes (ties half)"),
            ]);
            parts.push(p);
        }
        _ => parts.push(vec![text("no human votes against the baseline yet")]),
    }
    for j in &f.judges {
        if let Some(i) = j.share {
            let key = format!("judge.{}.{model}.{}", j.judge, j.criterion);
            let mut p = vec![
                text("judge "),
                verbatim(j.judge.clone()),
                text(" prefers it in "),
            ];
            p.extend(interval(&key, "share", i.estimate, Some((i.low, i.high))));
            parts.push(p);
        }
    }
    if let Some(sim) = &f.similarity {
        let mut p = vec![text("similarity to the baseline ")];
        p.extend(similarity(model, sim));
        parts.push(p);
    }
    if let Some(r) = f.p95_ratio {
        parts.push(vec![
            text("p95 latency "),
            ratio(format!("latency.{model}.p95_ratio"), r),
        ]);
    }
    match f
        .cost
        .as_ref()
        .and_then(|c| c.savings.get(&QUOTED_PER_DAY).copied().flatten())
    {
        Some(s) if s >= 1.0 => parts.push(vec![
            ratio(format!("cost.{model}.savings.{QUOTED_PER_DAY}"), s),
            text(format!(" cheaper at {}", per_day(QUOTED_PER_DAY))),
        ]),
        Some(s) => parts.push(vec![
            text("dearer than "),
            verbatim(base.clone()),
            text(": savings "),
            ratio(format!("cost.{model}.savings.{QUOTED_PER_DAY}"), s),
            text(format!(" at {}", per_day(QUOTED_PER_DAY))),
        ]),
        None => parts.push(match f.cost.as_ref().map(|c| &c.pricing) {
            Some(Pricing::SelfHosted {
                capacity:
                    Some(Capacity::MissesTarget {
                        best_e2e_p95_ms,
                        swept,
                    }),
                ..
            }) => spend::missed_target(model, *best_e2e_p95_ms, *swept, d.cost.p95_target_ms),
            _ => vec![text("cost against the baseline unknown")],
        }),
    }
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            s.push(text(" · "));
        }
        s.extend(p);
    }
    s
}

/// Each check some answer failed, weakest first, with the baseline's rate beside it: "checks
/// passed: addresses the user by name 0.08 [0.03, 0.20] (smollm2 0.23), …; the others by every
/// answer". Never one figure over all checks.
fn checks(d: &Decision, model: &str, f: &ModelFigures) -> Vec<Span> {
    let base = d
        .baseline
        .as_deref()
        .and_then(|b| Some((b, d.models.get(b)?)));
    let mut rates: Vec<&crate::analysis::checks::PassRate> =
        (f.checks.iter()).filter(|c| c.passed < c.total).collect();
    rates.sort_by(|a, b| {
        a.rate
            .partial_cmp(&b.rate)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let all_passed = rates.len() < f.checks.len();
    let mut p = vec![text("checks passed: ")];
    if rates.is_empty() {
        p.push(text("every check by every answer"));
    }
    for (i, c) in rates.into_iter().enumerate() {
        if i > 0 {
            p.push(text(", "));
        }
        p.extend([verbatim(c.check.clone()), text(" ")]);
        p.extend(check_rate(model, c));
        let theirs = base.and_then(|(b, bf)| Some((b, bf.check(&c.check)?.rate?)));
        if let Some((b, rate)) = theirs {
            p.extend([
                text(" ("),
                verbatim(b),
                text(" "),
                share(format!("check.{b}.{}.rate", c.check), rate),
                text(")"),
            ]);
        }
    }
    if all_passed && p.len() > 2 {
        p.push(text("; the others by every answer"));
    }
    p
}

/// A check's pass rate with its Wilson interval, keyed `check.MODEL.CHECK.*`.
pub(super) fn check_rate(model: &str, c: &crate::analysis::checks::PassRate) -> Vec<Span> {
    match c.rate {
        Some(rate) => interval(
            &format!("check.{model}.{}", c.check),
            "rate",
            rate,
            c.low.zip(c.high),
        ),
        None => vec![text("–")],
    }
}

/// Mean cosine similarity with its t interval.
pub(super) fn similarity(model: &str, s: &crate::analysis::stats::MeanCi) -> Vec<Span> {
    interval(
        &format!("similarity.{model}"),
        "mean",
        s.mean,
        s.interval.map(|i| (i.low, i.high)),
    )
}

pub(super) fn push_chart(out: &mut Vec<Block>, caption: &str, svg: &Option<String>) {
    if let Some(svg) = svg {
        out.push(Block::Chart {
            caption: caption.into(),
            svg: svg.clone(),
        });
    }
}

/// The report as one self-contained HTML page, charts inline.
pub fn html(d: &Decision) -> String {
    let charts = super::charts::all(d);
    super::html::render(&format!("slam report: {}", d.name), &document(d, &charts))
}

/// The report as Markdown (charts only in the HTML).
pub fn markdown(d: &Decision) -> String {
    super::markdown::render(&document(d, &Default::default()))
}
