//! `slam compare --json` runs two real models at the same time and reports their metrics.

mod common;

use common::{Sandbox, text};
use serde_json::Value;

#[test]
fn both_models_stream_concurrently_with_metrics() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .slam()
        .args(["compare", "--json", "-m", "smollm2", "-m", "gemma3-base"])
        .args(["--temperature", "0", "--max-tokens", "48", "--ignore-eos"])
        .arg("Write a short story about a lighthouse keeper.")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let t = |model: &str, kind: &str| -> Vec<f64> {
        events
            .iter()
            .filter(|e| e["model"] == model && e["event"] == kind)
            .map(|e| e["t_ms"].as_f64().unwrap())
            .collect()
    };
    for model in ["smollm2", "gemma3-base"] {
        assert_eq!(t(model, "started").len(), 1, "{model}");
        assert_eq!(t(model, "finished").len(), 1, "{model}");
        assert!(t(model, "delta").len() > 10, "{model} streamed deltas");
    }
    // Concurrency, by the event stamps: each model produced its first token before the other
    // one finished.
    let first = |m| t(m, "delta")[0];
    let done = |m| t(m, "finished")[0];
    assert!(first("smollm2") < done("gemma3-base"), "{stdout}");
    assert!(first("gemma3-base") < done("smollm2"), "{stdout}");

    for model in ["smollm2", "gemma3-base"] {
        let finished = events
            .iter()
            .find(|e| e["model"] == model && e["event"] == "finished")
            .unwrap();
        let m = &finished["metrics"];
        for key in [
            "ttft_ms",
            "decode_tokens_per_s",
            "itl_p50_ms",
            "itl_p95_ms",
            "e2e_ms",
        ] {
            let v = m[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{model}: {key} in {m}"));
            assert!(v > 0.0, "{model}: {key} = {v}");
        }
        assert!(m["ttft_ms"].as_f64() < m["e2e_ms"].as_f64());
        assert!(m["itl_p50_ms"].as_f64() <= m["itl_p95_ms"].as_f64());
        assert_eq!(
            m["output_tokens"], 48,
            "{model}: --ignore-eos gives exactly 48 tokens"
        );
        assert_eq!(finished["usage"]["estimated"], false);
        assert!(
            finished["engine_timings"]["prompt_tokens"]
                .as_u64()
                .unwrap()
                > 0
        );
    }
}

#[test]
fn compare_text_mode_prints_answers_and_a_table() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .slam()
        .args(["compare", "-m", "smollm2", "-m", "gemma3-base"])
        .args(["--temperature", "0", "--max-tokens", "16"])
        .arg("The capital of France is")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("── smollm2 ──") && stdout.contains("── gemma3-base ──"));
    let header = stdout
        .lines()
        .find(|l| l.starts_with("model"))
        .expect(&stdout);
    assert!(header.contains("TTFT ms") && header.contains("ITL p95"));
}

#[test]
fn one_bad_model_does_not_stop_the_other() {
    let sandbox = Sandbox::new();
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let out = sandbox
        .slam()
        .args(["compare", "--json", "-m", "smollm2", "-m", readme])
        .args(["--temperature", "0", "--max-tokens", "8"])
        .arg("Hello")
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["model"] == "smollm2" && e["event"] == "finished")
    );
    let failed = events
        .iter()
        .find(|e| e["event"] == "failed")
        .expect(&stdout);
    assert_eq!(failed["error"]["kind"], "model_file");
}
