//! Running an evaluation: every missing cell once, each model up to its concurrency and under
//! its rate limits, every finished cell stored at once (so Ctrl-C or a kill loses at most the
//! cells in flight), a model that fails never stopping the others.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::budget::{self, Budget};
use super::limiter::Limiter;
use super::plan::{Plan, PlannedCell};
use super::spec::EvalSpec;
use super::writer::{CellWriter, Stored, StoredCell};
use crate::analysis::checks::CheckResult;
use crate::analysis::cost::Price;
use crate::app::persist::generation_record;
use crate::app::{BackendFactory, Limits, LoadOverrides, Models, Opened, run_one};
use crate::config::ResolvedModel;
use crate::domain::FinishReason;
use crate::domain::answer::Answer;
use crate::domain::generation::Failure;
use crate::domain::metrics::GenerationMetrics;
use crate::domain::run_stop::RunStop;
use crate::engine::GenRequest;
use crate::store::Store;
use crate::store::records::SessionRecord;

pub struct RunOptions {
    pub db: PathBuf,
    /// Start a new run even when the stored cells no longer match the spec.
    pub fresh: bool,
    /// Run every cell at each of these concurrencies (`--sweep 1,2,4`).
    pub sweep: Vec<u32>,
    /// Opens the models; `None`: the real ones, loaded anew for each sweep level (a local
    /// model's sequences are the level).
    pub factory: Option<Arc<dyn BackendFactory>>,
}

/// One finished cell, as the progress display and `--json` see it.
#[derive(Debug, Clone)]
pub struct CellEvent {
    pub model: String,
    pub input: String,
    pub repetition: u32,
    pub concurrency: Option<u32>,
    pub error: Option<Failure>,
    pub metrics: GenerationMetrics,
    pub checks: Vec<CheckResult>,
}

/// What the run is about to do (sent before the first cell).
#[derive(Debug, Clone, Default)]
pub struct RunStart {
    pub session: i64,
    pub resumed: bool,
    /// Per model: cells to run now, cells already stored.
    pub models: Vec<(String, usize, usize)>,
    /// The most the cells to run can cost on priced API models (prompt ≈ characters / 4
    /// tokens, every answer `max_tokens` long); None when no model is priced.
    pub estimated_cost: Option<f64>,
    /// Remote models with no price (and no `cost_per_hour`): not in the estimate, nor capped.
    pub unpriced: Vec<String>,
    pub max_cost: Option<f64>,
}

pub enum Progress {
    Start(RunStart),
    /// A model could not be opened: its cells of this level are not run.
    ModelFailed {
        model: String,
        error: Failure,
    },
    Cell(Box<CellEvent>),
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub session: i64,
    pub ran: usize,
    pub stored_before: usize,
    pub cancelled: bool,
    /// Store errors (a cell that finished but could not be saved).
    pub store_errors: Vec<String>,
    /// With `max_cost`: dollars spent on API models, and whether a cell was refused.
    pub spent: Option<(f64, bool)>,
    pub max_cost: Option<f64>,
}

