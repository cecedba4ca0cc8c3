//! The JSON of one streamed chat-completion chunk (OpenAI, vLLM, llama-server, Ollama…).

use serde::Deserialize;

use crate::domain::EngineTimings;

#[derive(Debug, Deserialize)]
pub struct Chunk {
    #[serde(default)]
    pub choices: Vec<Choice>,
    pub usage: Option<ChunkUsage>,
    /// llama-server's own timings.
    pub timings: Option<ServerTimings>,
    /// Some servers put an error object into the stream.
    pub error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct Choice {
    #[serde(default)]
    pub delta: Delta,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Delta {
    pub content: Option<String>,
    /// The thinking, as vLLM, SGLang, llama-server and DeepSeek stream it.
    pub reasoning_content: Option<String>,
    /// The thinking, as Ollama, OpenRouter and newer vLLM stream it.
    pub reasoning: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
pub struct ChunkUsage {
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub completion_tokens_details: Option<CompletionDetails>,
    pub prompt_tokens_details: Option<PromptDetails>,
}

/// OpenAI counts a reasoning model's thinking here (it never streams it).
#[derive(Debug, Deserialize, Clone, Copy)]
pub struct CompletionDetails {
    pub reasoning_tokens: Option<u32>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
pub struct PromptDetails {
    pub cached_tokens: Option<u32>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
pub struct ServerTimings {
    pub prompt_n: Option<f64>,
    pub prompt_ms: Option<f64>,
    pub predicted_n: Option<f64>,
    pub predicted_ms: Option<f64>,
}

impl ServerTimings {
    pub fn to_engine(self) -> EngineTimings {
        EngineTimings {
            prompt_tokens: self.prompt_n.unwrap_or(0.0) as u32,
            prompt_ms: self.prompt_ms.unwrap_or(0.0),
            predicted_tokens: self.predicted_n.unwrap_or(0.0) as u32,
            predicted_ms: self.predicted_ms.unwrap_or(0.0),
            ..Default::default()
        }
    }
}

impl Chunk {
    pub fn content(&self) -> Option<&str> {
        self.choices
            .first()
            .and_then(|c| c.delta.content.as_deref())
            .filter(|s| !s.is_empty())
    }

    /// Thinking text of this chunk, from whichever field the server uses.
    pub fn thinking(&self) -> Option<&str> {
        let delta = &self.choices.first()?.delta;
        let content = delta.reasoning_content.as_deref().filter(|s| !s.is_empty());
        content.or(delta.reasoning.as_deref().filter(|s| !s.is_empty()))
    }

    pub fn finish_reason(&self) -> Option<&str> {
        self.choices.iter().find_map(|c| c.finish_reason.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_openai_delta_and_usage_chunks() {
        let c: Chunk = serde_json::from_str(
            r#"{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}"#,
        )
        .unwrap();
        assert_eq!(c.content(), Some("Hi"));
        assert_eq!(c.finish_reason(), None);
        let u: Chunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"#,
        )
        .unwrap();
        assert_eq!(u.usage.unwrap().completion_tokens, Some(7));
    }

    #[test]
    fn parses_thinking_and_reasoning_usage() {
        let vllm: Chunk = serde_json::from_str(
            r#"{"choices":[{"index":0,"delta":{"reasoning_content":"Let me see"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            (vllm.thinking(), vllm.content()),
            (Some("Let me see"), None)
        );
        let ollama: Chunk =
            serde_json::from_str(r#"{"choices":[{"delta":{"content":"","reasoning":"Hm"}}]}"#)
                .unwrap();
        assert_eq!((ollama.thinking(), ollama.content()), (Some("Hm"), None));
        let both: Chunk = serde_json::from_str(
            r#"{"choices":[{"delta":{"reasoning_content":"","reasoning":"x"}}]}"#,
        )
        .unwrap();
        assert_eq!(both.thinking(), Some("x"));
        let u: Chunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":40,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":32,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#,
        )
        .unwrap();
        let usage = u.usage.unwrap();
        assert_eq!(
            usage.completion_tokens_details.unwrap().reasoning_tokens,
            Some(32)
        );
        assert_eq!(usage.prompt_tokens_details.unwrap().cached_tokens, Some(0));
    }

    #[test]
    fn parses_llama_server_timings() {
        let c: Chunk = serde_json::from_str(
            r#"{"choices":[{"delta":{},"finish_reason":"stop"}],"timings":{"prompt_n":3,"prompt_ms":12.5,"predicted_n":9,"predicted_ms":90.0}}"#,
        )
        .unwrap();
        assert_eq!(c.finish_reason(), Some("stop"));
        let t = c.timings.unwrap().to_engine();
        assert_eq!((t.prompt_tokens, t.predicted_tokens), (3, 9));
        assert_eq!(t.predicted_tokens_per_s(), Some(100.0));
    }
}
