//! The picker's "get a model" popup: a search of the Hugging Face Hub (or `ORG/REPO[:QUANT]`
//! typed whole), the repositories found, a repository's GGUF files by quantization, then the
//! download with its progress.

use std::time::Instant;

pub use crate::domain::hub_file::{FileLine, is_repo_id};

/// A repository the search found.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoLine {
    pub id: String,
    pub downloads: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    pub repo: String,
    pub file: FileLine,
    /// The fit check's figures, once known.
    pub fit: Option<String>,
    /// The part being fetched (from 1) and its bytes.
    pub part: usize,
    pub parts: usize,
    pub done: u64,
    pub size: u64,
    /// When this part's bytes started to arrive, and how many were there then (a resumed
    /// part starts with some): the rate counts only what arrived since.
    pub since: Option<(Instant, u64)>,
    /// Bytes per second over this part so far.
    pub rate: Option<f64>,
}

impl Download {
    /// Seconds left at the rate so far.
    pub fn eta_s(&self) -> Option<f64> {
        let rate = self.rate.filter(|r| *r > 0.0)?;
        Some(self.size.saturating_sub(self.done) as f64 / rate)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum PullStage {
    /// Typing a search, or `ORG/REPO[:QUANT]`.
    #[default]
    Query,
    /// Waiting for the Hub: what for.
    Waiting(String),
    Repos(Vec<RepoLine>),
    Files {
        repo: String,
        files: Vec<FileLine>,
    },
    /// The file will not fit in the memory free now: Enter pulls it anyway, Esc goes back.
    Confirm {
        repo: String,
        file: FileLine,
        why: String,
    },
    Downloading(Download),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PullState {
    pub query: String,
    pub stage: PullStage,
    /// The chosen line of a list stage.
    pub cursor: usize,
    /// Answers to an older request (a search typed over, a download stopped) are dropped.
    pub request: u64,
    /// The last error or outcome, under the query.
    pub message: Option<String>,
    /// The files listed before a download started: where Esc and a failure go back to.
    pub listed: Option<(String, Vec<FileLine>)>,
    /// The repositories the last search found: where Esc from a listing goes back to.
    pub found: Option<Vec<RepoLine>>,
}

impl PullState {
    /// Lines of the current list stage.
    pub fn lines(&self) -> usize {
        match &self.stage {
            PullStage::Repos(r) => r.len(),
            PullStage::Files { files, .. } => files.len(),
            _ => 0,
        }
    }
}
