//! "Run this prompt on these models": open each model (concurrently), start every generation
//! at the same moment once all are open, and hand back one event stream per model. The CLI's
//! `compare` and `generate`, the TUI's panes and `slam rate` all run generations through here.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::factory::BackendFactory;
use crate::config::{BackendKind, ResolvedModel};
use crate::core::domain::{FinishReason, Prompt, Usage};
use crate::engine::{Backend, EngineError, GenEvent, GenRequest, GenStream};
use crate::monitor::energy_meter::{EnergyMeter, Span};

/// What one model's stream says: the model is open, then its generation's events — `Started`,
/// deltas, then exactly one `Finished` or `Failed`. A model that cannot be opened says only
/// `Failed`. A run cancelled before its generation started ends with `Cancelled` instead:
/// nothing was asked of the model, so there is no answer, not even an empty one.
#[derive(Debug)]
pub enum RunEvent {
    Loaded { at: Instant },
    Gen(GenEvent),
    Cancelled { at: Instant },
}

impl RunEvent {
    /// Nothing follows it.
    pub fn is_terminal(&self) -> bool {
        match self {
            RunEvent::Loaded { .. } => false,
            RunEvent::Gen(event) => event.is_terminal(),
            RunEvent::Cancelled { .. } => true,
        }
    }
}

impl RunEvent {
    /// As a generation event for a command that reports every model: a run cancelled before
    /// it started reads as a generation that finished cancelled with nothing generated.
    pub fn into_gen(self) -> Option<GenEvent> {
        match self {
            RunEvent::Loaded { .. } => None,
            RunEvent::Gen(event) => Some(event),
            RunEvent::Cancelled { at } => Some(GenEvent::Finished {
                usage: Usage::default(),
                finish_reason: FinishReason::Cancelled,
                timings: None,
                token_ids: None,
                at,
            }),
        }
    }
}

pub type RunStream = mpsc::UnboundedReceiver<RunEvent>;

/// Now, on tokio's clock (the same as `Instant::now()`, except under a paused test clock).
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// The request a model is sent for `prompt`: its own system prompt unless the prompt has one,
/// its own parameters.
pub fn request(model: &ResolvedModel, prompt: &Prompt) -> GenRequest {
    GenRequest::new(model.messages(prompt), model.params.clone())
}

/// Open `model` on a blocking thread, so several models load at once.
pub async fn open(
    factory: Arc<dyn BackendFactory>,
    model: ResolvedModel,
) -> Result<Arc<dyn Backend>, EngineError> {
    tokio::task::spawn_blocking(move || factory.open(&model))
        .await
        .unwrap_or_else(|e| {
            Err(EngineError::Internal {
                reason: format!("model loading stopped: {e}"),
            })
        })
}

/// One model's part in a run: its request and its own cancel token.
pub struct ModelRun {
    pub model: ResolvedModel,
    pub request: GenRequest,
    pub cancel: CancellationToken,
}

/// Run `prompt` on every model at once: all are opened concurrently, and every generation
/// starts when the last model is open (so none gets a head start). `cancel` stops them all,
/// also while they load (a load in progress finishes in the background and is dropped).
pub fn run_prompt(
    factory: Arc<dyn BackendFactory>,
    models: Vec<ResolvedModel>,
    prompt: &Prompt,
    cancel: &CancellationToken,
) -> Vec<RunStream> {
    let runs = models
        .into_iter()
        .map(|model| ModelRun {
            request: request(&model, prompt),
            model,
            cancel: cancel.child_token(),
        })
        .collect();
    run_together(factory, runs)
}

