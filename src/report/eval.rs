//! An evaluation run as text: per model the cells, errors, latency spread and answer
//! stability; the checks' pass rates; a sweep's throughput per concurrency.

use std::fmt::Write;

use super::metrics::render_table;
use crate::analysis::consistency::Spread;
use crate::findings::eval::EvalReport;

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.digits$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{:.0}%", x * 100.0))
}

fn p50_p95(s: &Spread) -> String {
    format!("{} / {}", num(s.p50, 0), num(s.p95, 0))
}

pub fn render(r: &EvalReport) -> String {
    let mut out = String::new();
    match r.session {
        0 => writeln!(out, "eval {:?}\n", r.name),
        id => writeln!(out, "eval {:?} (session {id})\n", r.name),
    }
    .ok();
    out.push_str(&consistency(r));
    if !r.checks.is_empty() {
        out.push_str(&checks(r));
    }
    for judge in &r.judges {
        out.push('\n');
        out.push_str(&super::judge::render(judge));
    }
    if let Some(similarity) = &r.similarity {
        out.push('\n');
        out.push_str(&super::similarity::render(similarity));
    }
    if !r.energy.is_empty() {
        out.push_str(&energy(r));
    }
    if let Some(h) = &r.hardware {
        out.push('\n');
        out.push_str(&hardware(h));
    }
    if !r.sweep.is_empty() {
        out.push_str(&sweep(r));
    }
    out
}

/// Per model: cells, errors, latency spread and answer stability over the plain run.
fn consistency(r: &EvalReport) -> String {
    let mut out = String::new();
    let header = [
        "model",
        "cells ok",
        "errors",
        "TTFT p50/p95 ms",
        "e2e p50/p95 ms",
        "e2e CV",
        "decode tok/s p50",
        "same answer",
        "edit sim.",
    ];
    let rows: Vec<Vec<String>> = r
        .consistency
        .models
        .iter()
        .map(|(model, m)| {
            let errors = if m.errors.is_empty() {
                "–".to_owned()
            } else {
                m.errors
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                model.clone(),
                format!("{}/{}", m.ok, m.cells),
                errors,
                p50_p95(&m.latency.ttft_ms),
                p50_p95(&m.latency.e2e_ms),
                num(m.latency.e2e_ms.cv, 2),
                num(m.latency.decode_tokens_per_s.p50, 1),
                pct(m.stability.identical_share),
                num(m.stability.mean_edit_similarity, 2),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("(no cells of a plain run: only a sweep)\n");
    } else {
        out.push_str(&render_table(&header, &rows));
    }
    out
}

/// The checks' pass rates per model, with Wilson intervals.
fn checks(r: &EvalReport) -> String {
    let rows: Vec<Vec<String>> = r
        .checks
        .iter()
        .flat_map(|(model, rates)| {
            rates.iter().map(move |c| {
                vec![
                    model.clone(),
                    c.check.clone(),
                    format!("{}/{}", c.passed, c.total),
                    pct(c.rate),
                    format!("{}–{}", pct(c.low), pct(c.high)),
                ]
            })
        })
        .collect();
    titled_table(
        "checks (pass rate, Wilson 95% interval)",
        &["model", "check", "passed", "rate", "95% CI"],
        &rows,
    )
}

/// Energy per token of the local models' answers.
fn energy(r: &EvalReport) -> String {
    let rows: Vec<Vec<String>> = r
        .energy
        .iter()
        .map(|(model, e)| {
            let jpt = e.joules_per_token.map_or("n/a".to_owned(), |j| {
                format!("{}{j:.3}", if e.estimated { "~" } else { "" })
            });
            vec![
                model.clone(),
                format!("{}/{}", e.measured, e.answers),
                jpt,
                if e.shared { "shared" } else { "–" }.to_owned(),
                e.notes.join("; "),
            ]
        })
        .collect();
    titled_table(
        "energy (local models)",
        &[
            "model",
            "measured",
            "J/token",
            "with others",
            "why not measured",
        ],
        &rows,
    )
}

/// A sweep's throughput per concurrency level.
fn sweep(r: &EvalReport) -> String {
    let rows: Vec<Vec<String>> = r
        .sweep
        .iter()
        .flat_map(|(model, levels)| {
            levels.iter().map(move |l| {
                vec![
                    model.clone(),
                    l.concurrency.to_string(),
                    format!("{}", l.requests),
                    l.errors.to_string(),
                    num(l.requests_per_s, 2),
                    num(l.output_tokens_per_s, 1),
                    format!("{} / {}", num(l.e2e_p50_ms, 0), num(l.e2e_p95_ms, 0)),
                ]
            })
        })
        .collect();
    titled_table(
        "sweep (throughput per concurrency)",
        &[
            "model",
            "concurrency",
            "requests",
            "errors",
            "req/s",
            "output tok/s",
            "e2e p50/p95 ms",
        ],
        &rows,
    )
}

/// A section of the report: a blank line, its title, its table.
fn titled_table(title: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    format!("\n{title}\n{}", render_table(header, rows))
}

/// The run's hardware timeline in a few lines.
fn hardware(h: &crate::domain::hardware::TimelineSummary) -> String {
    use super::hardware::gib;
    let mut out = format!(
        "hardware over the run ({} s sampled): CPU mean {:.0}% (max {:.0}%), RAM peak {} GiB, swap peak {} GiB, slam RSS peak {} MiB",
        h.samples,
        h.cpu_mean_percent,
        h.cpu_max_percent,
        gib(h.ram_peak),
        gib(h.swap_peak),
        h.rss_peak >> 20
    );
    if h.cpu_slowed_s > 0 {
        let _ = write!(out, ", CPU below its clocks {} s", h.cpu_slowed_s);
    }
    out.push('\n');
    for (i, g) in h.gpus.iter().enumerate() {
        let _ = write!(
            out,
            "  GPU{i} {}: utilisation mean {:.0}%, memory peak {} GiB, power mean {}",
            g.name,
            g.utilization_mean,
            gib(g.memory_peak),
            g.power_mean_w.map_or("n/a".into(), |w| format!("{w:.0} W"))
        );
        for (reason, s) in &g.throttled_s {
            let _ = write!(out, ", {} {s} s", reason.label());
        }
        out.push('\n');
    }
    out
}
