//! Reading a chat-completion event stream: deltas stamped on receipt, usage, finish, faults.
//! The network loop (`consume`) only waits and stamps; what each SSE event means is decided by
//! `StreamState`, which is pure and is what the fuzz targets exercise.

use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::chunk::{Chunk, ChunkUsage};
use crate::domain::{EngineTimings, FinishReason, Usage};
use crate::engine::EngineError;
use crate::engine::backend::GenEvent;

pub async fn consume(
    response: reqwest::Response,
    url: &str,
    idle: Duration,
    cancel: &CancellationToken,
    tx: &mpsc::UnboundedSender<GenEvent>,
) -> Result<GenEvent, EngineError> {
    let url_s = || url.to_owned();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !content_type.starts_with("text/event-stream") {
        let body = response.bytes().await.unwrap_or_default();
        return Err(if body.is_empty() {
            EngineError::EmptyBody { url: url_s() }
        } else {
            EngineError::NotEventStream {
                url: url_s(),
                content_type,
            }
        });
    }

    let mut events = response.bytes_stream().eventsource();
    let mut state = StreamState::new(url);
    loop {
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                state.cancel();
                break;
            }
            next = tokio::time::timeout(idle, events.next()) => next,
        };
        let event = match next {
            Err(_) => {
                return Err(EngineError::IdleTimeout {
                    url: url_s(),
                    after_ms: idle.as_millis() as u64,
                });
            }
            Ok(None) => break,
            // The connection broke mid-stream (reset, torn chunked encoding).
            Ok(Some(Err(e))) => {
                tracing::warn!(error = %e, url, "stream broke");
                break;
            }
            Ok(Some(Ok(event))) => event,
        };
        let at = Instant::now();
        match state.on_data(&event.data)? {
            Step::Text { thinking, answer } => {
                if !thinking.is_empty() {
                    let _ = tx.send(GenEvent::Thinking {
                        text: thinking,
                        n_tokens: 1,
                        at,
                    });
                }
                if !answer.is_empty() {
                    let _ = tx.send(GenEvent::Delta {
                        text: answer,
                        n_tokens: 1,
                        at,
                    });
                }
            }
            Step::Continue => {}
            Step::Done => break,
        }
    }
    let end = state.finish()?;
    Ok(GenEvent::Finished {
        usage: end.usage,
        finish_reason: end.finish_reason,
        timings: end.timings,
        token_ids: None,
        at: Instant::now(),
    })
}

/// What one SSE event asks of the reader.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Thinking and answer text to show now (one of them may be empty, not both).
    Text { thinking: String, answer: String },
    /// Nothing to show (usage, finish, keep-alive); read on.
    Continue,
    /// `[DONE]`: the stream is complete.
    Done,
}

/// How a complete stream ended.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEnd {
    pub usage: Usage,
    pub finish_reason: FinishReason,
    pub timings: Option<EngineTimings>,
}

/// What a chat-completion stream has said so far, fed one SSE `data` field at a time.
#[derive(Debug)]
pub struct StreamState {
    url: String,
    saw_event: bool,
    done: bool,
    deltas: u32,
    thinking_deltas: u32,
    usage: Option<ChunkUsage>,
    finish: Option<String>,
    timings: Option<EngineTimings>,
}

impl StreamState {
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            saw_event: false,
            done: false,
            deltas: 0,
            thinking_deltas: 0,
            usage: None,
            finish: None,
            timings: None,
        }
    }

    pub fn on_data(&mut self, data: &str) -> Result<Step, EngineError> {
        self.saw_event = true;
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(Step::Done);
        }
        if data.is_empty() {
            return Ok(Step::Continue);
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| EngineError::MalformedChunk {
            url: self.url.clone(),
            reason: e.to_string(),
            data: data.chars().take(200).collect(),
        })?;
        if let Some(error) = &chunk.error {
            return Err(EngineError::ServerError {
                url: self.url.clone(),
                status: 200,
                message: error
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(|| error.to_string()),
            });
        }
        if let Some(reason) = chunk.finish_reason() {
            self.finish = Some(reason.to_owned());
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        if let Some(t) = chunk.timings {
            self.timings = Some(t.to_engine());
        }
        let thinking = chunk.thinking().unwrap_or_default().to_owned();
        let answer = chunk.content().unwrap_or_default().to_owned();
        self.thinking_deltas += u32::from(!thinking.is_empty());
        self.deltas += u32::from(!answer.is_empty());
        Ok(if thinking.is_empty() && answer.is_empty() {
            Step::Continue
        } else {
            Step::Text { thinking, answer }
        })
    }

    pub fn cancel(&mut self) {
        self.finish = Some("cancelled".into());
    }

    /// The stream ended (or was cancelled): complete, or cut short.
    pub fn finish(self) -> Result<StreamEnd, EngineError> {
        if !self.saw_event && self.finish.is_none() {
            return Err(EngineError::EmptyBody { url: self.url });
        }
        // `[DONE]` or a finish_reason marks a complete stream; without either it was cut short.
        let finish = match (self.finish, self.done) {
            (Some(f), _) => f,
            (None, true) => "stop".to_owned(),
            (None, false) => return Err(EngineError::Truncated { url: self.url }),
        };
        let finish_reason = match finish.as_str() {
            "length" => FinishReason::Length,
            "cancelled" => FinishReason::Cancelled,
            _ => FinishReason::Stop,
        };
        let cached_prompt_tokens = self
            .usage
            .and_then(|u| u.prompt_tokens_details)
            .and_then(|d| d.cached_tokens)
            .filter(|n| *n > 0);
        let usage = match self.usage.and_then(|u| u.completion_tokens.map(|c| (u, c))) {
            Some((u, completion)) => Usage {
                prompt_tokens: u.prompt_tokens,
                completion_tokens: completion,
                estimated: false,
                cached_prompt_tokens,
                reasoning_tokens: u.completion_tokens_details.and_then(|d| d.reasoning_tokens),
            },
            // One token a chunk, as servers without usage send them.
            None => Usage {
                prompt_tokens: self.usage.and_then(|u| u.prompt_tokens),
                completion_tokens: self.deltas + self.thinking_deltas,
                estimated: true,
                cached_prompt_tokens,
                reasoning_tokens: (self.thinking_deltas > 0).then_some(self.thinking_deltas),
            },
        };
        Ok(StreamEnd {
            usage,
            finish_reason,
            timings: self.timings,
        })
    }
}
