//! Turning chat messages into the prompt text a model was trained on.

use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};

use crate::domain::Prompt;
use crate::engine::EngineError;
use crate::engine::chat_template::{JinjaTemplate, TemplateChoice, render_raw};

pub enum PromptFormat {
    Jinja(Box<JinjaTemplate>),
    Builtin {
        template: LlamaChatTemplate,
        label: String,
    },
    Raw,
}

/// The prompt text and whether special-token text in it (like `<|im_start|>`) is to be parsed
/// as special tokens — true for templates, false for raw user text.
pub struct RenderedPrompt {
    pub text: String,
    pub parse_special: bool,
}

impl PromptFormat {
    pub fn choose(
        model: &LlamaModel,
        choice: &TemplateChoice,
        gguf_template: Option<&str>,
        bos: &str,
        eos: &str,
    ) -> Result<Self, EngineError> {
        match choice {
            TemplateChoice::Raw => Ok(PromptFormat::Raw),
            TemplateChoice::Builtin(name) => {
                let template = LlamaChatTemplate::new(name).map_err(|e| EngineError::Template {
                    reason: format!("template name {name:?}: {e}"),
                })?;
                Ok(PromptFormat::Builtin {
                    template,
                    label: format!("llama.cpp:{name}"),
                })
            }
            TemplateChoice::Auto => match gguf_template {
                None => Ok(PromptFormat::Raw),
                Some(source) => match JinjaTemplate::new(source, bos, eos) {
                    Ok(t) => Ok(PromptFormat::Jinja(Box::new(t))),
                    Err(e) => {
                        tracing::warn!(error = %e, "minijinja cannot compile the GGUF chat template; using llama.cpp's built-in detection");
                        let template =
                            model
                                .chat_template(None)
                                .map_err(|e| EngineError::Template {
                                    reason: e.to_string(),
                                })?;
                        Ok(PromptFormat::Builtin {
                            template,
                            label: "llama.cpp:auto".into(),
                        })
                    }
                },
            },
        }
    }

    pub fn label(&self) -> String {
        match self {
            PromptFormat::Jinja(_) => "gguf-jinja".into(),
            PromptFormat::Builtin { label, .. } => label.clone(),
            PromptFormat::Raw => "raw".into(),
        }
    }

    /// The prompt text; `thinking` sets a Jinja template's `enable_thinking` (llama.cpp's
    /// built-in templates have no such switch). A Jinja template gets the conversation's tools
    /// as `tools`, as transformers passes them; the others cannot show tools and refuse them.
    pub fn render(
        &self,
        model: &LlamaModel,
        prompt: &Prompt,
        thinking: Option<bool>,
    ) -> Result<RenderedPrompt, EngineError> {
        let template_error = |reason: String| EngineError::Template { reason };
        let messages = &prompt.messages();
        if !prompt.tools.is_empty() && !matches!(self, PromptFormat::Jinja(_)) {
            return Err(template_error(format!(
                "the request has tools, and the {} prompt format cannot show them to the model \
                 (a GGUF chat template can)",
                self.label()
            )));
        }
        match self {
            PromptFormat::Raw => Ok(RenderedPrompt {
                text: render_raw(messages),
                parse_special: false,
            }),
            PromptFormat::Jinja(t) => Ok(RenderedPrompt {
                text: t
                    .render_tools(messages, &prompt.tools, true, thinking)
                    .map_err(|e| template_error(e.to_string()))?,
                parse_special: true,
            }),
            PromptFormat::Builtin { template, .. } => {
                let chat = messages
                    .iter()
                    .map(|m| LlamaChatMessage::new(m.role.as_str().into(), m.content.clone()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| template_error(e.to_string()))?;
                let text = model
                    .apply_chat_template(template, &chat, true)
                    .map_err(|e| template_error(e.to_string()))?;
                Ok(RenderedPrompt {
                    text,
                    parse_special: true,
                })
            }
        }
    }
}
