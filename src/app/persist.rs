//! "Persist this generation", and the rest of the store side of a session: turns `StoreOp`s
//! into writer jobs and reports each save back into the event funnel only after its
//! transaction has committed. An answer becomes a record with the manifest of what produced
//! it (`generation_record`).

pub use crate::domain::answer::Answer;
use std::collections::HashMap;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use crate::analysis::leaderboard::{self, RESAMPLES};
use crate::config::ResolvedModel;
use crate::domain::rating::{Score, Tag};
use crate::store::hashes::FileHashes;
use crate::store::manifest::Manifest;
use crate::store::records::{GenerationRecord, PromptRecord, SessionRecord};
use crate::store::writer::{StoreWriter, WriterState};
use crate::store::{Filter, Store, StoredItem};
use crate::tui_state::effect::StoreOp;
use crate::tui_state::event::{Event, LoadedAnswer, LoadedItem};

/// Where ratings go, and what this TUI session is.
pub struct Persistence {
    /// The database file, for readers beside the writer (the session browser).
    db_path: Option<std::path::PathBuf>,
    writer: Option<StoreWriter>,
    /// Why there is no writer (shown when a rating cannot be saved).
    unavailable: Option<String>,
    /// The session row, created with the first prompt unless given.
    session: SessionRecord,
    rater: String,
    /// Per run: the resolved parameters, the model and its GGUF's sha256 when known by the
    /// time the answer is saved.
    runs: HashMap<u64, (Value, Option<ResolvedModel>)>,
    hashes: FileHashes,
    hardware: Value,
    /// A rating session over stored answers.
    stored: Vec<StoredItem>,
    events: UnboundedSender<Event>,
}

pub struct PersistOptions {
    pub store: Result<Store, String>,
    /// An existing session to add to (`slam rate`), else a new `tui` session.
    pub session_id: Option<i64>,
    pub session: SessionRecord,
    pub rater: String,
    pub stored: Vec<StoredItem>,
}

impl Persistence {
    pub fn new(options: PersistOptions, events: UnboundedSender<Event>) -> Self {
        let db_path = options.store.as_ref().ok().map(|s| s.path().to_path_buf());
        let (writer, unavailable) = match options.store {
            Ok(store) => match StoreWriter::spawn(store, options.session_id) {
                Ok(w) => (Some(w), None),
                Err(e) => (None, Some(format!("cannot start the store writer: {e}"))),
            },
            Err(e) => (None, Some(e)),
        };
        Self {
            db_path,
            writer,
            unavailable,
            session: options.session,
            rater: options.rater,
            runs: HashMap::new(),
            hashes: FileHashes::default(),
            hardware: crate::monitor::machine::summary(),
            stored: options.stored,
            events,
        }
    }

    /// Why ratings cannot be saved, if they cannot.
    pub fn unavailable(&self) -> Option<&str> {
        self.unavailable.as_deref()
    }

    pub fn remember_run(&mut self, run: u64, params: Value, model: Option<ResolvedModel>) {
        let path = model.as_ref().and_then(|m| m.entry.path.clone());
        if let (Some(path), Some(writer)) = (path, &self.writer) {
            self.hashes.ensure(&path, writer);
        }
        self.runs.insert(run, (params, model));
    }

    /// Item `index` as stored, with this rater's ratings in force; `Ok(None)` for an item of
    /// a live session nobody has answered yet.
    pub fn load_item(&self, index: usize, key: String) {
        let events = self.events.clone();
        let stored = self.stored.get(index).cloned();
        let Some(writer) = &self.writer else {
            let result = match stored {
                Some(_) => Err(self.unavailable.clone().unwrap_or_default()),
                None => Ok(None),
            };
            let _ = events.send(Event::ItemLoaded { index, result });
            return;
        };
        let (models, rater) = (self.session.models.clone(), self.rater.clone());
        writer.send(move |w: &mut WriterState| {
            let result = loaded_item(w, stored, &key, &models, &rater).map_err(|e| e.to_string());
            let _ = events.send(Event::ItemLoaded { index, result });
        });
    }

