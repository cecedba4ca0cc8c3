//! `slam rate`: a rating session in the TUI, over a prompt file (the models answer each
//! prompt live) or over a stored session's answers (e.g. an imported SLaM file). It resumes
//! at the first item this rater has not rated.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use serde::Deserialize;

use super::tui::{TuiLook, load_look};
use crate::app::Models;
use crate::app::persist::PersistOptions;
use crate::config::Config;
use crate::domain::Prompt;
use crate::store::records::SessionRecord;
use crate::store::{Store, manifest};
use crate::tui::{self, TuiOptions};
use crate::tui_state::state::{RateItem, RateSession, RatingState};

#[derive(Debug, Args)]
pub struct RateArgs {
    /// Prompts to rate, JSONL: one {"prompt": "…", "id": "…", "system": "…"} per line
    /// ("id" and "system" optional).
    #[arg(long, value_name = "FILE", required_unless_present = "session")]
    pub prompts: Option<PathBuf>,
    /// Rate the stored answers of this session instead (see `slam sessions list`).
    #[arg(long, value_name = "ID", conflicts_with_all = ["prompts", "models"])]
    pub session: Option<i64>,
    /// Model to answer the prompts (repeat, 2–4 for votes).
    #[arg(short = 'm', long = "model")]
    pub models: Vec<String>,
    /// Hide model names ("Model A", "Model B") and shuffle their order per item.
    #[arg(long)]
    pub blind: bool,
    #[command(flatten)]
    pub look: TuiLook,
}

