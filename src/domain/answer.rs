//! A finished answer, in memory: what a front end (a TUI pane) or the eval runner hands over to
//! be kept. The answer family, one shape each:
//!
//! - in memory while it streams: `domain::generation::Generation` (the one accumulator of a
//!   generation's events; `Recorder` with the engine's typed failures);
//! - in memory when finished: `Answer` (this);
//! - stored: `store::records::GenerationRecord` (a `generations` row, with its manifest, built
//!   from an `Answer` by `app::persist::generation_record`);
//! - exported: `store::records::ExportLine` (a record with its session, prompt, ratings and
//!   verdicts: one line of `slam sessions export`).
//!
//! The rest are views a computation needs and say so: a stored answer to rate
//! (`store::read::StoredAnswer`), the report's side-by-side row (`findings::decision::AnswerRow`),
//! the inputs of consistency, similarity and the leaderboard.

use super::generation::Failure;
use super::metrics::GenerationMetrics;
use super::{EngineTimings, FinishReason, ParamChange};

/// A finished answer, as the session that produced it saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub model: String,
    /// The pane it was shown in (0 = left); the model's index in an eval run.
    pub position: usize,
    pub text: String,
    /// The thinking, kept apart from the answer.
    pub thinking: String,
    /// Parameters not sent as asked; part of the manifest of what produced the answer.
    pub adaptations: Vec<ParamChange>,
    pub metrics: GenerationMetrics,
    pub timings: Option<EngineTimings>,
    pub finish_reason: Option<FinishReason>,
    pub error: Option<Failure>,
}

/// How an answer ended, one mapping for every place that shows it (the live pane, the rating
/// screens, exports, the report), from its finish reason and its error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerState {
    /// The model ended it (an end-of-generation token).
    Complete,
    /// A configured stop string was reached.
    StoppedAtStopString,
    /// The token limit (or the context) was reached: the answer is cut.
    Truncated,
    /// The user cancelled it.
    Cancelled,
    /// slam's per-generation time limit stopped it (the text so far kept).
    TimedOut,
    /// It failed; `kind` is the error's kind (`missing_api_key`, `connection_refused`, …).
    Failed { kind: String },
    /// Still running, or stored without an ending (an import that gave none).
    Unknown,
}

impl AnswerState {
    /// From a finish reason and an error's kind as stored (`finish_reason`, `error_kind`).
    pub fn of(finish_reason: Option<&str>, error_kind: Option<&str>) -> Self {
        match (error_kind, finish_reason) {
            (Some("timeout"), _) => AnswerState::TimedOut,
            (Some(kind), _) => AnswerState::Failed {
                kind: kind.to_owned(),
            },
            (None, Some("stop")) => AnswerState::Complete,
            (None, Some("stop_string")) => AnswerState::StoppedAtStopString,
            (None, Some("length")) => AnswerState::Truncated,
            (None, Some("cancelled")) => AnswerState::Cancelled,
            (None, _) => AnswerState::Unknown,
        }
    }

    /// From an answer's finish reason and failure as they come from the engine.
    pub fn of_answer(finish_reason: Option<FinishReason>, error: Option<&Failure>) -> Self {
        Self::of(
            finish_reason.map(FinishReason::as_str),
            error.map(|e| e.kind.as_str()),
        )
    }

    /// A word or two for a pane's title, an export's column, a report's table.
    pub fn label(&self) -> String {
        match self {
            AnswerState::Complete => "complete".into(),
            AnswerState::StoppedAtStopString => "stopped (stop string)".into(),
            AnswerState::Truncated => "truncated".into(),
            AnswerState::Cancelled => "cancelled".into(),
            AnswerState::TimedOut => "timed out".into(),
            AnswerState::Failed { kind } => format!("failed: {kind}"),
            AnswerState::Unknown => "ending unknown".into(),
        }
    }

    /// A one-word key for machine-read outputs (CSV, JSON).
    pub fn key(&self) -> &'static str {
        match self {
            AnswerState::Complete => "complete",
            AnswerState::StoppedAtStopString => "stop_string",
            AnswerState::Truncated => "truncated",
            AnswerState::Cancelled => "cancelled",
            AnswerState::TimedOut => "timed_out",
            AnswerState::Failed { .. } => "failed",
            AnswerState::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ending_has_one_state() {
        let cases = [
            (Some("stop"), None, "complete"),
            (Some("stop_string"), None, "stopped (stop string)"),
            (Some("length"), None, "truncated"),
            (Some("cancelled"), None, "cancelled"),
            (None, Some("timeout"), "timed out"),
            (Some("length"), Some("timeout"), "timed out"),
            (None, Some("missing_api_key"), "failed: missing_api_key"),
            (None, None, "ending unknown"),
        ];
        for (finish, error, label) in cases {
            assert_eq!(
                AnswerState::of(finish, error).label(),
                label,
                "{finish:?} {error:?}"
            );
        }
    }
}