    pub fn apply(&mut self, op: StoreOp) {
        let seq = match &op {
            StoreOp::Rate { seq, .. } | StoreOp::Undo { seq, .. } => Some(*seq),
            _ => None,
        };
        let Some(writer) = &self.writer else {
            if let Some(seq) = seq {
                let message = self.unavailable.clone().unwrap_or_default();
                let _ = self.events.send(Event::SaveFailed { seq, message });
            }
            return;
        };
        let events = self.events.clone();
        let session = self.session.clone();
        let rater = self.rater.clone();
        let run_info = match &op {
            StoreOp::Generation { run, .. } => self.runs.remove(run).map(|(params, model)| {
                let path = model.as_ref().and_then(|m| m.entry.path.as_deref());
                let sha = path.and_then(|p| self.hashes.get(p));
                (params, model, sha)
            }),
            _ => None,
        };
        let hardware = self.hardware.clone();
        let sent = writer.send(move |w: &mut WriterState| {
            let result = execute(w, op, &session, &rater, run_info, &hardware);
            match (seq, result) {
                (Some(seq), Ok(())) => {
                    let _ = events.send(Event::Saved { seq });
                }
                (Some(seq), Err(message)) => {
                    let _ = events.send(Event::SaveFailed { seq, message });
                }
                (None, Err(message)) => tracing::error!(%message, "store write failed"),
                (None, Ok(())) => {}
            }
        });
        if !sent && let Some(seq) = seq {
            let _ = self.events.send(Event::SaveFailed {
                seq,
                message: "the store writer has stopped".into(),
            });
        }
    }

    /// Compute the leaderboard off the event loop: the ratings are read by the writer (so
    /// they include everything saved so far), the bootstrap runs on its own thread.
    pub fn load_leaderboard(&self, request: u64, session_only: bool) {
        let events = self.events.clone();
        let Some(writer) = &self.writer else {
            let result = Err(self.unavailable.clone().unwrap_or_default());
            let _ = events.send(Event::LeaderboardLoaded { request, result });
            return;
        };
        writer.send(move |w: &mut WriterState| {
            let filter = Filter {
                session: if session_only {
                    w.session.or(Some(-1))
                } else {
                    None
                },
                ..Filter::default()
            };
            let input = w.store.leaderboard_input(&filter);
            let judges = w.store.verdicts_matching(&filter);
            std::thread::spawn(move || {
                // The same seed as `slam leaderboard`: the same data, the same intervals.
                let result = input
                    .and_then(|input| Ok((input, judges?)))
                    .map(|(input, judges)| {
                        let humans = leaderboard::compute(&input, RESAMPLES, leaderboard::SEED);
                        let judges = crate::analysis::judge::leaderboard_input(&judges);
                        leaderboard::with_judges(humans, &judges, RESAMPLES, leaderboard::SEED)
                    })
                    .map_err(|e| e.to_string());
                let _ = events.send(Event::LeaderboardLoaded { request, result });
            });
        });
    }

    pub fn db_path(&self) -> Option<&std::path::Path> {
        self.db_path.as_deref()
    }

    /// Write everything queued, then stop the writer.
    pub fn close(&mut self) {
        self.hashes.stop();
        if let Some(mut writer) = self.writer.take() {
            writer.close();
        }
    }
}

