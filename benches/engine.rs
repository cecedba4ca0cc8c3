//! The local engine beyond one cold generation: (d) TTFT of a repeated prompt against the
//! same prompt cold, with the prompt cache; (e) four sequences at once in one context against
//! llama.cpp's llama-batched-bench (built from the same llama.cpp: `scripts/build-llama-tools`)
//! for the same sizes and threads; (f) decoding a judge's verdict under its JSON schema's
//! grammar against unconstrained decoding of the same number of tokens. Run with `make bench`.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use slam::config::builtin_models;
use slam::domain::metrics::median;
use slam::domain::{ChatMessage, GenParams, Role};
use slam::engine::chat_template::TemplateChoice;
use slam::engine::llama::{self, LlamaOptions, LlamaSpec, LocalModel};
use slam::engine::runner::Recorder;
use slam::engine::{Backend, GenEvent, GenRequest};
use tokio_util::sync::CancellationToken;

const THREADS: u32 = 2;
/// (e): prompt and generated tokens per sequence, and sequences, as llama-batched-bench's
/// -npp, -ntg and -npl.
const NPP: usize = 128;
const NTG: u32 = 128;
const NPL: usize = 4;
const RUNS: usize = 5;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let runtime = tokio::runtime::Runtime::new()?;
    let smollm2 = builtin_models()
        .into_iter()
        .find(|m| m.name == "smollm2")
        .and_then(|m| m.path)
        .ok_or("no smollm2 entry")?;
    if !smollm2.exists() {
        return Err(format!(
            "{} missing: run scripts/fetch-test-models",
            smollm2.display()
        )
        .into());
    }
    repeated_prompt_ttft(&runtime, &smollm2)?;
    four_sequences(&runtime, &smollm2)?;
    grammar_decode(&runtime, &smollm2)?;
    Ok(())
}

/// (f) A pairwise verdict decoded under the grammar of its JSON schema, then the same number of
/// tokens decoded freely (end of generation ignored): decode tok/s of each, medians.
fn grammar_decode(runtime: &tokio::runtime::Runtime, path: &std::path::Path) -> Result<(), Error> {
    let model = load(
        path,
        LlamaOptions {
            n_threads: Some(THREADS),
            prompt_cache: Some(false),
            ..LlamaOptions::default()
        },
    )?;
    let prompt = slam::analysis::judge::render_pairwise(
        slam::analysis::judge::PAIRWISE_TEMPLATE,
        "Write a short motivational message for Ana, who runs every morning.",
        "Good morning Ana! Every step of your run today is a step toward May.",
        "Go Ana.",
        None,
    )?;
    let run = |params: GenParams, schema: Option<serde_json::Value>| -> Result<Recorder, Error> {
        let mut request =
            GenRequest::new(vec![ChatMessage::new(Role::User, prompt.clone())], params);
        request.prompt.response_format =
            schema.map(|s| slam::domain::ResponseFormat::json_schema("answer", s));
        let rec = runtime.block_on(collect(model.generate(request, CancellationToken::new())));
        match rec.error {
            Some(e) => Err(e.into()),
            None => Ok(rec),
        }
    };
    let (mut constrained, mut free, mut tokens) = (Vec::new(), Vec::new(), 0);
    for i in 0..RUNS {
        let verdict = run(
            GenParams {
                temperature: 0.7,
                seed: Some(i as u32),
                max_tokens: 160,
                ..GenParams::default()
            },
            Some(slam::analysis::judge::pairwise_schema()),
        )?;
        let m = verdict.metrics();
        tokens = m.output_tokens;
        constrained.extend(m.decode_tokens_per_s);
        let same_length = run(
            GenParams {
                temperature: 0.7,
                seed: Some(i as u32),
                max_tokens: m.output_tokens.max(2),
                ignore_eos: true,
                ..GenParams::default()
            },
            None,
        )?;
        free.extend(same_length.metrics().decode_tokens_per_s);
    }
    let (c, f) = (
        median(&constrained).unwrap_or(0.0),
        median(&free).unwrap_or(0.0),
    );
    println!(
        "\n(f) a judge's verdict, smollm2, {THREADS} threads, median of {RUNS} (last verdict {tokens} tokens)\n"
    );
    println!("| under the schema's grammar tok/s | unconstrained, same length tok/s | ratio |");
    println!("|---:|---:|---:|");
    println!("| {c:.1} | {f:.1} | {:.2} |", c / f.max(f64::MIN_POSITIVE));
    Ok(())
}

