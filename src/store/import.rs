//! Imports, each file (or folder) in one transaction: slam's own export JSONL (field for field,
//! ratings included; rows already present are skipped by uid), SLaM data files
//! (`{"run", "prompt_disc", "prompt", "outputs": {model: [text, …]}}` as SLaM writes them: one
//! pretty-printed object, an array of them or one per line; fields slam does not use are kept
//! verbatim) and recordings (`slam compare --json`, as in sample-runs/).

use crate::domain::rating::{PairOutcome, RatingKind, RatingStatus};
use std::time::Duration;

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use serde::Deserialize;
use serde_json::Value;

use super::records::{ExportLine, GenerationRecord, PromptRecord, RatingRecord, SessionRecord};
use super::write::{insert_generation, insert_prompt, insert_session};
use super::{Result, Store, StoreError};
use crate::domain::generation::{Failure, Generation};
use crate::domain::recording::Recording;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ImportReport {
    /// (id, name) of each session created.
    pub sessions: Vec<(i64, String)>,
    pub generations: usize,
    pub ratings: usize,
    /// Rows whose uid was already in the database.
    pub already_present: usize,
    /// `file:line: why` of each line skipped with `--skip-bad`.
    pub skipped: Vec<String>,
    /// What the import left out on purpose, to tell the user.
    pub notes: Vec<String>,
}

/// A SLaM data object.
#[derive(Deserialize)]
struct SlamLine {
    prompt: String,
    #[serde(default)]
    system: Option<String>,
    outputs: serde_json::Map<String, Value>,
    /// `run`, `prompt_disc` and any field of SLaM's or a later version's: kept as they are.
    #[serde(flatten)]
    extra: serde_json::Map<String, Value>,
}

enum Parsed {
    Export(Box<ExportLine>),
    Slam {
        item: String,
        system: Option<String>,
        user: String,
        /// (model, texts) in file order.
        outputs: Vec<(String, Vec<String>)>,
        /// The fields slam does not use, in file order.
        extra: Option<Value>,
    },
}

/// One record of an import file and where it is: `file:line` for JSON lines and for a single
/// (pretty-printed) object, `file: item N` for an element of a JSON array.
struct Unit {
    at: String,
    value: std::result::Result<Value, String>,
}

/// The records of one file: a JSON array of objects, one object over several lines (SLaM
/// writes its data files indented), or one object per line.
fn units(text: &str, origin: &str) -> Result<Vec<Unit>> {
    let whole = |e: serde_json::Error, what: &str| {
        StoreError::Invalid(format!(
            "{origin}:{}:{}: {what}: {e}\nnothing was imported",
            e.line(),
            e.column()
        ))
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let items: Vec<Value> =
            serde_json::from_str(text).map_err(|e| whole(e, "not a JSON array of objects"))?;
        return Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, value)| Unit {
                at: format!("{origin}: item {}", i + 1),
                value: Ok(value),
            })
            .collect());
    }
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let first = lines.next();
    let several = lines.next().is_some();
    if let Some((at, line)) = first.filter(|_| several && trimmed.starts_with('{'))
        && serde_json::from_str::<Value>(line).is_err()
    {
        // Not one object per line: one object over several lines.
        let value: Value = serde_json::from_str(text).map_err(|e| whole(e, "not JSON"))?;
        return Ok(vec![Unit {
            at: format!("{origin}:{}", at + 1),
            value: Ok(value),
        }]);
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, raw)| Unit {
            at: format!("{origin}:{}", i + 1),
            value: serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}")),
        })
        .collect())
}

/// Import `text` (read from `origin`). Bad lines fail the whole import, naming file and
/// line, unless `skip_bad`; then they are listed in the report.
pub fn import(store: &mut Store, text: &str, origin: &str, skip_bad: bool) -> Result<ImportReport> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.contains("\"event\"") && first.contains("\"prompt\"") {
        let recording = Recording::parse(text, origin).map_err(StoreError::Invalid)?;
        return import_recording(store, &recording, origin);
    }
    import_units(store, units(text, origin)?, origin, skip_bad)
}