/// Who is rating: `--rater`, else $SLAM_RATER, else $USER.
pub fn rater(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("SLAM_RATER").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "me".into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptLine {
    #[serde(alias = "user")]
    prompt: String,
    #[serde(default, alias = "run")]
    id: Option<serde_json::Value>,
    #[serde(default)]
    system: Option<String>,
    /// A conversation, as an eval input gives one: the earlier turns, tools, tool choice and
    /// response format (OpenAI's shapes).
    #[serde(default)]
    messages: Option<serde_json::Value>,
    #[serde(default)]
    tools: Option<serde_json::Value>,
    #[serde(default)]
    tool_choice: Option<serde_json::Value>,
    #[serde(default)]
    response_format: Option<serde_json::Value>,
}

impl PromptLine {
    /// The conversation the line asks for.
    fn prompt(self) -> Result<Prompt, String> {
        let mut prompt = Prompt::new(self.system, self.prompt);
        let fields = [
            ("messages", self.messages),
            ("tools", self.tools),
            ("tool_choice", self.tool_choice),
            ("response_format", self.response_format),
        ];
        let vars = fields
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect();
        crate::eval::spec::conversation::read(&vars, &mut prompt)?;
        Ok(prompt)
    }
}

/// Read a prompt file (JSON lines, or CSV by its extension) through the eval inputs' reader; a
/// bad line is an error naming the file and line. A prompt's default id is its line.
pub fn read_prompt_file(path: &Path) -> anyhow::Result<(Vec<RateItem>, String)> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let mut items = Vec::new();
    for input in crate::eval::inputs::parse(path, &text).map_err(anyhow::Error::msg)? {
        let at = &input.origin;
        let line = PromptLine::deserialize(serde_json::Value::Object(input.vars)).map_err(|e| {
            anyhow::anyhow!(
                "{at}: expected {{\"prompt\": \"…\"}} (optional \"id\", \"system\", \
                 \"messages\", \"tools\", \"tool_choice\", \"response_format\"): {e}"
            )
        })?;
        // An empty id (a CSV's empty cell) is no id: the line tells the prompts apart.
        let key = match &line.id {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(serde_json::Value::String(_)) => input.line.to_string(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => input.line.to_string(),
        };
        let prompt = line.prompt().map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        items.push(RateItem {
            key,
            prompt,
            repetition: None,
        });
    }
    if items.is_empty() {
        bail!("{}: no prompts", path.display());
    }
    Ok((items, manifest::sha256_hex(text.as_bytes())))
}

/// A session's blind order is drawn from its uid, so resuming shows the same order.
fn seed_of(uid: &str) -> u64 {
    u64::from_str_radix(uid.get(..16).unwrap_or("0"), 16).unwrap_or(0)
}

pub async fn run(config: Config, db: &Path, args: RateArgs) -> anyhow::Result<ExitCode> {
    let rater = rater(args.look.rater.clone());
    let store = Store::open(db)?;
    let (session_id, record, session, stored, models) = match (&args.prompts, args.session) {
        (_, Some(id)) => {
            let summary = store.session(id)?.with_context(|| {
                format!(
                    "no session {id} in {} (see slam sessions list)",
                    db.display()
                )
            })?;
            let stored = store.stored_items(id)?;
            if stored.is_empty() {
                bail!("session {id} has no answers to rate");
            }
            let rated = store.rated_generations(id, &rater)?;
            let session = RateSession {
                rated: stored
                    .iter()
                    .map(|i| i.answers.iter().any(|a| rated.contains(&a.generation)))
                    .collect(),
                items: stored
                    .iter()
                    .map(|i| RateItem {
                        key: i.key.clone(),
                        prompt: i.conversation.clone(),
                        repetition: Some(i.repetition),
                    })
                    .collect(),
                cursor: 0,
                stored: true,
            };
            (id, summary.session, session, stored, Vec::new())
        }
        (Some(path), None) => {
            if args.models.is_empty() {
                bail!(
                    "name the models to compare: slam rate --prompts {} -m MODEL -m MODEL",
                    path.display()
                );
            }
            for m in &args.models {
                config.resolve(m, &Default::default())?;
            }
            let (items, hash) = read_prompt_file(path)?;
            let (id, record) =
                match store.find_rate_session(&hash, &args.models, &rater, args.blind)? {
                    Some(id) => {
                        let summary = store.session(id)?.context("session vanished")?;
                        (id, summary.session)
                    }
                    None => {
                        let name = path.file_name().map_or_else(
                            || path.display().to_string(),
                            |f| f.to_string_lossy().into_owned(),
                        );
                        let record = SessionRecord {
                            prompt_set: path.file_stem().map(|f| f.to_string_lossy().into_owned()),
                            prompt_set_hash: Some(hash),
                            models: args.models.clone(),
                            rater: Some(rater.clone()),
                            blind: args.blind,
                            ..SessionRecord::new("rate", name)
                        };
                        (store.insert_session(&record)?, record)
                    }
                };
            let rated = store.rated_prompt_items(id, &rater)?;
            let session = RateSession {
                rated: items.iter().map(|i| rated.contains(&i.key)).collect(),
                items,
                cursor: 0,
                stored: false,
            };
            (id, record, session, Vec::new(), args.models.clone())
        }
        (None, None) => bail!("give --prompts FILE or --session ID"),
    };
    let total = session.items.len();
    let done = session.done();
    let mut rating = RatingState::new(rater.clone(), args.blind, seed_of(&record.uid));
    rating.session = Some(session);
    rating.blind_together = args.look.blind_together;
    let look = load_look(&config, &args.look)?;
    // The input is checked first: a bad prompt file is named even off a terminal.
    super::needs_terminal("slam rate")?;
    tui::run(
        config,
        TuiOptions {
            theme: look.theme,
            keymap: look.keymap,
            selected: models,
            recordings: Vec::new(),
            replay_now: None,
            rating,
            factory: std::sync::Arc::new(Models::default()),
            limits: args.look.limits(),
            memory: Some(tui::memory::path()),
            persist: PersistOptions {
                store: Ok(store),
                session_id: Some(session_id),
                session: record,
                rater,
                stored,
            },
        },
    )
    .await?;
    eprintln!(
        "session {session_id} ({done} of {total} items were rated when it opened): run the same command to resume; results: slam leaderboard --session {session_id}"
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_line_can_continue_a_conversation_and_a_bad_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let line = r#"{"prompt": "And Germany?", "messages": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."}]}"#;
        std::fs::write(&path, format!("{{\"prompt\": \"Hi\"}}\n{line}\n")).unwrap();
        let (items, _) = read_prompt_file(&path).unwrap();
        assert_eq!(items[0].prompt, Prompt::user("Hi"));
        let turns: Vec<&str> = items[1]
            .prompt
            .turns
            .iter()
            .map(|t| t.content.as_str())
            .collect();
        assert_eq!(turns, ["Capital of France?", "Paris.", "And Germany?"]);
        std::fs::write(&path, "{\"prompt\": \"Hi\", \"tools\": 3}\n").unwrap();
        let err = read_prompt_file(&path).unwrap_err().to_string();
        assert!(
            err.ends_with("p.jsonl:1: \"tools\": expected a list of tool definitions (objects)"),
            "{err}"
        );
    }

    #[test]
    fn a_prompt_file_is_jsonl_or_csv_and_an_id_defaults_to_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("p.jsonl");
        std::fs::write(
            &jsonl,
            "{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\", \"id\": 7}\n{\"prompt\": \"c\"}\n",
        )
        .unwrap();
        let (items, _) = read_prompt_file(&jsonl).unwrap();
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["1", "7", "4"]);
        let csv = dir.path().join("p.csv");
        std::fs::write(&csv, "id,prompt,system\nq1,\"Hi, there\",Be brief.\n").unwrap();
        let (items, _) = read_prompt_file(&csv).unwrap();
        assert_eq!(items[0].key, "q1");
        assert_eq!(
            items[0].prompt,
            Prompt::new(Some("Be brief.".to_owned()), "Hi, there")
        );
        std::fs::write(&csv, "id,prompt\n,a\n,b\n").unwrap();
        let (items, _) = read_prompt_file(&csv).unwrap();
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["2", "3"], "an empty id cell is no id");
        std::fs::write(&csv, "id,question\nq1,Hi\n").unwrap();
        let err = read_prompt_file(&csv).unwrap_err().to_string();
        assert!(err.contains("p.csv:2: expected {\"prompt\""), "{err}");
    }
}
