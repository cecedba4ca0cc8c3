//! The one interface every model backend implements: a request goes in, a stream of
//! timestamped events comes out, and a cancellation token stops it.

use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::EngineError;
use crate::core::domain::{ChatMessage, EngineTimings, FinishReason, GenParams, Usage};

#[derive(Debug, Clone)]
pub struct GenRequest {
    pub messages: Vec<ChatMessage>,
    pub params: GenParams,
    /// Report the generated token ids in `Finished` (tests and diagnostics).
    pub record_token_ids: bool,
}

impl GenRequest {
    pub fn new(messages: Vec<ChatMessage>, params: GenParams) -> Self {
        Self {
            messages,
            params,
            record_token_ids: false,
        }
    }
}

/// Every `at` is stamped by the backend the moment the thing happened (a token sampled, a chunk
/// received), never when a consumer got round to looking at it.
#[derive(Debug, Clone)]
pub enum GenEvent {
    /// The request was sent; `at` is the origin of TTFT and e2e.
    Started {
        at: Instant,
    },
    /// Content: `n_tokens` tokens decoded into `text` (may be 0 for a server chunk of unknown size).
    Delta {
        text: String,
        n_tokens: u32,
        at: Instant,
    },
    Finished {
        usage: Usage,
        finish_reason: FinishReason,
        timings: Option<EngineTimings>,
        token_ids: Option<Vec<i32>>,
        at: Instant,
    },
    Failed {
        error: EngineError,
        at: Instant,
    },
}

impl GenEvent {
    pub fn at(&self) -> Instant {
        match self {
            GenEvent::Started { at }
            | GenEvent::Delta { at, .. }
            | GenEvent::Finished { at, .. }
            | GenEvent::Failed { at, .. } => *at,
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self, GenEvent::Finished { .. } | GenEvent::Failed { .. })
    }
}

pub type GenStream = mpsc::UnboundedReceiver<GenEvent>;

pub trait Backend: Send + Sync {
    /// Start one generation. The stream yields `Started`, any number of `Delta`s, then exactly
    /// one `Finished` or `Failed`. Cancelling the token ends it with `FinishReason::Cancelled`.
    fn generate(&self, request: GenRequest, cancel: CancellationToken) -> GenStream;
}