/// Run several requests at once, each with its own cancel token (a TUI pane's): opened
/// concurrently, started together once all are open.
pub fn run_together(factory: Arc<dyn BackendFactory>, runs: Vec<ModelRun>) -> Vec<RunStream> {
    // Fired when the last model is open (or has failed to open).
    let all_open = CancellationToken::new();
    let opening = Arc::new(AtomicUsize::new(runs.len()));
    runs.into_iter()
        .map(
            |ModelRun {
                 model,
                 request,
                 cancel,
             }| {
                let (tx, rx) = mpsc::unbounded_channel();
                let (factory, all_open, opening) =
                    (factory.clone(), all_open.clone(), opening.clone());
                // The machine's energy is a local model's; a remote server's is not seen here.
                let local = model.entry.backend == BackendKind::Llama;
                tokio::spawn(async move {
                    let opened = tokio::select! {
                        biased;
                        _ = cancel.cancelled() => None,
                        opened = open(factory, model) => Some(opened),
                    };
                    if opening.fetch_sub(1, Ordering::AcqRel) == 1 {
                        all_open.cancel();
                    }
                    let backend = match opened {
                        None => return send_cancelled(&tx),
                        Some(Err(error)) => {
                            let _ = tx.send(RunEvent::Gen(GenEvent::Failed { error, at: now() }));
                            return;
                        }
                        Some(Ok(backend)) => backend,
                    };
                    let _ = tx.send(RunEvent::Loaded { at: now() });
                    tokio::select! {
                        biased;
                        _ = cancel.cancelled() => return send_cancelled(&tx),
                        _ = all_open.cancelled() => {}
                    }
                    let meter = local.then(EnergyMeter::global);
                    let span = meter.as_ref().map(|m| m.begin());
                    let stream = backend.generate(request, cancel.clone());
                    let memory = backend.memory();
                    forward(stream, &tx, &cancel, meter.zip(span), memory).await;
                });
                rx
            },
        )
        .collect()
}

fn send_cancelled(tx: &mpsc::UnboundedSender<RunEvent>) {
    let _ = tx.send(RunEvent::Cancelled { at: now() });
}

/// Run `prompt` on one model, started as soon as it is open (a TUI pane).
pub fn run_model(
    factory: Arc<dyn BackendFactory>,
    model: ResolvedModel,
    prompt: &Prompt,
    cancel: &CancellationToken,
) -> RunStream {
    let mut streams = run_prompt(factory, vec![model], prompt, cancel);
    streams.pop().unwrap_or_else(|| mpsc::unbounded_channel().1)
}

/// Copy a generation's events until its terminal one. A reader that went away cancels the
/// generation (nobody would see the rest); a stream that ends without a terminal event (a
/// backend bug) still ends its run, as a failure.
async fn forward(
    mut stream: GenStream,
    tx: &mpsc::UnboundedSender<RunEvent>,
    cancel: &CancellationToken,
    mut meter: Option<(Arc<EnergyMeter>, Span)>,
    mut memory: Option<crate::core::memory::ModelMemory>,
) {
    while let Some(event) = stream.recv().await {
        let terminal = event.is_terminal();
        // The model's memory right after `Started`, so a pane shows it while it answers.
        if let Some(memory) = memory.take().filter(|_| !terminal) {
            let started = tx.send(RunEvent::Gen(event));
            let measured = tx.send(RunEvent::Gen(GenEvent::Measured {
                energy: None,
                memory: Some(memory),
                at: now(),
            }));
            if started.is_err() || measured.is_err() {
                cancel.cancel();
                return;
            }
            continue;
        }
        // The energy goes just before the final event, so the answer is stored with it.
        if terminal && let Some((m, span)) = meter.take() {
            let energy = Some(m.end(span));
            let _ = tx.send(RunEvent::Gen(GenEvent::Measured {
                energy,
                memory: None,
                at: now(),
            }));
        }
        if tx.send(RunEvent::Gen(event)).is_err() {
            cancel.cancel();
            return;
        }
        if terminal {
            return;
        }
    }
    tracing::error!("a generation's stream closed without a final event");
    let error = EngineError::Internal {
        reason: "the generation stopped without a final event".into(),
    };
    let _ = tx.send(RunEvent::Gen(GenEvent::Failed { error, at: now() }));
}

/// Several streams as one, each event tagged with its stream's index; in order per stream.
pub fn merge(streams: Vec<RunStream>) -> mpsc::UnboundedReceiver<(usize, RunEvent)> {
    let (tx, rx) = mpsc::unbounded_channel();
    for (index, mut stream) in streams.into_iter().enumerate() {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(event) = stream.recv().await {
                if tx.send((index, event)).is_err() {
                    break;
                }
            }
        });
    }
    rx
}
