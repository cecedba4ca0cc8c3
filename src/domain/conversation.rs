//! What a model is asked: a conversation. One type from every front end (the TUI's editor, a
//! prompt file, an eval item, an import) through the store to both backends.
//!
//! Tools and the response format travel as OpenAI's chat-completions API spells them, so a
//! server gets them unchanged and a stored conversation reads like the request it was.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// A tool's result, answering an assistant turn's call (`tool_call_id`).
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One turn. The optional fields are OpenAI's, passed through as given: an assistant turn's
/// `tool_calls`, a tool turn's `tool_call_id`. Absent ones are not serialized, so a plain
/// message reads (and hashes) as `{"role", "content"}`, as it always did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: None,
            tool_call_id: None,
        }
    }

    /// The message as the chat-completions API takes it.
    pub fn to_openai(&self) -> Value {
        let mut m = serde_json::json!({ "role": self.role.as_str(), "content": self.content });
        if let Some(calls) = &self.tool_calls {
            m["tool_calls"] = calls.clone();
        }
        if let Some(id) = &self.tool_call_id {
            m["tool_call_id"] = Value::String(id.clone());
        }
        m
    }
}

/// The shape the answer must take (OpenAI's `response_format`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseFormat {
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON of a schema: a local model decodes under a grammar made from it.
    JsonSchema {
        json_schema: JsonSchemaFormat,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSchemaFormat {
    pub name: String,
    pub schema: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

impl ResponseFormat {
    /// A strict JSON schema named `name`.
    pub fn json_schema(name: &str, schema: Value) -> Self {
        ResponseFormat::JsonSchema {
            json_schema: JsonSchemaFormat {
                name: name.to_owned(),
                schema,
                strict: Some(true),
            },
        }
    }
}

/// A conversation so far: an optional system prompt, the turns (the last one the user's or a
/// tool's, to be answered), the tools the model may call and the shape its answer must take.
/// The common case, one user message, is `Prompt::user`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub turns: Vec<ChatMessage>,
    /// Tool definitions, as OpenAI's `tools` (passed through unchanged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
}

impl Prompt {
    /// One user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(None, text)
    }

    /// An optional system prompt and one user message.
    pub fn new(system: Option<String>, user: impl Into<String>) -> Self {
        Self {
            system,
            turns: vec![ChatMessage::new(Role::User, user)],
            ..Self::default()
        }
    }

    /// From chat messages as a request lists them: a leading system message is the system
    /// prompt, the rest are the turns.
    pub fn from_messages(mut messages: Vec<ChatMessage>) -> Self {
        let system = match messages.first() {
            Some(m) if m.role == Role::System && m.tool_calls.is_none() => {
                Some(messages.remove(0).content)
            }
            _ => None,
        };
        Self {
            system,
            turns: messages,
            ..Self::default()
        }
    }

    /// The text of the last user turn: what a one-line view, a title or an old reader shows.
    pub fn user_text(&self) -> &str {
        self.turns
            .iter()
            .rev()
            .find(|t| t.role == Role::User)
            .map_or("", |t| t.content.as_str())
    }

    /// The last user turn's text to edit in place (one is added to a conversation without).
    pub fn user_text_mut(&mut self) -> &mut String {
        let at = match self.turns.iter().rposition(|t| t.role == Role::User) {
            Some(at) => at,
            None => {
                self.turns.push(ChatMessage::new(Role::User, ""));
                self.turns.len() - 1
            }
        };
        &mut self.turns[at].content
    }

    /// The chat messages, system prompt first.
    pub fn messages(&self) -> Vec<ChatMessage> {
        let mut messages = Vec::with_capacity(self.turns.len() + 1);
        if let Some(system) = &self.system {
            messages.push(ChatMessage::new(Role::System, system.clone()));
        }
        messages.extend(self.turns.iter().cloned());
        messages
    }

    /// One user message, no tools and no response format: the system and user strings say it
    /// all (and old readers, old exports and the store's two columns hold it whole).
    pub fn is_plain(&self) -> bool {
        matches!(self.turns.as_slice(), [t] if t.role == Role::User && t.tool_calls.is_none() && t.tool_call_id.is_none())
            && self.tools.is_empty()
            && self.tool_choice.is_none()
            && self.response_format.is_none()
    }

    /// The same conversation with `system` as its system prompt when it has none.
    pub fn with_default_system(mut self, system: Option<&String>) -> Self {
        if self.system.is_none() {
            self.system = system.cloned();
        }
        self
    }

    /// What identifies the conversation's content for caching and cell identity: its
    /// messages, and, when present, its tools and response format. A plain one is its
    /// messages alone, as it was before conversations.
    pub fn identity(&self) -> Value {
        let messages = serde_json::json!(self.messages());
        if self.tools.is_empty() && self.tool_choice.is_none() && self.response_format.is_none() {
            return messages;
        }
        serde_json::json!({
            "messages": messages,
            "tools": self.tools,
            "tool_choice": self.tool_choice,
            "response_format": self.response_format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_put_system_first_and_keep_every_turn() {
        let mut p = Prompt::new(Some("be brief".into()), "hi");
        let m = p.messages();
        assert_eq!(m[0].role, Role::System);
        assert_eq!(m[1].content, "hi");
        assert!(p.is_plain());
        p.turns.push(ChatMessage::new(Role::Assistant, "hello"));
        p.turns.push(ChatMessage::new(Role::User, "and then?"));
        assert!(!p.is_plain());
        assert_eq!(p.user_text(), "and then?");
        assert_eq!(p.messages().len(), 4);
    }

    #[test]
    fn a_plain_message_serializes_as_before() {
        let m = ChatMessage::new(Role::User, "hi");
        assert_eq!(json!(m), json!({"role": "user", "content": "hi"}));
        let back: ChatMessage = serde_json::from_value(json!({"role": "user", "content": "hi"}))
            .expect("a plain message reads");
        assert_eq!(back, m);
    }

    #[test]
    fn from_messages_takes_a_leading_system_message_as_the_system_prompt() {
        let p = Prompt::from_messages(vec![
            ChatMessage::new(Role::System, "s"),
            ChatMessage::new(Role::User, "u"),
        ]);
        assert_eq!(p, Prompt::new(Some("s".into()), "u"));
        assert_eq!(
            p.messages(),
            vec![
                ChatMessage::new(Role::System, "s"),
                ChatMessage::new(Role::User, "u")
            ]
        );
    }

    #[test]
    fn the_response_format_reads_and_writes_as_openai_spells_it() {
        let f = ResponseFormat::json_schema("answer", json!({"type": "object"}));
        let v = json!({"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": true}});
        assert_eq!(json!(f), v);
        assert_eq!(serde_json::from_value::<ResponseFormat>(v).ok(), Some(f));
        let o: ResponseFormat = serde_json::from_value(json!({"type": "json_object"})).unwrap();
        assert_eq!(o, ResponseFormat::JsonObject);
    }

    #[test]
    fn a_plain_prompts_identity_is_its_messages_alone() {
        let p = Prompt::new(Some("s".into()), "u");
        assert_eq!(
            p.identity(),
            json!([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}])
        );
        let mut t = p.clone();
        t.tools = vec![json!({"type": "function", "function": {"name": "f"}})];
        assert_ne!(t.identity(), p.identity());
    }
}
