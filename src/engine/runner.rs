//! Fan one prompt out to several backends at once and record each stream as it arrives.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::EngineError;
use super::backend::{Backend, GenEvent, GenRequest};
use crate::core::domain::{EngineTimings, FinishReason, Usage};
use crate::core::metrics::{self, ChunkStamp, GenerationMetrics, Totals};

/// Everything one generation produced, built up event by event.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub sent_at: Option<Instant>,
    pub text: String,
    pub chunks: Vec<ChunkStamp>,
    pub finished_at: Option<Instant>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<FinishReason>,
    pub timings: Option<EngineTimings>,
    pub token_ids: Option<Vec<i32>>,
    pub error: Option<EngineError>,
}

impl Recorder {
    pub fn on_event(&mut self, event: &GenEvent) {
        match event {
            GenEvent::Started { at } => self.sent_at = Some(*at),
            GenEvent::Delta { text, n_tokens, at } => {
                if !text.is_empty() {
                    self.text.push_str(text);
                    self.chunks.push(ChunkStamp {
                        at: self.since_sent(*at),
                        n_tokens: *n_tokens,
                    });
                }
            }
            GenEvent::Finished {
                usage,
                finish_reason,
                timings,
                token_ids,
                at,
            } => {
                self.finished_at = Some(*at);
                self.usage = Some(*usage);
                self.finish_reason = Some(*finish_reason);
                self.timings = *timings;
                self.token_ids.clone_from(token_ids);
            }
            GenEvent::Failed { error, at } => {
                self.finished_at = Some(*at);
                self.error = Some(error.clone());
            }
        }
    }

    fn since_sent(&self, at: Instant) -> Duration {
        self.sent_at
            .map(|s| at.saturating_duration_since(s))
            .unwrap_or_default()
    }

    pub fn is_done(&self) -> bool {
        self.finished_at.is_some()
    }

    pub fn metrics(&self) -> GenerationMetrics {
        let e2e = self
            .finished_at
            .map(|f| self.since_sent(f))
            .unwrap_or_default();
        let output_tokens = self
            .usage
            .filter(|u| !u.estimated)
            .map(|u| u.completion_tokens);
        let prefill = self
            .timings
            .filter(|t| t.prompt_tokens > 0)
            .map(|t| (t.prompt_tokens, t.prompt_ms));
        metrics::compute(
            &self.chunks,
            Totals {
                e2e,
                output_tokens,
                prefill,
            },
        )
    }
}

/// An event of one of several concurrent generations, tagged with its index.
#[derive(Debug, Clone)]
pub struct TaggedEvent {
    pub index: usize,
    pub event: GenEvent,
}

/// Start every backend on its request at once (`requests[i]` goes to `backends[i]`); their
/// events are merged into one channel, in order per backend. It closes when all have finished.
pub fn fan_out(
    backends: &[Arc<dyn Backend>],
    requests: &[GenRequest],
    cancel: &CancellationToken,
) -> mpsc::UnboundedReceiver<TaggedEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    for (index, (backend, request)) in backends.iter().zip(requests).enumerate() {
        let mut stream = backend.generate(request.clone(), cancel.child_token());
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(event) = stream.recv().await {
                let terminal = event.is_terminal();
                if tx.send(TaggedEvent { index, event }).is_err() || terminal {
                    break;
                }
            }
        });
    }
    rx
}
