//! The report of an eval run as a document: a verdict line per candidate, quality with
//! intervals, latency, throughput against concurrency, cost with its assumptions, and every
//! input's answers side by side. Keys follow `scripts/report-reference.py`'s names.

use super::cost::per_day;
use super::document::{
    Block, Cell, Span, count, head, interval, money, ms, one_decimal, or_dash, percent, ratio,
    share, text, verbatim, whole,
};
use crate::core::cost::{Capacity, DAILY_VOLUMES};
use crate::eval::cost::Pricing;
use crate::eval::decision::{Decision, ModelFigures, QUOTED_PER_DAY};

/// The whole report; `charts` are SVG strings to place (HTML), none for Markdown.
pub fn document(d: &Decision, charts: &super::charts::Charts) -> Vec<Block> {
    let mut out = vec![Block::Heading(1, format!("slam report: {}", d.name))];
    let mut meta = vec![
        text("Evaluation run read from "),
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
    out.push(Block::Heading(2, "Verdict".into()));
    out.push(Block::List(
        d.models
            .iter()
            .filter(|(m, _)| Some(m.as_str()) != d.baseline.as_deref())
            .map(|(m, f)| verdict(d, m, f))
            .collect(),
    ));
    out.extend(quality(d));
    out.extend(latency(d, charts));
    out.extend(sweep(d, charts));
    out.extend(cost(d, charts));
    out.extend(answers(d));
    out
}

fn base_name(d: &Decision) -> String {
    d.baseline.clone().unwrap_or_else(|| "the baseline".into())
}

/// "gemma3-base: checks 0.83 [0.75, 0.89] (baseline 0.95) · humans …".
pub fn verdict(d: &Decision, model: &str, f: &ModelFigures) -> Vec<Span> {
    let mut s = vec![verbatim(model), text(": ")];
    let base = base_name(d);
    let mut parts: Vec<Vec<Span>> = Vec::new();
    if let Some((_, _, i)) = f.checks {
        let mut p = vec![text("checks passed ")];
        p.extend(interval(
            &format!("checks.{model}"),
            "rate",
            i.estimate,
            Some((i.low, i.high)),
        ));
        if let Some(r) = f.checks_ratio {
            p.extend([
                text(", "),
                ratio(format!("checks.{model}.ratio"), r),
                text(format!(" {base}'s")),
            ]);
        }
        parts.push(p);
    }
    match f.human.as_ref() {
        Some(h) if h.votes > 0 => {
            let mut p = vec![text(format!("humans prefer it to {base} in "))];
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
            text("costs "),
            ratio(format!("cost.{model}.savings.{QUOTED_PER_DAY}"), s),
            text(format!(
                " as much as {base}'s at {}",
                per_day(QUOTED_PER_DAY)
            )),
        ]),
        None => parts.push(vec![text("cost against the baseline unknown")]),
    }
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            s.push(text(" · "));
        }
        s.extend(p);
    }
    s
}

/// Mean cosine similarity with its t interval.
fn similarity(model: &str, s: &crate::core::stats::MeanCi) -> Vec<Span> {
    interval(
        &format!("similarity.{model}"),
        "mean",
        s.mean,
        s.interval.map(|i| (i.low, i.high)),
    )
}

