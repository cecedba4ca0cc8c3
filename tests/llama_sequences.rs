//! The local engine's prompt cache and several sequences in one context, with the real models.
//! Expected token counts come from the tokenizer (exact on every CPU), not from slam's
//! scheduler; expected texts from the same build run without the feature under test.

mod common;

use std::sync::Arc;

use common::{GEMMA3, SMOLLM2, model_path};
use slam::domain::{ChatMessage, FinishReason, GenParams, Role};
use slam::engine::chat_template::TemplateChoice;
use slam::engine::llama::{self, LlamaOptions, LlamaSpec, LocalModel};
use slam::engine::runner::Recorder;
use slam::engine::{Backend, GenRequest};
use tokio_util::sync::CancellationToken;

fn load(file: &str, template: TemplateChoice, parallel: u32, cache: bool) -> Arc<LocalModel> {
    llama::load(&LlamaSpec {
        path: model_path(file),
        options: LlamaOptions {
            template,
            parallel: Some(parallel),
            prompt_cache: Some(cache),
            ..LlamaOptions::default()
        },
    })
    .unwrap()
}

fn greedy(max_tokens: u32) -> GenParams {
    GenParams {
        temperature: 0.0,
        max_tokens,
        ..GenParams::default()
    }
}

fn raw(text: &str, max_tokens: u32) -> GenRequest {
    let mut r = GenRequest::new(vec![ChatMessage::new(Role::User, text)], greedy(max_tokens));
    r.record_token_ids = true;
    r
}

async fn run(model: &dyn Backend, request: GenRequest) -> Recorder {
    let mut stream = model.generate(request, CancellationToken::new());
    let mut rec = Recorder::default();
    while let Some(e) = stream.recv().await {
        rec.on_event(&e);
    }
    rec
}

fn cached(rec: &Recorder) -> u32 {
    rec.usage.and_then(|u| u.cached_prompt_tokens).unwrap()
}

/// Tokens of the prompt as the model is sent it: BOS, then the text (gemma3-base, raw).
fn prompt_tokens(model: &LocalModel, text: &str) -> Vec<i32> {
    let mut ids = vec![2]; // Gemma's BOS
    ids.extend(model.tokenize(text).unwrap().into_iter().map(|(id, _)| id));
    ids
}

fn lcp(a: &[i32], b: &[i32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// What a sequence's cache holds after a generation: the prompt and every generated token but
/// the last (sampled, never decoded).
fn held(prompt: &[i32], rec: &Recorder) -> Vec<i32> {
    let ids = rec.token_ids.clone().unwrap().generated;
    let mut held = prompt.to_vec();
    held.extend_from_slice(&ids[..ids.len().saturating_sub(1)]);
    held
}

/// The reusable part: the common prefix, never the whole prompt (its last token is computed).
fn expected_cached(held: &[i32], prompt: &[i32]) -> u32 {
    lcp(held, prompt).min(prompt.len() - 1) as u32
}

#[tokio::test]
async fn the_cached_prefix_is_the_longest_common_one() {
    let model = load(GEMMA3, TemplateChoice::Raw, 1, true);
    let base = "The lighthouse keeper climbed the stairs every evening to light the lamp";
    let a = format!("{base}, and the ships");
    let first = run(model.as_ref(), raw(&a, 4)).await;
    assert_eq!(cached(&first), 0, "nothing before the first prompt");
    let mut cache = held(&prompt_tokens(&model, &a), &first);
    // Prompts sharing a prefix; a prompt that is a prefix of the previous one; one longer than
    // anything cached so far.
    let long = format!(
        "{base}. {}",
        "The sea was calm and the night was long. ".repeat(20)
    );
    for text in [format!("{base}, but one night"), base.to_owned(), long] {
        let tokens = prompt_tokens(&model, &text);
        let rec = run(model.as_ref(), raw(&text, 4)).await;
        assert_eq!(cached(&rec), expected_cached(&cache, &tokens), "{text:?}");
        // The engine's prefill counts only what it computed.
        let t = rec.timings.unwrap();
        assert_eq!(t.prompt_tokens, tokens.len() as u32 - cached(&rec));
        cache = held(&tokens, &rec);
    }
    assert!(expected_cached(&cache, &prompt_tokens(&model, base)) >= 12);
}

#[tokio::test]
async fn greedy_output_with_the_cache_equals_output_without_it() {
    let warm = load(SMOLLM2, TemplateChoice::Auto, 1, true);
    let cold = load(SMOLLM2, TemplateChoice::Auto, 1, false);
    let ask = |q: &str| {
        GenRequest::new(
            vec![
                ChatMessage::new(Role::System, "You are a helpful assistant."),
                ChatMessage::new(Role::User, q),
            ],
            greedy(24),
        )
    };
    run(warm.as_ref(), ask("What is the capital of France?")).await;
    let with_cache = run(warm.as_ref(), ask("What is the capital of Italy?")).await;
    run(cold.as_ref(), ask("What is the capital of France?")).await;
    let without = run(cold.as_ref(), ask("What is the capital of Italy?")).await;
    assert!(cached(&with_cache) > 10, "the system prompt was reused");
    assert_eq!(cached(&without), 0);
    assert!(!with_cache.text.is_empty());
    assert_eq!(with_cache.text, without.text);
}

#[tokio::test]
async fn several_sequences_at_once_and_one_cancelled_in_the_middle() {
    let prompts = [
        "Write a long story about a lighthouse keeper.",
        "List every month of the year, one per line.",
        "Explain how a bicycle works.",
    ];
    let request = |q: &str| {
        GenRequest::new(
            vec![
                ChatMessage::new(Role::System, "You are a helpful assistant."),
                ChatMessage::new(Role::User, q),
            ],
            GenParams {
                ignore_eos: true,
                ..greedy(40)
            },
        )
    };
    // Each alone, one at a time.
    let solo = load(SMOLLM2, TemplateChoice::Auto, 1, false);
    let mut alone = Vec::new();
    for q in prompts {
        alone.push(run(solo.as_ref(), request(q)).await.text);
    }
    // The three at once in one context; the middle one cancelled after its fifth chunk.
    let batched = load(SMOLLM2, TemplateChoice::Auto, 3, false);
    let cancel = CancellationToken::new();
    let mut streams: Vec<_> = prompts
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let token = if i == 1 {
                cancel.clone()
            } else {
                CancellationToken::new()
            };
            batched.generate(request(q), token)
        })
        .collect();
    let mut recs = vec![Recorder::default(); 3];
    let mut open = 3;
    while open > 0 {
        for (i, stream) in streams.iter_mut().enumerate() {
            if recs[i].is_done() {
                continue;
            }
            if let Some(e) = stream.recv().await {
                recs[i].on_event(&e);
                if i == 1 && recs[1].chunks.len() == 5 {
                    cancel.cancel();
                }
                if recs[i].is_done() {
                    open -= 1;
                }
            }
        }
    }
    assert_eq!(recs[1].finish_reason, Some(FinishReason::Cancelled));
    let stopped_at = recs[1].usage.unwrap().completion_tokens;
    assert!((5..40).contains(&stopped_at), "{stopped_at}");
    for i in [0, 2] {
        assert_eq!(recs[i].finish_reason, Some(FinishReason::Length));
        assert_eq!(recs[i].usage.unwrap().completion_tokens, 40);
        assert_eq!(recs[i].text, alone[i], "sequence {i} is undisturbed");
    }
    // The cancelled one's text so far is the beginning of its answer alone.
    assert!(alone[1].starts_with(&recs[1].text), "{:?}", recs[1].text);
}

