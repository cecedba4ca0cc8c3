//! Today's models over the wire. OpenAI's API for a reasoning model (gpt-5.x, o-series) answers
//! 400 to `max_tokens` and to a temperature other than 1, and only counts the thinking; open
//! servers stream the thinking as `reasoning_content` (vLLM, llama-server, SGLang) or `reasoning`
//! (Ollama). No server reachable offline does either, so a real TCP server copies their bodies
//! and headers here.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::fake_server::{FakeServer, Step, sse_data};
use common::{Sandbox, text};
use serde_json::{Value, json};

/// The headers OpenAI sends with a JSON error and with a stream.
const JSON_HEAD: &str = "Content-Type: application/json\r\nx-request-id: req_7f3a9c\r\n\
                         openai-processing-ms: 12\r\nopenai-version: 2020-10-01";
const SSE_HEAD: &str = "Content-Type: text/event-stream; charset=utf-8\r\n\
                        x-request-id: req_7f3a9d\r\nopenai-processing-ms: 310\r\n\
                        openai-version: 2020-10-01";

fn http(status: &str, head: &str, body: &str) -> Step {
    let length = if body.is_empty() {
        String::new()
    } else {
        format!("Content-Length: {}\r\n", body.len())
    };
    Step::Send(
        format!("HTTP/1.1 {status}\r\n{head}\r\n{length}Connection: close\r\n\r\n{body}")
            .into_bytes(),
    )
}

/// OpenAI's 400 for a parameter a reasoning model does not take.
fn rejected(param: &str, code: &str, message: &str) -> Vec<Step> {
    let body = json!({"error": {"message": message, "type": "invalid_request_error",
                                "param": param, "code": code}});
    vec![http("400 Bad Request", JSON_HEAD, &body.to_string())]
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1764400000,
           "model": "gpt-5.2-2025-12-11", "service_tier": "default", "system_fingerprint": null,
           "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
           "usage": null})
    .to_string()
}

/// The stream of a reasoning model on OpenAI's API: nothing while it thinks (`think`), then
/// the answer, then usage that counts `reasoning` hidden thinking tokens.
fn openai_answer(think: Duration, words: &[&str], reasoning: u32) -> Vec<Step> {
    let mut steps = vec![
        http("200 OK", SSE_HEAD, ""),
        sse_data(&chunk(
            json!({"role": "assistant", "content": "", "refusal": null}),
            None,
        )),
        Step::Sleep(think),
    ];
    for w in words {
        steps.push(sse_data(&chunk(json!({"content": w}), None)));
    }
    steps.push(sse_data(&chunk(json!({}), Some("stop"))));
    let completion = reasoning + words.len() as u32;
    steps.push(sse_data(
        &json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
                "usage": {"prompt_tokens": 11, "completion_tokens": completion,
                          "total_tokens": 11 + completion,
                          "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": reasoning,
                              "audio_tokens": 0, "accepted_prediction_tokens": 0,
                              "rejected_prediction_tokens": 0}}})
        .to_string(),
    ));
    steps.push(sse_data("[DONE]"));
    steps
}

const MAX_TOKENS_MESSAGE: &str = "Unsupported parameter: 'max_tokens' is not supported with this \
                                  model. Use 'max_completion_tokens' instead.";
const TEMPERATURE_MESSAGE: &str = "Unsupported value: 'temperature' does not support 0 with this \
                                   model. Only the default (1) value is supported.";

/// A server that checks a request as OpenAI does for gpt-5.x.
fn openai_reasoning_server(think: Duration) -> FakeServer {
    FakeServer::answering(Arc::new(move |body: &Value| {
        if body.get("max_tokens").is_some() {
            return rejected("max_tokens", "unsupported_parameter", MAX_TOKENS_MESSAGE);
        }
        if body
            .get("temperature")
            .is_some_and(|t| t.as_f64() != Some(1.0))
        {
            return rejected("temperature", "unsupported_value", TEMPERATURE_MESSAGE);
        }
        openai_answer(think, &["Paris", " is", " the", " capital."], 24)
    }))
}

fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

fn joined(events: &[Value], kind: &str) -> String {
    of_kind(events, kind)
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default())
        .collect()
}

/// `slam compare --json -m remote` with a config naming `remote`; the events.
fn compare(config: &str, args: &[&str]) -> Vec<Value> {
    let sandbox = Sandbox::new();
    let path = sandbox.dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let out = sandbox
        .slam()
        .arg("--config")
        .arg(&path)
        .args(["compare", "--json", "-m", "remote"])
        .args(args)
        .arg("What is the capital of France?")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!stderr.contains("panicked"), "{stderr}");
    events(&stdout)
}

