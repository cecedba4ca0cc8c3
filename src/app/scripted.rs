//! A backend that replays a script: given events at given offsets, no model and no network.
//! Tests hand a `ScriptedFactory` to the app layer (the TUI driver, `compare`) to drive the
//! whole pipeline — streaming, failures mid-stream, cancellation, several models at once —
//! deterministically.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::factory::BackendFactory;
use crate::config::ResolvedModel;
use crate::domain::generation::GenEvent;
use crate::domain::memory::ModelMemory;
use crate::domain::{FinishReason, ParamChange, Usage};
use crate::engine::{Backend, EngineError, GenRequest, GenStream};
use crate::monitor::energy_meter::EnergyMeter;

/// One step of a script: wait `after` (from the previous step), then do it.
#[derive(Debug, Clone)]
pub enum Step {
    Delta {
        text: String,
        n_tokens: u32,
    },
    Thinking {
        text: String,
        n_tokens: u32,
    },
    Adapted(ParamChange),
    Finish {
        usage: Usage,
        finish_reason: FinishReason,
    },
    Fail(EngineError),
}

#[derive(Debug, Clone, Default)]
pub struct Script {
    /// How long opening the model takes.
    pub load: Duration,
    pub steps: Vec<(Duration, Step)>,
    /// The memory the model says it holds (as a loaded local model does).
    pub memory: Option<ModelMemory>,
}

impl Script {
    /// `text` streamed one piece every `every`, then a normal finish with exact usage.
    pub fn streaming(pieces: &[&str], every: Duration) -> Self {
        let mut steps: Vec<(Duration, Step)> = pieces
            .iter()
            .map(|p| {
                (
                    every,
                    Step::Delta {
                        text: (*p).to_owned(),
                        n_tokens: 1,
                    },
                )
            })
            .collect();
        steps.push((
            every,
            Step::Finish {
                usage: Usage {
                    prompt_tokens: Some(5),
                    completion_tokens: pieces.len() as u32,
                    estimated: false,
                    ..Default::default()
                },
                finish_reason: FinishReason::Stop,
            },
        ));
        Self {
            load: Duration::ZERO,
            steps,
            memory: None,
        }
    }

    /// `first` after `every`, then nothing for `stall`, then a normal finish: a model that
    /// hangs mid-answer.
    pub fn stalling(first: &str, every: Duration, stall: Duration) -> Self {
        let mut script = Self::streaming(&[first], every);
        if let Some(finish) = script.steps.last_mut() {
            finish.0 = stall;
        }
        script
    }

    /// The same script with its last step (the finish) replaced by `error`.
    pub fn failing_with(mut self, error: EngineError) -> Self {
        if let Some(last) = self.steps.last_mut() {
            last.1 = Step::Fail(error);
        }
        self
    }
}

/// Now, on tokio's clock: under a paused test clock the stamps are exact virtual times, so a
/// test can compare metrics with a hand computation.
fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

/// Replays its script for every request, from the moment `generate` is called.
pub struct ScriptedBackend {
    script: Script,
}

impl ScriptedBackend {
    pub fn new(script: Script) -> Self {
        Self { script }
    }
}

impl Backend for ScriptedBackend {
    fn memory(&self) -> Option<ModelMemory> {
        self.script.memory.clone()
    }

    fn generate(&self, _request: GenRequest, cancel: CancellationToken) -> GenStream {
        let (tx, rx) = mpsc::unbounded_channel();
        let steps = self.script.steps.clone();
        let _ = tx.send(GenEvent::Started { at: now() });
        tokio::spawn(async move {
            let mut sent = 0u32;
            for (after, step) in steps {
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => {
                        let _ = tx.send(GenEvent::Finished {
                            usage: Usage { prompt_tokens: None, completion_tokens: sent, estimated: false, ..Default::default() },
                            finish_reason: FinishReason::Cancelled,
                            timings: None,
                            token_ids: None,
                            at: now(),
                        });
                        return;
                    }
                    _ = tokio::time::sleep(after) => {}
                }
                let at = now();
                let event = match step {
                    Step::Delta { text, n_tokens } => {
                        sent += n_tokens;
                        GenEvent::Delta { text, n_tokens, at }
                    }
                    Step::Thinking { text, n_tokens } => {
                        sent += n_tokens;
                        GenEvent::Thinking { text, n_tokens, at }
                    }
                    Step::Adapted(change) => GenEvent::Adapted { change, at },
                    Step::Finish {
                        usage,
                        finish_reason,
                    } => GenEvent::Finished {
                        usage,
                        finish_reason,
                        timings: None,
                        token_ids: None,
                        at,
                    },
                    Step::Fail(error) => GenEvent::Failed { error, at },
                };
                let terminal = event.is_terminal();
                if tx.send(event).is_err() || terminal {
                    return;
                }
            }
        });
        rx
    }
}

/// Scripts by model name; a model without one fails to open, as a missing file would.
#[derive(Default)]
pub struct ScriptedFactory {
    scripts: HashMap<String, Script>,
    meter: Option<Arc<EnergyMeter>>,
}

impl ScriptedFactory {
    pub fn with(mut self, model: &str, script: Script) -> Self {
        self.scripts.insert(model.to_owned(), script);
        self
    }

    /// Every model's energy is measured by `meter` (a meter on fake probes, in tests).
    pub fn with_meter(mut self, meter: Arc<EnergyMeter>) -> Self {
        self.meter = Some(meter);
        self
    }
}

impl BackendFactory for ScriptedFactory {
    fn energy_meter(&self, _model: &ResolvedModel) -> Option<Arc<EnergyMeter>> {
        self.meter.clone()
    }

    fn open(&self, model: &ResolvedModel) -> Result<Arc<dyn Backend>, EngineError> {
        let script =
            self.scripts
                .get(model.name())
                .cloned()
                .ok_or_else(|| EngineError::Config {
                    reason: format!("no script for model {:?}", model.name()),
                })?;
        std::thread::sleep(script.load);
        Ok(Arc::new(ScriptedBackend::new(script)))
    }
}
