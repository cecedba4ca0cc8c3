//! The llama backend through the library: UTF-8 streaming, chat template fidelity, caching,
//! cancellation.

mod common;

use std::time::Duration;

use common::{GEMMA3, SMOLLM2, model_path};
use slam::app::Models;
use slam::domain::{ChatMessage, FinishReason, GenParams, ResponseFormat, Role};
use slam::engine::chat_template::{JinjaTemplate, TemplateChoice};
use slam::engine::llama::{self, LlamaOptions, LlamaSpec};
use slam::engine::runner::Recorder;
use slam::engine::utf8::Utf8Stream;
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

// Model wording differs between CPUs and builds, so these tests assert what holds for any
// wording: streamed text equals the whole detokenisation of the same tokens, and characters split
// across tokens come out whole. Where tokens must split a character, the tokenizer (exact on every
// CPU) provides them, not the model's choice of words.

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
    assert!(
        matches!(
            rec.finish_reason,
            Some(FinishReason::Stop | FinishReason::Length)
        ),
        "{:?}",
        rec.finish_reason
    );
    assert!(!rec.text.is_empty());
    assert!(!rec.text.contains('\u{FFFD}'), "{}", rec.text);
    let ids = rec.token_ids.clone().unwrap().generated;
    assert_eq!(rec.text, model.detokenize(ids).unwrap());
}

#[test]
fn characters_split_across_tokens_stream_whole() {
    let model = llama::load(&spec(SMOLLM2, TemplateChoice::Auto)).unwrap();
    let text = "Café, déjà vu, 日本語 🎉";
    let pieces = model.tokenize(text).unwrap();
    let partial = pieces
        .iter()
        .filter(|(_, bytes)| std::str::from_utf8(bytes).is_err())
        .count();
    assert!(
        partial > 0,
        "no token holds a partial character: {pieces:?}"
    );
    // The decode loop's path: each token's bytes into the incremental UTF-8 decoder.
    let mut decoder = Utf8Stream::default();
    let mut streamed = String::new();
    for (_, bytes) in &pieces {
        let out = decoder.push(bytes);
        assert!(
            !out.contains('\u{FFFD}'),
            "a partial character leaked: {out:?}"
        );
        streamed.push_str(&out);
    }
    streamed.push_str(&decoder.finish());
    assert_eq!(streamed, text);
    let ids = pieces.iter().map(|(id, _)| *id).collect();
    assert_eq!(model.detokenize(ids).unwrap(), text);
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
    // The app layer's factory loads a model once and shares it.
    let models = Models::default();
    let a = models.local(&spec(GEMMA3, TemplateChoice::Raw)).unwrap();
    let b = models.local(&spec(GEMMA3, TemplateChoice::Raw)).unwrap();
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
    let question = GenRequest::new(
        vec![
            ChatMessage::new(Role::System, "You are a helpful assistant."),
            ChatMessage::new(Role::User, "What is the capital of France?"),
        ],
        greedy(32),
    );
    let before = run(model.as_ref(), question.clone(), CancellationToken::new()).await;
    assert!(!before.text.is_empty(), "{:?}", before.error);
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

    // The same question after the cancel: the same greedy answer as before it.
    let rec = tokio::time::timeout(
        Duration::from_secs(120),
        run(model.as_ref(), question, CancellationToken::new()),
    )
    .await
    .unwrap();
    assert_eq!(rec.text, before.text);
}

#[tokio::test]
async fn stop_strings_end_generation_before_the_string() {
    let model = llama::load(&spec(GEMMA3, TemplateChoice::Raw)).unwrap();
    let prompt = vec![ChatMessage::new(
        Role::User,
        "Apples, pears, plums, cherries, grapes",
    )];
    let free = run(
        model.as_ref(),
        GenRequest::new(prompt.clone(), greedy(48)),
        CancellationToken::new(),
    )
    .await;
    // A stop string taken from the middle of the model's own answer (whatever its words), so
    // it may span tokens; the answer with it must end right before its first occurrence.
    let chars: Vec<char> = free.text.chars().collect();
    assert!(chars.len() >= 12, "a long enough answer: {:?}", free.text);
    let stop: String = chars[chars.len() / 2..chars.len() / 2 + 3].iter().collect();
    let expected = &free.text[..free.text.find(&stop).unwrap()];
    let params = GenParams {
        stop: vec![stop.clone(), "\u{1F600}never".into()],
        ..greedy(48)
    };
    let rec = run(
        model.as_ref(),
        GenRequest::new(prompt, params),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(
        rec.finish_reason,
        Some(FinishReason::StopString),
        "stop {stop:?} in {:?}",
        free.text
    );
    assert_eq!(rec.text, expected, "stop {stop:?}");
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

/// A JSON schema constrains a local model through llama.cpp's grammar sampler: the answer is
/// JSON of that shape, whatever the model would have written.
#[tokio::test]
async fn a_json_schema_makes_the_answer_parse() {
    let model = llama::load(&spec(SMOLLM2, TemplateChoice::Auto)).unwrap();
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "verdict": {"enum": ["A", "B", "tie"]},
            "reason": {"type": "string", "maxLength": 60}
        },
        "required": ["verdict", "reason"],
        "additionalProperties": false
    });
    for temperature in [0.0, 0.9] {
        let params = GenParams {
            temperature,
            seed: Some(5),
            max_tokens: 64,
            ..greedy(64)
        };
        let messages = vec![ChatMessage::new(
            Role::User,
            "Which is better, A: 'Paris' or B: 'Lyon', as the capital of France?",
        )];
        let mut request = GenRequest::new(messages, params);
        request.prompt.response_format =
            Some(ResponseFormat::json_schema("answer", schema.clone()));
        let rec = run(&*model, request, CancellationToken::new()).await;
        assert_eq!(
            rec.finish_reason,
            Some(FinishReason::Stop),
            "{:?}",
            rec.text
        );
        let v: serde_json::Value =
            serde_json::from_str(&rec.text).unwrap_or_else(|e| panic!("{e}: {:?}", rec.text));
        assert!(
            ["A", "B", "tie"].contains(&v["verdict"].as_str().unwrap()),
            "{v}"
        );
        assert!(v["reason"].as_str().unwrap().chars().count() <= 60, "{v}");
        assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
    }
}