fn remote(base_url: &str, model: &str, extra: &str) -> String {
    format!(
        "[[models]]\nname = \"remote\"\nbackend = \"openai\"\nbase_url = \"{base_url}\"\n\
         model = \"{model}\"\n{extra}\n"
    )
}

#[test]
fn rejected_parameters_are_retried_once_each_and_recorded() {
    let think = Duration::from_millis(300);
    let fake = openai_reasoning_server(think);
    // Behind a URL that is not api.openai.com slam sends what open servers take.
    let ev = compare(
        &remote(&fake.base_url(), "gpt-5.2", ""),
        &["--temperature", "0", "--max-tokens", "40"],
    );
    let bodies = fake.bodies();
    assert_eq!(
        bodies.len(),
        3,
        "one retry per rejected parameter: {bodies:?}"
    );
    assert_eq!(bodies[0]["max_tokens"], 40);
    assert_eq!(bodies[0]["temperature"], 0.0);
    assert!(bodies[1].get("max_tokens").is_none());
    assert_eq!(bodies[1]["max_completion_tokens"], 40);
    assert_eq!(bodies[1]["temperature"], 0.0);
    assert!(bodies[2].get("temperature").is_none());
    assert_eq!(bodies[2]["max_completion_tokens"], 40);
    // Nothing else was dropped on the way.
    assert_eq!(bodies[2]["messages"], bodies[0]["messages"]);
    assert_eq!(bodies[2]["top_p"], bodies[0]["top_p"]);

    let adapted = of_kind(&ev, "adapted");
    assert_eq!(adapted.len(), 2, "{ev:?}");
    let first = &adapted[0]["change"];
    assert_eq!(first["param"], "max_tokens");
    assert_eq!(first["replaced_by"], "max_completion_tokens");
    assert_eq!(first["learned"], true);
    assert!(
        first["reason"]
            .as_str()
            .unwrap()
            .contains("unsupported_parameter")
    );
    let second = &adapted[1]["change"];
    assert_eq!(second["param"], "temperature");
    assert!(second.get("replaced_by").is_none());
    assert!(
        second["reason"]
            .as_str()
            .unwrap()
            .contains("Only the default (1)")
    );

    assert_eq!(joined(&ev, "delta"), "Paris is the capital.");
    let done = of_kind(&ev, "finished")[0];
    assert_eq!(done["usage"]["reasoning_tokens"], 24);
    assert_eq!(done["usage"]["completion_tokens"], 28);
    let m = &done["metrics"];
    // Hidden thinking: counted, not streamed; the answer's first token after the thinking.
    assert_eq!(m["thinking_tokens"], 24);
    assert_eq!(m["thinking_hidden"], true);
    assert!(m.get("first_token_ms").is_none());
    let ttft = m["ttft_ms"].as_f64().unwrap();
    assert!((300.0..300.0 + 2000.0).contains(&ttft), "TTFT {ttft}");
}

#[test]
fn the_openai_api_rules_apply_before_sending() {
    let fake = openai_reasoning_server(Duration::from_millis(50));
    // A proxy in front of OpenAI: its rules, from the bundled model table.
    let ev = compare(
        &remote(&fake.base_url(), "gpt-5.2", "strict_openai = true"),
        &[
            "--temperature",
            "0",
            "--max-tokens",
            "40",
            "--reasoning-effort",
            "low",
        ],
    );
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 1, "no rejection: {bodies:?}");
    let body = &bodies[0];
    assert_eq!(body["max_completion_tokens"], 40);
    assert_eq!(body["reasoning_effort"], "low");
    for absent in ["max_tokens", "temperature", "top_p", "top_k", "min_p"] {
        assert!(body.get(absent).is_none(), "{absent} sent: {body}");
    }
    let adapted = of_kind(&ev, "adapted");
    let params: Vec<_> = adapted.iter().map(|a| &a["change"]["param"]).collect();
    assert_eq!(params, ["temperature", "top_p"]);
    assert_eq!(adapted[0]["change"]["learned"], false);
    assert!(
        adapted[0]["change"]["reason"]
            .as_str()
            .unwrap()
            .contains("litellm 1.110.2"),
        "{adapted:?}"
    );
    assert_eq!(joined(&ev, "delta"), "Paris is the capital.");
}

