//! Typed engine errors: each says what went wrong and where, never panics. Data, so a report or
//! a recording can name a failure without the engine.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
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

    // OpenAI-compatible servers.
    #[error("no API key: set {env} (the environment variable this model's `api_key_env` names)")]
    MissingApiKey { env: String },
    #[error("{url}: authentication failed (HTTP {status}): {message}")]
    Auth {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: model not found (HTTP 404): {message}")]
    ModelNotFound { url: String, message: String },
    #[error("{url}: the prompt does not fit the model's context (HTTP {status}): {message}")]
    ContextTooLong {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: request rejected (HTTP {status}): {message}")]
    BadRequest {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: rate limited (HTTP 429) after {retries} retries: {message}")]
    RateLimited {
        url: String,
        retries: u32,
        message: String,
    },
    #[error("{url}: service unavailable (HTTP 503) after {retries} retries: {message}")]
    Unavailable {
        url: String,
        retries: u32,
        message: String,
    },
    #[error("{url}: server error (HTTP {status}): {message}")]
    ServerError {
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: connection refused (is the server running?)")]
    ConnectionRefused { url: String },
    #[error("{url}: unknown host {host}")]
    UnknownHost { url: String, host: String },
    #[error("{url}: no connection within {after_ms} ms")]
    ConnectTimeout { url: String, after_ms: u64 },
    #[error("{url}: no response within {after_ms} ms")]
    ResponseTimeout { url: String, after_ms: u64 },
    #[error("{url}: the stream stalled: nothing for {after_ms} ms")]
    IdleTimeout { url: String, after_ms: u64 },
    #[error(
        "{url}: the stream ended before it finished (no [DONE] or finish_reason); the partial text is kept"
    )]
    Truncated { url: String },
    #[error("{url}: malformed chunk ({reason}): {data}")]
    MalformedChunk {
        url: String,
        reason: String,
        data: String,
    },
    #[error("{url}: expected an event stream (text/event-stream) but got {content_type:?}")]
    NotEventStream { url: String, content_type: String },
    #[error("{url}: the server sent an empty response")]
    EmptyBody { url: String },
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    /// The generation's own limit (an eval cell's `timeout`, `--timeout`): it was stopped.
    #[error("no complete answer within {seconds} s (the generation's timeout); it was stopped")]
    Timeout { seconds: f64 },
    #[error("{reason} (a slam bug: the log has the details)")]
    Internal { reason: String },
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
            EngineError::MissingApiKey { .. } => "missing_api_key",
            EngineError::Auth { .. } => "auth",
            EngineError::ModelNotFound { .. } => "model_not_found",
            EngineError::ContextTooLong { .. } => "context_too_long",
            EngineError::BadRequest { .. } => "bad_request",
            EngineError::RateLimited { .. } => "rate_limited",
            EngineError::Unavailable { .. } => "unavailable",
            EngineError::ServerError { .. } => "server_error",
            EngineError::ConnectionRefused { .. } => "connection_refused",
            EngineError::UnknownHost { .. } => "unknown_host",
            EngineError::ConnectTimeout { .. } => "connect_timeout",
            EngineError::ResponseTimeout { .. } => "response_timeout",
            EngineError::IdleTimeout { .. } => "idle_timeout",
            EngineError::Truncated { .. } => "truncated",
            EngineError::MalformedChunk { .. } => "malformed_chunk",
            EngineError::NotEventStream { .. } => "not_event_stream",
            EngineError::EmptyBody { .. } => "empty_body",
            EngineError::Http { .. } => "http",
            EngineError::Timeout { .. } => "timeout",
            EngineError::Internal { .. } => "internal",
        }
    }
}

impl From<&EngineError> for crate::domain::generation::Failure {
    fn from(e: &EngineError) -> Self {
        Self {
            kind: e.kind().to_owned(),
            message: e.to_string(),
        }
    }
}
