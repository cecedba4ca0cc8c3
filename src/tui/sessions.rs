//! The session browser's reads, off the event loop: the list of sessions and one session's
//! figures, from a read-only connection beside the writer (WAL: reading never blocks it).

use std::path::{Path, PathBuf};

use tokio::sync::mpsc::UnboundedSender;

use crate::analysis::leaderboard::{self, RESAMPLES};
use crate::eval::show;
use crate::report::leaderboard::{bar_lines, table_lines};
use crate::store::records::ExportLine;
use crate::store::{Filter, Store};
use crate::tui_state::event::Event;
use crate::tui_state::state::SessionLine;

pub fn load_sessions(db: Option<PathBuf>, request: u64, events: UnboundedSender<Event>) {
    std::thread::spawn(move || {
        let result = db
            .ok_or_else(|| "no store in this session".to_owned())
            .and_then(|db| list(&db).map_err(|e| e.to_string()));
        let _ = events.send(Event::SessionsLoaded { request, result });
    });
}

fn list(db: &Path) -> anyhow::Result<Vec<SessionLine>> {
    let store = Store::open_read(db)?;
    let mut lines: Vec<SessionLine> = store
        .sessions()?
        .into_iter()
        .map(|s| SessionLine {
            id: s.id,
            kind: s.session.kind,
            name: s.session.name,
            created: s.session.created_at,
            models: s.session.models.join(", "),
            prompts: s.prompts,
            answers: s.generations,
            ratings: s.ratings,
        })
        .collect();
    lines.reverse();
    Ok(lines)
}

pub fn load_figures(
    db: Option<PathBuf>,
    request: u64,
    session: i64,
    kind: String,
    events: UnboundedSender<Event>,
) {
    std::thread::spawn(move || {
        let result = db
            .ok_or_else(|| "no store in this session".to_owned())
            .and_then(|db| figures(&db, session, &kind).map_err(|e| e.to_string()));
        let _ = events.send(Event::FiguresLoaded { request, result });
    });
}

/// A session's figures, then its prompts and answers: an eval's consistency, checks, sweep,
/// judges and similarity; any other session's leaderboard (the judges' columns beside).
fn figures(db: &Path, session: i64, kind: &str) -> anyhow::Result<String> {
    let store = Store::open_read(db)?;
    let mut text = if kind == "eval" {
        crate::report::eval::render(&show::stored(&store, session)?)
    } else {
        leaderboard_text(&store, session)?
    };
    for line in transcript(&store.export_lines(session)?) {
        text.push('\n');
        text.push_str(&line);
    }
    Ok(text)
}

/// Every prompt of a session with its answers, in the order they were stored: the model, the
/// scores given, and the answer's text (or its error).
fn transcript(lines: &[ExportLine]) -> Vec<String> {
    let mut out = vec![
        String::new(),
        format!("prompts and answers ({})", lines.len()),
    ];
    let mut prompt = None;
    for line in lines {
        if prompt != Some(&line.prompt.uid) {
            prompt = Some(&line.prompt.uid);
            out.push(String::new());
            if let Some(system) = line.prompt.system.as_deref().filter(|s| !s.is_empty()) {
                out.extend(system.lines().map(|l| format!("system: {l}")));
            }
            out.extend(line.prompt.user.lines().map(|l| format!("prompt: {l}")));
        }
        let g = &line.generation;
        let scores: Vec<String> = line
            .ratings
            .iter()
            .filter_map(|r| r.score)
            .map(|s| s.to_string())
            .collect();
        let scored = if scores.is_empty() {
            String::new()
        } else {
            format!(" · scored {}", scores.join(", "))
        };
        out.push(format!("  {}{scored}", g.model));
        match (&g.error_message, g.text.is_empty()) {
            (Some(e), _) => out.push(format!("    error: {e}")),
            (None, true) => out.push("    (no text)".to_owned()),
            (None, false) => out.extend(g.text.lines().map(|l| format!("    {l}"))),
        }
    }
    out
}

/// The leaderboard of a session's ratings (judges' columns beside), or why there is none.
fn leaderboard_text(store: &Store, session: i64) -> anyhow::Result<String> {
    let filter = Filter {
        session: Some(session),
        ..Filter::default()
    };
    let board = leaderboard::with_judges(
        leaderboard::compute(
            &store.leaderboard_input(&filter)?,
            RESAMPLES,
            leaderboard::SEED,
        ),
        &crate::analysis::judge::leaderboard_input(&store.verdicts_matching(&filter)?),
        RESAMPLES,
        leaderboard::SEED,
    );
    if board.rows.is_empty() {
        return Ok(format!(
            "no ratings in this session yet (rate it with slam rate --session {session})"
        ));
    }
    let mut lines = table_lines(&board);
    lines.push(String::new());
    lines.extend(bar_lines(&board, 80));
    Ok(lines.join("\n"))
}

/// An eval run's report (the figures of `slam report`, priced with the config's prices).
pub fn load_report(
    db: Option<PathBuf>,
    config: crate::config::Config,
    request: u64,
    session: i64,
    events: UnboundedSender<Event>,
) {
    std::thread::spawn(move || {
        let result = db
            .ok_or_else(|| "no store in this session".to_owned())
            .and_then(|db| {
                let store = Store::open_read(&db).map_err(|e| e.to_string())?;
                crate::eval::decision::from_store(
                    &config,
                    &store,
                    session,
                    None,
                    &Default::default(),
                )
                .map(|d| crate::report::view::view(&d))
                .map_err(|e| e.to_string())
            });
        let _ = events.send(Event::ReportLoaded { request, result });
    });
}
