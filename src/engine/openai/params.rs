//! The request body a model is sent, and every parameter that was not sent as asked.
//!
//! Two sources of changes, both recorded (`ParamChange`), never silent: the model's
//! capabilities before sending (a reasoning model on the OpenAI API takes no sampling
//! parameters), and a server's 400 naming a parameter (`unsupported_parameter` /
//! `unsupported_value`, as OpenAI answers), after which the request is sent again once without
//! it and the change is remembered for the rest of the run.

use serde_json::{Value, json};

use super::OpenAiOptions;
use crate::domain::ParamChange;
use crate::engine::backend::GenRequest;

/// The body for `request`, and the parameters the capabilities left out.
pub fn request_body(opts: &OpenAiOptions, request: &GenRequest) -> (Value, Vec<ParamChange>) {
    let caps = &opts.caps;
    let p = &request.params;
    let conversation = &request.prompt;
    let messages: Vec<Value> = request.messages().iter().map(|m| m.to_openai()).collect();
    let mut body = json!({
        "model": opts.model,
        "messages": messages,
        "stream": true,
        "stream_options": { "include_usage": true },
        "temperature": p.temperature,
        "top_p": p.top_p,
    });
    body[caps.token_limit_field.as_str()] = json!(p.max_tokens);
    if let Some(seed) = p.seed {
        body["seed"] = json!(seed);
    }
    if !p.stop.is_empty() {
        body["stop"] = json!(p.stop);
    }
    if let Some(effort) = &p.reasoning_effort {
        body["reasoning_effort"] = json!(effort);
    }
    // Tools and OpenAI's structured outputs, as the conversation holds them (vLLM, SGLang,
    // llama-server and Ollama take them too).
    if !conversation.tools.is_empty() {
        body["tools"] = json!(conversation.tools);
    }
    if let Some(choice) = &conversation.tool_choice {
        body["tool_choice"] = choice.clone();
    }
    if let Some(format) = &conversation.response_format {
        body["response_format"] = json!(format);
    }
    let mut changes = Vec::new();
    if caps.strict_openai {
        if p.thinking.is_some() {
            changes.push(ParamChange {
                param: "thinking".into(),
                replaced_by: None,
                reason: "the OpenAI API has no thinking switch; reasoning_effort sets how much a \
                         reasoning model thinks"
                    .into(),
                learned: false,
                rejected_value: None,
            });
        }
        let effort = p.reasoning_effort.as_ref().or(caps.default_effort.as_ref());
        let samples = caps.samples_without_effort && effort.is_some_and(|e| e == "none");
        if caps.reasoning && !samples {
            for param in ["temperature", "top_p"] {
                leave_out(
                    &mut body,
                    &mut changes,
                    param,
                    format!(
                        "{} is a reasoning model ({}): the OpenAI API takes only its default",
                        opts.model, caps.source
                    ),
                );
            }
        }
    } else {
        // Open servers (llama.cpp, vLLM, Ollama, SGLang) take llama.cpp's sampling parameters
        // and pass template variables through.
        body["top_k"] = json!(p.top_k);
        body["min_p"] = json!(p.min_p);
        body["repeat_penalty"] = json!(p.repeat_penalty);
        if let Some(on) = p.thinking {
            body["chat_template_kwargs"] = json!({ "enable_thinking": on });
        }
    }
    for param in &caps.unsupported {
        leave_out(
            &mut body,
            &mut changes,
            param,
            "listed in the model's unsupported_params (config)".into(),
        );
    }
    (body, changes)
}

fn leave_out(body: &mut Value, changes: &mut Vec<ParamChange>, param: &str, reason: String) {
    if let Some(map) = body.as_object_mut()
        && map.remove(param).is_some()
    {
        changes.push(ParamChange {
            param: param.to_owned(),
            replaced_by: None,
            reason,
            learned: false,
            rejected_value: None,
        });
    }
}

/// Apply a change to a body: rename the parameter, or leave it out. False when the body does
/// not hold the parameter (nothing to change).
pub fn apply(body: &mut Value, change: &ParamChange) -> bool {
    let Some(map) = body.as_object_mut() else {
        return false;
    };
    let refused_here = match (&change.rejected_value, map.get(&change.param)) {
        (_, None) => false,
        (Some(refused), Some(value)) => refused == value,
        (None, Some(_)) => true,
    };
    let target_free = change
        .replaced_by
        .as_ref()
        .is_none_or(|to| !map.contains_key(to));
    if !refused_here || !target_free {
        return false;
    }
    let Some(value) = map.remove(&change.param) else {
        return false;
    };
    if let Some(to) = &change.replaced_by {
        map.insert(to.clone(), value);
    }
    true
}

/// At most this many parameters are adapted for one request: a server that keeps naming new
/// replacements is answered with its error, not followed forever.
pub const MAX_ADAPTATIONS: usize = 4;

