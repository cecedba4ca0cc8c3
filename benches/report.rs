//! (h) Report generation for a large evaluation: 1,000 cells × 4 models (a plain run with
//! checks, human votes and scores, and a two-level sweep), from export lines to the decision,
//! the HTML with its charts and the Markdown. Run with `make bench`.

use std::time::Instant;

use serde_json::{Value, json};
use slam::config::Config;
use slam::eval::cost::CostOptions;
use slam::store::records::ExportLine;

const CELLS: usize = 1_000;
const MODELS: [&str; 4] = ["gpt-4", "slm-a", "slm-b", "slm-c"];

fn time(ms: i64) -> String {
    let s = ms / 1000;
    format!(
        "2026-11-29T{:02}:{:02}:{:02}.{:03}Z",
        10 + s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

/// A deterministic pseudo-random stream (no clock, no seed files).
fn next(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

fn lines() -> Vec<ExportLine> {
    let mut rng = 7u64;
    let session = json!({"uid": "s", "kind": "eval", "name": "bench", "prompt_set": null,
        "prompt_set_hash": null, "models": MODELS, "rater": null, "blind": false,
        "created_at": time(0)});
    let mut out: Vec<Value> = Vec::new();
    let mut clock = 0i64;
    for (m, model) in MODELS.iter().enumerate() {
        for i in 0..CELLS + 2 * 100 {
            let level = (i >= CELLS).then_some(if i < CELLS + 100 { 1 } else { 4 });
            let input = i % 250;
            let e2e = 300.0 + 900.0 * next(&mut rng) + 200.0 * m as f64;
            clock += e2e as i64;
            let checks: Vec<Value> = (0..4)
                .map(|c| json!({"check": format!("check {c}"), "passed": next(&mut rng) < 0.8}))
                .collect();
            let text = "Keep going, you are doing great today. ".repeat(1 + i % 6);
            out.push(json!({
                "session": session,
                "prompt": {"uid": format!("p{input}"), "item": format!("input {input}"),
                    "system": "Be kind.", "user": format!("Write a message for input {input}."),
                    "pane_order": null, "created_at": time(0)},
                "uid": format!("{model}-{i}"), "model": model, "manifest": null,
                "position": m, "repetition": i / 250, "text": text, "params": null,
                "metrics": {"ttft_ms": e2e / 5.0, "e2e_ms": e2e, "tpot_ms": 10.0,
                    "decode_tokens_per_s": 80.0, "output_tokens": 60, "prompt_tokens": 40},
                "timings": null, "finish_reason": "stop", "error_kind": null,
                "error_message": null, "created_at": time(clock),
                "cell": match level { Some(l) => json!({"key": i, "level": l}), None => json!({"key": i}) },
                "checks": checks, "ratings": []
            }));
        }
    }
    // One human vote per candidate answer of the first repetition, and a score.
    for m in 1..MODELS.len() {
        for i in 0..250 {
            let (a, b) = (m * (CELLS + 200) + i, i);
            let (ua, ub) = (out[a]["uid"].clone(), out[b]["uid"].clone());
            let outcome = ["a", "b", "tie"][i % 3];
            let vote = json!({"uid": format!("v{m}-{i}"), "kind": "pair", "generation": null,
                "score": null, "tags": [], "note": null, "gen_a": ua, "gen_b": ub,
                "outcome": outcome, "best": null, "worst": null, "ballot": [ua, ub],
                "rater": "r", "blind": true, "status": "active", "replaces": null,
                "created_at": time(0)});
            let score = json!({"uid": format!("s{m}-{i}"), "kind": "score", "generation": ua,
                "score": 1 + i % 5, "tags": [], "note": null, "gen_a": null, "gen_b": null,
                "outcome": null, "best": null, "worst": null, "ballot": [], "rater": "r",
                "blind": false, "status": "active", "replaces": null, "created_at": time(0)});
            if let Some(r) = out[a]["ratings"].as_array_mut() {
                r.extend([vote, score]);
            }
        }
    }
    out.into_iter()
        .map(|v| serde_json::from_value(v).expect("an export line"))
        .collect()
}

fn main() {
    let lines = lines();
    let mut config = Config::default();
    for m in &MODELS[1..] {
        config.file.cost_per_hour.insert((*m).into(), 0.0832);
    }
    let opts = CostOptions::default();
    let mut best = [f64::INFINITY; 3];
    let mut sizes = (0, 0);
    for _ in 0..5 {
        let t0 = Instant::now();
        let eval = slam::eval::show::report(1, &lines);
        // The price table is read in the timed part, as gather read it before it was passed in.
        let prices = opts.prices().expect("the bundled price table");
        let d = slam::eval::decision::gather(&config, &prices, eval, &lines, Some("gpt-4"), &opts)
            .expect("a decision");
        let t1 = Instant::now();
        let html = slam::report::decision::html(&d);
        let t2 = Instant::now();
        let md = slam::report::decision::markdown(&d);
        let t3 = Instant::now();
        sizes = (html.len(), md.len());
        for (b, t) in best.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2]) {
            *b = b.min(t.as_secs_f64());
        }
    }
    println!(
        "(h) report of {} cells ({CELLS} × {} models + a 2-level sweep): figures {:.0} ms, HTML with 6 charts {:.0} ms ({:.1} MB), Markdown {:.0} ms ({:.1} MB); best of 5",
        lines.len(),
        MODELS.len(),
        best[0] * 1e3,
        best[1] * 1e3,
        sizes.0 as f64 / 1e6,
        best[2] * 1e3,
        sizes.1 as f64 / 1e6
    );
}