fn load(path: &std::path::Path, options: LlamaOptions) -> Result<Arc<LocalModel>, Error> {
    Ok(llama::load(&LlamaSpec {
        path: path.to_path_buf(),
        options,
    })?)
}

async fn collect(mut stream: slam::engine::GenStream) -> Recorder {
    let mut rec = Recorder::default();
    while let Some(e) = stream.recv().await {
        rec.on_event(&e);
    }
    rec
}

/// (d) A chat prompt (system + a few hundred tokens of context) on a model without the prompt
/// cache (cold), and twice on one with it (the second time is the repeated prompt): TTFT, and
/// the answers must be the same.
fn repeated_prompt_ttft(
    runtime: &tokio::runtime::Runtime,
    path: &std::path::Path,
) -> Result<(), Error> {
    let options = |cache| LlamaOptions {
        n_threads: Some(THREADS),
        prompt_cache: Some(cache),
        ..LlamaOptions::default()
    };
    let (warm, cold_model) = (load(path, options(true))?, load(path, options(false))?);
    let params = GenParams {
        temperature: 0.0,
        max_tokens: 8,
        ..GenParams::default()
    };
    let request = |i: usize| {
        let context =
            format!("Note {i}: the lighthouse keeper logs the weather every hour. ").repeat(12);
        GenRequest::new(
            vec![
                ChatMessage::new(Role::System, "You are a helpful assistant."),
                ChatMessage::new(Role::User, format!("{context}\nWhat does the keeper log?")),
            ],
            params.clone(),
        )
    };
    let go = |model: &Arc<LocalModel>, i: usize| -> Result<Recorder, Error> {
        let rec = runtime.block_on(collect(
            model.generate(request(i), CancellationToken::new()),
        ));
        match rec.error {
            Some(e) => Err(e.into()),
            None => Ok(rec),
        }
    };
    // Warm-up: the first decode of a process is slower than any later one.
    go(&cold_model, 99)?;
    go(&warm, 99)?;
    let (mut cold, mut again, mut prompt, mut same) = (Vec::new(), Vec::new(), 0, true);
    for i in 0..RUNS {
        let c = go(&cold_model, i)?;
        go(&warm, i)?;
        let a = go(&warm, i)?;
        prompt = c.usage.and_then(|u| u.prompt_tokens).unwrap_or(0);
        same &= a.text == c.text;
        cold.push(c.metrics().ttft_ms.unwrap_or(f64::NAN));
        again.push(a.metrics().ttft_ms.unwrap_or(f64::NAN));
    }
    let (c, a) = (median(&cold).unwrap_or(0.0), median(&again).unwrap_or(0.0));
    println!(
        "\n(d) TTFT of a repeated prompt, smollm2, {prompt} prompt tokens, {THREADS} threads, median of {RUNS}\n"
    );
    println!("| cold TTFT ms | repeated TTFT ms | ratio | goal | same answers |");
    println!("|---:|---:|---:|---|---|");
    println!(
        "| {c:.1} | {a:.1} | {:.3} | ≤ 0.2 {} | {} |",
        a / c,
        verdict(a / c <= 0.2),
        verdict(same)
    );
    Ok(())
}

