//! Rows as they travel in exports: every row that can move between databases carries a `uid`,
//! and references between rows use uids, never local ids.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::Prompt;
use crate::domain::lenient::lenient;
use crate::domain::rating::{PairOutcome, RatingKind, RatingStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub uid: String,
    /// `tui`, `rate` or `import`.
    pub kind: String,
    pub name: String,
    pub prompt_set: Option<String>,
    pub prompt_set_hash: Option<String>,
    pub models: Vec<String>,
    pub rater: Option<String>,
    pub blind: bool,
    pub created_at: String,
    /// An eval run that stopped before its plan ran out: why, and how many cells are left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<crate::domain::run_stop::RunStop>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptRecord {
    pub uid: String,
    /// The item's id in its prompt set.
    pub item: Option<String>,
    pub system: Option<String>,
    pub user: String,
    /// Model names left to right as the panes showed them (the blind order).
    pub pane_order: Option<Vec<String>>,
    pub created_at: String,
    /// Fields the imported file carried that slam does not use (a SLaM file's `run`,
    /// `prompt_disc`, …), verbatim, in their order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
    /// The conversation as sent, when `system` and `user` do not say it all (earlier turns,
    /// tools, a response format); `user` is then its last user turn, for old readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Prompt>,
    /// The prompt (uid) this one follows up, in the same session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// An answer as stored (a `generations` row) — the stored member of the answer family
/// (`domain::answer` lists them all): built from an `Answer` by `app::persist::generation_record`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationRecord {
    pub uid: String,
    pub model: String,
    /// Backend, model id, GGUF sha256/quantization/size, versions, base_url, hardware.
    pub manifest: Option<Value>,
    pub position: i64,
    pub repetition: i64,
    pub text: String,
    pub params: Option<Value>,
    pub metrics: Option<Value>,
    pub timings: Option<Value>,
    pub finish_reason: Option<String>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub created_at: String,
    /// A thinking model's thinking (the answer is `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// An eval cell's identity: `{"key", "prompt", "params", "model"}` sha256s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<Value>,
    /// An eval cell's check results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Value>,
    /// The concurrency an eval cell ran at (a sweep level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<i64>,
}

/// A score or a vote, with its place in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRecord {
    pub uid: String,
    pub kind: RatingKind,
    /// Score: the generation rated.
    pub generation: Option<String>,
    pub score: Option<u8>,
    pub tags: Vec<String>,
    pub note: Option<String>,
    /// Pair: left and right generation, and which is better.
    pub gen_a: Option<String>,
    pub gen_b: Option<String>,
    pub outcome: Option<PairOutcome>,
    /// Best of several: the best (and the worst) generation.
    pub best: Option<String>,
    pub worst: Option<String>,
    /// Votes: the answers shown, left to right (the blind order, as the rater saw it).
    #[serde(default)]
    pub ballot: Vec<String>,
    /// Scores: the pane the answer was shown in (0 = left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    pub rater: String,
    pub blind: bool,
    pub status: RatingStatus,
    /// The rating this one replaced.
    pub replaces: Option<String>,
    pub created_at: String,
    /// A vote on one criterion (clarity, likability, …); none for the overall vote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
}

impl RatingRecord {
    /// The generation whose export line carries this rating.
    pub fn owner(&self) -> Option<&str> {
        self.generation
            .as_deref()
            .or(self.gen_a.as_deref())
            .or(self.best.as_deref())
            .or(self.worst.as_deref())
    }
}

/// One line of `slam sessions export`: a generation with its session, prompt and ratings — the
/// exported member of the answer family (`domain::answer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportLine {
    pub session: SessionRecord,
    pub prompt: PromptRecord,
    #[serde(flatten)]
    pub generation: GenerationRecord,
    pub ratings: Vec<RatingRecord>,
    /// Judge verdicts on this answer, as stored (a pairwise verdict travels on the
    /// candidate's line, naming both answers by uid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verdicts: Vec<VerdictRecord>,
    /// The answer's sentence embeddings by embedder (`name@sha12`), so similarity can be
    /// recomputed from an export alone.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub embeddings: std::collections::BTreeMap<String, Vec<f32>>,
}

