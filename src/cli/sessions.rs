//! `slam sessions list | show | export | import | delete`.

use crate::app::files::{Access, write_atomically};
use crate::domain::rating::{RatingKind, RatingStatus};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};

use crate::store::export::{self, write_battles};
use crate::store::import::{import, import_folder};
use crate::store::{Filter, Store};

#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[command(subcommand)]
    pub command: SessionsCommand,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// One line per session: id, kind, name, prompts, answers, ratings.
    List,
    /// A session's prompts, answers and the ratings in force.
    Show { id: i64 },
    /// Write a session: JSONL (every field, ratings with their history; re-importable), CSV
    /// (one row per answer), or its pairwise votes as Chatbot-Arena battles.
    Export {
        id: i64,
        /// Output file (default: standard output). The format follows the extension unless
        /// --format is given.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
    },
    /// Import slam export JSONL, SLaM data files ({"run","prompt","outputs":{model:[text…]}}:
    /// one object, pretty-printed or not, an array of them, or one per line), a folder of them
    /// (one session), or recordings (slam compare --json). Each file or folder is one
    /// transaction.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Import the good lines and list the bad ones (default: a bad line imports nothing).
        #[arg(long)]
        skip_bad: bool,
    },
    /// Delete a session with its prompts, answers and ratings.
    Delete {
        id: i64,
        /// Really delete (without it, say what would be deleted).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    /// Chatbot-Arena battle rows: model_a, model_b, winner (CSV, or JSON with -o *.json).
    Battles,
    /// SLaM data files, one per prompt, into the folder given with -o (SLaM's dashboard reads
    /// them; `slam sessions import DIR` reads them back).
    Slam,
}

pub fn run(db: &Path, args: SessionsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        SessionsCommand::List => list(db),
        SessionsCommand::Show { id } => show(db, id),
        SessionsCommand::Export { id, output, format } => export_session(db, id, output, format),
        SessionsCommand::Import { files, skip_bad } => import_files(db, &files, skip_bad),
        SessionsCommand::Delete { id, yes } => delete(db, id, yes),
    }
}

