//! Events as JSON lines: `generate --json` and `compare --json` write them, and the file they
//! make is a recording (`domain::recording` reads it back; the TUI replays it).

use std::time::Instant;

use serde_json::{Value, json};

use crate::domain::error::EngineError;
use crate::domain::generation::GenEvent as Event;
use crate::domain::metrics::GenerationMetrics;

type GenEvent = Event<EngineError>;

/// One JSON object for one event, with `t_ms` measured from `epoch`.
pub fn event_json(model: &str, index: usize, event: &GenEvent, epoch: Instant) -> Value {
    let t_ms = event.at().saturating_duration_since(epoch).as_secs_f64() * 1000.0;
    let mut v = match event {
        GenEvent::Started { .. } => json!({ "event": "started" }),
        GenEvent::Delta { text, n_tokens, .. } => {
            json!({ "event": "delta", "text": text, "n_tokens": n_tokens })
        }
        GenEvent::Thinking { text, n_tokens, .. } => {
            json!({ "event": "thinking", "text": text, "n_tokens": n_tokens })
        }
        GenEvent::Adapted { change, .. } => json!({ "event": "adapted", "change": change }),
        GenEvent::Measured { energy, memory, .. } => {
            json!({ "event": "measured", "energy": energy, "memory": memory })
        }
        GenEvent::Finished {
            usage,
            finish_reason,
            timings,
            ..
        } => json!({
            "event": "finished",
            "usage": usage,
            "finish_reason": finish_reason,
            "engine_timings": timings,
        }),
        GenEvent::Failed { error, .. } => json!({
            "event": "failed",
            "error": error,
            "message": error.to_string(),
        }),
    };
    v["model"] = json!(model);
    v["index"] = json!(index);
    v["t_ms"] = json!(t_ms);
    v
}

pub fn metrics_json(m: &GenerationMetrics) -> Value {
    serde_json::to_value(m).unwrap_or(Value::Null)
}