pub async fn run(
    spec: EvalSpec,
    opts: RunOptions,
    cancel: CancellationToken,
    progress: mpsc::UnboundedSender<Progress>,
) -> anyhow::Result<Outcome> {
    let spec = Arc::new(spec);
    let db = opts.db.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&db))
        .await
        .context("opening the store")??;
    let (shas, store) = gguf_shas(&spec, store).await?;
    let levels: Vec<Option<u32>> = if opts.sweep.is_empty() {
        vec![None]
    } else {
        opts.sweep.iter().map(|l| Some(*l)).collect()
    };
    let plan = Plan::new(&spec, &shas, &levels);
    let existing = match opts.fresh {
        true => None,
        false => store.latest_eval_session(&spec.name)?,
    };
    let todo = cells_left(&spec, &plan, &store, existing)?;
    let session = match existing {
        Some(id) => id,
        None => {
            let mut record = SessionRecord::new("eval", spec.name.clone());
            record.prompt_set = Some(spec.path.display().to_string());
            record.prompt_set_hash = Some(spec.sha256.clone());
            record.models = spec
                .models
                .iter()
                .map(|m| m.model.name().to_owned())
                .collect();
            store.insert_session(&record)?
        }
    };
    store.set_session_spec(session, &spec.text)?;
    // Until the run ends and says how: a killed run's report then says it did not finish.
    let unfinished = RunStop::Unfinished {
        cells_left: todo.len() as u64,
    };
    store.set_session_stopped(session, (!todo.is_empty()).then_some(&unfinished))?;
    let prices: HashMap<usize, Price> = spec
        .models
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((i, budget::api_price(&m.model)?)))
        .collect();
    let start = run_start(&spec, &plan, &todo, &prices, session, existing.is_some());
    let _ = progress.send(Progress::Start(start));

    let writer = CellWriter::spawn(store, session)?;
    let timeline = record_hardware(writer.sender(), cancel.child_token());
    let run = Run {
        budget: spec.max_cost.map(|max| Arc::new(Budget::new(max))),
        hardware: crate::monitor::machine::summary(),
        spec,
        shas,
        prices,
        writer: writer.sender(),
        progress,
        cancel: cancel.clone(),
    };
    let mut outcome = Outcome {
        session,
        max_cost: run.spec.max_cost,
        stored_before: plan.cells.len() - todo.len(),
        ..Outcome::default()
    };
    for level in levels {
        if cancel.is_cancelled() {
            break;
        }
        outcome.ran += run.level(level, &todo, &opts).await;
    }
    timeline.cancel();
    outcome.cancelled = cancel.is_cancelled();
    outcome.spent = run.budget.as_ref().map(|b| b.state());
    // The writer finishes once every sender is gone; the progress channel stays open until it
    // has, so the live view ends after the last cell is saved.
    let Run {
        writer: sender,
        progress,
        ..
    } = run;
    drop(sender);
    outcome.store_errors = tokio::task::spawn_blocking(move || writer.finish())
        .await
        .unwrap_or_else(|e| vec![format!("the store writer stopped: {e}")]);
    drop(progress);
    let stopped = run_stop(&outcome, todo.len());
    let db = opts.db.clone();
    tokio::task::spawn_blocking(move || {
        Store::open(&db)?.set_session_stopped(session, stopped.as_ref())
    })
    .await
    .context("recording how the run ended")??;
    Ok(outcome)
}

/// Why the run ended before its plan ran out, if it did: what its report says.
fn run_stop(outcome: &Outcome, todo: usize) -> Option<RunStop> {
    let stored = outcome.ran.saturating_sub(outcome.store_errors.len());
    let cells_left = todo.saturating_sub(stored) as u64;
    match outcome.spent {
        _ if cells_left == 0 => None,
        Some((spent, true)) => Some(RunStop::MaxCost {
            spent,
            max_cost: outcome.max_cost.unwrap_or(spent),
            cells_left,
        }),
        _ if outcome.cancelled => Some(RunStop::Cancelled { cells_left }),
        _ => Some(RunStop::Unstored { cells_left }),
    }
}

/// The planned cells not yet stored in the run being resumed (all of them for a new run); an
/// error when stored cells no longer match the spec.
fn cells_left(
    spec: &EvalSpec,
    plan: &Plan,
    store: &Store,
    existing: Option<i64>,
) -> anyhow::Result<Vec<PlannedCell>> {
    let stored = match existing {
        Some(session) => plan.stored(&store.export_lines(session)?),
        None => HashMap::new(),
    };
    let mismatched = plan.mismatches(&stored);
    if !mismatched.is_empty() {
        bail!(
            "{}: {} stored cell(s) of the run {:?} no longer match the spec — {}.\n\
             Run with --fresh to start a new run (the old one is kept), or restore the spec.",
            spec.path.display(),
            mismatched.len(),
            spec.name,
            super::plan::describe(&mismatched)
        );
    }
    Ok(plan
        .cells
        .iter()
        .filter(|c| !stored.contains_key(&c.coordinates()))
        .cloned()
        .collect())
}

