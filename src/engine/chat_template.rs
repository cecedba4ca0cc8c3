//! Chat templates: the GGUF's own `tokenizer.chat_template` (Jinja) rendered with minijinja
//! under Hugging Face's semantics, so the prompt is the one the model was trained on.

use minijinja::{Environment, Error, ErrorKind, Value, context};
use serde::{Deserialize, Serialize};

use crate::domain::ChatMessage;

/// How a model's prompt is built from chat messages (config key `template`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TemplateChoice {
    /// The GGUF's own template; llama.cpp's built-in detection if minijinja cannot render it;
    /// raw text if the model has none.
    #[default]
    Auto,
    /// No template: the messages' text is the prompt (base models).
    Raw,
    /// One of llama.cpp's built-in templates by name (`chatml`, `llama3`, `gemma`, …).
    Builtin(String),
}

impl From<String> for TemplateChoice {
    fn from(s: String) -> Self {
        match s.as_str() {
            "" | "auto" => TemplateChoice::Auto,
            "raw" => TemplateChoice::Raw,
            _ => TemplateChoice::Builtin(s),
        }
    }
}

impl From<TemplateChoice> for String {
    fn from(t: TemplateChoice) -> Self {
        match t {
            TemplateChoice::Auto => "auto".into(),
            TemplateChoice::Raw => "raw".into(),
            TemplateChoice::Builtin(name) => name,
        }
    }
}

/// A compiled Jinja chat template with the special tokens it may refer to.
pub struct JinjaTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

const NAME: &str = "chat";

impl JinjaTemplate {
    pub fn new(source: &str, bos_token: &str, eos_token: &str) -> Result<Self, Error> {
        let mut env = Environment::new();
        // transformers renders with trim_blocks and lstrip_blocks on.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", raise_exception);
        env.add_template_owned(NAME, source.to_owned())?;
        Ok(Self {
            env,
            bos_token: bos_token.to_owned(),
            eos_token: eos_token.to_owned(),
        })
    }

    pub fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, Error> {
        self.render_with(messages, add_generation_prompt, None)
    }

    /// Render with the thinking switch set: `enable_thinking`, the variable Qwen3-style
    /// templates read (a template without it ignores it); `None` leaves it undefined.
    pub fn render_with(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        enable_thinking: Option<bool>,
    ) -> Result<String, Error> {
        self.render_tools(messages, &[], add_generation_prompt, enable_thinking)
    }

    /// Render with tool definitions too (`tools`, left undefined when there are none, as
    /// transformers does); a message's `tool_calls` and `tool_call_id` reach the template.
    pub fn render_tools(
        &self,
        messages: &[ChatMessage],
        tools: &[serde_json::Value],
        add_generation_prompt: bool,
        enable_thinking: Option<bool>,
    ) -> Result<String, Error> {
        let messages: Vec<_> = messages
            .iter()
            .map(|m| {
                let base = context! { role => m.role.as_str(), content => m.content };
                let with_calls = match &m.tool_calls {
                    Some(calls) => context! { tool_calls => Value::from_serialize(calls), ..base },
                    None => base,
                };
                match &m.tool_call_id {
                    Some(id) => context! { tool_call_id => id, ..with_calls },
                    None => with_calls,
                }
            })
            .collect();
        let base = context! {
            messages,
            add_generation_prompt,
            bos_token => self.bos_token,
            eos_token => self.eos_token,
        };
        let base = match tools.is_empty() {
            true => base,
            false => context! { tools => Value::from_serialize(tools), ..base },
        };
        let ctx = match enable_thinking {
            Some(on) => context! { enable_thinking => on, ..base },
            None => base,
        };
        self.env.get_template(NAME)?.render(ctx)
    }
}

fn raise_exception(message: String) -> Result<String, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, message))
}

/// Prompt text for a model without a template: the system prompt, a blank line, the user text.
pub fn render_raw(messages: &[ChatMessage]) -> String {
    messages
        .iter()
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn tools_and_tool_turns_reach_the_template() {
        let t = JinjaTemplate::new(
            "{% for t in tools %}[{{ t.function.name }}]{% endfor %}\
             {% for m in messages %}{{ m.role }}:{{ m.content }}\
             {% if m.tool_calls %}{{ m.tool_calls[0].function.name }}{% endif %}\
             {% if m.tool_call_id %}#{{ m.tool_call_id }}{% endif %};{% endfor %}\
             {% if tools is not defined %}no tools{% endif %}",
            "",
            "",
        )
        .unwrap();
        let mut call = ChatMessage::new(Role::Assistant, "");
        call.tool_calls = Some(serde_json::json!([
            {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
        ]));
        let mut result = ChatMessage::new(Role::Tool, "Berlin");
        result.tool_call_id = Some("c1".into());
        let messages = [ChatMessage::new(Role::User, "capital?"), call, result];
        let tools = [serde_json::json!({"type": "function", "function": {"name": "lookup"}})];
        assert_eq!(
            t.render_tools(&messages, &tools, false, None).unwrap(),
            "[lookup]user:capital?;assistant:lookup;tool:Berlin#c1;"
        );
        assert_eq!(
            t.render_tools(&messages[..1], &[], false, None).unwrap(),
            "user:capital?;no tools"
        );
    }

    #[test]
    fn raise_exception_becomes_an_error() {
        let t = JinjaTemplate::new(
            "{% if messages[0].role != 'user' %}{{ raise_exception('user first') }}{% endif %}",
            "",
            "",
        )
        .unwrap();
        let err = t
            .render(&[ChatMessage::new(Role::System, "x")], true)
            .unwrap_err();
        assert!(err.to_string().contains("user first"));
    }

    #[test]
    fn bos_token_and_python_methods_are_available() {
        let t = JinjaTemplate::new(
            "{{ bos_token }}{% for m in messages %}{{ m['content'].strip() }}{% endfor %}",
            "<s>",
            "</s>",
        )
        .unwrap();
        let out = t
            .render(&[ChatMessage::new(Role::User, "  hi  ")], false)
            .unwrap();
        assert_eq!(out, "<s>hi");
    }

    #[test]
    fn the_thinking_switch_reaches_the_template() {
        // The end of Qwen3's template: thinking off writes an empty thinking block.
        let t = JinjaTemplate::new(
            "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}\
             {%- if enable_thinking is defined and enable_thinking is false %}\
             {{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}",
            "",
            "",
        )
        .unwrap();
        let hi = [ChatMessage::new(Role::User, "hi")];
        assert_eq!(t.render(&hi, true).unwrap(), "<|im_start|>assistant\n");
        assert_eq!(
            t.render_with(&hi, true, Some(false)).unwrap(),
            "<|im_start|>assistant\n<think>\n\n</think>\n\n"
        );
        assert_eq!(
            t.render_with(&hi, true, Some(true)).unwrap(),
            "<|im_start|>assistant\n"
        );
    }

    #[test]
    fn template_choice_parses() {
        assert_eq!(TemplateChoice::from("raw".to_string()), TemplateChoice::Raw);
        assert_eq!(
            TemplateChoice::from("auto".to_string()),
            TemplateChoice::Auto
        );
        assert_eq!(
            TemplateChoice::from("chatml".to_string()),
            TemplateChoice::Builtin("chatml".into())
        );
    }
}
