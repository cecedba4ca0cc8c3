//! Cost: how each model is priced, its monthly cost at 1k–1M requests a day, savings,
//! break-even, every assumption and the hardware measured on.

use super::push_chart;
use crate::analysis::cost::{Capacity, DAILY_VOLUMES};
use crate::findings::cost::Pricing;
use crate::findings::decision::{Decision, QUOTED_PER_DAY};
use crate::report::cost::per_day;
use crate::report::document::{
    Block, Cell, Span, count, head, money, ms, or_dash, percent, ratio, text, verbatim, whole,
};

pub(super) fn pricing(m: &str, p: &Pricing, target: Option<f64>) -> Vec<Span> {
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
                Some(Capacity::MissesTarget {
                    best_e2e_p95_ms,
                    swept,
                }) => s.extend(missed_target(m, *best_e2e_p95_ms, *swept, target)),
                None => s.push(text("no throughput measured")),
            }
        }
        Pricing::Unknown { why } => s.extend([text("unknown: "), verbatim(why.clone())]),
    }
    s
}

pub(super) fn cost(d: &Decision, charts: &crate::report::charts::Charts) -> Vec<Block> {
    let c = &d.cost;
    let mut out = vec![Block::Heading(2, "Cost".into())];
    out.push(Block::List(
        d.models
            .iter()
            .filter_map(|(m, f)| Some(pricing(m, &f.cost.as_ref()?.pricing, c.p95_target_ms)))
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
            text(" at a p95 latency target of "),
            ms("cost.p95_target", t),
            text(" (the baseline's p95 unless --p95-target gives one): in a sweep the highest concurrency whose p95 meets it, with no sweep one request at a time if its p95 meets a target given with --p95-target; a model that misses it is not priced"),
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
    push_chart(&mut out, "Weakest check against cost", &charts.quality_cost);
    out
}

/// "MISSES THE P95 TARGET: its p95 is 1413 ms at best one request at a time, the target
/// 1000 ms; not priced …" — said in words, never priced at a latency it does not meet.
pub(in crate::report) fn missed_target(
    m: &str,
    best_p95: f64,
    swept: bool,
    target: Option<f64>,
) -> Vec<Span> {
    let mut s = vec![
        text("MISSES THE P95 TARGET: its p95 is "),
        ms(format!("cost.{m}.missed_p95"), best_p95),
        text(if swept {
            " at best over the sweep's concurrencies"
        } else {
            " at best, one request at a time (no sweep)"
        }),
    ];
    if let Some(t) = target {
        s.extend([text(", the target "), ms("cost.p95_target", t)]);
    }
    s.push(text(
        "; not priced (no capacity, no monthly cost): give --p95-target to price it at another target",
    ));
    s
}
