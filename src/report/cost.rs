//! An eval run's costs as text: how each model is priced, its monthly cost at 1k–1M requests a
//! day, the saving against the baseline and the break-even volume, every assumption stated.

use std::fmt::Write as _;

use super::metrics::render_table;
use crate::analysis::cost::{Capacity, DAILY_VOLUMES};
use crate::findings::cost::{CostReport, Pricing};

pub(crate) fn dollars(v: f64) -> String {
    if v >= 100.0 {
        format!("${v:.0}")
    } else if v >= 1.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

pub(crate) fn per_day(d: u64) -> String {
    match d {
        d if d >= 1_000_000 => format!("{}M/day", d / 1_000_000),
        d => format!("{}k/day", d / 1000),
    }
}

fn how(p: &Pricing, p95_target_ms: Option<f64>) -> String {
    match p {
        Pricing::Api {
            per_request,
            priced_answers,
            unpriced_answers,
        } => {
            let mut s = format!(
                "API: {} a request (mean of {priced_answers} answers)",
                dollars(*per_request)
            );
            if *unpriced_answers > 0 {
                let _ = write!(s, ", {unpriced_answers} without token counts left out");
            }
            s
        }
        Pricing::SelfHosted {
            cost_per_hour,
            capacity,
        } => {
            let c = match capacity {
                Some(Capacity::Sweep {
                    concurrency,
                    requests_per_hour,
                    e2e_p95_ms,
                }) => format!(
                    "{requests_per_hour:.0} req/h sustained at concurrency {concurrency} (p95 {e2e_p95_ms:.0} ms)"
                ),
                Some(Capacity::Unswept { requests_per_hour }) => format!(
                    "{requests_per_hour:.0} req/h one at a time (no sweep: run with --sweep for the real capacity)"
                ),
                Some(Capacity::MissesTarget {
                    best_e2e_p95_ms,
                    swept,
                }) => format!(
                    "MISSES THE P95 TARGET: p95 {best_e2e_p95_ms:.0} ms at best {}, the target is {}; not priced (give --p95-target to price it at another target)",
                    if *swept {
                        "over the sweep"
                    } else {
                        "one request at a time"
                    },
                    p95_target_ms.map_or_else(|| "unknown".into(), |t| format!("{t:.0} ms"))
                ),
                None => "no throughput measured".into(),
            };
            format!("self-hosted: {}/h, {c}", dollars(*cost_per_hour))
        }
        Pricing::Unknown { why } => format!("unknown: {why}"),
    }
}

pub fn render(r: &CostReport) -> String {
    let mut out = String::from("cost per month");
    if let Some(b) = &r.baseline {
        let _ = write!(out, " (savings against {b})");
    }
    out.push('\n');
    for (model, m) in &r.models {
        let _ = writeln!(out, "  {model}: {}", how(&m.pricing, r.p95_target_ms));
    }
    out.push('\n');
    let mut header = vec!["model".to_string()];
    header.extend(DAILY_VOLUMES.iter().map(|d| per_day(*d)));
    header.push("break-even".into());
    let rows: Vec<Vec<String>> = r
        .models
        .iter()
        .map(|(model, m)| {
            let mut row = vec![model.clone()];
            for d in DAILY_VOLUMES {
                let cell = match (
                    m.monthly.get(&d).copied().flatten(),
                    m.savings.get(&d).copied().flatten(),
                ) {
                    (Some(c), Some(s)) if r.baseline.as_deref() != Some(model.as_str()) => {
                        format!("{} ({s:.1}×)", dollars(c))
                    }
                    (Some(c), _) => dollars(c),
                    (None, _) => "unknown".into(),
                };
                row.push(cell);
            }
            row.push(
                m.break_even_per_month
                    .map_or_else(|| "–".into(), |v| format!("{v} req/month")),
            );
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    out.push_str(&render_table(&header, &rows));
    let _ = writeln!(
        out,
        "\nassumptions: prices from {}; a month is {} hours; self-hosted instances are always on, at least one, each planned at {:.0}% of the throughput measured{}; the measured hardware is this run's (see its manifests), not the priced instance's; savings = the baseline's monthly cost over the model's",
        r.price_source,
        r.hours_per_month,
        r.utilisation * 100.0,
        r.p95_target_ms
            .map(|t| format!(" at a p95 target of {t:.0} ms (in a sweep: the highest concurrency whose p95 meets it; with no sweep: one request at a time, if its p95 meets a target given with --p95-target)"))
            .unwrap_or_default()
    );
    out
}

/// The line `slam eval` shows before it starts: what the run can cost at most.
pub fn estimate_line(
    estimated: Option<f64>,
    max_cost: Option<f64>,
    unpriced: &[String],
) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(e) = estimated {
        parts.push(format!(
            "API cost ≤ {} (prompt ≈ chars/4 tokens, full-length answers)",
            dollars(e)
        ));
    }
    if let Some(m) = max_cost {
        parts.push(format!("max_cost {}", dollars(m)));
    }
    if !unpriced.is_empty() {
        parts.push(format!(
            "no price for {} (not estimated, not capped)",
            unpriced.join(", ")
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}
