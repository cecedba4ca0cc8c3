//! A loaded model's memory: slam's KV cache figure for smollm2 at context 256 and 4096 equals
//! what llama.cpp itself reports for the same loads (llama-cpp-python, its own build of
//! llama.cpp, in the test venv), the GGUF-header estimate is within 5% of weights + KV, and the
//! whole fit (weights, KV, compute and output buffers) of both test models is within 15% of
//! what llama.cpp allocated, from its own log lines written down by hand.

mod common;

use std::process::Command;

use common::servers::venv_bin;
use common::{Sandbox, text};
use serde_json::Value;

fn smollm2() -> std::path::PathBuf {
    let path = slam::config::cache_dir()
        .join("models")
        .join("SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.exists(),
        "{} is missing: run `make models`",
        path.display()
    );
    path
}

/// The JSON lines slam prints with `args` (which must succeed).
fn json_lines(sandbox: &Sandbox, args: &[&str]) -> Vec<Value> {
    let out = sandbox.slam().args(args).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect()
}

/// MiB of `kind` buffers in slam's `measured` event.
fn slam_buffers(sandbox: &Sandbox, n_ctx: u32) -> Vec<Value> {
    let ctx = n_ctx.to_string();
    let lines = json_lines(
        sandbox,
        &[
            "generate",
            "-m",
            "smollm2",
            "-n",
            "1",
            "--json",
            "--ctx-size",
            &ctx,
            "Hi",
        ],
    );
    lines
        .iter()
        .find(|v| v["event"] == "measured" && v["memory"].is_object())
        .and_then(|v| v["memory"]["buffers"].as_array().cloned())
        .unwrap_or_else(|| panic!("no memory in {lines:?}"))
}

fn mib(buffers: &[Value], kind: &str) -> f64 {
    buffers
        .iter()
        .filter(|b| b["kind"] == kind)
        .filter_map(|b| b["mib"].as_f64())
        .sum()
}

/// llama.cpp's own "KV buffer size = X MiB" for the same model and context.
fn llama_cpp_kv_mib(n_ctx: u32) -> f64 {
    let script = format!(
        "from llama_cpp import Llama\nLlama(model_path={:?}, n_ctx={n_ctx}, n_gpu_layers=0, verbose=True)\n",
        smollm2().display().to_string()
    );
    let out = Command::new(venv_bin("python"))
        .args(["-c", &script])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    stderr
        .lines()
        .find_map(|l| {
            let (_, right) = l.split_once("KV buffer size =")?;
            right.trim().strip_suffix("MiB")?.trim().parse().ok()
        })
        .unwrap_or_else(|| panic!("no KV buffer line in llama.cpp's log:\n{stderr}"))
}

fn estimate(sandbox: &Sandbox, n_ctx: u32) -> Value {
    estimate_of(sandbox, "smollm2", n_ctx)
}

fn estimate_of(sandbox: &Sandbox, model: &str, n_ctx: u32) -> Value {
    let lines = json_lines(
        sandbox,
        &["models", "--json", "--ctx-size", &n_ctx.to_string()],
    );
    lines
        .iter()
        .find(|v| v["name"] == model)
        .map(|v| v["estimate"].clone())
        .unwrap_or_else(|| panic!("{model} not listed: {lines:?}"))
}

#[test]
fn kv_cache_equals_llama_cpps_own_figure_and_the_estimate_is_close() {
    let sandbox = Sandbox::new();
    for n_ctx in [256u32, 4096] {
        let buffers = slam_buffers(&sandbox, n_ctx);
        let kv = mib(&buffers, "kv");
        let reference = llama_cpp_kv_mib(n_ctx);
        assert!(
            (kv - reference).abs() <= 0.01,
            "ctx {n_ctx}: slam {kv} MiB, llama.cpp {reference} MiB"
        );
        // By hand: 30 layers × 3 KV heads × (64 + 64) × 2 bytes = 23,040 bytes a token.
        let e = estimate(&sandbox, n_ctx);
        assert_eq!(e["kv_bytes"].as_u64(), Some(23_040 * u64::from(n_ctx)));
        let estimated = e["weights_bytes"].as_f64().unwrap() + e["kv_bytes"].as_f64().unwrap();
        let actual = (mib(&buffers, "weights") + kv) * 1_048_576.0;
        let off = (estimated - actual).abs() / actual;
        assert!(
            off < 0.05,
            "ctx {n_ctx}: estimate {estimated} vs {actual} ({off:.3})"
        );
    }
}

/// What llama.cpp allocated, MiB, as its log says (the llama.cpp of llama-cpp-sys-2 0.1.161, in
/// `llama-batched-bench -c CTX -b 512 -ub 512 -npl 1 --swa-full -t 2 -v` on this 2-core EPYC,
/// flash attention auto, as slam loads by default): model, ctx, weights (all `model buffer`
/// lines: gemma's CPU_Mapped 235.16 + CPU_REPACK 12.66), KV (gemma: 1.50 + 7.50 and
/// 12.00 + 60.00, its sliding-window and full caches), compute, output.
const LLAMA_CPP_LOG: [(&str, u32, f64, f64, f64, f64); 4] = [
    ("smollm2", 512, 92.10, 11.25, 102.14, 0.19),
    ("smollm2", 4096, 92.10, 90.00, 106.77, 0.19),
    ("gemma3-base", 512, 247.82, 9.00, 519.28, 1.00),
    ("gemma3-base", 4096, 247.82, 72.00, 526.28, 1.00),
];

#[test]
fn the_fit_counts_every_buffer_llama_cpp_allocates() {
    let sandbox = Sandbox::new();
    for (model, n_ctx, weights, kv, compute, output) in LLAMA_CPP_LOG {
        let e = estimate_of(&sandbox, model, n_ctx);
        // The default batch: 512 tokens a micro-batch, one sequence.
        assert_eq!(e["n_ubatch"].as_u64(), Some(512), "{model} {e}");
        assert_eq!(e["n_seq"].as_u64(), Some(1), "{model} {e}");
        let mib = |k: &str| e[k].as_f64().unwrap() / 1_048_576.0;
        let close = |what: &str, estimated: f64, allocated: f64| {
            let off = (estimated - allocated).abs() / allocated;
            assert!(
                off <= 0.15,
                "{model} ctx {n_ctx} {what}: estimated {estimated:.2} MiB, llama.cpp {allocated:.2} MiB"
            );
        };
        close("compute", mib("compute_bytes"), compute);
        let estimated: f64 = ["weights_bytes", "kv_bytes", "compute_bytes", "output_bytes"]
            .iter()
            .map(|k| mib(k))
            .sum();
        close("total", estimated, weights + kv + compute + output);
    }
}