pub use super::import_human_eval::is_human_eval;

/// Import a SLaM human evaluation folder (`.human_eval_config/`, `results/`): its answers and
/// every worker's vote, in one transaction; the report's `notes` say what was left out.
pub fn import_human_eval(
    store: &mut Store,
    dir: &std::path::Path,
    skip_bad: bool,
) -> Result<ImportReport> {
    let (lines, notes) = super::import_human_eval::lines(dir).map_err(StoreError::Invalid)?;
    let units = lines
        .into_iter()
        .map(|(at, line)| Unit {
            at,
            value: line.and_then(|l| serde_json::to_value(l).map_err(|e| e.to_string())),
        })
        .collect();
    let mut report = import_units(store, units, &dir.display().to_string(), skip_bad)?;
    report.notes = notes;
    Ok(report)
}

/// Import the files of a folder (SLaM writes one data file per prompt) in one transaction,
/// into one session: `files` are (origin, text), in the order given.
pub fn import_folder(
    store: &mut Store,
    files: &[(String, String)],
    origin: &str,
    skip_bad: bool,
) -> Result<ImportReport> {
    let mut all = Vec::new();
    for (file, text) in files {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if first.contains("\"event\"") && first.contains("\"prompt\"") {
            return Err(StoreError::Invalid(format!(
                "{file}: a recording: import recordings one file at a time\nnothing was imported"
            )));
        }
        all.extend(units(text, file)?);
    }
    import_units(store, all, origin, skip_bad)
}

fn import_units(
    store: &mut Store,
    units: Vec<Unit>,
    origin: &str,
    skip_bad: bool,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut parsed = Vec::new();
    for (n, unit) in units.into_iter().enumerate() {
        match unit.value.and_then(parse_value) {
            Ok(p) => parsed.push((n, unit.at, p)),
            Err(why) => {
                let message = format!("{}: {why}", unit.at);
                if !skip_bad {
                    return Err(StoreError::Invalid(format!(
                        "{message}\nnothing was imported (pass --skip-bad to import the good lines)"
                    )));
                }
                report.skipped.push(message);
            }
        }
    }
    if parsed.is_empty() {
        return Err(StoreError::Invalid(format!("{origin}: nothing to import")));
    }
    let tx = store
        .conn
        .transaction()
        .map_err(|e| super::sqlite(&store.path, e))?;
    let mut bad = Vec::new();
    let result = apply(&tx, parsed, origin, &mut report, &mut bad);
    result.map_err(|e| super::sqlite(&store.path, e))?;
    if let Some(first) = bad.first().filter(|_| !skip_bad) {
        // Dropping the transaction rolls it back: nothing was imported.
        return Err(StoreError::Invalid(format!(
            "{first}\nnothing was imported (pass --skip-bad to import the rest)"
        )));
    }
    report.skipped.extend(bad);
    tx.commit().map_err(|e| super::sqlite(&store.path, e))?;
    Ok(report)
}

fn parse_value(value: Value) -> std::result::Result<Parsed, String> {
    if !value.is_object() {
        return Err(format!("expected a JSON object, found {value}"));
    }
    if value.get("outputs").is_some() {
        let line: SlamLine = serde_json::from_value(value).map_err(|e| {
            format!("expected a SLaM line {{\"run\", \"prompt\", \"outputs\": {{model: [text, …]}}}}: {e}")
        })?;
        let mut outputs = Vec::new();
        for (model, texts) in line.outputs {
            let texts = match texts {
                Value::String(s) => vec![s],
                Value::Array(items) => items
                    .into_iter()
                    .map(|t| match t {
                        Value::String(s) => Ok(s),
                        other => Err(format!("outputs.{model}: expected text, found {other}")),
                    })
                    .collect::<std::result::Result<_, _>>()?,
                other => {
                    return Err(format!(
                        "outputs.{model}: expected a list of texts, found {other}"
                    ));
                }
            };
            outputs.push((model, texts));
        }
        let item = match line.extra.get("run") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        return Ok(Parsed::Slam {
            item,
            system: line.system,
            user: line.prompt,
            outputs,
            extra: (!line.extra.is_empty()).then_some(Value::Object(line.extra)),
        });
    }
    if value.get("session").is_some() {
        check_rating_words(&value)?;
        let line: ExportLine = serde_json::from_value(value)
            .map_err(|e| format!("expected a slam export line: {e}"))?;
        for (i, r) in line.ratings.iter().enumerate() {
            check_rating(r).map_err(|why| format!("ratings[{i}] ({}): {why}", r.uid))?;
        }
        return Ok(Parsed::Export(Box::new(line)));
    }
    Err("expected a slam export line (with \"session\") or a SLaM line (with \"outputs\")".into())
}

