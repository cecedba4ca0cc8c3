//! "Run this prompt on these models": open each model (concurrently), start every generation
//! at the same moment once all are open, and hand back one event stream per model. The CLI's
//! `compare` and `generate`, the TUI's panes and `slam rate` all run generations through here.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::factory::BackendFactory;
use super::generation::{Limits, Opened, now, run_one};
use crate::config::ResolvedModel;
use crate::domain::{FinishReason, Prompt, Usage};
use crate::engine::{EngineError, GenEvent, GenRequest};

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

/// The request a model is sent for `prompt`: its own system prompt unless the prompt has one,
/// its own parameters.
pub fn request(model: &ResolvedModel, prompt: &Prompt) -> GenRequest {
    GenRequest::of(model.conversation(prompt), model.params.clone())
}

/// Open `model` on a blocking thread, so several models load at once; with it, what measures
/// its energy.
pub async fn open(
    factory: Arc<dyn BackendFactory>,
    model: ResolvedModel,
) -> Result<Opened, EngineError> {
    let meter = factory.energy_meter(&model);
    let backend = tokio::task::spawn_blocking(move || factory.open(&model))
        .await
        .unwrap_or_else(|e| {
            Err(EngineError::Internal {
                reason: format!("model loading stopped: {e}"),
            })
        })?;
    Ok(Opened { backend, meter })
}

/// One model's part in a run: its request, its limits and its own cancel token.
pub struct ModelRun {
    pub model: ResolvedModel,
    pub request: GenRequest,
    pub limits: Limits,
    pub cancel: CancellationToken,
}

/// Run `prompt` on every model at once: all are opened concurrently, and every generation
/// starts when the last model is open (so none gets a head start). `cancel` stops them all,
/// also while they load (a load in progress finishes in the background and is dropped).
pub fn run_prompt(
    factory: Arc<dyn BackendFactory>,
    models: Vec<ResolvedModel>,
    prompt: &Prompt,
    limits: Limits,
    cancel: &CancellationToken,
) -> Vec<RunStream> {
    let runs = models
        .into_iter()
        .map(|model| ModelRun {
            request: request(&model, prompt),
            model,
            limits,
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
                 limits,
                 cancel,
             }| {
                let (tx, rx) = mpsc::unbounded_channel();
                let (factory, all_open, opening) =
                    (factory.clone(), all_open.clone(), opening.clone());
                tokio::spawn(async move {
                    let opened = tokio::select! {
                        biased;
                        _ = cancel.cancelled() => None,
                        opened = open(factory, model) => Some(opened),
                    };
                    if opening.fetch_sub(1, Ordering::AcqRel) == 1 {
                        all_open.cancel();
                    }
                    let opened = match opened {
                        None => return send_cancelled(&tx),
                        Some(Err(error)) => {
                            let _ = tx.send(RunEvent::Gen(GenEvent::Failed { error, at: now() }));
                            return;
                        }
                        Some(Ok(opened)) => opened,
                    };
                    let _ = tx.send(RunEvent::Loaded { at: now() });
                    tokio::select! {
                        biased;
                        _ = cancel.cancelled() => return send_cancelled(&tx),
                        _ = all_open.cancelled() => {}
                    }
                    run_one(&opened, request, limits, &cancel, Some(&tx)).await;
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
    limits: Limits,
    cancel: &CancellationToken,
) -> RunStream {
    let mut streams = run_prompt(factory, vec![model], prompt, limits, cancel);
    streams.pop().unwrap_or_else(|| mpsc::unbounded_channel().1)
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
