//! A cell is one (input, model, repetition[, sweep level]) of an evaluation. It is identified
//! by what produced it: the rendered prompt, the parameters (the repetition's seed included)
//! and the model (its GGUF's sha256, or server and model id). A stored cell whose identity
//! still matches is not run again.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::ModelIdentity;
use crate::domain::{GenParams, Prompt};
use crate::store::manifest::sha256_hex;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellIdentity {
    /// sha256 over the three below (and the sweep level).
    pub key: String,
    pub prompt: String,
    pub params: String,
    pub model: String,
    /// The sweep level (a coordinate of the cell, part of the key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
}

impl CellIdentity {
    /// `conversation` as the model is sent it (its default system prompt in it).
    pub fn new(
        conversation: &Prompt,
        params: &GenParams,
        model: &ModelIdentity,
        level: Option<u32>,
    ) -> Self {
        let hash = |v: &Value| sha256_hex(v.to_string().as_bytes());
        let prompt = hash(&conversation.identity());
        let params = hash(&json!(params));
        let model = hash(&json!(model));
        let key = hash(&json!([prompt, params, model, level]));
        Self {
            key,
            prompt,
            params,
            model,
            level,
        }
    }

    /// What changed between a stored cell and this one, in words.
    pub fn differences(&self, stored: &CellIdentity) -> Vec<&'static str> {
        let mut what = Vec::new();
        if self.prompt != stored.prompt {
            what.push("the prompt (template, system prompt or input)");
        }
        if self.params != stored.params {
            what.push("the parameters");
        }
        if self.model != stored.model {
            what.push("the model");
        }
        what
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_changes_the_key_and_is_named() {
        let m = Prompt::user("Hi Ana");
        let p = GenParams::default();
        let model = ModelIdentity::Openai {
            base_url: None,
            model_id: Some("gpt-4".into()),
        };
        let a = CellIdentity::new(&m, &p, &model, None);
        assert_eq!(a, CellIdentity::new(&m, &p, &model, None), "deterministic");
        let other_prompt = CellIdentity::new(&Prompt::user("Hi Bo"), &p, &model, None);
        assert_ne!(a.key, other_prompt.key);
        assert_eq!(
            other_prompt.differences(&a),
            ["the prompt (template, system prompt or input)"]
        );
        let seeded = GenParams {
            seed: Some(1),
            ..GenParams::default()
        };
        assert_eq!(
            CellIdentity::new(&m, &seeded, &model, None).differences(&a),
            ["the parameters"]
        );
        let mut tools = m.clone();
        tools.tools = vec![json!({"type": "function", "function": {"name": "f"}})];
        assert_eq!(
            CellIdentity::new(&tools, &p, &model, None).differences(&a),
            ["the prompt (template, system prompt or input)"]
        );
        let level = CellIdentity::new(&m, &p, &model, Some(4));
        assert_ne!(level.key, a.key);
        assert!(
            level.differences(&a).is_empty(),
            "a sweep level is a coordinate, not a change"
        );
    }
}
