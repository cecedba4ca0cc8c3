//! What the judge and similarity read of an eval run: its plain answers (no errors, no sweep
//! cells), its baseline, and the humans' pair votes on them.

use anyhow::Context;

use crate::analysis::judge::HumanVote;
use crate::domain::rating::{PairOutcome, RatingKind, RatingStatus};
use crate::store::Store;
use crate::store::records::ExportLine;

/// Answers that count for quality: no error, not a concurrency-sweep cell.
pub fn plain(lines: &[ExportLine]) -> Vec<&ExportLine> {
    lines
        .iter()
        .filter(|l| l.generation.error_kind.is_none() && !l.generation.is_sweep())
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
    use crate::domain::lenient::lenient;
    /// The part of a stored spec that names the baseline, read leniently: a field of another
    /// type is no mark.
    #[derive(serde::Deserialize)]
    struct Stored {
        #[serde(default, deserialize_with = "lenient")]
        models: Option<Vec<Model>>,
    }
    #[derive(serde::Deserialize)]
    struct Model {
        #[serde(default, deserialize_with = "lenient")]
        name: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        baseline: Option<bool>,
    }
    let stored: Stored = toml::from_str(spec?).ok()?;
    stored
        .models?
        .into_iter()
        .find(|m| m.baseline == Some(true))
        .and_then(|m| m.name)
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

#[cfg(test)]
mod tests {
    use super::spec_baseline;

    #[test]
    fn the_baseline_a_stored_spec_marks() {
        let spec = "name = \"x\"\n[[models]]\nname = \"slm\"\n[[models]]\nname = \"gpt-4\"\nbaseline = true\n";
        assert_eq!(spec_baseline(Some(spec)).as_deref(), Some("gpt-4"));
        let unmarked = "[[models]]\nname = \"gpt-4\"\nbaseline = \"yes\"\n";
        assert_eq!(spec_baseline(Some(unmarked)), None);
        assert_eq!(spec_baseline(Some("not = [toml")), None);
        assert_eq!(spec_baseline(None), None);
    }
}
