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
