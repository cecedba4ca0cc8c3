//! Running one generation: the one place above the engine where a backend is asked to
//! generate. The TUI's panes, `compare`, `generate`, `rate`, the eval runner (its cells and
//! warm-up), the judge and grading all come through here, so each gets the same timeout,
//! cancellation, energy share and memory capture, and the same fold into a `Recorder`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::run::RunEvent;
use crate::engine::runner::Recorder;
use crate::engine::{Backend, EngineError, GenEvent, GenRequest};
use crate::monitor::energy_meter::EnergyMeter;

/// What a generation may take.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// No complete answer by then: the generation is stopped and fails with
    /// `EngineError::Timeout` (the text so far kept). `None`: no limit.
    pub timeout: Option<Duration>,
}

impl Limits {
    pub fn timeout(timeout: Option<Duration>) -> Self {
        Self { timeout }
    }
}

/// An open model as a run uses it: the backend and what measures its energy (a local model's;
/// none for a remote server).
#[derive(Clone)]
pub struct Opened {
    pub backend: Arc<dyn Backend>,
    pub meter: Option<Arc<EnergyMeter>>,
}

/// Now, on tokio's clock (the same as `Instant::now()`, except under a paused test clock).
pub(super) fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

/// Run `request` on `model` to its end and fold it into a `Recorder`; every event also goes
/// to `sink` as it happens (a pane, `compare`'s output). The model's memory follows `Started`
/// (so a pane shows it while it answers); the energy comes just before the final event (so an
/// answer is stored with it). Cancelling `cancel` ends the generation as `Cancelled`; past
/// `limits.timeout` it ends as `Failed(Timeout)`. A sink that went away cancels it (nobody
/// would see the rest); a stream that ends without a final event (a backend bug) ends as a
/// failure.
pub async fn run_one(
    model: &Opened,
    request: GenRequest,
    limits: Limits,
    cancel: &CancellationToken,
    sink: Option<&mpsc::UnboundedSender<RunEvent>>,
) -> Recorder {
    let token = cancel.child_token();
    let mut span = model.meter.as_ref().map(|m| (m.clone(), m.begin()));
    let mut stream = model.backend.generate(request, token.clone());
    let mut memory = model.backend.memory();
    let deadline = limits.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut rec = Recorder::default();
    // Folds the event and passes it on; false when the sink is gone.
    let emit = |event: GenEvent, rec: &mut Recorder| {
        rec.on_event(&event);
        sink.is_none_or(|tx| tx.send(RunEvent::Gen(event)).is_ok())
    };
    loop {
        let next = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, stream.recv()).await,
            None => Ok(stream.recv().await),
        };
        let event = match next {
            Ok(Some(event)) => event,
            Ok(None) => {
                tracing::error!("a generation's stream closed without a final event");
                GenEvent::Failed {
                    error: EngineError::Internal {
                        reason: "the generation stopped without a final event".into(),
                    },
                    at: now(),
                }
            }
            Err(_) => {
                token.cancel();
                GenEvent::Failed {
                    error: EngineError::Timeout {
                        seconds: limits.timeout.unwrap_or_default().as_secs_f64(),
                    },
                    at: now(),
                }
            }
        };
        let terminal = event.is_terminal();
        if terminal && let Some((meter, span)) = span.take() {
            let energy = Some(meter.end(span));
            let measured = GenEvent::Measured {
                energy,
                memory: None,
                at: now(),
            };
            if !emit(measured, &mut rec) {
                token.cancel();
                return rec;
            }
        }
        let started = matches!(event, GenEvent::Started { .. });
        if !emit(event, &mut rec) {
            token.cancel();
            break;
        }
        if started && let Some(memory) = memory.take() {
            let measured = GenEvent::Measured {
                energy: None,
                memory: Some(memory),
                at: now(),
            };
            if !emit(measured, &mut rec) {
                token.cancel();
                break;
            }
        }
        if terminal {
            break;
        }
    }
    // A generation left early (its reader went away) still ends its energy span.
    if let Some((meter, span)) = span {
        meter.end(span);
    }
    rec
}