fn execute(
    w: &mut WriterState,
    op: StoreOp,
    session: &SessionRecord,
    rater: &str,
    run_info: Option<(Value, Option<ResolvedModel>, Option<String>)>,
    hardware: &Value,
) -> Result<(), String> {
    let err = |e: crate::store::StoreError| e.to_string();
    match op {
        StoreOp::Prompt {
            round,
            prompt,
            pane_models,
            item,
        } => {
            let session_id = match w.session {
                Some(id) => id,
                None => {
                    let id = w.store.insert_session(session).map_err(err)?;
                    w.session = Some(id);
                    id
                }
            };
            let id = w
                .store
                .insert_prompt(
                    session_id,
                    &PromptRecord {
                        item,
                        pane_order: Some(pane_models),
                        ..PromptRecord::of(&prompt)
                    },
                )
                .map_err(err)?;
            w.prompts.insert(round, id);
        }
        StoreOp::Generation { round, run, answer } => {
            let prompt = prompt_of(w, round)?;
            let (params, resolved, sha) = run_info.unwrap_or((Value::Null, None, None));
            let sha = match (sha, resolved.as_ref().and_then(|m| m.entry.path.as_deref())) {
                (None, Some(path)) => w.store.cached_sha256(path).map_err(err)?,
                (sha, _) => sha,
            };
            let record = generation_record(*answer, params, resolved.as_ref(), sha, hardware);
            // A pane run again is another repetition of the same prompt, not a second answer.
            let record = GenerationRecord {
                repetition: w
                    .store
                    .next_repetition(prompt, &record.model)
                    .map_err(err)?,
                ..record
            };
            let id = w.store.insert_generation(prompt, &record).map_err(err)?;
            w.generations.insert(run, id);
        }
        StoreOp::Bind {
            round,
            prompt,
            answers,
        } => {
            w.prompts.insert(round, prompt);
            w.generations.extend(answers);
        }
        StoreOp::Rate {
            round,
            seq,
            change,
            blind,
        } => {
            let prompt = prompt_of(w, round)?;
            let generation = |run: u64| {
                w.generations
                    .get(&run)
                    .copied()
                    .ok_or_else(|| "the answer was not saved, so its rating cannot be".to_owned())
            };
            let rating = change.try_map(generation)?;
            let id = w.store.rate(prompt, rater, blind, &rating).map_err(err)?;
            w.saves.insert(seq, id);
        }
        StoreOp::Undo { takes_back, .. } => {
            if let Some(id) = w.saves.get(&takes_back).copied()
                && !w.store.undo_rating(id).map_err(err)?
            {
                tracing::warn!(id, "undo: the rating was no longer in force");
            }
        }
    }
    Ok(())
}

/// An answer as the store keeps it: with the manifest of what produced it (the resolved model,
/// its GGUF's sha256 when known, the machine) and the parameters it ran with.
pub fn generation_record(
    answer: Answer,
    params: Value,
    resolved: Option<&ResolvedModel>,
    gguf_sha256: Option<String>,
    hardware: &Value,
) -> GenerationRecord {
    let (error_kind, error_message) = answer.error.map(|f| (f.kind, f.message)).unzip();
    GenerationRecord {
        manifest: resolved.map(|m| {
            let adaptations = Some(&answer.adaptations).filter(|a| !a.is_empty());
            Manifest {
                n_threads: answer.metrics.threads,
                adaptations: adaptations.and_then(|a| serde_json::to_value(a).ok()),
                ..Manifest::of(m, gguf_sha256, hardware)
            }
            .to_value()
        }),
        position: answer.position as i64,
        params: Some(params).filter(|p| !p.is_null()),
        metrics: serde_json::to_value(answer.metrics).ok(),
        timings: answer.timings.and_then(|t| serde_json::to_value(t).ok()),
        finish_reason: answer.finish_reason.map(|r| r.as_str().to_owned()),
        error_kind,
        error_message,
        thinking: (!answer.thinking.is_empty()).then_some(answer.thinking),
        ..GenerationRecord::new(&answer.model, answer.text)
    }
}

fn prompt_of(w: &WriterState, round: u64) -> Result<i64, String> {
    w.prompts
        .get(&round)
        .copied()
        .ok_or_else(|| "the prompt was not saved (see the log)".to_owned())
}

fn loaded_item(
    w: &WriterState,
    stored: Option<StoredItem>,
    key: &str,
    models: &[String],
    rater: &str,
) -> Result<Option<LoadedItem>, crate::store::StoreError> {
    let (prompt, answers) = match (stored, w.session) {
        (Some(item), _) => (item.prompt, item.answers),
        (None, Some(session)) => match w.store.latest_item(session, key, models)? {
            Some(found) => found,
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let ids: Vec<i64> = answers.iter().map(|a| a.generation).collect();
    let in_force = w.store.ratings_in_force(prompt, rater, &ids)?;
    let answers = answers
        .into_iter()
        .zip(in_force.scores)
        .map(|(a, score)| LoadedAnswer {
            generation: a.generation,
            model: a.model,
            text: a.text,
            state: a.state,
            error_message: a.error_message,
            score: score.map(|(score, tags, note)| Score {
                score,
                tags: tags.iter().filter_map(|t| Tag::parse(t)).collect(),
                note,
            }),
        })
        .collect();
    let vote = in_force.vote;
    Ok(Some(LoadedItem {
        prompt_id: prompt,
        answers,
        vote,
    }))
}
