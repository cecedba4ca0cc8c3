//! Exports: JSONL (one generation per line with its ratings; `slam sessions import` reads it
//! back field for field), CSV (one row per generation with its score in force), and pairwise
//! votes as Chatbot-Arena battle rows.

use crate::domain::answer::AnswerState;
use crate::domain::rating::{RatingKind, RatingStatus};
use std::io::Write;

use super::records::ExportLine;
use super::{Filter, Result, Store, StoreError};
use crate::domain::rating::PairOutcome;

pub fn write_jsonl(lines: &[ExportLine], out: &mut dyn Write) -> std::io::Result<()> {
    for line in lines {
        serde_json::to_writer(&mut *out, line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub fn write_csv(lines: &[ExportLine], out: &mut dyn Write) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "session",
        "prompt_item",
        "user",
        "model",
        "repetition",
        "position",
        "text",
        "score",
        "tags",
        "note",
        "rater",
        "ttft_ms",
        "e2e_ms",
        "decode_tokens_per_s",
        "output_tokens",
        "finish_reason",
        // How the answer ended (`AnswerState`): complete, stop_string, truncated, cancelled,
        // timed_out, failed.
        "state",
        "error",
    ])?;
    for line in lines {
        let g = &line.generation;
        let score = line
            .ratings
            .iter()
            .find(|r| r.kind == RatingKind::Score && r.status == RatingStatus::Active);
        let metric = |name: &str| {
            g.metrics
                .as_ref()
                .and_then(|m| m.get(name))
                .filter(|v| !v.is_null())
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        let opt = |v: Option<String>| v.unwrap_or_default();
        csv.write_record([
            line.session.uid.clone(),
            opt(line.prompt.item.clone()),
            line.prompt.user.clone(),
            g.model.clone(),
            g.repetition.to_string(),
            g.position.to_string(),
            g.text.clone(),
            opt(score.and_then(|s| s.score).map(|s| s.to_string())),
            score.map(|s| s.tags.join(";")).unwrap_or_default(),
            opt(score.and_then(|s| s.note.clone())),
            opt(score.map(|s| s.rater.clone())),
            metric("ttft_ms"),
            metric("e2e_ms"),
            metric("decode_tokens_per_s"),
            metric("output_tokens"),
            opt(g.finish_reason.clone()),
            AnswerState::of(g.finish_reason.as_deref(), g.error_kind.as_deref())
                .key()
                .to_owned(),
            opt(g.error_message.clone()),
        ])?;
    }
    csv.flush()
}

/// One battle as the Chatbot Arena notebooks read it: exactly these three columns.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BattleRow {
    pub model_a: String,
    pub model_b: String,
    /// `model_a`, `model_b`, `tie` or `tie (bothbad)`.
    pub winner: String,
}

impl Store {
    /// Pairwise votes in force (best-of-N votes as their battles), oldest first.
    pub fn battle_rows(&self, filter: &Filter) -> Result<Vec<BattleRow>> {
        let input = self.leaderboard_input(filter)?;
        Ok(input
            .battles
            .into_iter()
            .map(|(model_a, model_b, outcome)| BattleRow {
                model_a,
                model_b,
                winner: match outcome {
                    PairOutcome::A => "model_a",
                    PairOutcome::B => "model_b",
                    PairOutcome::Tie => "tie",
                    PairOutcome::BothBad => "tie (bothbad)",
                }
                .into(),
            })
            .collect())
    }
}

/// Battles as CSV (`.csv`), a JSON array (`.json`, as the Arena's clean_battle files) or JSONL.
pub fn write_battles(rows: &[BattleRow], format: &str, out: &mut dyn Write) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Invalid(format!("writing battles: {e}"));
    match format {
        "csv" => {
            // Written by hand so an empty export still has its header.
            let mut csv = csv::Writer::from_writer(out);
            let csv_io = |e: csv::Error| StoreError::Invalid(format!("writing battles: {e}"));
            csv.write_record(["model_a", "model_b", "winner"])
                .map_err(csv_io)?;
            for row in rows {
                csv.write_record([&row.model_a, &row.model_b, &row.winner])
                    .map_err(csv_io)?;
            }
            csv.flush().map_err(io)
        }
        "json" => {
            serde_json::to_writer_pretty(&mut *out, rows)
                .map_err(|e| StoreError::Invalid(format!("writing battles: {e}")))?;
            out.write_all(b"\n").map_err(io)
        }
        _ => {
            for row in rows {
                serde_json::to_writer(&mut *out, row)
                    .map_err(|e| StoreError::Invalid(format!("writing battles: {e}")))?;
                out.write_all(b"\n").map_err(io)?;
            }
            Ok(())
        }
    }
}
