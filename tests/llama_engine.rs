//! The llama backend through the library: UTF-8 streaming, chat template fidelity, caching,
//! cancellation.

mod common;

use std::time::Duration;

use common::{GEMMA3, SMOLLM2, model_path};
use slam::core::domain::{ChatMessage, FinishReason, GenParams, Role};
use slam::engine::chat_template::{JinjaTemplate, TemplateChoice};
use slam::engine::llama::{self, LlamaOptions, LlamaSpec};
use slam::engine::runner::Recorder;
use slam::engine::{Backend, GenRequest, gguf};
use tokio_util::sync::CancellationToken;

fn spec(file: &str, template: TemplateChoice) -> LlamaSpec {
    LlamaSpec {
        path: model_path(file),
        options: LlamaOptions {
            template,
            ..LlamaOptions::default()
        },
    }
}

fn greedy(max_tokens: u32) -> GenParams {
    GenParams {
        temperature: 0.0,
        max_tokens,
        ..GenParams::default()
    }
}

async fn run(model: &dyn Backend, request: GenRequest, cancel: CancellationToken) -> Recorder {
    let mut stream = model.generate(request, cancel);
    let mut rec = Recorder::default();
    while let Some(e) = stream.recv().await {
        rec.on_event(&e);
    }
    rec
}

#[tokio::test]
async fn streamed_non_ascii_text_is_valid_and_equals_whole_detokenisation() {
    let model = llama::load(&spec(SMOLLM2, TemplateChoice::Auto)).unwrap();
    let mut request = GenRequest::new(
        vec![
            ChatMessage::new(Role::System, "You are a helpful assistant."),
            ChatMessage::new(Role::User, "Repeat after me: Café, déjà vu, 日本語"),
        ],
        greedy(200),
    );
    request.record_token_ids = true;
    let rec = run(model.as_ref(), request, CancellationToken::new()).await;
    assert!(rec.error.is_none(), "{:?}", rec.error);
    assert_eq!(rec.finish_reason, Some(FinishReason::Stop), "{}", rec.text);
    assert!(rec.text.contains("déjà"), "accented output: {}", rec.text);
    let ids = rec.token_ids.clone().unwrap();
    assert!(!rec.text.contains('\u{FFFD}'), "{}", rec.text);
    assert!(!rec.text.is_ascii(), "non-ASCII output: {}", rec.text);
    assert!(
        rec.text
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Japanese output: {}",
        rec.text
    );
    // The test is only meaningful if some character really was split across tokens.
    let mut split_tokens = 0;
    for id in &ids {
        if model.detokenize(vec![*id]).unwrap().contains('\u{FFFD}') {
            split_tokens += 1;
        }
    }
    assert!(
        split_tokens > 0,
        "no token held a partial character: {}",
        rec.text
    );
    assert_eq!(rec.text, model.detokenize(ids).unwrap());
}

#[test]
fn smollm2_template_matches_hugging_face() {
    let header = gguf::read_header(&model_path(SMOLLM2)).unwrap();
    let source = header
        .chat_template()
        .expect("SmolLM2 ships a chat template");
    let template = JinjaTemplate::new(source, "<|im_start|>", "<|im_end|>").unwrap();
    let rendered = template
        .render(
            &[
                ChatMessage::new(Role::System, "You are a terse assistant."),
                ChatMessage::new(Role::User, "Name a prime number."),
            ],
            true,
        )
        .unwrap();
    // transformers' apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    // on HuggingFaceTB/SmolLM2-135M-Instruct's template.
    let expected = "<|im_start|>system\nYou are a terse assistant.<|im_end|>\n\
                    <|im_start|>user\nName a prime number.<|im_end|>\n\
                    <|im_start|>assistant\n";
    assert_eq!(rendered, expected);

    // Without a system message the template inserts its default one.
    let rendered = template
        .render(&[ChatMessage::new(Role::User, "Hi")], true)
        .unwrap();
    assert_eq!(
        rendered,
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
}

#[tokio::test]
async fn models_are_cached_and_greedy_is_deterministic() {
    let a = llama::load(&spec(GEMMA3, TemplateChoice::Raw)).unwrap();
    let b = llama::load(&spec(GEMMA3, TemplateChoice::Raw)).unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&a, &b),
        "same file and options → same loaded model"
    );
    assert_eq!(a.info().prompt_format, "raw");
    let request = GenRequest::new(vec![ChatMessage::new(Role::User, "The sun is")], greedy(12));
    let first = run(a.as_ref(), request.clone(), CancellationToken::new()).await;
    let second = run(b.as_ref(), request, CancellationToken::new()).await;
    assert_eq!(first.finish_reason, Some(FinishReason::Length));
    assert_eq!(first.usage.unwrap().completion_tokens, 12);
    assert!(!first.text.is_empty());
    assert_eq!(
        first.text, second.text,
        "greedy decoding after a reused context"
    );
    let t = first.timings.unwrap();
    assert!(
        t.prompt_tokens > 0 && t.prompt_ms > 0.0,
        "llama.cpp timings: {t:?}"
    );
    assert!(
        t.predicted_tokens > 0 && t.predicted_ms > 0.0,
        "llama.cpp timings: {t:?}"
    );
}