/// (e) Four sequences with a 128-token prompt each, 128 tokens generated each, at once.
fn four_sequences(runtime: &tokio::runtime::Runtime, path: &std::path::Path) -> Result<(), Error> {
    let model = load(
        path,
        LlamaOptions {
            n_threads: Some(THREADS),
            n_ctx: Some((NPP as u32 + NTG) * 2),
            parallel: Some(NPL as u32),
            prompt_cache: Some(false),
            template: TemplateChoice::Raw,
            ..LlamaOptions::default()
        },
    )?;
    // Prompts of NPP tokens (BOS included), from the tokenizer: "0 w0 w1 …", "1 w0 w1 …", …
    let mut text = String::new();
    for i in 0..NPP * 2 {
        let candidate = format!("{text} w{i}");
        if model.tokenize(&format!("0{candidate}"))?.len() + 1 > NPP {
            break;
        }
        text = candidate;
    }
    let params = GenParams {
        temperature: 0.0,
        max_tokens: NTG,
        ignore_eos: true,
        ..GenParams::default()
    };
    let mut rates = Vec::new();
    let mut prompt_tokens = 0;
    for _ in 0..=RUNS {
        let runs: Vec<_> = (0..NPL)
            .map(|i| {
                // Different prompts, as batched-bench's sequences are independent.
                let request = GenRequest::new(
                    vec![ChatMessage::new(Role::User, format!("{i}{text}"))],
                    params.clone(),
                );
                model.generate(request, CancellationToken::new())
            })
            .collect();
        let stamped = runtime.block_on(async {
            let mut out = Vec::new();
            for stream in runs {
                out.push(stamps(stream).await);
            }
            out
        });
        // The generation phase: from the moment every sequence has its first token to the last
        // token of all; the tokens after each one's first are what it produced in it.
        let gen_start = stamped.iter().filter_map(|s| s.first).max();
        let gen_end = stamped.iter().filter_map(|s| s.last).max();
        let produced: u32 = stamped.iter().map(|s| s.tokens.saturating_sub(1)).sum();
        prompt_tokens = stamped.iter().map(|s| s.prompt).max().unwrap_or(0);
        if let (Some(a), Some(b)) = (gen_start, gen_end) {
            rates.push(f64::from(produced) / b.duration_since(a).as_secs_f64());
        }
    }
    if rates.len() > 1 {
        rates.remove(0); // warm-up
    }
    let slam = median(&rates).ok_or("no run of four sequences finished")?;
    let mut references = Vec::new();
    for _ in 0..3 {
        references.push(batched_bench(path)?);
    }
    let reference = median(&references).unwrap_or(f64::NAN);
    println!(
        "\n(e) smollm2, {NPL} sequences × ({prompt_tokens} prompt + {NTG} generated) tokens, {THREADS} threads: aggregate decode tok/s, median of {RUNS} (slam) and 3 (llama-batched-bench)\n"
    );
    println!("| slam | llama-batched-bench S_TG | ratio | goal |");
    println!("|---:|---:|---:|---|");
    println!(
        "| {slam:.1} | {reference:.1} | {:.3} | ≥ 0.9 {} |",
        slam / reference,
        verdict(slam / reference >= 0.9)
    );
    Ok(())
}

struct Stamps {
    first: Option<Instant>,
    last: Option<Instant>,
    tokens: u32,
    prompt: u32,
}

/// When a sequence's first and last tokens came, and how many it produced.
async fn stamps(mut stream: slam::engine::GenStream) -> Stamps {
    let mut s = Stamps {
        first: None,
        last: None,
        tokens: 0,
        prompt: 0,
    };
    while let Some(e) = stream.recv().await {
        match e {
            GenEvent::Delta { n_tokens, at, .. } | GenEvent::Thinking { n_tokens, at, .. } => {
                s.first.get_or_insert(at);
                s.last = Some(at);
                s.tokens += n_tokens;
            }
            GenEvent::Finished { usage, .. } => s.prompt = usage.prompt_tokens.unwrap_or(0),
            _ => {}
        }
    }
    s
}

/// llama-batched-bench's aggregate generation rate (S_TG) for the same sizes and threads.
fn batched_bench(model: &std::path::Path) -> Result<f64, Error> {
    let dir = std::env::var("LLAMA_TOOLS").map_err(|_| "LLAMA_TOOLS unset: run make bench")?;
    let ctx = NPL * (NPP + NTG as usize);
    let out = Command::new(format!("{dir}/llama-batched-bench"))
        .arg("-m")
        .arg(model)
        .args(["-c", &ctx.to_string(), "-b", "512", "-ub", "512"])
        .args(["-npp", &NPP.to_string(), "-ntg", &NTG.to_string()])
        .args(["-npl", &NPL.to_string(), "-t", &THREADS.to_string()])
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "llama-batched-bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    // The table row: | PP | TG | B | N_KV | T_PP s | S_PP t/s | T_TG s | S_TG t/s | T s | S t/s |
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .find(|cells| cells.get(3) == Some(&NPL.to_string().as_str()))
        .and_then(|cells| cells.get(8)?.parse().ok())
        .ok_or_else(|| "llama-batched-bench printed no result row".into())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}