#[tokio::test]
async fn requests_beyond_the_sequences_wait_and_say_how_long() {
    let model = load(GEMMA3, TemplateChoice::Raw, 1, false);
    let first = model.generate(raw("One two three", 24), CancellationToken::new());
    let second = model.generate(raw("Four five six", 4), CancellationToken::new());
    let (a, b) = tokio::join!(collect(first), collect(second));
    let queued = |r: &Recorder| r.timings.unwrap().queued_ms.unwrap();
    assert!(queued(&a) < queued(&b), "{} vs {}", queued(&a), queued(&b));
    // The second waited for the whole first generation.
    let first_e2e = a.metrics().e2e_ms;
    assert!(
        queued(&b) > 0.5 * first_e2e,
        "{} of {first_e2e}",
        queued(&b)
    );
    assert_eq!(b.metrics().queue_ms, Some(queued(&b)));
}

async fn collect(mut stream: slam::engine::GenStream) -> Recorder {
    let mut rec = Recorder::default();
    while let Some(e) = stream.recv().await {
        rec.on_event(&e);
    }
    rec
}

#[tokio::test]
async fn a_request_cancelled_while_it_waits_ends_at_once() {
    let model = load(GEMMA3, TemplateChoice::Raw, 1, false);
    let long = GenRequest::new(
        vec![ChatMessage::new(Role::User, "Once upon a time")],
        GenParams {
            ignore_eos: true,
            ..greedy(200)
        },
    );
    let mut first = model.generate(long, CancellationToken::new());
    let cancel = CancellationToken::new();
    let second = model.generate(raw("Four five six", 4), cancel.clone());
    // Once the first is decoding, the second is surely waiting: cancel it.
    let mut a = Recorder::default();
    while a.chunks.is_empty() {
        a.on_event(&first.recv().await.unwrap());
    }
    cancel.cancel();
    let b = collect(second).await;
    assert_eq!(b.finish_reason, Some(FinishReason::Cancelled));
    assert_eq!(b.usage.unwrap().completion_tokens, 0);
    // It ended while the first was still running.
    assert!(!a.is_done());
    let a = {
        while let Some(e) = first.recv().await {
            a.on_event(&e);
        }
        a
    };
    assert_eq!(a.usage.unwrap().completion_tokens, 200);
}

#[tokio::test]
async fn a_cut_past_the_sliding_window_gives_the_same_answer_as_no_cache() {
    // Gemma 3 attends over a 512-token sliding window in most layers: reuse a 700-token prefix.
    let warm = load(GEMMA3, TemplateChoice::Raw, 1, true);
    let cold = load(GEMMA3, TemplateChoice::Raw, 1, false);
    let long = "The keeper wrote down the wind, the waves and every passing ship. ".repeat(50);
    let first = format!("{long}On the last night of the year");
    let second = format!("{long}When the storm finally came");
    let tokens = prompt_tokens(&warm, &second);
    assert!(tokens.len() > 700, "{}", tokens.len());
    run(warm.as_ref(), raw(&first, 8)).await;
    let with_cache = run(warm.as_ref(), raw(&second, 16)).await;
    let without = run(cold.as_ref(), raw(&second, 16)).await;
    assert!(cached(&with_cache) > 600, "{}", cached(&with_cache));
    assert_eq!(with_cache.text, without.text);
}