/// What a 400 body asks to change, when it names a parameter the body holds and that was not
/// changed yet in this request (`tried`): OpenAI's `unsupported_parameter` (sent as the
/// parameter its message names — "Use 'max_completion_tokens' instead." — or left out) and
/// `unsupported_value` (left out, so the model's default applies).
pub fn change_from_rejection(text: &str, body: &Value, tried: &[String]) -> Option<ParamChange> {
    let parsed: Value = serde_json::from_str(text).ok()?;
    let error = parsed.get("error")?;
    let code = error.get("code")?.as_str()?;
    let param = error.get("param")?.as_str()?;
    let message = error.get("message").and_then(Value::as_str).unwrap_or(code);
    if body.get(param).is_none()
        || tried.iter().any(|t| t == param)
        || tried.len() >= MAX_ADAPTATIONS
    {
        return None;
    }
    let (replaced_by, rejected_value) = match code {
        "unsupported_parameter" => (
            named_replacement(message)
                .filter(|to| to != param && body.get(to.as_str()).is_none() && !tried.contains(to)),
            None,
        ),
        "unsupported_value" => (None, body.get(param).cloned()),
        _ => return None,
    };
    // The server's words, shortened as every server message is.
    let mut message: String = message.chars().take(300).collect();
    if message.len()
        < error
            .get("message")
            .and_then(Value::as_str)
            .map_or(0, str::len)
    {
        message.push('…');
    }
    Some(ParamChange {
        param: param.to_owned(),
        replaced_by,
        reason: format!("the server answered 400 {code}: {message}"),
        learned: true,
        rejected_value,
    })
}

/// `'max_completion_tokens'` out of "… Use 'max_completion_tokens' instead."
fn named_replacement(message: &str) -> Option<String> {
    let rest = &message[message.find("Use '")? + 5..];
    let name = &rest[..rest.find('\'')?];
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    valid.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GenParams, Prompt};
    use crate::engine::openai::Capabilities;

    fn request(params: GenParams) -> GenRequest {
        GenRequest::of(Prompt::user("hi"), params)
    }

    fn gpt5(strict: bool) -> OpenAiOptions {
        OpenAiOptions {
            model: "gpt-5.2".into(),
            caps: Capabilities {
                reasoning: true,
                token_limit_field: "max_completion_tokens".into(),
                strict_openai: strict,
                samples_without_effort: true,
                default_effort: Some("none".into()),
                unsupported: Vec::new(),
                source: "litellm 1.110.2".into(),
            },
            ..OpenAiOptions::default()
        }
    }

    #[test]
    fn a_reasoning_model_on_the_openai_api_gets_no_sampling_parameters() {
        let params = GenParams {
            reasoning_effort: Some("low".into()),
            max_tokens: 50,
            ..GenParams::default()
        };
        let (body, changes) = request_body(&gpt5(true), &request(params));
        assert_eq!(body["max_completion_tokens"], 50);
        assert!(body.get("max_tokens").is_none());
        assert!(body.get("temperature").is_none() && body.get("top_p").is_none());
        assert!(
            body.get("top_k").is_none(),
            "OpenAI takes no llama.cpp parameters"
        );
        assert_eq!(body["reasoning_effort"], "low");
        let left: Vec<_> = changes.iter().map(|c| c.param.as_str()).collect();
        assert_eq!(left, ["temperature", "top_p"]);
        assert!(changes[0].reason.contains("litellm 1.110.2") && !changes[0].learned);
    }

    #[test]
    fn effort_none_samples_and_open_servers_get_their_parameters() {
        // gpt-5.1 and later default to effort "none", where temperature is accepted.
        let (body, changes) = request_body(&gpt5(true), &request(GenParams::default()));
        assert!(body.get("temperature").is_some() && changes.is_empty());
        let open = OpenAiOptions {
            caps: Capabilities::default(),
            ..gpt5(false)
        };
        let params = GenParams {
            thinking: Some(false),
            ..GenParams::default()
        };
        let (body, changes) = request_body(&open, &request(params));
        assert_eq!(body["max_tokens"], 256);
        assert_eq!(body["chat_template_kwargs"]["enable_thinking"], false);
        assert!(body.get("top_k").is_some() && changes.is_empty());
    }

    #[test]
    fn openai_rejections_become_changes() {
        let body = json!({"max_tokens": 5, "temperature": 0.0});
        // The bodies OpenAI sends for gpt-5.x / o-series.
        let max_tokens = r#"{"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}"#;
        let c = change_from_rejection(max_tokens, &body, &[]).unwrap();
        assert_eq!(
            (c.param.as_str(), c.replaced_by.as_deref(), c.learned),
            ("max_tokens", Some("max_completion_tokens"), true)
        );
        let temperature = r#"{"error": {"message": "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.", "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}}"#;
        let c = change_from_rejection(temperature, &body, &[]).unwrap();
        assert_eq!(
            (c.param.as_str(), c.replaced_by.as_deref()),
            ("temperature", None)
        );
        assert!(c.reason.contains("Only the default (1)"));
        let mut adapted = body.clone();
        assert!(apply(&mut adapted, &c));
        assert_eq!(adapted, json!({"max_tokens": 5}));
        // A refused value is left out only when that same value would be sent again.
        let mut other = json!({"temperature": 1.0});
        assert!(!apply(&mut other, &c));
        assert_eq!(other, json!({"temperature": 1.0}));
        // A rename never overwrites a parameter the body already has.
        let rename = change_from_rejection(max_tokens, &body, &[]).unwrap();
        let mut both = json!({"max_tokens": 5, "max_completion_tokens": 9});
        assert!(!apply(&mut both, &rename));
        // A server that keeps asking for changes is followed a few times only.
        let tried: Vec<String> = (0..MAX_ADAPTATIONS).map(|i| format!("p{i}")).collect();
        assert_eq!(change_from_rejection(temperature, &body, &tried), None);
        // Once per parameter; a parameter not in the body, or another error, changes nothing.
        assert_eq!(
            change_from_rejection(temperature, &body, &["temperature".into()]),
            None
        );
        assert_eq!(change_from_rejection(temperature, &json!({}), &[]), None);
        assert_eq!(
            change_from_rejection(
                r#"{"error":{"message":"bad","code":"invalid_value","param":"temperature"}}"#,
                &body,
                &[]
            ),
            None
        );
        assert_eq!(change_from_rejection("not json", &body, &[]), None);
    }
}