#[tokio::test]
async fn cancel_stops_at_the_next_token_and_the_model_stays_ready() {
    let model = llama::load(&spec(SMOLLM2, TemplateChoice::Auto)).unwrap();
    let long = GenParams {
        ignore_eos: true,
        ..greedy(2000)
    };
    let request = GenRequest::new(
        vec![ChatMessage::new(Role::User, "Count to a thousand.")],
        long,
    );
    let cancel = CancellationToken::new();
    let mut stream = model.generate(request, cancel.clone());
    let mut rec = Recorder::default();
    while let Some(e) = stream.recv().await {
        rec.on_event(&e);
        if rec.chunks.len() == 5 {
            cancel.cancel();
        }
    }
    assert_eq!(rec.finish_reason, Some(FinishReason::Cancelled));
    let n = rec.usage.unwrap().completion_tokens;
    assert!(
        (5..200).contains(&n),
        "stopped promptly after cancel: {n} tokens"
    );

    let again = GenRequest::new(
        vec![
            ChatMessage::new(Role::System, "You are a helpful assistant."),
            ChatMessage::new(Role::User, "What is the capital of France?"),
        ],
        greedy(32),
    );
    let rec = tokio::time::timeout(
        Duration::from_secs(120),
        run(model.as_ref(), again, CancellationToken::new()),
    )
    .await
    .unwrap();
    assert!(rec.text.contains("Paris"), "{}", rec.text);
}

#[tokio::test]
async fn stop_strings_end_generation_before_the_string() {
    let model = llama::load(&spec(GEMMA3, TemplateChoice::Raw)).unwrap();
    let params = GenParams {
        stop: vec![",".into(), ".".into()],
        ..greedy(64)
    };
    let request = GenRequest::new(
        vec![ChatMessage::new(
            Role::User,
            "Apples, pears, plums, cherries, grapes",
        )],
        params,
    );
    let rec = run(model.as_ref(), request, CancellationToken::new()).await;
    assert_eq!(
        rec.finish_reason,
        Some(FinishReason::StopString),
        "{}",
        rec.text
    );
    assert!(
        !rec.text.contains(',') && !rec.text.contains('.'),
        "{}",
        rec.text
    );
}

#[tokio::test]
async fn a_prompt_longer_than_the_context_is_a_typed_error() {
    let mut s = spec(GEMMA3, TemplateChoice::Raw);
    s.options.n_ctx = Some(64);
    let model = llama::load(&s).unwrap();
    // llama.cpp rounds the context up (to 256 here); the error reports the real size.
    let n_ctx = model.info().n_ctx;
    assert!((64..=512).contains(&n_ctx), "{n_ctx}");
    let request = GenRequest::new(
        vec![ChatMessage::new(Role::User, "word ".repeat(1000))],
        greedy(4),
    );
    let rec = run(model.as_ref(), request, CancellationToken::new()).await;
    match rec.error {
        Some(slam::engine::EngineError::PromptTooLong {
            prompt_tokens,
            n_ctx: reported,
        }) => {
            assert_eq!(reported, n_ctx);
            assert!(prompt_tokens > n_ctx as usize);
        }
        other => panic!("expected PromptTooLong, got {other:?}"),
    }
}
