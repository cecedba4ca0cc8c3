//! Latency per model with its charts, and throughput and p95 against concurrency.

use super::push_chart;
use crate::findings::decision::Decision;
use crate::report::document::{
    Block, count, head, ms, one_decimal, or_dash, ratio, share, text, verbatim,
};

pub(super) fn latency(d: &Decision, charts: &crate::report::charts::Charts) -> Vec<Block> {
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

pub(super) fn sweep(d: &Decision, charts: &crate::report::charts::Charts) -> Vec<Block> {
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
