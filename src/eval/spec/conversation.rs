//! An input's conversation beyond its templated user message, from the input's own columns
//! (OpenAI's shapes, so a logged request's fields can be pasted in):
//! - `messages`: the turns before it (user, assistant, tool; a leading system message is the
//!   system prompt unless the spec sets one);
//! - `tools`, `tool_choice`, `response_format`: passed to the model as they are.
//!
//! In a CSV file each is a JSON string. `slam rate --prompts` lines take the same fields.

use serde_json::{Map, Value};

use crate::domain::{ChatMessage, Prompt, ResponseFormat, Role};

/// Fill `prompt` (the rendered system prompt and user message) from `vars`.
pub fn read(vars: &Map<String, Value>, prompt: &mut Prompt) -> Result<(), String> {
    if let Some(v) = field(vars, "messages")? {
        let earlier: Vec<ChatMessage> = serde_json::from_value(v).map_err(|e| {
            format!(
                "\"messages\": expected a list of {{\"role\": \"user\" | \"assistant\" | \
                 \"tool\" | \"system\", \"content\": \"…\"}}: {e}"
            )
        })?;
        let mut earlier = Prompt::from_messages(earlier);
        if let Some(at) = earlier.turns.iter().position(|t| t.role == Role::System) {
            let leading = usize::from(earlier.system.is_some());
            return Err(format!(
                "\"messages\": message {} is a system message; only the first may be",
                at + leading + 1
            ));
        }
        if prompt.system.is_none() {
            prompt.system = earlier.system.take();
        }
        earlier.turns.append(&mut prompt.turns);
        prompt.turns = earlier.turns;
    }
    if let Some(v) = field(vars, "tools")? {
        prompt.tools = match v {
            Value::Array(tools) if tools.iter().all(Value::is_object) => tools,
            _ => return Err("\"tools\": expected a list of tool definitions (objects)".into()),
        };
    }
    prompt.tool_choice = field(vars, "tool_choice")?;
    if let Some(v) = field(vars, "response_format")? {
        let format: ResponseFormat = serde_json::from_value(v).map_err(|e| {
            format!(
                "\"response_format\": expected {{\"type\": \"json_schema\", \"json_schema\": \
                 {{\"name\", \"schema\"}}}} or {{\"type\": \"json_object\"}}: {e}"
            )
        })?;
        prompt.response_format = Some(format);
    }
    Ok(())
}

/// A column as JSON: its value, or the JSON a string holds (a CSV cell).
fn field(vars: &Map<String, Value>, name: &str) -> Result<Option<Value>, String> {
    match vars.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| format!("{name:?}: not JSON: {e}")),
        Some(v) => Ok(Some(v.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn earlier_turns_come_before_the_templated_message() {
        let mut p = Prompt::new(None, "And Germany?");
        let v = vars(json!({"messages": [
            {"role": "system", "content": "Answer in one word."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."}
        ]}));
        read(&v, &mut p).unwrap();
        assert_eq!(p.system.as_deref(), Some("Answer in one word."));
        let roles: Vec<Role> = p.turns.iter().map(|t| t.role).collect();
        assert_eq!(roles, [Role::User, Role::Assistant, Role::User]);
        assert_eq!(p.user_text(), "And Germany?");
    }

    #[test]
    fn a_csv_cell_holds_json_and_bad_shapes_are_named() {
        let mut p = Prompt::user("q");
        let v = vars(json!({"tools": "[{\"type\": \"function\"}]", "response_format": ""}));
        read(&v, &mut p).unwrap();
        assert_eq!(p.tools, [json!({"type": "function"})]);
        assert_eq!(p.response_format, None);
        let err = read(&vars(json!({"messages": [{"role": "robot"}]})), &mut p).unwrap_err();
        assert!(err.starts_with("\"messages\": expected a list"), "{err}");
        let err = read(&vars(json!({"tools": "{"})), &mut p).unwrap_err();
        assert!(err.starts_with("\"tools\": not JSON"), "{err}");
        let err = read(
            &vars(json!({"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]})),
            &mut Prompt::user("q"),
        )
        .unwrap_err();
        assert!(err.contains("message 2 is a system message"), "{err}");
    }
}
