//! A SLaM human evaluation folder (`.human_eval_config/` and `results/`) as slam export lines:
//! each prompt and response, and every worker's A/B vote as a pairwise rating (the worker as
//! rater, the feedback as its note, the time kept). Uids derive from SLaM's own ids, so
//! importing the same folder twice adds nothing. Response A is the first model of a question's
//! object in the file's own key order, Response B the second; "About the Same" is a tie.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::records::{ExportLine, GenerationRecord, PromptRecord, RatingRecord, SessionRecord};
use crate::domain::rating::{PairOutcome, RatingKind, RatingStatus};

/// Is this folder a SLaM human evaluation?
pub fn is_human_eval(dir: &Path) -> bool {
    dir.join(".human_eval_config").join("config.json").is_file()
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what}: expected a JSON object"))
}

/// What the import leaves out, said to the user.
pub type Notes = Vec<String>;
/// A vote's ratings (overall and per criterion) and the response id of its Response A.
type Vote = (Vec<RatingRecord>, String);
/// Something read, with where it was read (`file: evals[i]`): the thing or why it is bad.
pub type Placed<T> = (String, Result<T, String>);

/// The folder's answers and votes as export lines, each with where it came from; a bad vote is
/// an `Err` at its place (the importer stops there, or skips it with `--skip-bad`).
pub fn lines(dir: &Path) -> Result<(Vec<Placed<ExportLine>>, Notes), String> {
    let config_dir = dir.join(".human_eval_config");
    let config_path = config_dir.join("config.json");
    let config = read_json(&config_path)?;
    let origin = config_path.display().to_string();
    if let Some(n) = config["config"].get("n_options").and_then(Value::as_i64)
        && n != 2
    {
        return Err(format!(
            "{origin}: n_options is {n}: slam imports A/B evaluations (2 options)"
        ));
    }
    let config_text = std::fs::read_to_string(&config_path).unwrap_or_default();
    let session_uid = format!("slam-he-{}", short_hash(&[&config_text]));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "slam-human-eval".into());
    let responses_path = config_dir.join("responses.json");
    let responses = read_json(&responses_path)?;
    let responses = object(&responses, &responses_path.display().to_string())?;
    let by_prompt_path = config_dir.join("models_responses.json");
    let by_prompt = read_json(&by_prompt_path)?;
    let by_prompt = object(&by_prompt, &by_prompt_path.display().to_string())?;
    // The prompts' texts; without the file, a prompt is known by its id only.
    let info_path = config_dir.join("prompt_info.json");
    let info = if info_path.exists() {
        read_json(&info_path)?
    } else {
        Value::Null
    };
    let info_of = |id: &str| {
        info.as_array()
            .into_iter()
            .flatten()
            .find(|p| p["prompt_id"] == id)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let hv_method = &config["hv_method"];
    let (models, mut generations, index) = answers(
        by_prompt,
        responses,
        &info_of,
        hv_method,
        (&session_uid, &name),
        &by_prompt_path,
    )?;
    let mut session = SessionRecord::new("import", name);
    session.uid = session_uid.clone();
    session.prompt_set = Some(dir.display().to_string());
    session.models = models;
    session.blind = true;
    for g in &mut generations {
        g.session = session.clone();
    }
    let criteria: Vec<String> = config["criterias"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["Criteria"].as_str())
        .filter(|c| *c != "overall")
        .map(str::to_owned)
        .collect();
    let bad = attach_votes(dir, &session_uid, &criteria, &index, &mut generations)?;
    let mut out: Vec<Placed<ExportLine>> = generations
        .into_iter()
        .map(|g| (origin.clone(), Ok(g)))
        .collect();
    out.extend(bad.into_iter().map(|(at, why)| (at, Err(why))));
    let mut notes = Notes::new();
    if !criteria.is_empty() {
        notes.push(format!(
            "votes per criterion ({}): slam leaderboard --criterion NAME",
            criteria.join(", ")
        ));
    }
    Ok((out, notes))
}

/// Every response of the evaluation as an answer line, by prompt and model: the models in
/// order of appearance, the lines, and each response id's line.
fn answers(
    by_prompt: &Map<String, Value>,
    responses: &Map<String, Value>,
    info_of: &dyn Fn(&str) -> Map<String, Value>,
    hv_method: &Value,
    (session_uid, name): (&str, &str),
    by_prompt_path: &Path,
) -> Result<Answers, String> {
    let mut models: Vec<String> = Vec::new();
    let mut generations: Vec<ExportLine> = Vec::new();
    // Response id → index into `generations`.
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (prompt_id, by_model) in by_prompt {
        let mut extra = info_of(prompt_id);
        let user = match extra.remove("prompt") {
            Some(Value::String(p)) => p,
            _ => prompt_id.clone(),
        };
        extra.insert("hv_method".into(), hv_method.clone());
        let prompt = PromptRecord {
            uid: format!("slam-he-{}", short_hash(&[session_uid, prompt_id])),
            item: Some(prompt_id.clone()),
            extra: Some(Value::Object(extra)),
            ..PromptRecord::new(user)
        };
        let by_model = object(
            by_model,
            &format!("{}: {prompt_id}", by_prompt_path.display()),
        )?;
        for (position, (model, ids)) in by_model.iter().enumerate() {
            if !models.contains(model) {
                models.push(model.clone());
            }
            for (repetition, id) in ids.as_array().into_iter().flatten().enumerate() {
                let id = id.as_str().unwrap_or_default();
                let Some(Value::String(text)) = responses.get(id) else {
                    return Err(format!(
                        "{}: {prompt_id}.{model}: response {id:?} is not in responses.json",
                        by_prompt_path.display()
                    ));
                };
                index.insert(id.to_owned(), generations.len());
                generations.push(ExportLine {
                    session: SessionRecord::new("import", name.to_owned()),
                    prompt: prompt.clone(),
                    generation: GenerationRecord {
                        uid: format!("slam-{id}"),
                        position: position as i64,
                        repetition: repetition as i64,
                        ..GenerationRecord::new(model, text.clone())
                    },
                    ratings: Vec::new(),
                    verdicts: Vec::new(),
                    embeddings: BTreeMap::new(),
                });
            }
        }
    }
    Ok((models, generations, index))
}

