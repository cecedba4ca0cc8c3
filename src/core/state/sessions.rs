//! The session browser: every stored session, newest first, and the figures of the one opened.

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
    /// First line of the figures shown.
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
