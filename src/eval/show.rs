//! What an evaluation run found, from its stored cells: consistency per model, check pass
//! rates, and throughput per concurrency level of a sweep.

use std::collections::BTreeMap;

use crate::analysis::checks::{CheckResult, PassRate};
use crate::analysis::consistency::{self, Cell};
use crate::domain::metrics::percentile;
use crate::findings::eval::{EnergySummary, EvalReport, SweepLevel};
use crate::store::records::ExportLine;

/// The lines of a file written by `slam sessions export` (JSON lines); a bad line is an error
/// naming the file and line.
pub fn read_export(path: &std::path::Path) -> anyhow::Result<Vec<ExportLine>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a session id, and cannot read it as a file: {e}",
            path.display()
        )
    })?;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: ExportLine = serde_json::from_str(line).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}: not a line of `slam sessions export`: {e}",
                path.display(),
                i + 1
            )
        })?;
        lines.push(parsed);
    }
    Ok(lines)
}

/// The report of session `session` from its export lines (eval cells only).
/// A stored run's whole report: its cells' figures, the judges' and similarity to the baseline.
pub fn stored(store: &crate::store::Store, session: i64) -> anyhow::Result<EvalReport> {
    let mut report = report(session, &store.export_lines(session)?);
    report.judges = super::judge::stored_reports(store, session)?;
    report.similarity = super::similarity::stored_report(store, session)?;
    let samples: Vec<_> = store
        .hardware_samples(session)?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    report.hardware = crate::domain::hardware::TimelineSummary::of(&samples);
    Ok(report)
}

pub fn report(session: i64, lines: &[ExportLine]) -> EvalReport {
    let cells: Vec<&ExportLine> = lines
        .iter()
        .filter(|l| l.generation.cell.is_some())
        .collect();
    let level = |l: &ExportLine| l.generation.level();
    // Consistency over the plain run; a sweep's levels are reported on their own.
    let plain: Vec<Cell> = cells
        .iter()
        .filter(|l| level(l).is_none())
        .map(|l| consistency_cell(l))
        .collect();
    let mut checks: BTreeMap<String, BTreeMap<String, (u64, u64)>> = BTreeMap::new();
    for l in cells.iter().filter(|l| level(l).is_none()) {
        let Some(results) = &l.generation.checks else {
            continue;
        };
        let Ok(results) = serde_json::from_value::<Vec<CheckResult>>(results.clone()) else {
            continue;
        };
        for r in results {
            let counts = checks
                .entry(l.generation.model.clone())
                .or_default()
                .entry(r.check)
                .or_default();
            counts.0 += u64::from(r.passed);
            counts.1 += 1;
        }
    }
    let mut levels: BTreeMap<(String, u64), Vec<&ExportLine>> = BTreeMap::new();
    for l in &cells {
        if let Some(n) = level(l) {
            levels
                .entry((l.generation.model.clone(), n))
                .or_default()
                .push(l);
        }
    }
    let mut sweep: BTreeMap<String, Vec<SweepLevel>> = BTreeMap::new();
    for ((model, n), lines) in levels {
        sweep
            .entry(model)
            .or_default()
            .push(sweep_level(n as u32, &lines));
    }
    EvalReport {
        session,
        name: lines
            .first()
            .map(|l| l.session.name.clone())
            .unwrap_or_default(),
        spec_sha256: lines
            .first()
            .and_then(|l| l.session.prompt_set_hash.clone()),
        consistency: consistency::compute(&plain),
        checks: checks
            .into_iter()
            .map(|(model, by_check)| {
                let rates = by_check
                    .into_iter()
                    .map(|(check, (passed, total))| PassRate::new(check, passed, total))
                    .collect();
                (model, rates)
            })
            .collect(),
        sweep,
        judges: Vec::new(),
        similarity: None,
        energy: energy(&cells),
        hardware: None,
    }
}

/// Per model: joules per output token over the answers that have an energy figure.
fn energy(cells: &[&ExportLine]) -> BTreeMap<String, EnergySummary> {
    let mut out: BTreeMap<String, (EnergySummary, f64, f64)> = BTreeMap::new();
    for l in cells {
        let Some(e) = l.generation.energy() else {
            continue;
        };
        let tokens = l.generation.metric("output_tokens").unwrap_or(0.0);
        let (summary, joules, toks) = out.entry(l.generation.model.clone()).or_default();
        summary.answers += 1;
        if let Some(j) = e.joules() {
            summary.measured += 1;
            *joules += j;
            *toks += tokens;
            summary.estimated |= e.estimated();
            summary.shared |= e.shared();
        }
        for note in e.notes {
            if !summary.notes.contains(&note) {
                summary.notes.push(note);
            }
        }
    }
    out.into_iter()
        .map(|(model, (mut s, joules, tokens))| {
            s.joules_per_token = (s.measured > 0 && tokens > 0.0).then(|| joules / tokens);
            (model, s)
        })
        .collect()
}

fn metric(l: &ExportLine, name: &str) -> Option<f64> {
    l.generation.metric(name)
}

fn consistency_cell(l: &ExportLine) -> Cell {
    Cell {
        model: l.generation.model.clone(),
        input: l.prompt.uid.clone(),
        text: l.generation.text.clone(),
        ttft_ms: metric(l, "ttft_ms"),
        e2e_ms: metric(l, "e2e_ms"),
        tpot_ms: metric(l, "tpot_ms"),
        decode_tokens_per_s: metric(l, "decode_tokens_per_s"),
        error_kind: l.generation.error_kind.clone(),
        finished_ms: crate::domain::time::utc_ms(&l.generation.created_at).unwrap_or(0),
    }
}

fn sweep_level(concurrency: u32, lines: &[&ExportLine]) -> SweepLevel {
    let ok: Vec<&&ExportLine> = lines
        .iter()
        .filter(|l| l.generation.error_kind.is_none())
        .collect();
    // Times relative to the first finish: epoch milliseconds as f64 would lose the
    // sub-millisecond latencies.
    let ends: Vec<(i64, f64)> = lines
        .iter()
        .filter_map(|l| {
            let end = crate::domain::time::utc_ms(&l.generation.created_at)?;
            Some((end, metric(l, "e2e_ms").unwrap_or(0.0)))
        })
        .collect();
    let origin = ends.iter().map(|e| e.0).min().unwrap_or(0);
    let span: Vec<(f64, f64)> = ends
        .iter()
        .map(|(end, e2e)| {
            let end = (end - origin) as f64;
            (end - e2e, end)
        })
        .collect();
    let first = span.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let last = span.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    let seconds = if span.is_empty() {
        0.0
    } else {
        (last - first) / 1000.0
    };
    let sorted = |name: &str| {
        let mut v: Vec<f64> = ok.iter().filter_map(|l| metric(l, name)).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (e2e, ttft) = (sorted("e2e_ms"), sorted("ttft_ms"));
    let tokens: f64 = ok.iter().filter_map(|l| metric(l, "output_tokens")).sum();
    let rate = |n: f64| (seconds > 0.0).then(|| n / seconds);
    SweepLevel {
        concurrency,
        requests: lines.len(),
        errors: lines.len() - ok.len(),
        seconds,
        requests_per_s: rate(ok.len() as f64),
        output_tokens_per_s: rate(tokens),
        e2e_p50_ms: percentile(&e2e, 50.0),
        e2e_p95_ms: percentile(&e2e, 95.0),
        ttft_p95_ms: percentile(&ttft, 95.0),
    }
}
