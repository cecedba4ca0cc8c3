//! The nouns of slam, pure (no tokio, no terminal, no IO, no clock; time is passed in): what a
//! model is asked (a conversation, with which parameters), what came back (a generation's events
//! and their one accumulator, its metrics, energy and memory), the machine it ran on, ratings as
//! the user gives them and recorded sessions. `domain` imports no other room.

pub mod answer;
pub mod conversation;
pub mod energy;
pub mod error;
pub mod generation;
pub mod hardware;
pub mod hub_file;
pub mod lenient;
pub mod memory;
pub mod metrics;
pub mod rating;
pub mod recording;
pub mod run_stop;
pub mod source_pos;
pub mod time;

use serde::{Deserialize, Serialize};

/// Sampling and length parameters for one generation. `None` means "the backend's default".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenParams {
    /// 0 means greedy decoding.
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    /// 1.0 disables the penalty.
    pub repeat_penalty: f32,
    pub max_tokens: u32,
    /// `None`: a fresh random seed per generation.
    pub seed: Option<u32>,
    /// Generation stops before the first occurrence of any of these strings.
    pub stop: Vec<String>,
    /// Keep decoding past end-of-generation tokens (benchmarks need a fixed length).
    pub ignore_eos: bool,
    /// How hard a reasoning model thinks (`minimal`, `low`, `medium`, `high`…), sent as
    /// `reasoning_effort`; `None`: the model's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Thinking on or off for models that have a switch (`enable_thinking` in a local chat
    /// template; `chat_template_kwargs` on open servers); `None`: the model's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<bool>,
}

impl Default for GenParams {
    /// llama.cpp's own sampling defaults, so numbers compare with its tools.
    fn default() -> Self {
        Self {
            temperature: 0.8,
            top_k: 40,
            top_p: 0.95,
            min_p: 0.05,
            repeat_penalty: 1.0,
            max_tokens: 256,
            seed: None,
            stop: Vec::new(),
            ignore_eos: false,
            reasoning_effort: None,
            thinking: None,
        }
    }
}

pub use self::conversation::{ChatMessage, JsonSchemaFormat, Prompt, ResponseFormat, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model produced an end-of-generation token.
    Stop,
    /// A configured stop string was reached.
    StopString,
    /// `max_tokens` or the context window was reached.
    Length,
    /// The user cancelled.
    Cancelled,
}

impl FinishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::StopString => "stop_string",
            FinishReason::Length => "length",
            FinishReason::Cancelled => "cancelled",
        }
    }
}

/// Token counts. `estimated` is true when the counts were not reported by the server
/// but counted from streamed deltas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: u32,
    pub estimated: bool,
    /// Prompt tokens served from a cache instead of being computed again (part of
    /// `prompt_tokens`): a local model's reused prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_prompt_tokens: Option<u32>,
    /// Of `completion_tokens`, those spent thinking (OpenAI's
    /// `completion_tokens_details.reasoning_tokens`, or counted for a local model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u32>,
}

/// A request parameter slam did not send as asked, and why: known from the model table before
/// sending, or learned from a server's 400 (then the request was retried once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamChange {
    pub param: String,
    /// The parameter sent instead (`max_tokens` → `max_completion_tokens`); `None`: left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    pub reason: String,
    /// From a server's rejection during this run, not from the model table.
    pub learned: bool,
    /// The value the server refused (`unsupported_value`): later requests leave the parameter
    /// out only when they would send this same value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_value: Option<serde_json::Value>,
}

impl std::fmt::Display for ParamChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.replaced_by {
            Some(to) => write!(f, "{} sent as {}", self.param, to)?,
            None => write!(f, "{} not sent", self.param)?,
        }
        write!(f, ": {}", self.reason)
    }
}

/// Timings measured by the inference engine itself (slam's llama.cpp loop, llama-server's
/// `timings`), shown beside the client-side metrics. Prompt: the tokens computed (a cached
/// prefix excluded) and the time to the first token; predicted: the tokens after the first and
/// the time they took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineTimings {
    pub prompt_tokens: u32,
    pub prompt_ms: f64,
    pub predicted_tokens: u32,
    pub predicted_ms: f64,
    /// Time the request waited for a free sequence of a busy local model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_ms: Option<f64>,
    /// The CPU threads a local model decoded with (the count used for most steps, when it
    /// changed on the way).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
}

impl EngineTimings {
    pub fn prompt_tokens_per_s(&self) -> Option<f64> {
        rate(self.prompt_tokens, self.prompt_ms)
    }

    pub fn predicted_tokens_per_s(&self) -> Option<f64> {
        rate(self.predicted_tokens, self.predicted_ms)
    }
}

fn rate(tokens: u32, ms: f64) -> Option<f64> {
    (tokens > 0 && ms > 0.0).then(|| f64::from(tokens) * 1000.0 / ms)
}

/// Partial parameters: a model's config `params` table or the command-line flags. Applied in
/// order over the defaults, later layers winning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenParamsPatch {
    pub temperature: Option<f32>,
    pub top_k: Option<i32>,
    pub top_p: Option<f32>,
    pub min_p: Option<f32>,
    pub repeat_penalty: Option<f32>,
    #[serde(default, deserialize_with = "max_tokens_at_least_one")]
    pub max_tokens: Option<u32>,
    pub seed: Option<u32>,
    pub stop: Option<Vec<String>>,
    pub ignore_eos: Option<bool>,
    pub reasoning_effort: Option<String>,
    pub thinking: Option<bool>,
}

/// The one message for a zero token budget, from files and flags alike.
pub const MAX_TOKENS_ZERO: &str =
    "max_tokens must be at least 1: slam refuses a generation of zero tokens";

fn max_tokens_at_least_one<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<u32>, D::Error> {
    match u32::deserialize(d)? {
        0 => Err(serde::de::Error::custom(MAX_TOKENS_ZERO)),
        n => Ok(Some(n)),
    }
}

impl GenParams {
    pub fn apply(&mut self, patch: &GenParamsPatch) {
        fn set<T: Clone>(dst: &mut T, src: &Option<T>) {
            if let Some(v) = src {
                *dst = v.clone();
            }
        }
        set(&mut self.temperature, &patch.temperature);
        set(&mut self.top_k, &patch.top_k);
        set(&mut self.top_p, &patch.top_p);
        set(&mut self.min_p, &patch.min_p);
        set(&mut self.repeat_penalty, &patch.repeat_penalty);
        set(&mut self.max_tokens, &patch.max_tokens);
        set(&mut self.stop, &patch.stop);
        set(&mut self.ignore_eos, &patch.ignore_eos);
        if patch.seed.is_some() {
            self.seed = patch.seed;
        }
        if patch.reasoning_effort.is_some() {
            self.reasoning_effort.clone_from(&patch.reasoning_effort);
        }
        if patch.thinking.is_some() {
            self.thinking = patch.thinking;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_patches_win_and_unset_fields_keep_defaults() {
        let mut p = GenParams::default();
        p.apply(&GenParamsPatch {
            temperature: Some(0.2),
            max_tokens: Some(10),
            ..Default::default()
        });
        p.apply(&GenParamsPatch {
            temperature: Some(0.0),
            seed: Some(7),
            ..Default::default()
        });
        assert_eq!(p.temperature, 0.0);
        assert_eq!(p.max_tokens, 10);
        assert_eq!(p.seed, Some(7));
        assert_eq!(p.top_k, GenParams::default().top_k);
    }
}
