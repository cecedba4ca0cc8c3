//! Executes the reducer's effects: starts (through the app layer) and cancels generations,
//! replays recordings, copies to the clipboard. Results come back into the one funnel as events.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use base64::Engine;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::app::persist::Persistence;
use crate::app::{self, BackendFactory, ModelRun, RunEvent};
use crate::config::Config;
use crate::domain::generation::Failure;
use crate::domain::recording::Recording;
use crate::engine::runner::Recorder;
use crate::tui_state::effect::{Effect, HubRequest};
use crate::tui_state::event::{Event, HubEvent, StreamEvent};

/// A generation the reducer asked for.
struct Start {
    pane: usize,
    run: u64,
    model: String,
    prompt: crate::domain::Prompt,
    params: crate::domain::GenParamsPatch,
}

pub struct Driver {
    config: Config,
    factory: Arc<dyn BackendFactory>,
    pub store: Persistence,
    recordings: Vec<Recording>,
    events: UnboundedSender<Event>,
    running: HashMap<(usize, u64), CancellationToken>,
    tasks: JoinSet<()>,
    pub quit: bool,
    /// A field to open in `$EDITOR`: the event loop does it, as it owns the terminal.
    pub external_edit: Option<(String, bool)>,
    /// Stops the running pull of the "get a model" popup.
    pull: Option<CancellationToken>,
    /// What each generation may take (`--timeout`).
    limits: app::Limits,
    /// The TUI's memory file (parameters, prompt history).
    memory: Option<std::path::PathBuf>,
}

impl Driver {
    pub fn new(
        config: Config,
        factory: Arc<dyn BackendFactory>,
        recordings: Vec<Recording>,
        store: Persistence,
        events: UnboundedSender<Event>,
    ) -> Self {
        Self {
            config,
            factory,
            store,
            recordings,
            events,
            running: HashMap::new(),
            tasks: JoinSet::new(),
            quit: false,
            external_edit: None,
            pull: None,
            limits: app::Limits::default(),
            memory: None,
        }
    }

    /// Keep the parameters and the prompt history in this file.
    pub fn with_memory(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.memory = path;
        self
    }

