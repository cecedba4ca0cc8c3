//! What the judge and similarity read of an eval run: its plain answers (no errors, no sweep
//! cells), its baseline, and the humans' pair votes on them.

use anyhow::Context;
use serde_json::Value;

use crate::analysis::judge::HumanVote;
use crate::domain::rating::{PairOutcome, RatingKind, RatingStatus};
use crate::store::Store;
use crate::store::records::ExportLine;

/// Answers that count for quality: no error, not a concurrency-sweep cell.
pub fn plain(lines: &[ExportLine]) -> Vec<&ExportLine> {
    lines
        .iter()
        .filter(|l| {
            l.generation.error_kind.is_none()
                && l.generation
                    .cell
                    .as_ref()
                    .is_none_or(|c| c.get("level").is_none_or(Value::is_null))
        })
        .collect()
}

/// The baseline: the one given, else the stored spec's `baseline = true`.
pub fn baseline(store: &Store, session: i64, given: Option<&str>) -> anyhow::Result<String> {
    given
        .map(str::to_owned)
        .or_else(|| spec_baseline(store.session_spec(session).ok().flatten().as_deref()))
        .context("no baseline: give --baseline MODEL (or mark one `baseline = true` in the spec)")
}

/// The baseline named in a stored spec (`baseline = true`), if any.
pub fn spec_baseline(spec: Option<&str>) -> Option<String> {
    let value: toml::Value = toml::from_str(spec?).ok()?;
    value
        .get("models")?
        .as_array()?
        .iter()
        .find(|m| m.get("baseline").and_then(toml::Value::as_bool) == Some(true))
        .and_then(|m| m.get("name")?.as_str().map(str::to_owned))
}

/// The humans' pair votes in force on the session's answers (every rater's vote an item).
pub fn human_votes(lines: &[ExportLine]) -> Vec<HumanVote> {
    lines
        .iter()
        .flat_map(|l| &l.ratings)
        .filter(|r| r.kind == RatingKind::Pair && r.status == RatingStatus::Active)
        .filter(|r| r.criterion.is_none())
        .filter_map(|r| {
            Some(HumanVote {
                first: r.gen_a.clone()?,
                second: r.gen_b.clone()?,
                first_won: match r.outcome? {
                    PairOutcome::A => Some(true),
                    PairOutcome::B => Some(false),
                    _ => None,
                },
            })
        })
        .collect()
}