/// What the run announces before its first cell: the worst-case cost of what is left, the
/// models without a price, and per model the cells to run and those already stored.
fn run_start(
    spec: &EvalSpec,
    plan: &Plan,
    todo: &[PlannedCell],
    prices: &HashMap<usize, Price>,
    session: i64,
    resumed: bool,
) -> RunStart {
    let estimated_cost = (!prices.is_empty()).then(|| {
        todo.iter()
            .filter_map(|c| {
                let m = &spec.models[c.model].model;
                budget::worst_case(
                    prices.get(&c.model)?,
                    prompt_chars(spec, c),
                    m.params.max_tokens,
                )
            })
            .sum::<f64>()
    });
    let unpriced: Vec<String> = spec
        .models
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            !prices.contains_key(i)
                && m.model.entry.path.is_none()
                && m.model.entry.cost_per_hour.is_none()
        })
        .map(|(_, m)| m.model.name().to_owned())
        .collect();
    RunStart {
        estimated_cost,
        unpriced,
        max_cost: spec.max_cost,
        session,
        resumed,
        models: spec
            .models
            .iter()
            .map(|m| {
                let of = |c: &PlannedCell| c.model_name == m.model.name();
                let now = todo.iter().filter(|c| of(c)).count();
                let before = plan.cells.iter().filter(|c| of(c)).count() - now;
                (m.model.name().to_owned(), now, before)
            })
            .collect(),
    }
}

/// What every concurrency level of a run shares.
struct Run {
    spec: Arc<EvalSpec>,
    shas: HashMap<usize, String>,
    prices: HashMap<usize, Price>,
    budget: Option<Arc<Budget>>,
    hardware: serde_json::Value,
    writer: std::sync::mpsc::Sender<Stored>,
    progress: mpsc::UnboundedSender<Progress>,
    cancel: CancellationToken,
}

impl Run {
    /// One concurrency level's cells (`None`: the plain run); how many ran.
    async fn level(&self, level: Option<u32>, todo: &[PlannedCell], opts: &RunOptions) -> usize {
        let spec = &self.spec;
        let factory: Arc<dyn BackendFactory> = match &opts.factory {
            Some(factory) => factory.clone(),
            None => Arc::new(Models::new(LoadOverrides {
                prompt_cache: Some(spec.prompt_cache),
                ..LoadOverrides::default()
            })),
        };
        // Remote models run side by side (their cost is elsewhere); local models run one after
        // another, each alone on this machine's CPU, so no local model's latency includes
        // another's work. A sweep measures every model alone: its capacity is its own.
        let mut together = JoinSet::new();
        let mut one_by_one = Vec::new();
        for (index, m) in spec.models.iter().enumerate() {
            let cells: Vec<PlannedCell> = todo
                .iter()
                .filter(|c| c.model == index && c.level == level)
                .cloned()
                .collect();
            if cells.is_empty() {
                continue;
            }
            let mut model = m.model.clone();
            let concurrency = level.unwrap_or(m.concurrency);
            if model.entry.path.is_some() {
                model.entry.parallel = Some(concurrency);
            }
            let ctx = ModelRun {
                spec: spec.clone(),
                model,
                index,
                concurrency,
                limiter: Arc::new(Limiter::new(m.requests_per_minute, m.tokens_per_minute)),
                sha: self.shas.get(&index).cloned(),
                hardware: self.hardware.clone(),
                writer: self.writer.clone(),
                progress: self.progress.clone(),
                cancel: self.cancel.clone(),
                price: self.prices.get(&index).cloned(),
                budget: self.budget.clone(),
            };
            let run = ctx.run(factory.clone(), cells);
            if level.is_some() || m.model.entry.path.is_some() {
                one_by_one.push(run);
            } else {
                together.spawn(run);
            }
        }
        together.spawn(async move {
            let mut ran = 0;
            for run in one_by_one {
                ran += run.await;
            }
            ran
        });
        let mut ran = 0;
        while let Some(n) = together.join_next().await {
            ran += n.unwrap_or(0);
        }
        ran
    }
}

