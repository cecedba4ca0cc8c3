//! The one interface every model backend implements: a request goes in, a stream of
//! timestamped events comes out, and a cancellation token stops it.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::EngineError;
use crate::domain::{ChatMessage, GenParams, Prompt};

/// One generation asked of a backend: the conversation as it is sent (the model's default
/// system prompt already in it), its tools and response format, and the sampling parameters.
#[derive(Debug, Clone)]
pub struct GenRequest {
    pub prompt: Prompt,
    pub params: GenParams,
    /// Report the prompt's and the generated token ids in `Finished` (tests and diagnostics).
    pub record_token_ids: bool,
}

impl GenRequest {
    pub fn of(prompt: Prompt, params: GenParams) -> Self {
        Self {
            prompt,
            params,
            record_token_ids: false,
        }
    }

    /// From chat messages (a leading system message is the system prompt).
    pub fn new(messages: Vec<ChatMessage>, params: GenParams) -> Self {
        Self::of(Prompt::from_messages(messages), params)
    }

    /// The chat messages, system prompt first.
    pub fn messages(&self) -> Vec<ChatMessage> {
        self.prompt.messages()
    }
}

/// The engine's events: typed failures, and every `at` stamped by the backend the moment the
/// thing happened (a token sampled, a chunk received), never when a consumer got round to
/// looking at it. The one event type of `domain::generation`.
pub type GenEvent = crate::domain::generation::GenEvent<EngineError>;

pub type GenStream = mpsc::UnboundedReceiver<GenEvent>;

pub trait Backend: Send + Sync {
    /// Start one generation. The stream yields `Started`, any number of `Delta`s, then exactly
    /// one `Finished` or `Failed`. Cancelling the token ends it with `FinishReason::Cancelled`.
    fn generate(&self, request: GenRequest, cancel: CancellationToken) -> GenStream;

    /// The memory the loaded model holds on this machine (local models only).
    fn memory(&self) -> Option<crate::domain::memory::ModelMemory> {
        None
    }
}
