//! Typed engine errors: each says what went wrong and where, never panics.

use std::path::PathBuf;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineError {
    #[error("{}: {reason}", path.display())]
    ModelFile { path: PathBuf, reason: String },
    #[error("{}: llama.cpp could not load the model: {reason}", path.display())]
    ModelLoad { path: PathBuf, reason: String },
    #[error("could not create an inference context: {reason}")]
    Context { reason: String },
    #[error("chat template: {reason}")]
    Template { reason: String },
    #[error("prompt is {prompt_tokens} tokens but the context holds {n_ctx}")]
    PromptTooLong { prompt_tokens: usize, n_ctx: u32 },
    #[error("decoding failed: {reason}")]
    Decode { reason: String },
    #[error("the inference thread for {} stopped", path.display())]
    WorkerGone { path: PathBuf },
    #[error("{reason}")]
    Config { reason: String },
}

impl EngineError {
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::ModelFile { .. } => "model_file",
            EngineError::ModelLoad { .. } => "model_load",
            EngineError::Context { .. } => "context",
            EngineError::Template { .. } => "template",
            EngineError::PromptTooLong { .. } => "prompt_too_long",
            EngineError::Decode { .. } => "decode",
            EngineError::WorkerGone { .. } => "worker_gone",
            EngineError::Config { .. } => "config",
        }
    }
}