/// The machine's readings, one a second, into the run's session until `stop` fires (the
/// run's hardware timeline).
fn record_hardware(
    writer: std::sync::mpsc::Sender<Stored>,
    stop: CancellationToken,
) -> CancellationToken {
    let done = stop.clone();
    let _ = std::thread::Builder::new()
        .name("eval hardware".into())
        .spawn(move || {
            let Ok(mut sampler) = crate::monitor::Sampler::system() else {
                return;
            };
            while !done.is_cancelled() {
                std::thread::sleep(crate::monitor::SAMPLE_EVERY);
                let sample = Box::new(sampler.sample());
                if writer.send(Stored::Hardware { sample }).is_err() {
                    break;
                }
            }
        });
    stop
}

/// The sha256 of every local model's GGUF (the cell identity needs it): from the store's
/// cache, else hashed now (on a blocking thread) and remembered.
async fn gguf_shas(
    spec: &EvalSpec,
    store: Store,
) -> anyhow::Result<(HashMap<usize, String>, Store)> {
    let paths: Vec<(usize, PathBuf)> = spec
        .models
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((i, m.model.entry.path.clone()?)))
        .collect();
    let found = tokio::task::spawn_blocking(move || {
        let mut store = store;
        let mut shas = HashMap::new();
        let stop = std::sync::atomic::AtomicBool::new(false);
        for (index, path) in paths {
            let sha = match store.cached_sha256(&path) {
                Ok(Some(sha)) => Some(sha),
                _ => crate::store::manifest::hash_file(&path, &stop),
            };
            if let Some(sha) = sha {
                if let Err(e) = store.remember_sha256(&path, &sha) {
                    tracing::warn!(error = %e, "cannot remember a GGUF's sha256");
                }
                shas.insert(index, sha);
            }
        }
        (shas, store)
    })
    .await
    .context("hashing the GGUF files")?;
    Ok(found)
}

/// One model's cells at one concurrency.
struct ModelRun {
    spec: Arc<EvalSpec>,
    model: ResolvedModel,
    index: usize,
    concurrency: u32,
    limiter: Arc<Limiter>,
    sha: Option<String>,
    hardware: Value,
    writer: std::sync::mpsc::Sender<Stored>,
    progress: mpsc::UnboundedSender<Progress>,
    cancel: CancellationToken,
    /// API models: the price the budget counts with.
    price: Option<Price>,
    budget: Option<Arc<Budget>>,
}

/// The characters of a cell's prompt (every turn and the system prompt), for estimates.
fn prompt_chars(spec: &EvalSpec, cell: &PlannedCell) -> usize {
    let input = &spec.inputs[cell.input];
    input
        .prompt
        .messages()
        .iter()
        .map(|m| m.content.len())
        .sum()
}

impl ModelRun {
    /// Run the cells; returns how many finished.
    async fn run(self, factory: Arc<dyn BackendFactory>, cells: Vec<PlannedCell>) -> usize {
        let opened = tokio::select! {
            _ = self.cancel.cancelled() => return 0,
            opened = crate::app::run::open(factory, self.model.clone()) => opened,
        };
        let opened = match opened {
            Ok(o) => o,
            Err(e) => {
                let _ = self.progress.send(Progress::ModelFailed {
                    model: self.model.name().to_owned(),
                    error: Failure {
                        kind: e.kind().to_owned(),
                        message: e.to_string(),
                    },
                });
                return 0;
            }
        };
        if self.spec.warmup && !self.cancel.is_cancelled() {
            // Loads weights into caches, opens connections: left out of the figures.
            self.warm_up(&opened, &cells[0]).await;
        }
        let this = Arc::new(self);
        let permits = Arc::new(Semaphore::new(this.concurrency.max(1) as usize));
        let mut running = JoinSet::new();
        for cell in cells {
            let permit = tokio::select! {
                _ = this.cancel.cancelled() => break,
                p = permits.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
            };
            let estimate = this.token_estimate(&cell);
            tokio::select! {
                _ = this.cancel.cancelled() => break,
                _ = this.limiter.admit(estimate) => {}
            }
            // Within max_cost, or no more cells (those running finish and are kept).
            let reserved = match (&this.budget, &this.price) {
                (Some(budget), Some(price)) => {
                    let worst = budget::worst_case(
                        price,
                        prompt_chars(&this.spec, &cell),
                        this.model.params.max_tokens,
                    )
                    .unwrap_or(0.0);
                    match budget.admit(this.model.name(), worst) {
                        Some(r) => Some(r),
                        None => break,
                    }
                }
                _ => None,
            };
            let (this, opened) = (this.clone(), opened.clone());
            running.spawn(async move {
                let (done, cost) = this.run_cell(&opened, &cell).await;
                if let (Some(budget), Some(r)) = (&this.budget, reserved) {
                    budget.settle(this.model.name(), r, cost);
                }
                drop(permit);
                done
            });
        }
        let mut finished = 0;
        while let Some(done) = running.join_next().await {
            finished += usize::from(done.unwrap_or(false));
        }
        finished
    }

