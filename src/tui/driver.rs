//! Executes the reducer's effects: starts and cancels generations, copies to the clipboard.
//! Results come back into the one funnel as events.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use base64::Engine;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::cli::{SamplingArgs, start};
use crate::config::Config;
use crate::core::effect::Effect;
use crate::core::event::{Event, StreamEvent};
use crate::core::recording::{Recorded, Recording};
use crate::engine::runner::Recorder;
use crate::engine::{GenEvent, GenRequest};
use crate::tui::persist::Persistence;

pub struct Driver {
    config: Config,
    pub store: Persistence,
    recordings: Vec<Recording>,
    events: UnboundedSender<Event>,
    running: HashMap<(usize, u64), CancellationToken>,
    tasks: JoinSet<()>,
    pub quit: bool,
}

impl Driver {
    pub fn new(
        config: Config,
        recordings: Vec<Recording>,
        store: Persistence,
        events: UnboundedSender<Event>,
    ) -> Self {
        Self {
            config,
            store,
            recordings,
            events,
            running: HashMap::new(),
            tasks: JoinSet::new(),
            quit: false,
        }
    }

    pub fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::StartGeneration {
                    pane,
                    run,
                    model,
                    prompt,
                    params,
                } => self.start(pane, run, &model, prompt, &params),
                Effect::LoadPromptFile(path) => {
                    let events = self.events.clone();
                    self.tasks.spawn(async move {
                        let read = tokio::fs::read_to_string(&path).await;
                        let result = read.map_err(|e| format!("{path}: {e}"));
                        let _ = events.send(Event::PromptLoaded(result));
                    });
                }
                Effect::Replay { replay, runs } => self.replay(replay, runs),
                Effect::Cancel { pane, run } => {
                    if let Some(token) = self.running.remove(&(pane, run)) {
                        token.cancel();
                    }
                }
                Effect::CopyToClipboard(text) => copy_osc52(&text),
                Effect::Store(op) => self.store.apply(op),
                Effect::LoadItem { index, key } => self.store.load_item(index, key),
                Effect::LoadLeaderboard {
                    request,
                    session_only,
                } => self.store.load_leaderboard(request, session_only),
                Effect::Quit => self.quit = true,
            }
        }
    }

    fn start(
        &mut self,
        pane: usize,
        run: u64,
        model: &str,
        prompt: crate::core::domain::Prompt,
        params: &crate::core::domain::GenParamsPatch,
    ) {
        let cancel = CancellationToken::new();
        self.running.insert((pane, run), cancel.clone());
        let events = self.events.clone();
        let send = move |event: StreamEvent| {
            let _ = events.send(Event::Stream { pane, run, event });
        };
        let resolved = self.config.resolve(model, params);
        if let Ok(r) = &resolved {
            let params = serde_json::to_value(&r.params).unwrap_or_default();
            self.store.remember_run(run, params, Some(r.clone()));
        }
        let model_name = model.to_owned();
        self.tasks.spawn(async move {
            let resolved = match resolved {
                Ok(r) => r,
                Err(e) => {
                    return send(StreamEvent::Failed {
                        kind: "config".into(),
                        message: e.to_string(),
                        at: Instant::now(),
                    });
                }
            };
            let request = GenRequest::new(resolved.messages(&prompt), resolved.params.clone());
            let backend = match start::open_async(resolved, SamplingArgs::default()).await {
                Ok(b) => b,
                Err(e) => {
                    return send(StreamEvent::Failed {
                        kind: e.kind().into(),
                        message: e.to_string(),
                        at: Instant::now(),
                    });
                }
            };
            if cancel.is_cancelled() {
                return;
            }
            let mut stream = backend.generate(request, cancel);
            let mut record = Recorder::default();
            while let Some(event) = stream.recv().await {
                let terminal = event.is_terminal();
                record.on_event(&event);
                send(stream_event(event));
                if terminal {
                    break;
                }
            }
            // One line per generation in the log: `make bench` compares these with headless runs.
            let m = record.metrics();
            tracing::info!(
                target: "slam::metrics",
                model = %model_name,
                decode_tokens_per_s = m.decode_tokens_per_s.unwrap_or(0.0),
                ttft_ms = m.ttft_ms.unwrap_or(0.0),
                output_tokens = m.output_tokens,
                "generation finished"
            );
        });
    }

    /// Send a recording's events at the pace they were recorded, as if the models were running.
    fn replay(&mut self, replay: usize, runs: Vec<u64>) {
        let Some(recording) = self.recordings.get(replay).cloned() else {
            return;
        };
        let tokens: Vec<CancellationToken> = runs
            .iter()
            .enumerate()
            .map(|(pane, run)| {
                let token = CancellationToken::new();
                self.running.insert((pane, *run), token.clone());
                token
            })
            .collect();
        let events = self.events.clone();
        self.tasks.spawn(async move {
            let start = Instant::now();
            for recorded in recording.events {
                let (Some(run), Some(token)) = (runs.get(recorded.pane), tokens.get(recorded.pane))
                else {
                    continue;
                };
                let at = start + recorded.at;
                tokio::time::sleep_until(at.into()).await;
                if token.is_cancelled() {
                    continue;
                }
                let event = match recorded.event {
                    Recorded::Started => StreamEvent::Started { at },
                    Recorded::Delta { text, n_tokens } => StreamEvent::Delta { text, n_tokens, at },
                    Recorded::Finished {
                        usage,
                        finish_reason,
                        timings,
                    } => StreamEvent::Finished {
                        usage,
                        finish_reason,
                        timings,
                        at,
                    },
                    Recorded::Failed { kind, message } => StreamEvent::Failed { kind, message, at },
                };
                let pane = recorded.pane;
                if events
                    .send(Event::Stream {
                        pane,
                        run: *run,
                        event,
                    })
                    .is_err()
                {
                    break;
                }
            }
        });
    }

    /// Cancel everything and wait for the tasks to wind down.
    pub async fn shutdown(&mut self) {
        for token in self.running.values() {
            token.cancel();
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.store.close();
    }
}

pub fn stream_event(event: GenEvent) -> StreamEvent {
    match event {
        GenEvent::Started { at } => StreamEvent::Started { at },
        GenEvent::Delta { text, n_tokens, at } => StreamEvent::Delta { text, n_tokens, at },
        GenEvent::Finished {
            usage,
            finish_reason,
            timings,
            at,
            ..
        } => StreamEvent::Finished {
            usage,
            finish_reason,
            timings,
            at,
        },
        GenEvent::Failed { error, at } => StreamEvent::Failed {
            kind: error.kind().into(),
            message: error.to_string(),
            at,
        },
    }
}

/// OSC 52: the terminal (even over SSH) puts the text on the system clipboard.
fn copy_osc52(text: &str) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