/// The words of each rating's kind, status and outcome, checked before the typed parse so a
/// wrong one is named with its rating (serde would only say "unknown variant").
fn check_rating_words(line: &Value) -> std::result::Result<(), String> {
    fn check(rating: &Value, field: &str, words: &[&str]) -> std::result::Result<(), String> {
        match rating.get(field) {
            Some(Value::String(w)) if !words.contains(&w.as_str()) => {
                Err(format!("{field} {w:?}: expected {}", words.join(", ")))
            }
            _ => Ok(()),
        }
    }
    let kinds: Vec<&str> = RatingKind::ALL.iter().map(|k| k.as_str()).collect();
    let statuses: Vec<&str> = RatingStatus::ALL.iter().map(|s| s.as_str()).collect();
    let outcomes: Vec<&str> = PairOutcome::ALL.iter().map(|o| o.as_str()).collect();
    let ratings = line.get("ratings").and_then(Value::as_array);
    for (i, r) in ratings.into_iter().flatten().enumerate() {
        let uid = r.get("uid").and_then(Value::as_str).unwrap_or("?");
        check(r, "kind", &kinds)
            .and_then(|()| check(r, "status", &statuses))
            .and_then(|()| check(r, "outcome", &outcomes))
            .map_err(|why| format!("ratings[{i}] ({uid}): {why}"))?;
    }
    Ok(())
}

/// What the database would refuse, said with the field's name. (Kind, status and outcome are
/// typed: a word outside their sets already failed to parse, naming the set.)
fn check_rating(r: &RatingRecord) -> std::result::Result<(), String> {
    if let Some(score) = r.score.filter(|s| !(1..=5).contains(s)) {
        return Err(format!("score {score}: expected 1 to 5"));
    }
    if r.kind == RatingKind::Pair && r.outcome.is_none() {
        return Err("a pair vote without an outcome: expected a, b, tie or bothbad".into());
    }
    if r.owner().is_none() {
        return Err("names no answer (generation, gen_a, best or worst)".into());
    }
    Ok(())
}

/// A new answer's verdicts and embeddings, as its export line carries them.
fn insert_judged_and_embedded(
    tx: &rusqlite::Transaction,
    generation: i64,
    line: &ExportLine,
) -> rusqlite::Result<()> {
    for v in &line.verdicts {
        tx.execute(
            "INSERT INTO judge_verdicts (generation_id, judge, verdict, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![generation, v.judge, v.verdict.to_string(), v.created_at],
        )?;
    }
    for (embedder, vector) in &line.embeddings {
        tx.execute(
            "INSERT OR REPLACE INTO embeddings (generation_id, embedder, vector) VALUES (?1, ?2, ?3)",
            rusqlite::params![generation, embedder, super::embeddings::to_blob(vector)],
        )?;
    }
    Ok(())
}