/// The models in order of appearance, the answer lines, and each response id's line.
type Answers = (Vec<String>, Vec<ExportLine>, BTreeMap<String, usize>);

/// The votes, each on the line of its first response; the votes that name a response the
/// evaluation does not have, with where they were read.
fn attach_votes(
    dir: &Path,
    session_uid: &str,
    criteria: &[String],
    index: &BTreeMap<String, usize>,
    generations: &mut [ExportLine],
) -> Result<Vec<(String, String)>, String> {
    let mut bad: Vec<(String, String)> = Vec::new();
    for (at, vote) in votes(dir, session_uid, criteria)? {
        let vote = vote.and_then(|(ratings, first_id)| {
            let owner = index.get(&first_id).copied().ok_or_else(|| {
                format!("response {first_id:?} is not in the evaluation's responses.json")
            })?;
            let second = ratings
                .first()
                .and_then(|r| r.gen_b.as_deref())
                .unwrap_or_default()
                .trim_start_matches("slam-");
            if !index.contains_key(second) {
                return Err(format!(
                    "response {second:?} is not in the evaluation's responses.json"
                ));
            }
            Ok((owner, ratings))
        });
        match vote {
            Ok((owner, ratings)) => generations[owner].ratings.extend(ratings),
            Err(why) => bad.push((at, why)),
        }
    }
    Ok(bad)
}

/// Every vote of `results/*.json` — the overall one and one per criterion — as pair ratings
/// and the response id of Response A, with its place (`file: evals[i]`).
fn votes(dir: &Path, session_uid: &str, criteria: &[String]) -> Result<Vec<Placed<Vote>>, String> {
    let results = dir.join("results");
    let mut files: Vec<std::path::PathBuf> = match std::fs::read_dir(&results) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let doc = read_json(&file)?;
        let worker = doc["worker_id"]
            .as_str()
            .unwrap_or("slam-worker")
            .to_owned();
        let set = doc["question_set_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for (i, eval) in doc["evals"].as_array().into_iter().flatten().enumerate() {
            let at = format!("{}: evals[{i}]", file.display());
            let uid = |criterion: &str| {
                let hash = short_hash(&[session_uid, &worker, &set, &i.to_string(), criterion]);
                format!("slam-he-{hash}")
            };
            out.push((at, vote(eval, &uid, &worker, criteria)));
        }
    }
    Ok(out)
}

fn outcome(result: &Value, key: &str) -> Result<Option<PairOutcome>, String> {
    match result.get(key) {
        None => Ok(None),
        Some(v) => match v.as_str() {
            Some("Response A") => Ok(Some(PairOutcome::A)),
            Some("Response B") => Ok(Some(PairOutcome::B)),
            Some("About the Same") => Ok(Some(PairOutcome::Tie)),
            _ => Err(format!(
                "result.{key} {v}: expected \"Response A\", \"Response B\" or \"About the Same\""
            )),
        },
    }
}

fn vote(
    eval: &Value,
    uid: &dyn Fn(&str) -> String,
    worker: &str,
    criteria: &[String],
) -> Result<Vote, String> {
    let pair = eval["question"]
        .get(1)
        .and_then(Value::as_object)
        .ok_or("question: expected [PROMPT_ID, {MODEL_A: RESPONSE_ID, MODEL_B: RESPONSE_ID}]")?;
    let ids: Vec<&str> = pair.values().filter_map(Value::as_str).collect();
    let [a, b] = ids[..] else {
        return Err(format!(
            "question: expected two responses, found {}",
            pair.len()
        ));
    };
    let result = &eval["result"];
    let created_at = eval["time"]
        .as_f64()
        .map(crate::domain::time::utc_time)
        .unwrap_or_default();
    let rating = |outcome: PairOutcome, criterion: Option<&str>| RatingRecord {
        uid: uid(criterion.unwrap_or("overall")),
        kind: RatingKind::Pair,
        generation: None,
        score: None,
        tags: Vec::new(),
        note: result["feedback"]
            .as_str()
            .filter(|f| !f.is_empty())
            .map(str::to_owned),
        gen_a: Some(format!("slam-{a}")),
        gen_b: Some(format!("slam-{b}")),
        outcome: Some(outcome),
        best: None,
        worst: None,
        ballot: vec![format!("slam-{a}"), format!("slam-{b}")],
        position: None,
        rater: worker.to_owned(),
        blind: true,
        status: RatingStatus::Active,
        replaces: None,
        created_at: created_at.clone(),
        criterion: criterion.map(str::to_owned),
    };
    let mut ratings = Vec::new();
    if let Some(o) = outcome(result, "overall")? {
        ratings.push(rating(o, None));
    }
    for c in criteria {
        if let Some(o) = outcome(result, c)? {
            ratings.push(rating(o, Some(c)));
        }
    }
    if ratings.is_empty() {
        return Err("result: no overall vote and no criterion vote".into());
    }
    Ok((ratings, a.to_owned()))
}
