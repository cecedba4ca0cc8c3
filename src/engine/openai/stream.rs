//! Reading a chat-completion event stream: deltas stamped on receipt, usage, finish, faults.

use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::chunk::Chunk;
use crate::core::domain::{EngineTimings, FinishReason, Usage};
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
    let mut saw_event = false;
    let mut done = false;
    let mut deltas: u32 = 0;
    let mut usage = None;
    let mut finish: Option<String> = None;
    let mut timings: Option<EngineTimings> = None;
    loop {
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                finish = Some("cancelled".into());
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
        saw_event = true;
        let data = event.data.trim();
        if data == "[DONE]" {
            done = true;
            break;
        }
        if data.is_empty() {
            continue;
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| EngineError::MalformedChunk {
            url: url_s(),
            reason: e.to_string(),
            data: data.chars().take(200).collect(),
        })?;
        if let Some(error) = &chunk.error {
            return Err(EngineError::ServerError {
                url: url_s(),
                status: 200,
                message: error
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(|| error.to_string()),
            });
        }
        if let Some(text) = chunk.content() {
            deltas += 1;
            let _ = tx.send(GenEvent::Delta {
                text: text.to_owned(),
                n_tokens: 1,
                at,
            });
        }
        if let Some(reason) = chunk.finish_reason() {
            finish = Some(reason.to_owned());
        }
        if chunk.usage.is_some() {
            usage = chunk.usage;
        }
        if let Some(t) = chunk.timings {
            timings = Some(t.to_engine());
        }
    }
    if !saw_event && finish.is_none() {
        return Err(EngineError::EmptyBody { url: url_s() });
    }
    // `[DONE]` or a finish_reason marks a complete stream; without either it was cut short.
    let finish = match (finish, done) {
        (Some(f), _) => f,
        (None, true) => "stop".to_owned(),
        (None, false) => return Err(EngineError::Truncated { url: url_s() }),
    };
    let finish_reason = match finish.as_str() {
        "length" => FinishReason::Length,
        "cancelled" => FinishReason::Cancelled,
        _ => FinishReason::Stop,
    };
    let usage = match usage.and_then(|u| u.completion_tokens.map(|c| (u, c))) {
        Some((u, completion)) => Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: completion,
            estimated: false,
        },
        None => Usage {
            prompt_tokens: usage.and_then(|u| u.prompt_tokens),
            completion_tokens: deltas,
            estimated: true,
        },
    };
    Ok(GenEvent::Finished {
        usage,
        finish_reason,
        timings,
        token_ids: None,
        at: Instant::now(),
    })
}