/// The machine in a model's manifest (`monitor::machine::summary`), read back typed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MachineRecord {
    #[serde(deserialize_with = "lenient")]
    pub cpu: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub logical_cpus: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub ram_bytes: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub gpus: Option<Vec<GpuName>>,
    #[serde(deserialize_with = "lenient")]
    pub os: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub arch: Option<String>,
}

/// A GPU as a manifest names it: its name, or an object with one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum GpuName {
    Name(String),
    Object { name: String },
}

impl GpuName {
    pub fn name(&self) -> &str {
        match self {
            GpuName::Name(n) | GpuName::Object { name: n } => n,
        }
    }
}

/// One judge verdict as it travels in exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictRecord {
    pub judge: String,
    pub verdict: Value,
    pub created_at: String,
}

impl VerdictRecord {
    /// The verdict as read (typed; the JSON travels as stored).
    pub fn read(&self) -> crate::analysis::judge::Verdict {
        crate::analysis::judge::Verdict::of(&self.verdict)
    }
}

impl SessionRecord {
    /// A new session with a fresh uid; `created_at` empty means "now" when inserted.
    pub fn new(kind: &str, name: String) -> Self {
        Self {
            uid: super::new_uid(),
            kind: kind.into(),
            name,
            prompt_set: None,
            prompt_set_hash: None,
            models: Vec::new(),
            rater: None,
            blind: false,
            created_at: String::new(),
            stopped: None,
        }
    }
}

impl PromptRecord {
    pub fn new(user: String) -> Self {
        Self {
            uid: super::new_uid(),
            item: None,
            system: None,
            user,
            pane_order: None,
            created_at: String::new(),
            extra: None,
            conversation: None,
            previous: None,
        }
    }

    /// The record of `prompt`: its system prompt and last user turn in the two columns every
    /// reader knows, and the whole conversation beside them when those do not say it all.
    pub fn of(prompt: &Prompt) -> Self {
        Self {
            system: prompt.system.clone(),
            conversation: (!prompt.is_plain()).then(|| prompt.clone()),
            ..Self::new(prompt.user_text().to_owned())
        }
    }

    /// The conversation this prompt was (`system` and `user` when nothing more was stored).
    pub fn prompt(&self) -> Prompt {
        self.conversation
            .clone()
            .unwrap_or_else(|| Prompt::new(self.system.clone(), self.user.clone()))
    }
}

impl GenerationRecord {
    /// A sweep cell (its concurrency level set), not a cell of the plain run.
    pub fn is_sweep(&self) -> bool {
        self.cell
            .as_ref()
            .is_some_and(|c| c.get("level").is_some_and(|v| !v.is_null()))
    }

    /// A sweep cell's concurrency level.
    pub fn level(&self) -> Option<u64> {
        self.cell.as_ref()?.get("level")?.as_u64()
    }

    /// One figure of the stored metrics (`domain::metrics` names them).
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics.as_ref()?.get(name)?.as_f64()
    }

    /// The energy the stored metrics carry.
    pub fn energy(&self) -> Option<crate::domain::energy::GenerationEnergy> {
        serde_json::from_value(self.metrics.as_ref()?.get("energy")?.clone()).ok()
    }

    /// The checks' results: (passed, total), when the answer was checked.
    pub fn checks_passed(&self) -> Option<(u64, u64)> {
        let results = self.checks.as_ref()?.as_array()?;
        let passed = results
            .iter()
            .filter(|r| r.get("passed").and_then(Value::as_bool) == Some(true))
            .count();
        Some((passed as u64, results.len() as u64))
    }

    /// The machine its manifest names.
    pub fn machine(&self) -> Option<MachineRecord> {
        let hardware = self.manifest.as_ref()?.get("hardware")?;
        Some(MachineRecord::deserialize(hardware).unwrap_or_default())
    }

    /// An answer with nothing known but its model and text.
    pub fn new(model: &str, text: String) -> Self {
        Self {
            uid: super::new_uid(),
            model: model.into(),
            manifest: None,
            position: 0,
            repetition: 0,
            text,
            params: None,
            metrics: None,
            timings: None,
            finish_reason: None,
            error_kind: None,
            error_message: None,
            created_at: String::new(),
            thinking: None,
            cell: None,
            checks: None,
            concurrency: None,
        }
    }
}
