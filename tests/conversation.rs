//! A conversation from the front end through the store to both backends: a three-turn eval
//! item (with tools and a response format) is sent to a server as written, stored, exported,
//! imported and exported again unchanged; a local model decodes exactly the chat template's
//! rendering of it. Expected values are written by hand.

mod common;

use std::path::Path;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use common::eval_run::{EvalRun, Served};
use common::fake_server::{FakeServer, streamed_answer};
use common::{SMOLLM2, model_path, text};
use slam::config::Config;
use slam::engine::GenRequest;
use slam::engine::chat_template::TemplateChoice;
use slam::engine::llama::{self, LlamaOptions, LlamaSpec};
use slam::engine::runner::Recorder;

/// An input that continues a conversation: two earlier turns, then the templated question;
/// tools and a response format passed through.
const SPEC: &str = r#"
name = "follow-up"
system = "Answer in one word."
template = "And {{ country }}?"
warmup = false
repetitions = 1

[[input]]
id = "de"
country = "Germany"
messages = [
  { role = "user", content = "What is the capital of France?" },
  { role = "assistant", content = "Paris." },
]
tools = [{ type = "function", function = { name = "lookup", parameters = { type = "object", properties = {} } } }]
response_format = { type = "json_object" }

[[models]]
name = "api"
"#;

fn tools() -> Value {
    json!([{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}])
}

fn messages() -> Value {
    json!([
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And Germany?"},
    ])
}

/// `slam eval` of `spec` on the model "api", a server that answers `answer`.
fn eval_against(answer: &str, spec: &str) -> EvalRun {
    let server = FakeServer::start(vec![streamed_answer(answer)]);
    let api = Served {
        name: "api",
        model: "m",
        server,
        extra: "",
    };
    EvalRun::new(vec![api], spec)
}

#[test]
fn a_three_turn_eval_item_is_sent_stored_and_read_back_as_written() {
    let run = eval_against("Berlin.", SPEC);

    // Sent: the request body holds the conversation as written, tools and format unchanged.
    let bodies = run.servers[0].bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["messages"], messages());
    assert_eq!(bodies[0]["tools"], tools());
    assert_eq!(bodies[0]["response_format"], json!({"type": "json_object"}));

    // Stored: the export carries the whole conversation, and the two old columns.
    let exported = run.slam(&["sessions", "export", "1"]);
    let (stdout, stderr) = text(&exported);
    assert!(exported.status.success(), "{stderr}");
    let line: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let prompt = &line["prompt"];
    assert_eq!(prompt["system"], "Answer in one word.");
    assert_eq!(prompt["user"], "And Germany?");
    let conversation = &prompt["conversation"];
    assert_eq!(conversation["system"], "Answer in one word.");
    let mut sent = messages().as_array().unwrap().clone();
    sent.remove(0);
    assert_eq!(conversation["turns"], Value::Array(sent));
    assert_eq!(conversation["tools"], tools());
    assert_eq!(
        conversation["response_format"],
        json!({"type": "json_object"})
    );
    assert_eq!(line["text"], "Berlin.");

    // Read back: imported into another database and exported again, the prompt is the same.
    let file = run.path("export.jsonl");
    std::fs::write(&file, &stdout).unwrap();
    let other = run.path("other.db");
    let imported = run
        .sandbox
        .with_db(&other, &["sessions", "import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text(&imported).1);
    let again = run.sandbox.with_db(&other, &["sessions", "export", "1"]);
    let again: Value = serde_json::from_str(text(&again).0.lines().next().unwrap()).unwrap();
    assert_eq!(again["prompt"], line["prompt"]);
}

/// A plain prompt is exported as before: no `conversation` beside `system` and `user`.
#[test]
fn a_plain_prompt_is_exported_as_before() {
    let spec = "name = \"plain\"\ntemplate = \"Capital of France?\"\nwarmup = false\n\
                repetitions = 1\n[[input]]\nid = \"fr\"\n[[models]]\nname = \"api\"\n";
    let run = eval_against("Paris.", spec);
    assert_eq!(
        run.servers[0].bodies()[0]["messages"],
        json!([{"role": "user", "content": "Capital of France?"}])
    );
    let out = run.slam(&["sessions", "export", "1"]);
    let line: Value = serde_json::from_str(text(&out).0.lines().next().unwrap()).unwrap();
    assert_eq!(line["prompt"]["user"], "Capital of France?");
    assert!(line["prompt"].get("conversation").is_none(), "{line}");
}

/// The local model decodes the eval item's conversation exactly as SmolLM2's chat template
/// renders it (transformers' rendering of the same messages, written out by hand).
#[tokio::test]
async fn the_llama_backend_decodes_the_conversation_as_the_template_renders_it() {
    let config_text = format!(
        "[[models]]\nname = \"api\"\nbackend = \"llama\"\npath = \"{}\"\n",
        model_path(SMOLLM2).display()
    );
    let config = Config {
        source: None,
        file: slam::config::parse(&config_text, Path::new("test.toml")).unwrap(),
        discovered: Vec::new(),
    };
    // SmolLM2's template shows no tools: the rendering is the messages' alone.
    let spec = slam::eval::spec::EvalSpec::parse(SPEC, Path::new("spec.toml"), &config).unwrap();
    let model = &spec.models[0].model;
    let mut request = GenRequest::of(
        model.conversation(&spec.inputs[0].prompt),
        slam::domain::GenParams {
            temperature: 0.0,
            max_tokens: 4,
            ..Default::default()
        },
    );
    request.record_token_ids = true;
    let local = llama::load(&LlamaSpec {
        path: model_path(SMOLLM2),
        options: LlamaOptions {
            template: TemplateChoice::Auto,
            ..LlamaOptions::default()
        },
    })
    .unwrap();
    let mut stream = slam::engine::Backend::generate(&*local, request, CancellationToken::new());
    let mut rec = Recorder::default();
    while let Some(event) = stream.recv().await {
        rec.on_event(&event);
    }
    assert!(rec.error.is_none(), "{:?}", rec.error);
    let ids = rec.token_ids.clone().unwrap();
    let decoded = local.detokenize_special(ids.prompt).unwrap();
    assert_eq!(
        decoded,
        "<|im_start|>system\nAnswer in one word.<|im_end|>\n\
         <|im_start|>user\nWhat is the capital of France?<|im_end|>\n\
         <|im_start|>assistant\nParis.<|im_end|>\n\
         <|im_start|>user\nAnd Germany?<|im_end|>\n\
         <|im_start|>assistant\n"
    );
    // Decoded under the JSON-object grammar: whatever it wrote starts an object.
    assert!(rec.text.trim_start().starts_with('{'), "{:?}", rec.text);
}
