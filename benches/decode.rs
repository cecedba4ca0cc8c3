//! Decode throughput and TTFT of slam's llama backend against llama.cpp's own llama-bench on the
//! same GGUF files: 128 tokens, 2 threads, median of 5 runs. Run with `make bench`.

use std::process::Command;

use slam::config::builtin_models;
use slam::domain::metrics::median;
use slam::domain::{ChatMessage, GenParams, Role};
use slam::engine::chat_template::TemplateChoice;
use slam::engine::llama::{self, LlamaOptions, LlamaSpec};
use slam::engine::runner::Recorder;
use slam::engine::{Backend, GenRequest};
use tokio_util::sync::CancellationToken;

const RUNS: usize = 5;
const TOKENS: u32 = 128;
const THREADS: u32 = 2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Runtime::new()?;
    let llama_bench = std::env::var("LLAMA_BENCH").ok();
    let mut rows = Vec::new();
    for entry in builtin_models() {
        let Some(path) = entry.path.clone() else {
            continue;
        };
        if !path.exists() {
            return Err(
                format!("{} missing: run scripts/fetch-test-models", path.display()).into(),
            );
        }
        let spec = LlamaSpec {
            path: path.clone(),
            options: LlamaOptions {
                n_threads: Some(THREADS),
                template: TemplateChoice::Raw,
                // Every run computes its prompt, as llama-bench's do.
                prompt_cache: Some(false),
                ..LlamaOptions::default()
            },
        };
        let model = llama::load(&spec)?;
        let params = GenParams {
            temperature: 0.0,
            max_tokens: TOKENS,
            ignore_eos: true,
            ..GenParams::default()
        };
        let request = GenRequest::new(
            vec![ChatMessage::new(Role::User, "Once upon a time")],
            params,
        );
        let mut decode = Vec::new();
        let mut ttft = Vec::new();
        let mut reference = Vec::new();
        // slam and llama-bench take turns, so a machine whose speed drifts (a shared host)
        // drifts for both alike.
        for run in 0..=RUNS {
            let rec = runtime.block_on(async {
                let mut stream = model.generate(request.clone(), CancellationToken::new());
                let mut rec = Recorder::default();
                while let Some(e) = stream.recv().await {
                    rec.on_event(&e);
                }
                rec
            });
            if let Some(e) = rec.error {
                return Err(e.into());
            }
            let m = rec.metrics();
            if run > 0 {
                // run 0 warms caches, as llama-bench's warm-up run does
                decode.push(m.decode_tokens_per_s.unwrap_or(0.0));
                ttft.push(m.ttft_ms.unwrap_or(0.0));
                if let Some(bin) = llama_bench.as_deref() {
                    reference.push(llama_bench_tg(bin, &path)?);
                }
            }
        }
        let reference = median(&reference);
        rows.push((
            entry.name,
            median(&decode).unwrap_or(0.0),
            median(&ttft).unwrap_or(0.0),
            reference,
        ));
    }
    println!(
        "\ndecode: {TOKENS} tokens, {THREADS} threads, median of {RUNS} runs each, taking turns (slam / llama-bench tg{TOKENS})\n"
    );
    println!("(a) quiet machine\n");
    println!("| model | slam decode tok/s | slam TTFT ms | llama-bench tok/s | ratio | goal |");
    println!("|---|---:|---:|---:|---:|---|");
    for (name, tps, ttft, reference) in rows {
        let (r, ratio, goal) = match reference {
            Some(r) => (
                format!("{r:.1}"),
                format!("{:.3}", tps / r),
                if tps / r >= 0.97 {
                    "≥ 0.97 ✓"
                } else {
                    "≥ 0.97 ✗"
                },
            ),
            None => ("(LLAMA_BENCH unset)".into(), "–".into(), "–"),
        };
        println!("| {name} | {tps:.1} | {ttft:.1} | {r} | {ratio} | {goal} |");
    }
    Ok(())
}

/// llama-bench's tokens/s for one 128-token generation with 2 threads (after its warm-up).
fn llama_bench_tg(bin: &str, model: &std::path::Path) -> Result<f64, Box<dyn std::error::Error>> {
    let out = Command::new(bin)
        .args([
            "-t",
            &THREADS.to_string(),
            "-n",
            &TOKENS.to_string(),
            "-p",
            "0",
        ])
        .args(["-r", "1", "-o", "json", "-m"])
        .arg(model)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "llama-bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    v.as_array()
        .and_then(|a| {
            a.iter()
                .find(|r| r["n_gen"].as_u64() == Some(u64::from(TOKENS)))
        })
        .and_then(|r| r["avg_ts"].as_f64())
        .ok_or_else(|| "llama-bench printed no tg result".into())
}