fn apply(
    tx: &rusqlite::Transaction,
    parsed: Vec<(usize, String, Parsed)>,
    origin: &str,
    report: &mut ImportReport,
    bad: &mut Vec<String>,
) -> rusqlite::Result<()> {
    let mut ratings: Vec<(String, RatingRecord)> = Vec::new();
    let mut slam_session: Option<i64> = None;
    let mut slam_models: Vec<String> = Vec::new();
    for (n, at, line) in parsed {
        match line {
            Parsed::Export(line) => {
                let session = match id_by_uid(tx, "sessions", &line.session.uid)? {
                    Some(id) => id,
                    None => {
                        let id = insert_session(tx, &line.session)?;
                        report.sessions.push((id, line.session.name.clone()));
                        id
                    }
                };
                let prompt = match id_by_uid(tx, "prompts", &line.prompt.uid)? {
                    Some(id) => id,
                    None => insert_prompt(tx, session, &line.prompt)?,
                };
                if id_by_uid(tx, "generations", &line.generation.uid)?.is_some() {
                    report.already_present += 1;
                } else {
                    let id = insert_generation(tx, prompt, &line.generation)?;
                    insert_judged_and_embedded(tx, id, &line)?;
                    report.generations += 1;
                }
                ratings.extend(line.ratings.into_iter().map(|r| (at.clone(), r)));
            }
            Parsed::Slam {
                item,
                system,
                user,
                outputs,
                extra,
            } => {
                let session = match slam_session {
                    Some(id) => id,
                    None => {
                        let session = imported_session(origin);
                        let id = insert_session(tx, &session)?;
                        report.sessions.push((id, session.name));
                        slam_session = Some(id);
                        id
                    }
                };
                let item = if item.is_empty() {
                    (n + 1).to_string()
                } else {
                    item
                };
                let prompt = insert_prompt(
                    tx,
                    session,
                    &PromptRecord {
                        item: Some(item),
                        system,
                        extra,
                        ..PromptRecord::new(user)
                    },
                )?;
                for (position, (model, texts)) in outputs.into_iter().enumerate() {
                    if !slam_models.contains(&model) {
                        slam_models.push(model.clone());
                    }
                    for (repetition, text) in texts.into_iter().enumerate() {
                        let g = GenerationRecord {
                            position: position as i64,
                            repetition: repetition as i64,
                            ..GenerationRecord::new(&model, text)
                        };
                        insert_generation(tx, prompt, &g)?;
                        report.generations += 1;
                    }
                }
            }
        }
    }
    if let Some(session) = slam_session {
        tx.execute(
            "UPDATE sessions SET models = ?1 WHERE id = ?2",
            rusqlite::params![
                serde_json::to_string(&slam_models).unwrap_or_default(),
                session
            ],
        )?;
    }
    insert_ratings(tx, ratings, report, &mut |line, why| {
        bad.push(format!("{line}: {why}"))
    })
}

/// Ratings after all generations (a vote may name an answer from a later line); `replaces`
/// links after all ratings, for the same reason.
fn insert_ratings(
    tx: &rusqlite::Transaction,
    ratings: Vec<(String, RatingRecord)>,
    report: &mut ImportReport,
    bad: &mut dyn FnMut(String, String),
) -> rusqlite::Result<()> {
    let mut links = Vec::new();
    for (line, r) in ratings {
        if id_by_uid(tx, "ratings", &r.uid)?.is_some() {
            report.already_present += 1;
            continue;
        }
        // Every answer a rating names must be in the file or already in the database.
        let named = [&r.generation, &r.gen_a, &r.gen_b, &r.best, &r.worst]
            .into_iter()
            .flatten()
            .chain(&r.ballot);
        let mut ids: HashMap<&str, i64> = HashMap::new();
        let mut missing = None;
        for uid in named {
            match id_by_uid(tx, "generations", uid)? {
                Some(id) => {
                    ids.insert(uid, id);
                }
                None => {
                    missing = Some(uid.clone());
                    break;
                }
            }
        }
        if let Some(uid) = missing {
            bad(
                line,
                format!(
                    "rating {} names answer {uid}, which is neither in the file nor in the database",
                    r.uid
                ),
            );
            continue;
        }
        let generation = |uid: &Option<String>| uid.as_deref().and_then(|u| ids.get(u).copied());
        let Some(owner) = r.owner().and_then(|u| ids.get(u).copied()) else {
            continue;
        };
        let ballot = (!r.ballot.is_empty())
            .then(|| {
                let ballot: Vec<i64> = r
                    .ballot
                    .iter()
                    .filter_map(|u| ids.get(u.as_str()).copied())
                    .collect();
                serde_json::to_string(&ballot).ok()
            })
            .flatten();
        let prompt: i64 = tx.query_row(
            "SELECT prompt_id FROM generations WHERE id = ?1",
            [owner],
            |row| row.get(0),
        )?;
        tx.execute(
            "INSERT INTO ratings (uid, prompt_id, kind, generation_id, score, tags, note, gen_a, gen_b,
             outcome, best_gen, worst_gen, ballot, position, rater, blind, status, created_at, criterion)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            rusqlite::params![
                r.uid,
                prompt,
                r.kind,
                generation(&r.generation),
                r.score,
                serde_json::to_string(&r.tags).unwrap_or_else(|_| "[]".into()),
                r.note,
                generation(&r.gen_a),
                generation(&r.gen_b),
                r.outcome,
                generation(&r.best),
                generation(&r.worst),
                ballot,
                r.position,
                r.rater,
                r.blind,
                r.status,
                r.created_at,
                r.criterion
            ],
        )?;
        report.ratings += 1;
        if let Some(old) = r.replaces {
            links.push((r.uid, old));
        }
    }
    for (uid, old) in links {
        tx.execute(
            "UPDATE ratings SET replaces = (SELECT id FROM ratings WHERE uid = ?2) WHERE uid = ?1",
            [uid, old],
        )?;
    }
    Ok(())
}