fn list(db: &Path) -> anyhow::Result<ExitCode> {
    let store = Store::open_read(db)?;
    let sessions = store.sessions()?;
    if sessions.is_empty() {
        println!("no sessions in {}", db.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>4}  {:<6}  {:<24}  {:>7}  {:>7}  {:>7}  {:<24}  models",
        "id", "kind", "name", "prompts", "answers", "ratings", "created"
    );
    for s in sessions {
        println!(
            "{:>4}  {:<6}  {:<24}  {:>7}  {:>7}  {:>7}  {:<24}  {}",
            s.id,
            s.session.kind,
            truncate(&s.session.name, 24),
            s.prompts,
            s.generations,
            s.ratings,
            s.session.created_at,
            s.session.models.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn show(db: &Path, id: i64) -> anyhow::Result<ExitCode> {
    let store = Store::open_read(db)?;
    let summary = store
        .session(id)?
        .with_context(|| format!("no session {id} in {}", db.display()))?;
    let s = &summary.session;
    println!(
        "session {id} · {} · {} · created {}",
        s.kind, s.name, s.created_at
    );
    println!(
        "rater {} · blind {} · models {} · {} prompts, {} answers, {} ratings in force",
        s.rater.as_deref().unwrap_or("–"),
        s.blind,
        s.models.join(", "),
        summary.prompts,
        summary.generations,
        summary.ratings
    );
    let mut last_prompt = String::new();
    for line in store.export_lines(id)? {
        if line.prompt.uid != last_prompt {
            last_prompt = line.prompt.uid.clone();
            println!();
            println!(
                "── prompt {} ──\n{}",
                line.prompt.item.as_deref().unwrap_or(""),
                line.prompt.user
            );
        }
        let g = &line.generation;
        println!(
            "\n  [{}{}] {}",
            g.model,
            if g.repetition > 0 {
                format!(" #{}", g.repetition + 1)
            } else {
                String::new()
            },
            g.text.trim()
        );
        if let Some(e) = &g.error_message {
            println!("  error: {e}");
        }
        for r in line
            .ratings
            .iter()
            .filter(|r| r.status == RatingStatus::Active)
        {
            let what = match r.kind {
                RatingKind::Score => format!(
                    "score {}{}{}",
                    r.score.map_or("–".into(), |s| s.to_string()),
                    if r.tags.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", r.tags.join(", "))
                    },
                    r.note
                        .as_deref()
                        .map(|n| format!(" “{n}”"))
                        .unwrap_or_default()
                ),
                RatingKind::Pair => format!("vote {}", r.outcome.map_or("", |o| o.as_str())),
                RatingKind::Best => "vote best/worst".into(),
            };
            println!(
                "  ↳ {what} by {}{}",
                r.rater,
                if r.blind { " (blind)" } else { "" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn export_session(
    db: &Path,
    id: i64,
    output: Option<PathBuf>,
    format: Option<ExportFormat>,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read(db)?;
    if store.session(id)?.is_none() {
        bail!("no session {id} in {}", db.display());
    }
    let extension = output
        .as_ref()
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let format = format.unwrap_or(match extension.as_str() {
        "csv" => ExportFormat::Csv,
        _ => ExportFormat::Jsonl,
    });
    let mut buffer: Vec<u8> = Vec::new();
    match format {
        ExportFormat::Slam => {
            let Some(dir) = output.as_deref() else {
                bail!("--format slam writes a folder of files: give it with -o DIR");
            };
            return export_slam(dir, &store.export_lines(id)?);
        }
        ExportFormat::Jsonl => export::write_jsonl(&store.export_lines(id)?, &mut buffer)?,
        ExportFormat::Csv => export::write_csv(&store.export_lines(id)?, &mut buffer)?,
        ExportFormat::Battles => {
            let filter = Filter {
                session: Some(id),
                ..Filter::default()
            };
            let kind = if extension == "json" || extension == "jsonl" {
                extension.as_str()
            } else {
                "csv"
            };
            write_battles(&store.battle_rows(&filter)?, kind, &mut buffer)?;
        }
    }
    match output {
        Some(path) => write_atomically(&path, &buffer, Access::Private)?,
        None => std::io::stdout().write_all(&buffer)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// One SLaM data file per prompt into `dir` (created if needed).
fn export_slam(
    dir: &Path,
    lines: &[crate::store::records::ExportLine],
) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let files = crate::store::export_slam::slam_files(lines);
    for (name, text) in &files {
        write_atomically(&dir.join(name), text.as_bytes(), Access::Private)?;
    }
    eprintln!("{}: {} SLaM data files", dir.display(), files.len());
    Ok(ExitCode::SUCCESS)
}

/// The `.json` and `.jsonl` files of a folder, by name: (path, text).
fn read_folder(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read the folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json" || e == "jsonl"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        bail!("{}: no .json or .jsonl files in this folder", dir.display());
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).with_context(|| p.display().to_string())?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

fn import_files(db: &Path, files: &[PathBuf], skip_bad: bool) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(db)?;
    let mut failed = false;
    for file in files {
        let origin = file.display().to_string();
        let imported = if crate::store::import::is_human_eval(file) {
            crate::store::import::import_human_eval(&mut store, file, skip_bad)
        } else if file.is_dir() {
            match read_folder(file) {
                Ok(docs) => import_folder(&mut store, &docs, &origin, skip_bad),
                Err(e) => {
                    eprintln!("{e}");
                    failed = true;
                    continue;
                }
            }
        } else {
            match std::fs::read_to_string(file) {
                Ok(text) => import(&mut store, &text, &origin, skip_bad),
                Err(e) => {
                    eprintln!("{origin}: {e}");
                    failed = true;
                    continue;
                }
            }
        };
        match imported {
            Ok(report) => {
                let sessions: Vec<String> = report
                    .sessions
                    .iter()
                    .map(|(id, name)| format!("{id} ({name})"))
                    .collect();
                println!(
                    "{origin}: {} answers, {} ratings imported{}{}",
                    report.generations,
                    report.ratings,
                    if sessions.is_empty() {
                        String::new()
                    } else {
                        format!(" into session {}", sessions.join(", "))
                    },
                    if report.already_present > 0 {
                        format!("; {} already present", report.already_present)
                    } else {
                        String::new()
                    }
                );
                for skipped in &report.skipped {
                    eprintln!("skipped {skipped}");
                }
                for note in &report.notes {
                    eprintln!("note: {note}");
                }
            }
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn delete(db: &Path, id: i64, yes: bool) -> anyhow::Result<ExitCode> {
    if !yes {
        let store = Store::open_read(db)?;
        let s = store
            .session(id)?
            .with_context(|| format!("no session {id} in {}", db.display()))?;
        eprintln!(
            "would delete session {id} ({}) with {} prompts, {} answers and {} ratings: pass --yes to delete",
            s.session.name, s.prompts, s.generations, s.ratings
        );
        return Ok(ExitCode::FAILURE);
    }
    let store = Store::open(db)?;
    if !store.delete_session(id)? {
        bail!("no session {id} in {}", db.display());
    }
    println!("deleted session {id}");
    Ok(ExitCode::SUCCESS)
}
