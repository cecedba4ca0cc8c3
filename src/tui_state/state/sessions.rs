//! The session browser: every stored session, newest first, and the figures of the one opened.

/// An eval run's report as the TUI shows it: the same figures as `slam report`, as verdict
/// lines, the monthly cost at the quoted volume per model (bars), each model's latency over
/// the run (sparklines) and the report's tables as text lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportView {
    pub title: String,
    pub verdicts: Vec<String>,
    /// What the bars show, e.g. "dollars a month at 10k/day".
    pub bars_caption: String,
    /// Model, whole dollars (the bar) and its label.
    pub bars: Vec<(String, u64, String)>,
    /// Model and its answers' e2e latencies in ms, in the order they were asked.
    pub latency: Vec<(String, Vec<u64>)>,
    pub lines: Vec<String>,
}

/// One stored session as the browser lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLine {
    pub id: i64,
    /// `tui`, `rate`, `import` or `eval`.
    pub kind: String,
    pub name: String,
    pub created: String,
    pub models: String,
    pub prompts: i64,
    pub answers: i64,
    pub ratings: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionsState {
    /// `None` while the store is being read.
    pub rows: Option<Result<Vec<SessionLine>, String>>,
    pub cursor: usize,
    /// The session opened and its figures as text (`None` while they are computed).
    pub figures: Option<(i64, Option<Result<String, String>>)>,
    /// The report screen of an eval run (`None` inside while it is computed).
    pub report: Option<(i64, Option<Result<ReportView, String>>)>,
    /// First line of the figures (or the report's text) shown.
    pub scroll: usize,
    /// Answers to an earlier request are dropped.
    pub request: u64,
}

impl SessionsState {
    pub fn selected(&self) -> Option<&SessionLine> {
        match &self.rows {
            Some(Ok(rows)) => rows.get(self.cursor),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        match &self.rows {
            Some(Ok(rows)) => rows.len(),
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