    /// Every generation started from now on gets these limits.
    pub fn with_limits(mut self, limits: app::Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn run(&mut self, effects: Vec<Effect>) {
        // Panes started together start their generations together, as `slam compare` does: all
        // models open, then all begin (no pane gets a head start on the CPU).
        let mut starts = Vec::new();
        for effect in effects {
            if !matches!(effect, Effect::StartGeneration { .. }) {
                self.start_all(std::mem::take(&mut starts));
            }
            match effect {
                Effect::StartGeneration {
                    pane,
                    run,
                    model,
                    prompt,
                    params,
                } => starts.push(Start {
                    pane,
                    run,
                    model,
                    prompt,
                    params,
                }),
                Effect::LoadPromptFile(path) => {
                    let events = self.events.clone();
                    self.tasks.spawn(async move {
                        let read = tokio::fs::read_to_string(&path).await;
                        let result = read.map_err(|e| format!("{path}: {e}"));
                        let _ = events.send(Event::PromptLoaded(result));
                    });
                }
                Effect::EditExternally { text, system } => {
                    self.external_edit = Some((text, system));
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
                Effect::LoadSessions { request } => super::sessions::load_sessions(
                    self.store.db_path().map(Into::into),
                    request,
                    self.events.clone(),
                ),
                Effect::LoadFigures {
                    request,
                    session,
                    kind,
                } => super::sessions::load_figures(
                    self.store.db_path().map(Into::into),
                    request,
                    session,
                    kind,
                    self.events.clone(),
                ),
                Effect::LoadReport { request, session } => super::sessions::load_report(
                    self.store.db_path().map(Into::into),
                    self.config.clone(),
                    request,
                    session,
                    self.events.clone(),
                ),
                Effect::Remember(kept) => {
                    if let Some(path) = &self.memory
                        && let Err(e) = super::memory::save(path, &kept)
                    {
                        tracing::warn!(error = %e, "the parameters and history were not kept");
                    }
                }
                Effect::Hub(request) => self.hub(request),
                Effect::Quit => self.quit = true,
            }
        }
        self.start_all(starts);
    }

    fn hub(&mut self, request: HubRequest) {
        let events = self.events.clone();
        match request {
            HubRequest::Search { request, text } => {
                super::pull::search(&mut self.tasks, events, request, text)
            }
            HubRequest::List {
                request,
                repo,
                quant,
            } => super::pull::list(&mut self.tasks, events, request, repo, quant),
            HubRequest::Pull {
                request,
                repo,
                path,
                force,
            } => {
                let cancel = CancellationToken::new();
                if let Some(old) = self.pull.replace(cancel.clone()) {
                    old.cancel();
                }
                super::pull::pull(
                    &mut self.tasks,
                    events,
                    request,
                    (repo, path, force),
                    cancel,
                );
            }
            HubRequest::Stop => {
                if let Some(token) = self.pull.take() {
                    token.cancel();
                }
            }
            HubRequest::RefreshModels { select, path } => {
                // Only the hub cache gained a file: the other roots (and `--models-dir`) keep
                // what they had.
                let found = crate::config::discover::Roots::from_env(&[]).discover();
                for f in found {
                    if !self.config.discovered.iter().any(|d| d.path == f.path) {
                        self.config.discovered.push(f);
                    }
                }
                // An older revision's snapshot has the same name: the one just pulled wins.
                self.config
                    .discovered
                    .retain(|d| d.name != select || d.path == path);
                let items = super::picker_items(&self.config, std::slice::from_ref(&select));
                let _ = events.send(Event::Hub(HubEvent::ModelsRefreshed { items, select }));
            }
        }
    }

    fn start_all(&mut self, starts: Vec<Start>) {
        let mut runs = Vec::new();
        let mut panes = Vec::new();
        for Start {
            pane,
            run,
            model,
            prompt,
            params,
        } in starts
        {
            let send = self.sender(pane, run);
            let resolved = match self.config.resolve(&model, &params) {
                Ok(r) => r,
                Err(e) => {
                    send(StreamEvent::Failed {
                        error: Failure {
                            kind: "config".into(),
                            message: e.to_string(),
                        },
                        at: Instant::now(),
                    });
                    continue;
                }
            };
            let cancel = CancellationToken::new();
            self.running.insert((pane, run), cancel.clone());
            let params = serde_json::to_value(&resolved.params).unwrap_or_default();
            self.store.remember_run(run, params, Some(resolved.clone()));
            runs.push(ModelRun {
                request: app::run::request(&resolved, &prompt),
                model: resolved,
                limits: self.limits,
                cancel,
            });
            panes.push((model, send));
        }
        if runs.is_empty() {
            return;
        }
        let streams = app::run_together(self.factory.clone(), runs);
        for ((model_name, send), mut stream) in panes.into_iter().zip(streams) {
            self.tasks.spawn(async move {
                let mut record = Recorder::default();
                while let Some(event) = stream.recv().await {
                    let RunEvent::Gen(event) = event else {
                        continue;
                    };
                    record.on_event(&event);
                    send(event.map(|e| Failure::from(&e), |at| at));
                }
                // One line per generation in the log: `make bench` compares these with
                // headless runs.
                if record.is_done() {
                    let m = record.metrics();
                    tracing::info!(
                        target: "slam::metrics",
                        model = %model_name,
                        decode_tokens_per_s = m.decode_tokens_per_s.unwrap_or(0.0),
                        ttft_ms = m.ttft_ms.unwrap_or(0.0),
                        output_tokens = m.output_tokens,
                        threads = m.threads.unwrap_or(0),
                        "generation finished"
                    );
                }
            });
        }
    }

    /// Sends an engine event of generation `run` of `pane` into the funnel.
    fn sender(&self, pane: usize, run: u64) -> impl Fn(StreamEvent) + Send + 'static {
        let events = self.events.clone();
        move |event: StreamEvent| {
            let _ = events.send(Event::Stream { pane, run, event });
        }
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
                let at = start + recorded.event.at();
                tokio::time::sleep_until(at.into()).await;
                if token.is_cancelled() {
                    continue;
                }
                let event = recorded
                    .event
                    .map(|failure| failure, |offset| start + offset);
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
        for token in self.running.values().chain(&self.pull) {
            token.cancel();
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.store.close();
    }
}

/// OSC 52: the terminal (even over SSH) puts the text on the system clipboard.
fn copy_osc52(text: &str) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