fn import_recording(store: &mut Store, rec: &Recording, origin: &str) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    store.in_transaction(|tx| {
        let mut session = imported_session(origin);
        session.models = rec.models.clone();
        let id = insert_session(tx, &session)?;
        report.sessions.push((id, session.name));
        let session = id;
        let prompt = insert_prompt(
            tx,
            session,
            &PromptRecord {
                item: Some("1".into()),
                pane_order: Some(rec.models.clone()),
                ..PromptRecord::of(&rec.prompt)
            },
        )?;
        for (pane, model) in rec.models.iter().enumerate() {
            insert_generation(tx, prompt, &recorded_generation(rec, pane, model))?;
            report.generations += 1;
        }
        Ok(())
    })?;
    Ok(report)
}

/// One pane of a recording as a generation, its metrics computed from the recorded stamps.
fn recorded_generation(rec: &Recording, pane: usize, model: &str) -> GenerationRecord {
    let mut folded: Generation<Failure, Duration> = Generation::default();
    for e in rec.events.iter().filter(|e| e.pane == pane) {
        folded.on_event(&e.event);
    }
    GenerationRecord {
        position: pane as i64,
        finish_reason: folded
            .finish_reason
            .and_then(|f| serde_json::to_value(f).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        error_kind: folded.error.as_ref().map(|f| f.kind.clone()),
        error_message: folded.error.as_ref().map(|f| f.message.clone()),
        metrics: serde_json::to_value(folded.metrics()).ok(),
        timings: folded.timings.and_then(|t| serde_json::to_value(t).ok()),
        thinking: (!folded.thinking.is_empty()).then(|| folded.thinking.clone()),
        ..GenerationRecord::new(model, folded.text)
    }
}

/// A session for an imported file: named after the file, its prompt set after the stem.
fn imported_session(origin: &str) -> SessionRecord {
    let path = std::path::Path::new(origin);
    let name = path
        .file_name()
        .map_or(origin.to_owned(), |f| f.to_string_lossy().into_owned());
    SessionRecord {
        prompt_set: path.file_stem().map(|f| f.to_string_lossy().into_owned()),
        ..SessionRecord::new("import", name)
    }
}

fn id_by_uid(tx: &rusqlite::Transaction, table: &str, uid: &str) -> rusqlite::Result<Option<i64>> {
    tx.query_row(
        &format!("SELECT id FROM {table} WHERE uid = ?1"),
        [uid],
        |r| r.get(0),
    )
    .optional()
}