    fn request(&self, cell: &PlannedCell) -> GenRequest {
        let input = &self.spec.inputs[cell.input];
        let mut params = self.model.params.clone();
        params.seed = Some(self.spec.seed.wrapping_add(cell.repetition));
        GenRequest::of(self.model.conversation(&input.prompt), params)
    }

    /// Prompt characters / 4 + the token budget: what a tokens-per-minute limit counts.
    fn token_estimate(&self, cell: &PlannedCell) -> u32 {
        (prompt_chars(&self.spec, cell) / 4) as u32 + self.model.params.max_tokens
    }

    fn limits(&self) -> Limits {
        Limits::timeout(Some(self.spec.timeout))
    }

    async fn warm_up(&self, model: &Opened, cell: &PlannedCell) {
        run_one(model, self.request(cell), self.limits(), &self.cancel, None).await;
    }

    /// Run one cell and store it; false when it was cancelled (then nothing is stored). With
    /// it, what the cell cost on a priced API model (None when unknown).
    async fn run_cell(&self, model: &Opened, cell: &PlannedCell) -> (bool, Option<f64>) {
        let request = self.request(cell);
        let params = serde_json::to_value(&request.params).unwrap_or(Value::Null);
        let rec = run_one(model, request, self.limits(), &self.cancel, None).await;
        let error = rec.error.as_ref().map(Failure::from);
        let metrics = rec.metrics();
        let cost = self.price.as_ref().and_then(|p| budget::spent(p, &metrics));
        if self.cancel.is_cancelled() || rec.finish_reason == Some(FinishReason::Cancelled) {
            return (false, cost);
        }
        let checks: Vec<CheckResult> = match &error {
            Some(_) => Vec::new(),
            None => self.spec.compiled[cell.input]
                .iter()
                .map(|(label, check)| {
                    let result = check.run(&rec.text);
                    CheckResult {
                        check: label.clone(),
                        passed: result.is_ok(),
                        why: result.err(),
                    }
                })
                .collect(),
        };
        let answer = Answer {
            model: self.model.name().to_owned(),
            position: self.index,
            text: rec.text.clone(),
            thinking: rec.thinking.clone(),
            adaptations: rec.adaptations.clone(),
            metrics: metrics.clone(),
            timings: rec.timings,
            finish_reason: rec.finish_reason,
            error: error.clone(),
        };
        let mut record = generation_record(
            answer,
            params,
            Some(&self.model),
            self.sha.clone(),
            &self.hardware,
        );
        record.repetition = i64::from(cell.repetition);
        record.cell = serde_json::to_value(&cell.identity).ok();
        record.checks = (!checks.is_empty()).then(|| json!(checks));
        record.concurrency = Some(i64::from(self.concurrency));
        let input = &self.spec.inputs[cell.input];
        let _ = self.writer.send(Stored::Cell(Box::new(StoredCell {
            item: input.id.clone(),
            prompt: input.prompt.clone(),
            record,
        })));
        let _ = self.progress.send(Progress::Cell(Box::new(CellEvent {
            model: self.model.name().to_owned(),
            input: input.id.clone(),
            repetition: cell.repetition,
            concurrency: cell.level,
            error,
            metrics,
            checks,
        })));
        (true, cost)
    }
}
