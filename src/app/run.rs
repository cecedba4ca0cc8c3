//! "Run this prompt on these models": open each model (concurrently), start every generation
//! at the same moment once all are open, and hand back one event stream per model. The CLI's
//! `compare` and `generate`, the TUI's panes and `slam rate` all run generations through here.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Barrier, mpsc};
use tokio_util::sync::CancellationToken;

use super::factory::BackendFactory;
use crate::config::ResolvedModel;
use crate::core::domain::Prompt;
use crate::engine::{Backend, EngineError, GenEvent, GenRequest};

/// What one model's stream says: the model is open, then its generation's events — `Started`,
/// deltas, then exactly one `Finished` or `Failed`. A model that cannot be opened says only
/// `Failed`; a run cancelled before its generation started says nothing more after `Loaded`.
#[derive(Debug)]
pub enum RunEvent {
    Loaded { at: Instant },
    Gen(GenEvent),
}

pub type RunStream = mpsc::UnboundedReceiver<RunEvent>;

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
            Err(EngineError::Config {
                reason: format!("model loading stopped: {e}"),
            })
        })
}

/// Run `prompt` on every model at once: all are opened concurrently, and every generation
/// starts when the last model is open (so none gets a head start). `cancel` stops them all.
pub fn run_prompt(
    factory: Arc<dyn BackendFactory>,
    models: Vec<ResolvedModel>,
    prompt: &Prompt,
    cancel: &CancellationToken,
) -> Vec<RunStream> {
    let all_open = Arc::new(Barrier::new(models.len()));
    models
        .into_iter()
        .map(|model| {
            let (tx, rx) = mpsc::unbounded_channel();
            let request = request(&model, prompt);
            let (factory, all_open, cancel) =
                (factory.clone(), all_open.clone(), cancel.child_token());
            tokio::spawn(async move {
                let opened = open(factory, model).await;
                let backend = match opened {
                    Ok(backend) => {
                        let _ = tx.send(RunEvent::Loaded { at: Instant::now() });
                        Some(backend)
                    }
                    Err(error) => {
                        let at = Instant::now();
                        let _ = tx.send(RunEvent::Gen(GenEvent::Failed { error, at }));
                        None
                    }
                };
                all_open.wait().await;
                if let Some(backend) = backend.filter(|_| !cancel.is_cancelled()) {
                    forward(backend.generate(request, cancel), &tx).await;
                }
            });
            rx
        })
        .collect()
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

/// Copy a generation's events until its terminal one.
async fn forward(mut stream: crate::engine::GenStream, tx: &mpsc::UnboundedSender<RunEvent>) {
    while let Some(event) = stream.recv().await {
        let terminal = event.is_terminal();
        if tx.send(RunEvent::Gen(event)).is_err() || terminal {
            break;
        }
    }
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