/// An open server streaming a thinking model: `field` deltas for `thinking` after `to_think`,
/// then the answer after `to_answer`; no usage (counts are estimated from the chunks).
fn thinking_server(field: &'static str, to_think: Duration, to_answer: Duration) -> FakeServer {
    FakeServer::answering(Arc::new(move |_| {
        let delta = |key: &str, text: &str| {
            let mut d = json!({"content": null});
            d[key] = json!(text);
            sse_data(&chunk(d, None))
        };
        let mut steps = vec![http("200 OK", "Content-Type: text/event-stream", "")];
        steps.push(sse_data(&chunk(
            json!({"role": "assistant", "content": ""}),
            None,
        )));
        steps.push(Step::Sleep(to_think));
        for t in ["Okay, ", "the user ", "asks about ", "France."] {
            steps.push(delta(field, t));
        }
        steps.push(Step::Sleep(to_answer));
        for a in ["It is ", "Paris."] {
            steps.push(delta("content", a));
        }
        steps.push(sse_data(&chunk(json!({}), Some("stop"))));
        steps.push(sse_data("[DONE]"));
        steps
    }))
}

fn thinking_then_answer(field: &'static str) {
    let (to_think, to_answer) = (Duration::from_millis(200), Duration::from_millis(400));
    let fake = thinking_server(field, to_think, to_answer);
    let ev = compare(
        &remote(&fake.base_url(), "qwen3-8b", ""),
        &["--max-tokens", "64", "--thinking", "on"],
    );
    assert_eq!(
        fake.bodies()[0]["chat_template_kwargs"]["enable_thinking"],
        true
    );
    assert_eq!(joined(&ev, "thinking"), "Okay, the user asks about France.");
    assert_eq!(joined(&ev, "delta"), "It is Paris.");
    let done = of_kind(&ev, "finished")[0];
    assert_eq!(done["usage"]["estimated"], true);
    assert_eq!(done["usage"]["reasoning_tokens"], 4);
    let m = &done["metrics"];
    let first = m["first_token_ms"].as_f64().unwrap();
    let ttft = m["ttft_ms"].as_f64().unwrap();
    let answer_at = (to_think + to_answer).as_secs_f64() * 1000.0;
    // Each at least its scripted delay, within a generous margin above it.
    assert!(
        (200.0..200.0 + 1500.0).contains(&first),
        "first token {first}"
    );
    assert!(
        (answer_at..answer_at + 1500.0).contains(&ttft),
        "TTFT {ttft}"
    );
    assert_eq!(
        (m["thinking_tokens"].clone(), m["output_tokens"].clone()),
        (json!(4), json!(6))
    );
    assert_eq!(m["thinking_estimated"], true);
    assert!(m.get("thinking_hidden").is_none());
}

#[test]
fn reasoning_content_is_thinking_apart_from_the_answer() {
    thinking_then_answer("reasoning_content");
}

#[test]
fn reasoning_field_is_thinking_apart_from_the_answer() {
    thinking_then_answer("reasoning");
}

/// What a server taught one request holds for the model's next requests in the same run.
#[tokio::test]
async fn an_adaptation_is_remembered_for_the_rest_of_the_run() {
    use slam::app::factory::{LoadOverrides, Models};
    use slam::app::run::{RunEvent, run_model};
    use slam::domain::generation::GenEvent;
    use slam::domain::{GenParamsPatch, Prompt};
    use tokio_util::sync::CancellationToken;

    let fake = openai_reasoning_server(Duration::from_millis(10));
    let config = slam::config::Config {
        source: None,
        file: slam::config::parse(
            &remote(&fake.base_url(), "gpt-5.2", ""),
            std::path::Path::new("test.toml"),
        )
        .unwrap(),
        discovered: Vec::new(),
    };
    let patch = GenParamsPatch {
        temperature: Some(0.0),
        ..GenParamsPatch::default()
    };
    let model = config.resolve("remote", &patch).unwrap();
    let factory = Arc::new(Models::new(LoadOverrides::default()));
    let mut learned_per_run = Vec::new();
    for _ in 0..2 {
        let mut stream = run_model(
            factory.clone(),
            model.clone(),
            &Prompt::user("Hi"),
            slam::app::Limits::default(),
            &CancellationToken::new(),
        );
        let mut changes = Vec::new();
        while let Some(event) = stream.recv().await {
            match event {
                RunEvent::Gen(GenEvent::Adapted { change, .. }) => changes.push(change),
                RunEvent::Gen(e) if e.is_terminal() => {
                    assert!(matches!(e, GenEvent::Finished { .. }), "{e:?}");
                    break;
                }
                _ => {}
            }
        }
        learned_per_run.push(changes);
    }
    assert_eq!(
        fake.bodies().len(),
        4,
        "3 for the first run, 1 for the second"
    );
    let params = |run: usize| -> Vec<String> {
        learned_per_run[run]
            .iter()
            .map(|c| c.param.clone())
            .collect()
    };
    assert_eq!(params(0), ["max_tokens", "temperature"]);
    assert_eq!(params(1), ["max_tokens", "temperature"], "recorded again");
    assert!(learned_per_run[1].iter().all(|c| c.learned));
}