fn quality(d: &Decision) -> Vec<Block> {
    let mut header = head(&[
        "model",
        "checks passed [low, high]",
        "humans vs baseline [low, high]",
        "votes",
        "human score [low, high]",
    ]);
    let judges: Vec<(String, String)> = {
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
    };
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
        .map(|(m, f)| {
            let mut row: Vec<Cell> = vec![vec![verbatim(m.clone())]];
            row.push(match f.checks {
                Some((passed, total, i)) => {
                    let mut c = interval(
                        &format!("checks.{m}"),
                        "rate",
                        i.estimate,
                        Some((i.low, i.high)),
                    );
                    c.extend([
                        text(", "),
                        count(format!("checks.{m}.passed"), passed),
                        text(" of "),
                        count(format!("checks.{m}.total"), total),
                    ]);
                    c
                }
                None => vec![text("–")],
            });
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
                None => row.extend([vec![text("baseline")], vec![text("–")]]),
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
            for (judge, criterion) in &judges {
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
        })
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
    let checks: Vec<String> = {
        let mut c: Vec<String> = d
            .models
            .values()
            .flat_map(|f| f.per_check.iter().map(|(c, _)| c.clone()))
            .collect();
        c.sort();
        c.dedup();
        c
    };
    if !checks.is_empty() {
        let mut header = head(&["check"]);
        header.extend(d.models.keys().map(|m| vec![verbatim(m.clone())]));
        let rows = checks
            .iter()
            .map(|c| {
                let mut row = vec![vec![verbatim(c.clone())]];
                for (m, f) in &d.models {
                    let rate = f.per_check.iter().find(|(n, _)| n == c).map(|x| x.1);
                    row.push(vec![or_dash(
                        rate.map(|r| share(format!("check.{m}.{c}.rate"), r)),
                    )]);
                }
                row
            })
            .collect();
        out.push(Block::Para(vec![text(
            "Pass rate of each check (share of answers that passed):",
        )]));
        out.push(Block::Table { header, rows });
    }
    out
}

fn latency(d: &Decision, charts: &super::charts::Charts) -> Vec<Block> {
    let header = head(&[
        "model",
        "answers",
        "errors",
        "e2e p50",
        "e2e p95",
        "p95 vs baseline",
        "e2e mean",
        "e2e CV",
        "TTFT p50",
        "TTFT p95",
        "decode tok/s p50",
        "output tokens (mean)",
    ]);
    let rows = d
        .models
        .iter()
        .map(|(m, f)| {
            let k = |what: &str| format!("latency.{m}.{what}");
            vec![
                vec![verbatim(m.clone())],
                vec![count(format!("cells.{m}"), f.cells as u64)],
                vec![count(format!("errors.{m}"), f.errors as u64)],
                vec![or_dash(f.e2e_ms.p50.map(|v| ms(k("e2e.p50"), v)))],
                vec![or_dash(f.e2e_ms.p95.map(|v| ms(k("e2e.p95"), v)))],
                vec![or_dash(f.p95_ratio.map(|v| ratio(k("p95_ratio"), v)))],
                vec![or_dash(f.e2e_ms.mean.map(|v| ms(k("e2e.mean"), v)))],
                vec![or_dash(f.e2e_ms.cv.map(|v| share(k("e2e.cv"), v)))],
                vec![or_dash(f.ttft_ms.p50.map(|v| ms(k("ttft.p50"), v)))],
                vec![or_dash(f.ttft_ms.p95.map(|v| ms(k("ttft.p95"), v)))],
                vec![or_dash(
                    f.decode_tokens_per_s
                        .p50
                        .map(|v| one_decimal(k("decode.p50"), v)),
                )],
                vec![or_dash(
                    f.output_tokens_mean
                        .map(|v| one_decimal(k("output_tokens.mean"), v)),
                )],
            ]
        })
        .collect();
    let mut out = vec![
        Block::Heading(2, "Latency".into()),
        Block::Para(vec![text(
            "End-to-end latency (request sent to last token), time to first token, decode speed; CV = standard deviation / mean over the answers of the run (errors and sweep cells left out).",
        )]),
        Block::Table { header, rows },
    ];
    push_chart(
        &mut out,
        "Latency distribution per model",
        &charts.distribution,
    );
    push_chart(&mut out, "Latency over the run", &charts.timeline);
    out
}

fn push_chart(out: &mut Vec<Block>, caption: &str, svg: &Option<String>) {
    if let Some(svg) = svg {
        out.push(Block::Chart {
            caption: caption.into(),
            svg: svg.clone(),
        });
    }
}

fn sweep(d: &Decision, charts: &super::charts::Charts) -> Vec<Block> {
    if d.eval.sweep.is_empty() {
        return Vec::new();
    }
    let header = head(&[
        "model",
        "concurrency",
        "requests",
        "errors",
        "req/s",
        "e2e p95",
    ]);
    let rows = d
        .eval
        .sweep
        .iter()
        .flat_map(|(m, levels)| {
            levels.iter().map(move |l| {
                let k = |what: &str| format!("sweep.{m}.{}.{what}", l.concurrency);
                vec![
                    vec![verbatim(m.clone())],
                    vec![verbatim(l.concurrency.to_string())],
                    vec![verbatim(l.requests.to_string())],
                    vec![verbatim(l.errors.to_string())],
                    vec![or_dash(l.requests_per_s.map(|v| share(k("rps"), v)))],
                    vec![or_dash(l.e2e_p95_ms.map(|v| ms(k("e2e_p95"), v)))],
                ]
            })
        })
        .collect();
    let mut out = vec![
        Block::Heading(2, "Throughput against concurrency".into()),
        Block::Table { header, rows },
    ];
    push_chart(
        &mut out,
        "Throughput and p95 latency against concurrency",
        &charts.sweep,
    );
    out
}

fn pricing(m: &str, p: &Pricing) -> Vec<Span> {
    let mut s = vec![verbatim(m), text(": ")];
    match p {
        Pricing::Api {
            per_request,
            priced_answers,
            unpriced_answers,
        } => {
            s.extend([
                text("API, "),
                money(format!("cost.{m}.per_request"), *per_request),
                text(" a request (mean over "),
                verbatim(priced_answers.to_string()),
                text(" answers"),
            ]);
            if *unpriced_answers > 0 {
                s.extend([
                    text(", "),
                    verbatim(unpriced_answers.to_string()),
                    text(" without token counts left out"),
                ]);
            }
            s.push(text(")"));
        }
        Pricing::SelfHosted {
            cost_per_hour,
            capacity,
        } => {
            s.extend([
                text("self-hosted at "),
                money(format!("cost.{m}.per_hour"), *cost_per_hour),
                text(" an hour; "),
            ]);
            let cap = |v: f64| whole(format!("cost.{m}.capacity"), v);
            match capacity {
                Some(Capacity::Sweep {
                    concurrency,
                    requests_per_hour,
                    ..
                }) => s.extend([
                    text("one instance sustained "),
                    cap(*requests_per_hour),
                    text(" requests an hour in the sweep at concurrency "),
                    verbatim(concurrency.to_string()),
                    text(", the highest whose p95 met the target"),
                ]),
                Some(Capacity::Unswept { requests_per_hour }) => s.extend([
                    text("one request at a time: "),
                    cap(*requests_per_hour),
                    text(" requests an hour at the run's median latency (no sweep: flagged, run slam eval SPEC --sweep for the real capacity)"),
                ]),
                Some(Capacity::MissesTarget { .. }) => s.push(text(
                    "no swept concurrency meets the p95 target, so no capacity and no cost",
                )),
                None => s.push(text("no throughput measured")),
            }
        }
        Pricing::Unknown { why } => s.extend([text("unknown: "), verbatim(why.clone())]),
    }
    s
}

fn cost(d: &Decision, charts: &super::charts::Charts) -> Vec<Block> {
    let c = &d.cost;
    let mut out = vec![Block::Heading(2, "Cost".into())];
    out.push(Block::List(
        d.models
            .iter()
            .filter_map(|(m, f)| Some(pricing(m, &f.cost.as_ref()?.pricing)))
            .collect(),
    ));
    let mut header = head(&[
        "model".to_string(),
        format!("per 1k requests at {}", per_day(QUOTED_PER_DAY)),
        "per 1M output tokens".into(),
    ]);
    header.extend(head(
        &DAILY_VOLUMES
            .iter()
            .map(|v| format!("month at {}", per_day(*v)))
            .collect::<Vec<_>>(),
    ));
    header.extend(head(&["break-even (requests a month)"]));
    let rows = d
        .models
        .iter()
        .map(|(m, f)| {
            let mut row: Vec<Cell> = vec![
                vec![verbatim(m.clone())],
                vec![or_dash(
                    f.per_1k.map(|v| money(format!("cost.{m}.per_1k"), v)),
                )],
                vec![or_dash(
                    f.per_mtok.map(|v| money(format!("cost.{m}.per_mtok"), v)),
                )],
            ];
            for v in DAILY_VOLUMES {
                let monthly = f
                    .cost
                    .as_ref()
                    .and_then(|c| c.monthly.get(&v).copied().flatten());
                let savings = f
                    .cost
                    .as_ref()
                    .and_then(|c| c.savings.get(&v).copied().flatten());
                let mut cell = vec![match monthly {
                    Some(x) => money(format!("cost.{m}.monthly.{v}"), x),
                    None => text("unknown"),
                }];
                if let Some(s) = savings.filter(|_| Some(m.as_str()) != d.baseline.as_deref()) {
                    cell.extend([
                        text(" ("),
                        ratio(format!("cost.{m}.savings.{v}"), s),
                        text(" cheaper)"),
                    ]);
                }
                row.push(cell);
            }
            row.push(vec![or_dash(f.cost.as_ref().and_then(|c| {
                c.break_even_per_month
                    .map(|b| count(format!("cost.{m}.break_even"), b))
            }))]);
            row
        })
        .collect();
    out.push(Block::Table { header, rows });
    let mut a = vec![
        text("Assumptions: prices from "),
        verbatim(c.price_source.clone()),
        text("; a month is "),
        count("cost.hours_per_month", c.hours_per_month as u64),
        text(" hours; self-hosted instances are always on, at least one, each planned at "),
        percent("cost.utilisation", c.utilisation),
        text(" of the throughput measured"),
    ];
    if let Some(t) = c.p95_target_ms {
        a.extend([
            text(" (in a sweep: the highest concurrency whose p95 latency is at most "),
            ms("cost.p95_target", t),
            text(": the baseline's p95 unless --p95-target gives one)"),
        ]);
    }
    a.push(text(
        "; savings = the baseline's monthly cost over the model's; the break-even is the monthly volume from which one self-hosted instance costs no more than the baseline's API. The throughput was measured on this run's hardware, not on the priced instance: ",
    ));
    a.push(verbatim(d.hardware.join("; ")));
    a.push(text(
        ". Energy per answer is not measured yet, so no electricity cost is shown.",
    ));
    out.push(Block::Para(a));
    push_chart(
        &mut out,
        &format!("Monthly cost at {}", per_day(QUOTED_PER_DAY)),
        &charts.cost_bars,
    );
    push_chart(
        &mut out,
        "Monthly cost against daily volume (break-even)",
        &charts.break_even,
    );
    push_chart(&mut out, "Quality against cost", &charts.quality_cost);
    out
}

fn answers(d: &Decision) -> Vec<Block> {
    let mut out = vec![Block::Heading(2, "Answers side by side".into())];
    for input in &d.inputs {
        let mut blocks = Vec::new();
        if let Some(s) = &input.system {
            blocks.push(Block::Para(vec![text("System prompt:")]));
            blocks.push(Block::Quote(s.clone()));
        }
        blocks.push(Block::Para(vec![text("Prompt:")]));
        blocks.push(Block::Quote(input.user.clone()));
        let header = head(&[
            "model",
            "repetition",
            "answer",
            "checks passed",
            "human score",
            "similarity",
        ]);
        let rows = input
            .answers
            .iter()
            .map(|a| {
                let g = &a.uid;
                vec![
                    vec![verbatim(a.model.clone())],
                    vec![verbatim(a.repetition.to_string())],
                    vec![match &a.error {
                        Some(e) => verbatim(format!("error: {e}")),
                        None => verbatim(a.text.clone()),
                    }],
                    match a.checks {
                        Some((p, t)) => vec![
                            count(format!("answer.{g}.checks_passed"), p),
                            text(" of "),
                            count(format!("answer.{g}.checks_total"), t),
                        ],
                        None => vec![text("–")],
                    },
                    vec![or_dash(
                        a.score.map(|s| share(format!("answer.{g}.score"), s)),
                    )],
                    vec![or_dash(
                        a.similarity
                            .map(|s| share(format!("answer.{g}.similarity"), s)),
                    )],
                ]
            })
            .collect();
        blocks.push(Block::Table { header, rows });
        out.push(Block::Details {
            summary: vec![text("Input "), verbatim(input.item.clone())],
            blocks,
        });
    }
    out
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
